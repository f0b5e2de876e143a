"""Compliance figures: the funnel plot of one peer group and an E/M level distribution against peers."""
from __future__ import annotations

import pandas as pd

from dashboard.figures.base import COLORS, empty_figure, figure, plain, plain_all

_FLAG_COLOR = {"high": COLORS["bad"], "low": "#f08c00", "within": COLORS["primary"]}


def funnel_plot(points: pd.DataFrame, curve: pd.DataFrame, p0: float | None, measure_name: str,
                peer_label: str | None, height: int = 360):
    """Value against denominator with the target and the 95% / 99.8% control limits (Spiegelhalter 2005).

    points: entity_id, entity_label, denominator, value, flag998, assessed, selected; curve: n, lower95, upper95,
    lower998, upper998. Entities flagged at 99.8% are red, below the minimum denominator hollow grey; the
    selected one is ringed. Clicking a point reads its entity id from customdata."""
    if p0 is None or curve.empty:
        return empty_figure("No entity has this measure for these filters.", height)
    curve = curve.copy()
    for col in ("lower95", "upper95", "lower998", "upper998"):
        curve[col] = curve[col].clip(0, 1)          # a widened limit past 0 or 100% is the axis edge
    traces = []
    for col, dash_, name in (("upper998", "solid", "99.8% limit"), ("lower998", "solid", None),
                             ("upper95", "dash", "95% limit"), ("lower95", "dash", None)):
        traces.append(dict(type="scatter", mode="lines", x=curve["n"].tolist(), y=curve[col].tolist(),
                           line=dict(color=COLORS["muted"], dash=dash_, width=1), hoverinfo="skip",
                           name=name or "", showlegend=name is not None))
    traces.append(dict(type="scatter", mode="lines", x=[curve["n"].min(), curve["n"].max()], y=[p0, p0],
                       line=dict(color=COLORS["good"], width=1), name="peer value", hoverinfo="skip"))
    if len(points):
        assessed = points["assessed"].astype(bool)
        colors = [(_FLAG_COLOR.get(f, COLORS["primary"]) if a else COLORS["muted"])
                  for f, a in zip(points["flag998"].fillna("within"), assessed)]
        symbols = ["circle" if a else "circle-open" for a in assessed]
        sizes = [13 if s else 8 for s in points["selected"].astype(bool)]
        verdict = [plain(f) if a else "below minimum: not assessed" for f, a in zip(points["flag998"].fillna(""), assessed)]
        traces.append(dict(
            type="scatter", mode="markers", x=points["denominator"].tolist(), y=points["value"].tolist(),
            marker=dict(color=colors, symbol=symbols, size=sizes, line=dict(width=1, color="#212529")),
            customdata=points["entity_id"].astype(str).tolist(), text=plain_all(points["entity_label"]),
            hovertext=verdict, name="entities",
            hovertemplate="%{text}<br>value %{y:.1%} of %{x:,}<br>99.8%: %{hovertext}<extra></extra>"))
    axis = plain(measure_name) + (f" — peers: {plain(peer_label)}" if peer_label else "")
    return figure(traces, height, on_top=dict(showlegend=True, legend=dict(orientation="h", y=-0.25)),
                  xaxis=dict(title=dict(text=f"Denominator ({axis})"), type="log"),
                  yaxis=dict(title=dict(text="Value"), tickformat=".0%", rangemode="tozero"))


def em_levels(dist: pd.DataFrame, entity_label: str | None, peer_label: str | None, height: int = 300):
    """Share of each E/M level: the provider beside its specialty peers (CMS Comparative Billing Report style).

    dist: code, entity_share, peer_share (suppressed shares are NaN and drawn as gaps)."""
    if dist.empty or entity_label is None:
        return empty_figure("Select a provider (click the funnel) to compare its E/M levels with its peers.", height)
    codes = plain_all(dist["code"])
    traces = [
        dict(type="bar", x=codes, y=dist["entity_share"].tolist(), name=plain(entity_label),
             marker=dict(color=COLORS["bad"]), hovertemplate="%{x}: %{y:.1%}<extra></extra>"),
        dict(type="bar", x=codes, y=dist["peer_share"].tolist(), name=plain(f"peers: {peer_label or 'all'}"),
             marker=dict(color=COLORS["primary"]), hovertemplate="%{x}: %{y:.1%}<extra></extra>"),
    ]
    return figure(traces, height, on_top=dict(showlegend=True, legend=dict(orientation="h", y=-0.2)),
                  barmode="group", yaxis=dict(tickformat=".0%", title=dict(text="Share of the family's lines")),
                  xaxis=dict(type="category"))
