"""The one theme and the one empty state shared by every figure."""
from __future__ import annotations

import plotly.graph_objects as go


FONT = "Inter, -apple-system, Segoe UI, Roboto, sans-serif"
COLORS = {"primary": "#1c7ed6", "muted": "#868e96", "good": "#2f9e44", "bad": "#e03131", "grid": "#e9ecef"}
TICKFORMAT = {"percent": ".1%", "usd": "$,.3s", "index": ".2f", "count": ",d"}


def base_layout(fig: go.Figure, height: int) -> go.Figure:
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
    return base_layout(fig, height)


