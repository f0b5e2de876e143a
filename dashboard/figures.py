"""Pure figure builders: DataFrame in, plotly Figure out. No Dash, no DuckDB."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from queries.suppression import MARKER

FONT = "Inter, -apple-system, Segoe UI, Roboto, sans-serif"
COLORS = {"primary": "#1c7ed6", "muted": "#868e96", "good": "#2f9e44", "bad": "#e03131", "grid": "#e9ecef"}
_TICKFORMAT = {"percent": ".1%", "usd": "$,.3s", "index": ".2f", "count": ",d"}


def _base_layout(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(
        height=height, margin=dict(l=8, r=8, t=8, b=8), font=dict(family=FONT, size=11),
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)", showlegend=False,
    )
    fig.update_xaxes(showgrid=False, zeroline=False)
    fig.update_yaxes(gridcolor=COLORS["grid"], zeroline=False)
    return fig


def empty_figure(message: str, height: int = 120) -> go.Figure:
    """One empty state for every chart: no axes, a sentence saying why."""
    fig = go.Figure()
    fig.add_annotation(text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font=dict(color=COLORS["muted"], size=12))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _base_layout(fig, height)


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
    fmt = _TICKFORMAT.get(unit, ",")
    fig = go.Figure(go.Scatter(
        x=monthly["month"], y=values, mode="lines+markers", connectgaps=False,
        line=dict(color=COLORS["primary"], width=2), marker=dict(size=4),
        name=label, hovertemplate=f"%{{x|%b %Y}}<br>{label}: %{{y:{fmt}}}<extra></extra>",
    ))
    suppressed = monthly.get("suppressed", pd.Series(False, index=monthly.index)).astype(bool) & values.isna()
    if suppressed.any():
        fig.add_trace(go.Scatter(
            x=monthly.loc[suppressed, "month"], y=[values.min()] * int(suppressed.sum()), mode="text",
            text=[MARKER] * int(suppressed.sum()), textfont=dict(color=COLORS["muted"]),
            hovertemplate=f"%{{x|%b %Y}}<br>suppressed (small count)<extra></extra>",
        ))
    fig.update_yaxes(tickformat=fmt, nticks=4)
    fig.update_xaxes(tickformat="%b %y", dtick=month_tick_step(len(monthly)))
    return _base_layout(fig, height)
