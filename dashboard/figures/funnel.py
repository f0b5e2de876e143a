"""Funnel plot (Spiegelhalter 2005): each entity's value against its denominator, with the peer value and the
95% / 99.8% control limits (overdispersion-adjusted when the caller passes adjusted limits).

Pure: DataFrames in, a plotly Figure out. `points` is what queries.stats.funnel_verdict returns plus an
`entity_id` and a display `label` (and `suppressed` when the service hid an entity's counts); `curve` is
queries.stats.funnel_curve. An entity whose counts are suppressed is not plotted at all (its x would be
its denominator); a note says how many entities are not shown. Entities below the minimum denominator are
hollow (shown, never flagged). Labels from the data go through `plain`; ids stay raw in customdata for clicks.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from codedash.dashboard.figures.base import COLORS, empty_figure, figure, plain_all

VERDICT_STYLE = {  # (legend name, colour, symbol)
    "high998": ("Beyond 99.8% limit", COLORS["bad"], "diamond"),
    "high95": ("Beyond 95% limit", "#f08c00", "triangle-up"),
    "within": ("Within limits", COLORS["primary"], "circle"),
    "unassessed": ("Too few to assess", COLORS["muted"], "circle-open"),
}


def _verdict(row) -> str:
    if not row.get("assessed", True):
        return "unassessed"
    if row.get("flag998") in ("high", "low"):
        return "high998"
    if row.get("flag95") in ("high", "low"):
        return "high95"
    return "within"


def funnel_plot(points: pd.DataFrame, curve: pd.DataFrame, p0: float, value_format: str = ".1%",
                selected: str | None = None, height: int = 360) -> go.Figure:
    """Scatter of entities (x = denominator, y = value) over the funnel's limit lines and the peer value."""
    hidden = points.get("suppressed", pd.Series(False, index=points.index)).fillna(False).astype(bool)
    hidden |= points["n"].isna() | points["y"].isna()
    shown = points[~hidden]
    if shown.empty:
        return empty_figure("No entity with enough cases to plot.", height)
    traces = []
    for key, (name, dash) in {"998": ("99.8% limits", "solid"), "95": ("95% limits", "dash")}.items():
        for side in ("lower", "upper"):
            traces.append(dict(type="scatter", mode="lines", x=curve["n"].tolist(), y=curve[f"{side}{key}"].tolist(),
                               name=name, legendgroup=name, showlegend=side == "upper", hoverinfo="skip",
                               line=dict(color=COLORS["muted"], width=1, dash=dash)))
    traces.append(dict(type="scatter", mode="lines", x=[curve["n"].min(), curve["n"].max()], y=[p0, p0],
                       name="Peer value", hoverinfo="skip", line=dict(color="#495057", width=1, dash="dot")))
    verdicts = shown.apply(_verdict, axis=1)
    for key, (name, color, symbol) in VERDICT_STYLE.items():
        part = shown[verdicts == key]
        if part.empty:
            continue
        labels = plain_all(part["label"] if "label" in part else part["entity_id"])
        is_selected = (part["entity_id"].astype(str) == str(selected)).tolist() if selected is not None else []
        traces.append(dict(
            type="scatter", mode="markers", x=part["n"].tolist(), y=part["y"].tolist(), name=name,
            text=labels, customdata=part["entity_id"].astype(str).tolist(),
            marker=dict(color=color, symbol=symbol, size=[13 if s else 8 for s in is_selected] or 8,
                        line=dict(width=1, color="#212529")),
            hovertemplate=f"%{{text}}<br>cases: %{{x:,d}}<br>value: %{{y:{value_format}}}<extra>{name}</extra>"))
    notes = []
    if hidden.any():
        n_hidden = int(hidden.sum())
        notes.append(dict(text=f"{n_hidden} entit{'y' if n_hidden == 1 else 'ies'} with too few cases not plotted",
                          x=1, y=0, xref="paper", yref="paper", xanchor="right", yanchor="bottom",
                          showarrow=False, font=dict(color=COLORS["muted"], size=10)))
    return figure(traces, height, on_top=dict(showlegend=True, legend=dict(orientation="h", y=1.12, x=0)),
                  annotations=notes, xaxis=dict(title="cases (denominator)", type="log", tickformat=",d"),
                  yaxis=dict(title="value", tickformat=value_format))
