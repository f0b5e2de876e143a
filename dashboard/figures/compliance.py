"""Compliance figures: an E/M level distribution against peers (the funnel plot is dashboard/figures/funnel.py)."""
from __future__ import annotations

import pandas as pd

from codedash.dashboard.figures.base import COLORS, empty_figure, figure, plain, plain_all


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
