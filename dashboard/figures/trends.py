"""Monthly trend lines, drawn one way everywhere: suppressed months are gaps, run-out months are dashed.

- A suppressed month (small-cell rule) is a gap in the line, never a zero; a mark on the axis at that month
  carries the ‡ marker in its hover, and one legend entry "‡ suppressed (small count)" explains it.
- An incomplete (run-out) month (queries/periods.py: fewer than the setting's share of its claims have a
  first adjudication) is drawn dashed, joined to the last complete month, with "incomplete" in its hover and
  a legend entry per series; the frame says which months with columns `incomplete` and `share_adjudicated`.

Pure functions (no Dash, no DuckDB): traces and layout pieces for `codedash.dashboard.figures.base.figure`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from codedash.dashboard.figures.base import COLORS, plain
from codedash.queries.suppression import MARKER

SUPPRESSED_NAME = f"{MARKER} suppressed (small count)"
INCOMPLETE_SUFFIX = "incomplete month (run-out)"
# the suppression marks sit on their own hidden axis at the bottom of the plot, so they never read as a value
MARK_AXIS = "y9"
MARK_LAYOUT = {"yaxis9": dict(overlaying="y", range=[0, 1], visible=False, fixedrange=True, showgrid=False)}


def flags(monthly: pd.DataFrame, col: str) -> np.ndarray:
    if col not in monthly:
        return np.zeros(len(monthly), dtype=bool)
    return monthly[col].fillna(False).astype(bool).to_numpy()


def _share_text(monthly: pd.DataFrame) -> list[str]:
    shares = monthly["share_adjudicated"] if "share_adjudicated" in monthly else pd.Series([None] * len(monthly))
    out = []
    for s in shares:
        out.append("" if s is None or pd.isna(s) else f" ({float(s):.0%} of claims adjudicated)")
    return out


def series(monthly: pd.DataFrame, col: str, name: str, color: str, value_format: str, *, width: int = 2,
           marker_size: int = 4, show_legend: bool = True, group: str | None = None) -> list[dict]:
    """The line of one monthly measure: solid over complete months, dashed over incomplete ones.

    `name` is plain text (escaped here). Suppressed or undefined values are gaps (connectgaps off)."""
    x = monthly["month"]
    y = monthly[col].astype("float64").to_numpy()
    inc = flags(monthly, "incomplete")
    label = plain(name)
    group = group or label
    solid = np.where(inc, np.nan, y)
    traces = [dict(type="scatter", x=x, y=solid, mode="lines+markers", connectgaps=False, name=label,
                   legendgroup=group, showlegend=show_legend, line=dict(color=color, width=width),
                   marker=dict(size=marker_size),
                   # names are data: referenced, never spliced into the template (a name could hold %{...})
                   hovertemplate=f"%{{x|%b %Y}}<br>%{{fullData.name}}: %{{y:{value_format}}}<extra></extra>")]
    if inc.any():
        # the dashed part starts at the last complete month before each incomplete run, so the line continues
        keep = inc.copy()
        starts = np.flatnonzero(inc & ~np.r_[False, inc[:-1]])
        for i in starts:
            if i > 0 and not np.isnan(y[i - 1]):
                keep[i - 1] = True
        dashed = np.where(keep, y, np.nan)
        notes = [f" — incomplete{t}" if i else "" for i, t in zip(inc, _share_text(monthly))]
        traces.append(dict(
            type="scatter", x=x, y=dashed, mode="lines+markers", connectgaps=False,
            name=f"{label} — {INCOMPLETE_SUFFIX}", legendgroup=group, showlegend=show_legend,
            line=dict(color=color, width=width, dash="dash"),
            marker=dict(size=marker_size + 2, symbol="circle-open", color=color), customdata=notes, meta=label,
            hovertemplate=f"%{{x|%b %Y}}%{{customdata}}<br>%{{meta}}: %{{y:{value_format}}}<extra></extra>"))
    return traces


def suppressed_marks(monthly: pd.DataFrame, cols: list[str], show_legend: bool = True) -> list[dict]:
    """One legend entry and a ‡ mark at the foot of the plot for each month whose value is suppressed."""
    sup = flags(monthly, "suppressed") & monthly[cols].isna().any(axis=1).to_numpy()
    if not sup.any():
        return []
    n = int(sup.sum())
    return [dict(type="scatter", x=monthly.loc[sup, "month"], y=[0.02] * n, yaxis=MARK_AXIS, mode="markers+text",
                 text=[MARKER] * n, textposition="top center", textfont=dict(color=COLORS["muted"], size=11),
                 marker=dict(symbol="line-ns-open", size=8, color=COLORS["muted"], line=dict(width=2)),
                 name=SUPPRESSED_NAME, showlegend=show_legend, cliponaxis=False,
                 hovertemplate=f"%{{x|%b %Y}}<br>{MARKER} suppressed (small count): not shown<extra></extra>")]


def incomplete_note(monthly: pd.DataFrame) -> list[dict]:
    """An 'incomplete' label over the first incomplete month (for small charts without a legend)."""
    inc = flags(monthly, "incomplete")
    if not inc.any():
        return []
    first = monthly["month"].iloc[int(np.flatnonzero(inc)[0])]
    return [dict(text="incomplete", x=first, xref="x", y=1, yref="paper", yanchor="bottom", showarrow=False,
                 font=dict(size=9, color=COLORS["muted"]))]
