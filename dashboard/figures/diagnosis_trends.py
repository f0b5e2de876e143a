"""Diagnosis trends figures: the ICD-10-CM treemap, monthly rates with intervals and code-set marks,
period change, the co-occurrence heatmap. Pure functions of the service frames (queries/diagnosis_trends.py)."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from codedash.dashboard.figures.base import COLORS, empty_figure, figure, plain, plain_all, vline
from codedash.dashboard.figures.overview import month_tick_step
from codedash.queries.suppression import MARKER

SERIES = ["#1c7ed6", "#e8590c", "#2f9e44", "#9c36b5", "#c2255c", "#0c8599", "#5c940d", "#495057"]


def _count(value) -> str:
    return MARKER if value is None or pd.isna(value) else f"{int(value):,}"


def hierarchy_treemap(nodes: pd.DataFrame, height: int = 420) -> go.Figure:
    """Chapter > block > category > code. Areas are the codes' encounters (suppressed codes have none);
    hovers give each node's distinct encounters and patients (‡ where suppressed). customdata = the
    node's selection token, for clicks."""
    if nodes.empty:
        return empty_figure("No ICD-10-CM diagnoses for these filters", height)
    df = nodes.copy()
    ids = df["level"].astype(str) + ":" + df["node"].astype(str)
    parent_level = df["level"].map({"block": "chapter", "category": "block", "code": "category"})
    parents = (parent_level + ":" + df["parent"].astype(str)).where(parent_level.notna(), "")
    leaf = df["level"] == "code"
    sizes = pd.to_numeric(df["n_encounters"], errors="coerce").where(leaf, 0).fillna(0)
    hover = [f"{plain(s)} {plain(lbl)}<br>encounters: {_count(e)}<br>patients: {_count(p)}"
             for s, lbl, e, p in zip(df["shown"], df["label"], df["n_encounters"], df["n_patients"])]
    trace = dict(type="treemap", ids=ids.tolist(), parents=parents.tolist(), labels=plain_all(df["shown"]),
                 values=sizes.tolist(), branchvalues="remainder", maxdepth=3, customdata=df["token"].tolist(),
                 text=hover, hovertemplate="%{text}<extra></extra>", textinfo="label",
                 marker=dict(line=dict(width=1, color="#ffffff")))
    return figure([trace], height, margin=dict(l=0, r=0, t=24, b=0))


def rate_trend(rates: pd.DataFrame, column: str, label: str, marks: list[dict] | None = None,
               height: int = 320) -> go.Figure:
    """Monthly rate per 1,000 by stratum with its 95% interval as a band; suppressed months are gaps with
    the marker; dashed lines at the October 1 code-set updates (and the ICD-9 -> ICD-10 transition)."""
    if rates.empty or column not in rates:
        return empty_figure("No encounters for these filters", height)
    values = pd.to_numeric(rates[column], errors="coerce")
    if values.isna().all():
        return empty_figure(f"{MARKER} every month suppressed or undefined", height)
    traces = []
    strata = list(dict.fromkeys(rates["stratum"].astype(str)))
    for i, stratum in enumerate(strata):
        part = rates[rates["stratum"].astype(str) == stratum].sort_values("month")
        color = COLORS["muted"] if stratum == "All" and len(strata) > 1 else SERIES[i % len(SERIES)]
        name = "All" if stratum in ("all", "All") else plain(stratum)
        lo, hi = part[f"{column}_lower"], part[f"{column}_upper"]
        traces.append(dict(type="scatter", x=list(part["month"]) + list(part["month"])[::-1],
                           y=list(hi) + list(lo)[::-1], fill="toself", fillcolor=_alpha(color), mode="lines",
                           line=dict(width=0), hoverinfo="skip", showlegend=False, name=f"{name} 95% CI"))
        traces.append(dict(type="scatter", x=part["month"], y=part[column], mode="lines+markers", name=name,
                           connectgaps=False, line=dict(color=color, width=2), marker=dict(size=4),
                           customdata=[[a, b] for a, b in zip(lo, hi)],
                           hovertemplate=(f"%{{x|%b %Y}}<br>{name}: %{{y:.1f}} {label}"
                                          "<br>95% CI %{customdata[0]:.1f}–%{customdata[1]:.1f}<extra></extra>")))
        gaps = part["suppressed"].astype(bool) & part[column].isna() if "suppressed" in part else None
        if gaps is not None and gaps.any():
            traces.append(dict(type="scatter", x=part.loc[gaps, "month"], y=[values.min()] * int(gaps.sum()),
                               mode="text", text=[MARKER] * int(gaps.sum()), textfont=dict(color=COLORS["muted"]),
                               showlegend=False, hovertemplate="%{x|%b %Y}<br>suppressed (small count)<extra></extra>"))
    shapes, notes = [], []
    for mark in marks or []:
        dash = "dot" if mark["kind"] == "update" else "dash"
        shape, note = vline(pd.Timestamp(mark["date"]).strftime("%Y-%m-%d"), dict(color=COLORS["muted"], width=1, dash=dash),
                            plain(mark["label"]))
        shapes.append(shape)
        notes.append({**note, "font": dict(size=9, color=COLORS["muted"])})
    n_months = rates["month"].nunique()
    return figure(traces, height, shapes=shapes, annotations=notes,
                  yaxis=dict(title=dict(text=plain(label)), rangemode="tozero"),
                  xaxis=dict(type="date", tickformat="%b %y", dtick=month_tick_step(n_months)),
                  on_top=dict(showlegend=len(strata) > 1, legend=dict(orientation="h", y=-0.2),
                              margin=dict(t=28)))


