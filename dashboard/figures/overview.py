"""Overview figures: KPI trends."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.base import TICKFORMAT, COLORS, empty_figure, figure
from queries.suppression import MARKER


def month_tick_step(n_months: int) -> str:
    """A plotly dtick that labels each month once: every month up to 6, then every 3rd, 6th or 12th."""
    for limit, step in ((6, 1), (18, 3), (36, 6)):
        if n_months <= limit:
            return f"M{step}"
    return "M12"


def kpi_trend(monthly: pd.DataFrame, metric: str, label: str, unit: str, height: int = 120) -> go.Figure:
    """Monthly trend of one KPI; suppressed months are gaps marked with the suppression marker."""
    if monthly.empty or metric not in monthly:
        return empty_figure("No encounters in this period", height)
    values = monthly[metric].astype("float64")
    if values.isna().all():
        return empty_figure(f"{MARKER} all months suppressed or undefined", height)
    fmt = TICKFORMAT.get(unit, ",")
    traces = [dict(
        type="scatter", x=monthly["month"], y=values, mode="lines+markers", connectgaps=False,
        line=dict(color=COLORS["primary"], width=2), marker=dict(size=4),
        name=label, hovertemplate=f"%{{x|%b %Y}}<br>{label}: %{{y:{fmt}}}<extra></extra>",
    )]
    suppressed = monthly.get("suppressed", pd.Series(False, index=monthly.index)).astype(bool) & values.isna()
    if suppressed.any():
        traces.append(dict(
            type="scatter", x=monthly.loc[suppressed, "month"], y=[values.min()] * int(suppressed.sum()),
            mode="text", text=[MARKER] * int(suppressed.sum()), textfont=dict(color=COLORS["muted"]),
            hovertemplate="%{x|%b %Y}<br>suppressed (small count)<extra></extra>",
        ))
    return figure(traces, height, yaxis=dict(tickformat=fmt, nticks=4),
                  xaxis=dict(tickformat="%b %y", dtick=month_tick_step(len(monthly))))
