"""CSV export of an audit worklist for the auditors, through dashboard.exports.csv_with_context.

The '#' lines carry the worklist's criteria (measure, entity, every filter), strata, seed, size, draw time and
the analytics build it was drawn from, so a reader can redraw it; cells are formula-neutralised. Encounter ids
(and their audit facts) are blank and marked suppressed=true when the flagged cell holds 1..threshold
encounters (queries.worklist identifiers rule); the frame size is then not printed either.
"""
from __future__ import annotations

import sqlite3

import duckdb

from codedash.dashboard.exports import csv_with_context
from codedash.queries import worklist as wl


def _title(meta: dict) -> str:
    small = not wl.identifiers_allowed(meta["population_n"])
    frame = "a flagged cell too small to show" if small else f"{meta['population_n']} flagged encounters"
    drawn = "" if small else f"{meta['drawn_size']} of "
    return (f"audit worklist {meta['worklist_id']}: measure {meta['measure_id'] or '-'}, entity "
            f"{meta['entity_id'] or '-'}; {drawn}{frame}; strata {meta['strata_col'] or 'none'}; "
            f"requested size {meta['requested_size']}; seed {meta['seed']}; drawn {meta['created_at']} from "
            f"database build {meta['build_id'] or 'unknown'}; method: {meta['method']}")


def worklist_csv(worklist_id: int, app: sqlite3.Connection | None = None,
                 con: duckdb.DuckDBPyConnection | None = None) -> str:
    """The worklist as CSV; with `con` (the analytics database) each row also says whether and how it was
    audited since the draw (queries.worklist.worklist_audit_status)."""
    app = app if app is not None else wl.open_app_state()
    meta = wl.get_worklist(worklist_id, app)
    frame = (wl.worklist_audit_status(con, app, worklist_id) if con is not None
             else wl.worklist_export_frame(worklist_id, app))
    criteria = dict(meta["criteria"])
    filters = criteria.pop("filters", None) or {}
    context = {**{f"criterion {k}": v for k, v in sorted(criteria.items()) if k not in ("measure", "entity")},
               **filters}
    return csv_with_context(frame, _title(meta), context, integer_columns=["position"])
