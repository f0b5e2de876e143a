"""Figures of the data-quality page: DataFrame in, plotly Figure out (no Dash, no DuckDB).

Suppressed cells arrive as missing values with `suppressed=True`; they are drawn as gaps marked ‡,
never as zeros. Check ids, table, column and run names are shown through `plain` (markup is text).
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from codedash.dashboard.figures.base import figure, CATEGORICAL, COLORS, SERIES_DASHES, TICKFORMAT, empty_figure, plain, plain_all
from codedash.queries.suppression import MARKER

_PALETTE = list(CATEGORICAL)


def _suppressed(df: pd.DataFrame) -> pd.Series:
    if "suppressed" in df:
        return df["suppressed"].fillna(False).astype(bool)
    return pd.Series(False, index=df.index)


def failures_matrix(df: pd.DataFrame) -> go.Figure:
    """Heatmap of % failed rows, checks (rows) × tables (columns); text = failed rows or ‡."""
    if df.empty:
        return empty_figure("No check results in this run", 200)
    checks = sorted(df["check_id"].unique(), reverse=True)
    tables = sorted(df["table_name"].unique())
    z = [[None] * len(tables) for _ in checks]
    text = [[""] * len(tables) for _ in checks]
    hidden = _suppressed(df)
    for (_, row), sup in zip(df.iterrows(), hidden):
        i, j = checks.index(row["check_id"]), tables.index(row["table_name"])
        if sup:
            text[i][j] = MARKER
        else:
            z[i][j] = None if pd.isna(row["pct_failed"]) else float(row["pct_failed"])
            text[i][j] = f"{int(row['rows_failed']):,}"
    heatmap = go.Heatmap(
        z=z, x=plain_all(tables), y=plain_all(checks), text=text, texttemplate="%{text}", zmin=0,
        zmax=max(0.05, max((v for r in z for v in r if v is not None), default=0)),
        colorscale=[[0, "#f8f9fa"], [0.0001, "#ffe3e3"], [1, COLORS["bad"]]],
        colorbar=dict(tickformat=TICKFORMAT["percent"], title=dict(text="% failed", side="right"), thickness=10),
        hovertemplate="%{y} on %{x}<br>failed rows: %{text}<br>% failed: %{z:.2%}<extra></extra>",
        xgap=2, ygap=2)
    return figure([heatmap], max(220, 28 * len(checks) + 80),
                  on_top=dict(yaxis=dict(gridcolor="rgba(0,0,0,0)", automargin=True),
                              xaxis=dict(side="top", automargin=True)))


def completeness_bars(df: pd.DataFrame) -> go.Figure:
    """Completeness (% of rows filled) of every column that has missing values, grouped by table."""
    if df.empty:
        return empty_figure("No completeness recorded for this run", 160)
    data = df.copy()
    data["completeness"] = (data["rows_present"] / data["rows_total"]).where(data["rows_total"] > 0)
    gaps = data[data["completeness"].notna() & (data["completeness"] < 1)]
    if gaps.empty:
        return empty_figure("Every column of every table is 100% complete", 160)
    gaps = gaps.sort_values(["table_name", "completeness"], ascending=[False, False])
    labels = plain_all(gaps["table_name"] + " · " + gaps["column_name"])
    tables = sorted(gaps["table_name"].unique())
    colors = [_PALETTE[tables.index(t) % len(_PALETTE)] for t in gaps["table_name"]]
    bar = dict(
        type="bar", x=gaps["completeness"], y=labels, orientation="h", marker=dict(color=colors),
        text=[f"{v:.1%}" for v in gaps["completeness"]], textposition="outside", cliponaxis=False,
        customdata=gaps[["rows_null", "rows_total"]].to_numpy(),
        hovertemplate="%{y}<br>%{x:.1%} complete<br>%{customdata[0]:,} of %{customdata[1]:,} rows empty<extra></extra>")
    return figure([bar], max(180, 22 * len(gaps) + 60), on_top=dict(
        xaxis=dict(range=[0, 1.12], tickformat=TICKFORMAT["percent"], showgrid=True, gridcolor=COLORS["grid"]),
        yaxis=dict(automargin=True, gridcolor="rgba(0,0,0,0)")))


def failures_history(df: pd.DataFrame) -> go.Figure:
    """Failed rows per check across runs (one line per check); suppressed points are gaps."""
    if df.empty:
        return empty_figure("No check results recorded yet", 200)
    traces = []
    for i, (check, part) in enumerate(df.sort_values("started_at").groupby("check_id", sort=True)):
        hidden = _suppressed(part)
        y = part["rows_failed"].astype("float64").where(~hidden)
        traces.append(dict(
            type="scatter", x=part["started_at"], y=y, name=plain(check), mode="lines+markers",
            connectgaps=False, line=dict(color=_PALETTE[i % len(_PALETTE)], width=2,
                                           dash=SERIES_DASHES[(i // 5) % len(SERIES_DASHES)]),
            customdata=[[MARKER + " suppressed" if h else f"{p:.2%}" if pd.notna(p) else "—"]
                        for h, p in zip(hidden, part["pct_failed"])],
            hovertemplate="%{fullData.name}<br>%{x|%Y-%m-%d %H:%M}<br>failed rows: %{y:,}"
                          "<br>% failed: %{customdata[0]}<extra></extra>"))
    # one trace per check (dozens): built in one step, see figures.base.figure
    # dates on the axis, never plotly's sub-second ticks: one run (or runs minutes apart) would show milliseconds
    runs = pd.to_datetime(df["started_at"]).drop_duplicates().sort_values()
    xaxis = dict(type="date", tickformat="%Y-%m-%d %H:%M", tickvals=list(runs)) if len(runs) <= 8 else \
        dict(type="date", tickformat="%Y-%m-%d", nticks=8)
    return figure(traces, 280, xaxis=xaxis,
                  on_top=dict(showlegend=True, legend=dict(orientation="h", y=-0.25, font=dict(size=10)),
                              yaxis=dict(title=dict(text="failed rows"), rangemode="tozero")))


def rows_history(runs: pd.DataFrame) -> go.Figure:
    """Rows loaded and rejected per run (stacked bars), oldest first."""
    if runs.empty:
        return empty_figure("No runs recorded yet", 200)
    data = runs.sort_values("started_at")
    x = plain_all(data["started_at"].dt.strftime("%Y-%m-%d %H:%M") + " " + data["kind"])
    traces = [
        dict(type="bar", x=x, y=data["rows_loaded"], name="rows loaded", marker=dict(color=COLORS["primary"]),
             hovertemplate="%{x}<br>loaded: %{y:,}<extra></extra>"),
        dict(type="bar", x=x, y=data["rows_rejected"], name="rows rejected", marker=dict(color=COLORS["bad"]),
             hovertemplate="%{x}<br>rejected: %{y:,}<extra></extra>"),
    ]
    return figure(traces, 240, on_top=dict(barmode="stack", showlegend=True, legend=dict(orientation="h", y=-0.3),
                                           xaxis=dict(type="category"),
                                           yaxis=dict(tickformat=TICKFORMAT["count"], title=dict(text="rows"))))
