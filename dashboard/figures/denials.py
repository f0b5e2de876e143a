"""Reimbursement and denials figures: pure functions DataFrame -> plotly Figure (no Dash, no DuckDB).

Bars that can be clicked to cross-filter carry the group's raw id in `customdata`; suppressed values
are gaps labelled with the suppression marker, never zeros. Names and codes from the data are shown
through `plain` (markup is text).
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from codedash.dashboard.figures import trends
from codedash.dashboard.figures.base import COLORS, SELECTED_PATTERN, TICKFORMAT, empty_figure, figure, plain_all
from codedash.dashboard.figures.overview import month_tick_step
from codedash.queries.suppression import MARKER

SERIES_COLORS = {"charges": COLORS["muted"], "allowed_amount": COLORS["secondary"], "paid_amount": COLORS["primary"]}
SERIES_LABELS = {"charges": "Charges", "allowed_amount": "Allowed", "paid_amount": "Paid"}


# Every builder here makes its figure in one step (figures.base.figure): plotly's update_* calls cost
# milliseconds each, and the denials page renders a dozen of these per filter change.
_LEGEND_ON_TOP = dict(showlegend=True, legend=dict(orientation="h", y=1.12, x=0))


def _suppressed(df: pd.DataFrame) -> pd.Series:
    return df.get("suppressed", pd.Series(False, index=df.index)).fillna(False).astype(bool)


def money_trend(monthly: pd.DataFrame, height: int = 260) -> go.Figure:
    """Charges, allowed and paid by discharge month; run-out months dashed, suppressed months gaps."""
    if monthly.empty:
        return empty_figure("No service lines in this period", height)
    cols = ["charges", "allowed_amount", "paid_amount"]
    traces = [t for col in cols for t in trends.series(monthly, col, SERIES_LABELS[col], SERIES_COLORS[col], "$,.0f")]
    traces += trends.suppressed_marks(monthly, cols)
    return figure(traces, height, yaxis=dict(tickformat=TICKFORMAT["usd"]),
                  xaxis=dict(tickformat="%b %y", dtick=month_tick_step(len(monthly))),
                  on_top={**_LEGEND_ON_TOP, **trends.MARK_LAYOUT})


def hfma_trend(monthly: pd.DataFrame, height: int = 240) -> go.Figure:
    """HFMA initial denial rates (claims and gross charges) by reporting month; run-out months dashed,
    suppressed months and months without three prior months of submissions are gaps."""
    if monthly.empty:
        return empty_figure("No claims adjudicated in this period", height)
    cols = {"hfma_denial_rate_claims": ("Claims (HFMA)", COLORS["primary"]),
            "hfma_denial_rate_dollars": ("Gross charges (HFMA)", COLORS["muted"])}
    traces = [t for col, (name, color) in cols.items() for t in trends.series(monthly, col, name, color, ".1%")]
    traces += trends.suppressed_marks(monthly, list(cols))
    return figure(traces, height, yaxis=dict(tickformat=TICKFORMAT["percent"], rangemode="tozero"),
                  xaxis=dict(tickformat="%b %y", dtick=month_tick_step(len(monthly))),
                  on_top={**_LEGEND_ON_TOP, **trends.MARK_LAYOUT})


def rate_bars(df: pd.DataFrame, id_col: str, label_col: str, metric: str, metric_label: str,
              selected: str | None = None, empty_message: str = "No claims in this period",
              height: int | None = None, show_id: bool = True) -> go.Figure:
    """Horizontal bars of one rate per group, largest on top; the selected group is highlighted.

    Labels read "name (id)" unless show_id is False (categories, whose ids are internal keys); the whole
    label is kept (automargin), never cut.

    Each bar's customdata is the group id (for cross-filtering). Suppressed groups show the marker.
    """
    if df.empty:
        return empty_figure(empty_message, height or 200)
    data = df.copy()
    data["_value"] = data[metric].astype("float64")
    data = data.sort_values("_value", ascending=True, na_position="first")
    sup = _suppressed(data) & data["_value"].isna()
    chosen = [selected is not None and str(g) == str(selected) for g in data[id_col]]
    colors = [COLORS["bad"] if c else COLORS["primary"] for c in chosen]
    labels = plain_all(f"{lab} ({gid})" if show_id and str(lab) != str(gid) else str(lab)
                       for lab, gid in zip(data[label_col], data[id_col]))
    text = [f"{MARKER} suppressed" if s else ("" if pd.isna(v) else f"{v:.1%}")
            for v, s in zip(data["_value"], sup)]
    bar = dict(
        type="bar", x=data["_value"].fillna(0.0).where(~sup, 0.0), y=labels, orientation="h",
        marker=dict(color=colors, pattern=dict(shape=[SELECTED_PATTERN if c else "" for c in chosen])),
        customdata=data[id_col].astype(str), text=text, textposition="auto",
        cliponaxis=False, hovertemplate=f"%{{y}}<br>{metric_label}: %{{text}}<extra></extra>")
    return figure([bar], height or max(160, 26 * len(data) + 40),
                  xaxis=dict(tickformat=TICKFORMAT["percent"], rangemode="tozero", nticks=6),
                  yaxis=dict(automargin=True, tickfont=dict(size=11)))


def denial_trend(monthly: pd.DataFrame, focus_label: str | None, height: int = 280) -> go.Figure:
    """Monthly initial denial rate (claims), overall and for the focus payer/reason when one is chosen.

    Suppressed months are gaps with a ‡ mark at the foot (hover and one legend entry), never 0%; run-out
    months are dashed and labelled incomplete."""
    if monthly.empty:
        return empty_figure("No claims adjudicated in this period", height)
    traces = trends.series(monthly, "denial_rate_count", "All claims (initial denial rate)", COLORS["muted"], ".1%")
    cols = ["denial_rate_count"]
    if focus_label:
        traces += trends.series(monthly, "focus_denial_rate_count", str(focus_label), COLORS["bad"], ".1%",
                                marker_size=5)
        cols.append("focus_denial_rate_count")
    traces += trends.suppressed_marks(monthly, cols)
    return figure(traces, height, yaxis=dict(tickformat=TICKFORMAT["percent"], rangemode="tozero"),
                  xaxis=dict(tickformat="%b %y", dtick=month_tick_step(len(monthly))),
                  on_top={**_LEGEND_ON_TOP, **trends.MARK_LAYOUT})


def pareto(df: pd.DataFrame, selected: str | None = None, height: int = 300) -> go.Figure:
    """Denied dollars by CARC (bars, largest first) with the cumulative share (line, right axis)."""
    if df.empty:
        return empty_figure("No denied lines in this period", height)
    labels = plain_all(f"{r} · {c}" for r, c in zip(df["reason"], df["category_label"]))
    sup = _suppressed(df) & df["denied_amount"].isna()
    chosen = [selected is not None and str(code) == str(selected) for code in df["carc_code"]]
    colors = [COLORS["bad"] if c else COLORS["primary"] for c in chosen]
    traces = [
        dict(type="bar", x=labels, y=df["denied_amount"].astype("float64").fillna(0.0),
             marker=dict(color=colors, pattern=dict(shape=[SELECTED_PATTERN if c else "" for c in chosen])),
             customdata=df["carc_code"].astype(str), name="Denied dollars",
             text=[f"{MARKER}" if s else "" for s in sup], textposition="outside",
             hovertemplate="%{x}<br>Denied: %{y:$,.0f}<extra></extra>"),
        dict(type="scatter", x=labels, y=df["cumulative_share"].astype("float64"), mode="lines+markers",
             yaxis="y2", name="Cumulative share", line=dict(color=COLORS["team"], width=2, dash="dot"),
             connectgaps=False,
             hovertemplate="%{x}<br>Cumulative: %{y:.1%}<extra></extra>")]
    return figure(traces, height, on_top=dict(
        yaxis=dict(tickformat=TICKFORMAT["usd"], gridcolor=COLORS["grid"]),
        yaxis2=dict(overlaying="y", side="right", range=[0, 1.05], tickvals=[0, 0.25, 0.5, 0.75, 1],
                    tickformat=".0%", showgrid=False),
        showlegend=True, legend=dict(orientation="h", y=1.12, x=0), margin=dict(l=8, r=44, t=8, b=8),
        xaxis=dict(tickangle=-40, automargin=True, tickfont=dict(size=10))))


def distribution(df: pd.DataFrame, measure_label: str, height: int = 200) -> go.Figure:
    """Lines per day bucket for one duration measure."""
    if df.empty:
        return empty_figure(f"No lines for {measure_label.lower()}", height)
    sup = _suppressed(df) & df["n_lines"].isna()
    bar = dict(type="bar", x=plain_all(df["bucket"]), y=df["n_lines"].astype("float64").fillna(0.0),
               marker=dict(color=COLORS["primary"]), text=[MARKER if s else "" for s in sup], textposition="outside",
               hovertemplate="%{x} days<br>lines: %{y:,d}<extra></extra>")
    return figure([bar], height, xaxis=dict(title=dict(text="days", font=dict(size=10)), type="category"),
                  yaxis=dict(tickformat=",d"))


def cmi_trend(monthly: pd.DataFrame, height: int = 240) -> go.Figure:
    """Monthly case mix index; months with no weighted DRG are gaps with a note, never zeros; suppressed
    months are gaps marked ‡; run-out months dashed."""
    if monthly.empty:
        return empty_figure("No inpatient discharges in this period", height)
    values = monthly["case_mix_index"].astype("float64")
    if values.isna().all():
        return empty_figure("No CMI: the reference tables carry MS-DRG weights only for FY2026 versions "
                            "(discharges from Oct 2025)", height)
    traces = trends.series(monthly, "case_mix_index", "Case mix index", COLORS["primary"], ".3f")
    sup = trends.flags(monthly, "suppressed")
    missing = values.isna().to_numpy() & ~sup
    if missing.any():
        n = int(missing.sum())
        traces.append(dict(
            type="scatter", x=monthly.loc[missing, "month"], y=[0.02] * n, yaxis=trends.MARK_AXIS,
            mode="markers", marker=dict(symbol="line-ns-open", size=8, color=COLORS["muted"], line=dict(width=2)),
            name="no MS-DRG weights", showlegend=True,
            hovertemplate="%{x|%b %Y}<br>no CMI: no MS-DRG weights for this month's DRG version<extra></extra>"))
    traces += trends.suppressed_marks(monthly, ["case_mix_index"])
    return figure(traces, height, yaxis=dict(tickformat=TICKFORMAT["index"]),
                  xaxis=dict(tickformat="%b %y", dtick=month_tick_step(len(monthly))),
                  on_top={**_LEGEND_ON_TOP, **trends.MARK_LAYOUT})