def _alpha(color: str, a: float = 0.15) -> str:
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{a})"


def period_change_bars(table: pd.DataFrame, n: int = 15, height: int = 360) -> go.Figure:
    """The ranked nodes with the largest change in rate per 1,000 (significant after BH in colour)."""
    if table.empty:
        return empty_figure("No diagnoses in either period", height)
    ranked = table[table["ranked"].astype(bool) & table["change"].notna()].head(n)
    if ranked.empty:
        return empty_figure("No diagnosis reaches the minimum count in both periods together", height)
    ranked = ranked.iloc[::-1]
    sig = ranked["significant"].fillna(False).astype(bool)
    colors = [COLORS["bad"] if s and c > 0 else COLORS["good"] if s else COLORS["muted"]
              for s, c in zip(sig, ranked["change"])]
    labels = [f"{plain(node)} {plain(str(lbl)[:40])}" for node, lbl in zip(ranked["node"], ranked["label"])]
    trace = dict(type="bar", orientation="h", x=ranked["change"], y=labels, marker=dict(color=colors),
                 customdata=[[q] for q in ranked["q_value"]],
                 hovertemplate="%{y}<br>change %{x:+.2f} per 1,000<br>BH q = %{customdata[0]:.3g}<extra></extra>")
    return figure([trace], height, xaxis=dict(title=dict(text="change in encounters per 1,000"), zeroline=True),
                  yaxis=dict(automargin=True), margin=dict(l=8, r=8, t=8, b=40))


def cooccurrence_heatmap(matrix: pd.DataFrame, labels: dict | None = None, height: int = 380) -> go.Figure:
    """Encounters coding both nodes (the diagonal: encounters with the node); ‡ where suppressed."""
    if matrix.empty:
        return empty_figure("No co-coded diagnoses for this selection", height)
    labels = labels or {}
    nodes = list(dict.fromkeys(["selection", *sorted(set(matrix["node_a"]) - {"selection"})]))
    grid = matrix.pivot_table(index="node_a", columns="node_b", values="n_both", aggfunc="first", dropna=False)
    grid = grid.reindex(index=nodes, columns=nodes)
    names = [plain(labels.get(n, n)) for n in nodes]
    # a pair absent from the matrix has no encounter coding both: 0, not blank; hidden pairs show the marker
    text = [[_count(v) if not pd.isna(v) or _is_hidden(matrix, a, b) else "0" for b, v in zip(nodes, row)]
            for a, row in zip(nodes, grid.to_numpy())]
    z = [[None if _is_hidden(matrix, a, b) else (0 if pd.isna(v) else v) for b, v in zip(nodes, row)]
         for a, row in zip(nodes, grid.to_numpy())]
    trace = dict(type="heatmap", z=z, x=names, y=names, text=text,
                 texttemplate="%{text}", colorscale="Blues", showscale=False,
                 hovertemplate="%{y} and %{x}<br>encounters: %{text}<extra></extra>")
    return figure([trace], height, yaxis=dict(autorange="reversed", automargin=True),
                  xaxis=dict(automargin=True, tickangle=-30), margin=dict(l=8, r=8, t=8, b=8))


def _is_hidden(matrix: pd.DataFrame, a: str, b: str) -> bool:
    row = matrix[(matrix["node_a"] == a) & (matrix["node_b"] == b)]
    return bool(len(row)) and bool(row["suppressed"].iloc[0]) if "suppressed" in row else False


def hcc_bars(df: pd.DataFrame, height: int = 320) -> go.Figure:
    """Average CMS-HCC risk score per group (payer type or facility); ‡ where suppressed."""
    if df.empty:
        return empty_figure("No patients for these filters", height)
    shown = df[df["avg_risk_score"].notna()]
    if shown.empty:
        return empty_figure(f"{MARKER} every group suppressed", height)
    trace = dict(type="bar", x=plain_all(shown["group_label"]), y=shown["avg_risk_score"],
                 marker=dict(color=COLORS["primary"]), customdata=[[n] for n in shown["n_patients"]],
                 hovertemplate="%{x}<br>average risk score %{y:.3f}<br>patients %{customdata[0]:,}<extra></extra>")
    return figure([trace], height, yaxis=dict(title=dict(text="average risk score"), rangemode="tozero"),
                  xaxis=dict(automargin=True))
