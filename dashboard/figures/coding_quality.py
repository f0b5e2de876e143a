"""Coding quality figures: accuracy intervals, trend, error taxonomy, dollar impact, productivity,
turnaround and DNFB. Pure functions of the frames built by queries/coding_quality.py.

Names, codes and categories from the data are shown through `plain` (markup is text); clickable
traces keep the raw id in `customdata`."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from codedash.dashboard.figures import trends
from codedash.dashboard.figures.base import (COLORS, SEQUENTIAL, TICKFORMAT, empty_figure, figure, hline, plain, plain_all,
                                     vline)
from codedash.queries.suppression import MARKER

SMALL = COLORS["small"]
TEAM = COLORS["team"]
AMBER = COLORS["secondary"]     # the second status of a stacked bar (the name kept for its callers)
BELOW_TARGET = "▼ below target"   # said in the label and drawn as a down triangle, not only in colour


def accuracy_intervals(df: pd.DataFrame, metric: str, label: str, target: float,
                       selected: str | None = None) -> go.Figure:
    """One row per coder (order as given, best first): point estimate with its Wilson 95% interval,
    the target line and the team value. Small samples are grey and labelled; suppressed coders show
    the marker with no point. customdata = coder_id (click -> scorecard)."""
    if df.empty or metric not in df:
        return empty_figure("No audits in this period", 200)
    rows = df[df[metric].notna() | df["coder_id"].ne("TEAM")]
    if rows[metric].isna().all():
        return empty_figure(f"{MARKER} no coder has enough audits to show ({label})", 200)
    rows = rows.iloc[::-1]          # plotly draws the first category at the bottom
    names, colors, texts, symbols = [], [], [], []
    for _, r in rows.iterrows():
        is_team = r["coder_id"] == "TEAM"
        name = "Team" if is_team else plain(f"{r['coder_name']} ({r['coder_id']})")
        suppressed = pd.isna(r[metric])
        small = bool(r.get("small_sample", False)) and not is_team
        below = (not (is_team or small or suppressed) and pd.notna(r.get(f"{metric}_high"))
                 and r[f"{metric}_high"] < target)
        if suppressed:
            name += f"  {MARKER} suppressed"
        elif small:
            name += "  · small sample"
        elif below:
            name += f"  {BELOW_TARGET}"
        names.append(name)
        if is_team:
            colors.append(TEAM)
        elif small or suppressed:
            colors.append(SMALL)
        elif below:
            colors.append(COLORS["bad"])
        else:
            colors.append(COLORS["primary"])
        symbols.append("diamond" if is_team else ("circle-open" if small else
                                                   ("triangle-down" if below else "circle")))
        texts.append("" if suppressed else f"{r[metric]:.1%}")
        if r["coder_id"] == selected:
            symbols[-1] = "star"
    value = rows[metric].astype("float64")
    low = rows.get(f"{metric}_low", value).astype("float64")
    high = rows.get(f"{metric}_high", value).astype("float64")
    trace = dict(
        type="scatter", x=value, y=names, mode="markers", customdata=rows["coder_id"],
        marker=dict(color=colors, size=10, symbol=symbols, line=dict(width=1.5, color=colors)),
        error_x=dict(type="data", symmetric=False, array=(high - value), arrayminus=(value - low),
                     color=COLORS["muted"], thickness=1.5, width=4),
        text=[t if not t else f"{t} (95% CI {lo:.1%}–{hi:.1%})" for t, lo, hi in zip(texts, low, high)],
        hovertemplate="%{y}<br>" + label + ": %{text}<extra>click for the scorecard</extra>",
    )
    target_line, target_note = vline(target, dict(color=COLORS["good"], dash="dash", width=1.5), f"target {target:.0%}")
    shapes = [target_line]
    team = df[df["coder_id"] == "TEAM"]
    if len(team) and pd.notna(team[metric].iloc[0]):
        shapes.append(vline(float(team[metric].iloc[0]), dict(color=TEAM, dash="dot", width=1))[0])
    lo = min(float(low.min()) if low.notna().any() else target, target) - 0.02
    # built in one step (figures.base.figure): this chart is on the coding page's hottest callback
    return figure([trace], max(220, 26 * len(rows) + 60), shapes=shapes, annotations=[target_note],
                  xaxis=dict(tickformat=".0%", range=[max(0.0, lo), 1.0], showgrid=True, gridcolor=COLORS["grid"]),
                  yaxis=dict(type="category", automargin=True),
                  on_top=dict(margin=dict(l=8, r=16, t=28, b=8)))


def accuracy_trend(trend: pd.DataFrame, metric: str, label: str, target: float) -> go.Figure:
    """Monthly accuracy per series ('coder', 'team') with Wilson intervals and the target."""
    if trend.empty or trend[metric].isna().all():
        msg = "No audits in this period" if trend.empty else f"{MARKER} every month is suppressed or has no audits"
        return empty_figure(msg, 240)
    traces = []
    for series, color in (("team", TEAM), ("coder", COLORS["primary"])):
        s = trend[trend["series"] == series]
        if s.empty:
            continue
        v = s[metric].astype("float64")
        traces.append(dict(
            type="scatter", x=s["month"], y=v, mode="lines+markers", name="Team" if series == "team" else "Coder",
            line=dict(color=color, width=2), connectgaps=False,
            error_y=dict(type="data", symmetric=False, array=s[f"{metric}_high"] - v,
                         arrayminus=v - s[f"{metric}_low"], color=color, thickness=1),
            hovertemplate="%{x|%b %Y}: %{y:.1%}<extra>%{fullData.name}</extra>"))
    # suppressed months are gaps (connectgaps off) with one ‡ mark each at the foot and one legend entry
    hidden = trend[trends.flags(trend, "suppressed") & trend[metric].isna().to_numpy()]
    traces += trends.suppressed_marks(hidden.drop_duplicates("month").sort_values("month"), [metric])
    return figure(traces, 260, shapes=[hline(target, dict(color=COLORS["good"], dash="dash", width=1.5))],
                  yaxis=dict(tickformat=".0%"), xaxis=dict(tickformat="%b %y"),
                  on_top=dict(showlegend=True, legend=dict(orientation="h", y=1.1), **trends.MARK_LAYOUT))


def code_system_accuracy(df: pd.DataFrame, target: float) -> go.Figure:
    """Code-over-code accuracy by code system with intervals (coder and team side by side)."""
    if df.empty or df["coding_accuracy"].isna().all():
        return empty_figure("No audited codes in this period" if df.empty else f"{MARKER} suppressed", 200)
    traces = []
    for series, color in (("team", TEAM), ("coder", COLORS["primary"])):
        s = df[df["series"] == series]
        if s.empty:
            continue
        v = s["coding_accuracy"].astype("float64")
        traces.append(dict(
            type="scatter", x=v, y=plain_all(s["code_system"]), mode="markers",
            name="Team" if series == "team" else "Coder",
            marker=dict(color=color, size=10, symbol="diamond" if series == "team" else "circle"),
            error_x=dict(type="data", symmetric=False, array=s["coding_accuracy_high"] - v,
                         arrayminus=v - s["coding_accuracy_low"], color=color),
            hovertemplate="%{y}: %{x:.1%}<extra>%{fullData.name}</extra>"))
    return figure(traces, 220, shapes=[vline(target, dict(color=COLORS["good"], dash="dash", width=1.5))[0]],
                  xaxis=dict(tickformat=".0%", showgrid=True, gridcolor=COLORS["grid"]),
                  yaxis=dict(type="category", automargin=True),
                  on_top=dict(showlegend=True, legend=dict(orientation="h", y=1.15), scattermode="group"))


def error_taxonomy(df: pd.DataFrame, selected: str | None = None) -> go.Figure:
    """Share of audit changes by finding type (coder vs team in a scorecard); customdata = finding type."""
    if df.empty:
        return empty_figure("No audit changes in this period", 220)
    traces = []
    for series, color in (("team", TEAM), ("coder", COLORS["primary"])):
        s = df[df["series"] == series]
        if s.empty:
            continue
        opacity = [1.0 if selected in (None, t) else 0.35 for t in s["finding_type"]]
        traces.append(dict(
            type="bar", x=s["error_share"], y=plain_all(s["finding_type"]), orientation="h",
            name="Team" if series == "team" else "Coder",
            marker=dict(color=color, opacity=opacity), customdata=s["finding_type"],
            text=[f"{MARKER}" if pd.isna(v) else f"{v:.0%}" for v in s["error_share"]], textposition="auto",
            hovertemplate="%{y}: %{x:.1%} of audit changes<extra>%{fullData.name}; click to filter pairs</extra>"))
    return figure(traces, 240, xaxis=dict(tickformat=".0%"), yaxis=dict(type="category", autorange="reversed"),
                  on_top=dict(showlegend=len(traces) > 1, barmode="group", legend=dict(orientation="h", y=1.12)))


def financial_impact(acc: pd.DataFrame) -> go.Figure:
    """Under-coding (+) and over-coding (-) dollars per coder and for the team."""
    if acc.empty:
        return empty_figure("No audits in this period", 220)
    rows = acc.iloc[::-1]
    labels = ["Team" if c == "TEAM" else plain(f"{n} ({c})") for c, n in zip(rows["coder_id"], rows["coder_name"])]
    traces = [
        dict(type="bar", y=labels, x=rows["under_coded_amount"], orientation="h", name="Under-coding (money left)",
             marker=dict(color=AMBER), customdata=rows["coder_id"],
             hovertemplate="%{y}<br>under-coded: %{x:$,.0f}<extra></extra>"),
        dict(type="bar", y=labels, x=rows["over_coded_amount"], orientation="h", name="Over-coding (compliance risk)",
             marker=dict(color=COLORS["bad"]), customdata=rows["coder_id"],
             hovertemplate="%{y}<br>over-coded: %{x:$,.0f}<extra></extra>"),
    ]
    return figure(traces, max(220, 22 * len(rows) + 60),
                  xaxis=dict(tickformat=TICKFORMAT["usd"], zeroline=True, zerolinecolor=COLORS["muted"]),
                  yaxis=dict(type="category", automargin=True),
                  on_top=dict(barmode="relative", showlegend=True, legend=dict(orientation="h", y=1.08)))


def productivity(df: pd.DataFrame, measure: str = "encounters_per_hour") -> go.Figure:
    """Encounters per hour (or per day) by encounter type: team (and coder) bars with target markers."""
    if df.empty:
        return empty_figure("No coded encounters with coding times in this period", 220)
    target_col = "target_per_hour" if measure == "encounters_per_hour" else "target_per_day"
    # per hour is compared per encounter type, per day across types ('all types' rows): the rows with that target
    if target_col in df:
        df = df[df[target_col].notna()]
    coder_rows = df[~df["is_team"]]
    team = df[df["is_team"]]
    traces = [dict(type="bar", x=plain_all(team["encounter_type"]), y=team[measure], name="Team",
                   marker=dict(color=TEAM), hovertemplate="%{x}: %{y:.2f}<extra>Team</extra>")]
    if coder_rows["coder_id"].nunique() == 1:
        traces.append(dict(type="bar", x=plain_all(coder_rows["encounter_type"]), y=coder_rows[measure], name="Coder",
                           marker=dict(color=COLORS["primary"]), hovertemplate="%{x}: %{y:.2f}<extra>Coder</extra>"))
    traces.append(dict(type="scatter", x=plain_all(team["encounter_type"]), y=team[target_col], mode="markers",
                       name="Target",
                       marker=dict(symbol="line-ew-open", size=36, color=COLORS["good"], line=dict(width=3)),
                       hovertemplate="%{x} target: %{y:.1f}<extra></extra>"))
    return figure(traces, 240, on_top=dict(barmode="group", showlegend=True, legend=dict(orientation="h", y=1.12)))


def turnaround(df: pd.DataFrame) -> go.Figure:
    """Share of final-coded encounters per turnaround bucket, one stacked bar per encounter type."""
    if df.empty:
        return empty_figure("No final-coded encounters in this period", 220)
    palette = SEQUENTIAL
    traces = []
    buckets = df[["bucket_order", "bucket"]].drop_duplicates().sort_values("bucket_order")
    for order, bucket in buckets.itertuples(index=False):
        s = df[df["bucket"] == bucket]
        traces.append(dict(type="bar", x=plain_all(s["encounter_type"]), y=s["bucket_share"], name=plain(bucket),
                           marker=dict(color=palette[(int(order) - 1) % len(palette)]),
                           hovertemplate="%{x}, %{fullData.name}: %{y:.1%}<extra></extra>"))
    # the legend sits below the plot with its own margin, so it never covers the bars
    return figure(traces, 280, yaxis=dict(tickformat=".0%", range=[0, 1]),
                  on_top=dict(barmode="stack", showlegend=True, margin=dict(l=8, r=8, t=8, b=70),
                              legend=dict(orientation="h", yanchor="top", y=-0.15, x=0, font=dict(size=10))))


def dnfb(df: pd.DataFrame, measure: str = "charges") -> go.Figure:
    """DNFB by aging bucket, stacked by coding status (charges or encounters)."""
    if df.empty:
        return empty_figure("No discharged, not final billed encounters at the period end", 220)
    traces = []
    for status, color in (("not final coded", COLORS["bad"]), ("coded, not billed", AMBER)):
        s = df[df["coding_status"] == status]
        if s.empty:
            continue
        traces.append(dict(type="bar", x=plain_all(s["bucket"]), y=s[measure], name=status, marker=dict(color=color),
                           text=[MARKER if pd.isna(v) else "" for v in s[measure]],
                           hovertemplate="%{x}: %{y:,.0f}<extra>" + status + "</extra>"))
    return figure(traces, 240,
                  xaxis=dict(type="category", categoryorder="array",
                             categoryarray=plain_all(df.sort_values("bucket_order")["bucket"].drop_duplicates())),
                  yaxis=dict(tickformat=TICKFORMAT["usd"] if measure == "charges" else ",d"),
                  on_top=dict(barmode="stack", showlegend=True, legend=dict(orientation="h", y=1.12)))
