"""Overview figures: KPI trends."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from codedash.dashboard.figures import trends
from codedash.dashboard.figures.base import TICKFORMAT, COLORS, empty_figure, figure
from codedash.queries.suppression import MARKER


def month_tick_step(n_months: int) -> str:
    """A plotly dtick that labels each month once: every month up to 6, then every 3rd, 6th or 12th."""
    for limit, step in ((6, 1), (18, 3), (36, 6)):
        if n_months <= limit:
            return f"M{step}"
    return "M12"


def kpi_trend(monthly: pd.DataFrame, metric: str, label: str, unit: str, height: int = 120) -> go.Figure:
    """Monthly trend of one KPI: suppressed months are gaps marked ‡ at the foot, run-out months dashed and
    labelled "incomplete" (dashboard/figures/trends.py)."""
    if monthly.empty or metric not in monthly:
        return empty_figure("No encounters in this period", height)
    values = monthly[metric].astype("float64")
    if values.isna().all():
        return empty_figure(f"{MARKER} all months suppressed or undefined", height)
    fmt = TICKFORMAT.get(unit, ",")
    traces = [*trends.series(monthly, metric, label, COLORS["primary"], fmt, show_legend=False),
              *trends.suppressed_marks(monthly, [metric], show_legend=False)]
    notes = trends.incomplete_note(monthly)
    return figure(traces, height, yaxis=dict(tickformat=fmt, nticks=4), annotations=notes,
                  xaxis=dict(tickformat="%b %y", dtick=month_tick_step(len(monthly))),
                  on_top={**trends.MARK_LAYOUT, **({"margin": dict(l=8, r=8, t=16, b=8)} if notes else {})})
