"""Audit worklist figures and grid: pure functions of queries.worklist results (no Dash, no DuckDB).

audit_progress: per stratum, how many worklisted encounters were audited with findings, audited with no
change, and not yet audited (stacked bars; a suppressed stratum is a gap labelled with the marker).
worklist_grid: rows and column definitions for the worklist grid (dash-ag-grid shows text as text; blank
identifiers of a small flagged cell show the marker).
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from codedash.dashboard.figures.base import COLORS, empty_figure, figure, plain_all
from codedash.queries.suppression import MARKER

SEGMENTS = (("found", "Audited: findings", COLORS["bad"]), ("no_change", "Audited: no change", COLORS["good"]),
            ("pending", "Not yet audited", COLORS["muted"]))


def _suppressed(df: pd.DataFrame) -> pd.Series:
    return df.get("suppressed", pd.Series(False, index=df.index)).fillna(False).astype(bool)


def audit_progress(summary: pd.DataFrame, height: int = 220) -> go.Figure:
    """Stacked horizontal bars per stratum from worklist_summary(status, by_stratum=True)."""
    if summary.empty:
        return empty_figure("No worklist drawn yet.", height)
    hidden = _suppressed(summary) | summary[["n_items", "n_audited", "n_with_findings"]].isna().any(axis=1)
    df = summary.assign(found=summary.n_with_findings, no_change=summary.n_audited - summary.n_with_findings,
                        pending=summary.n_items - summary.n_audited)
    labels = plain_all(df.stratum)
    traces = []
    for col, name, color in SEGMENTS:
        values = df[col].where(~hidden)
        traces.append(dict(type="bar", orientation="h", y=labels, x=values.tolist(), name=name,
                           marker=dict(color=color), customdata=df.stratum.tolist(),
                           hovertemplate=f"%{{y}}<br>{name}: %{{x:,d}}<extra></extra>"))
    notes = [dict(x=0, y=label, xref="x", yref="y", text=f"{MARKER} too few to show", showarrow=False,
                  xanchor="left", font=dict(color=COLORS["muted"], size=11))
             for label, h in zip(labels, hidden, strict=True) if h]
    return figure(traces, height, on_top=dict(showlegend=True, legend=dict(orientation="h", y=1.15, x=0)),
                  barmode="stack", annotations=notes, xaxis=dict(title="encounters", tickformat=",d"),
                  yaxis=dict(automargin=True, type="category"))


GRID_COLUMNS = [
    {"field": "position", "headerName": "#", "maxWidth": 80},
    {"field": "stratum", "headerName": "Stratum"},
    {"field": "encounter_id", "headerName": "Encounter"},
    {"field": "audited", "headerName": "Audited since drawn"},
    {"field": "last_audit_date", "headerName": "Last audit"},
    {"field": "finding_types", "headerName": "Findings"},
    {"field": "revised_drg", "headerName": "DRG revised"},
    {"field": "dollar_impact", "headerName": "Dollar impact"},
]


def worklist_grid(status: pd.DataFrame) -> tuple[list[dict], list[dict]]:
    """(rowData, columnDefs) for the worklist grid from worklist_audit_status (or worklist_export_frame)."""
    cols = [c for c in GRID_COLUMNS if c["field"] in status.columns]
    out = status[[c["field"] for c in cols]].copy()
    hidden = _suppressed(status)
    if "encounter_id" in out:
        out["encounter_id"] = out["encounter_id"].astype(object).where(~hidden, MARKER)
    if "last_audit_date" in out:
        out["last_audit_date"] = pd.to_datetime(out["last_audit_date"]).dt.strftime("%Y-%m-%d")
    for col in ("audited", "revised_drg"):
        if col in out:
            out[col] = out[col].map({True: "yes", False: "no"}).astype(object).where(~hidden, MARKER)
    out = out.astype(object).where(out.notna(), None)
    return out.to_dict("records"), cols

