"""Research exports: every view of a page as CSV and Parquet, each with a JSON sidecar, in one zip.

The frames are the panels' own export frames, already suppressed by their services (queries/), so the
zip holds nothing the page does not show. Text cells are formula-neutralised in both formats
(dashboard.safe_text), since a Parquet file is opened in spreadsheets too. The sidecar names the view, the
filters and page state, the queries that answered it (name, purpose and SQL text: project text with
$parameters, the values are listed apart), the code-set and model versions, the suppression rule and
the export time (UTC).
"""
from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass

import pandas as pd

from codedash.dashboard.exports import csv_with_context
from codedash.dashboard.safe_text import _is_text_column, neutralise_text
from codedash.queries.runner import load
from codedash.queries.suppression import MARKER, threshold


@dataclass(frozen=True)
class View:
    key: str
    title: str
    frame: pd.DataFrame
    queries: tuple[str, ...]
    integer_columns: tuple[str, ...] = ()


def parquet_bytes(df: pd.DataFrame) -> bytes:
    out = df.copy()
    for col in out.columns:
        if _is_text_column(out[col]):
            out[col] = out[col].map(lambda v: v if v is None or (pd.api.types.is_scalar(v) and pd.isna(v))
                                    else neutralise_text(str(v)))
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].astype("string")
    buf = io.BytesIO()
    out.to_parquet(buf, index=False)
    return buf.getvalue()


def sidecar(view: View, filters: dict, state: dict, versions: dict, now: dt.datetime | None = None) -> dict:
    now = now or dt.datetime.now(dt.timezone.utc)
    return {
        "view": view.title,
        "exported_at": now.isoformat(timespec="seconds"),
        "filters": {k: v for k, v in sorted(filters.items())} or "none (all data in scope)",
        "page_state": state,
        "rows": int(len(view.frame)),
        "columns": list(map(str, view.frame.columns)),
        "queries": [{"name": q, "purpose": load(q).purpose, "grain": load(q).grain, "sql": load(q).sql}
                    for q in view.queries],
        "versions": versions,
        "suppression": {"threshold": threshold(),
                        "rule": f"counts of 1-{threshold()} patients or encounters, values derived from them, "
                                "and cells that would let them be recovered from a total shown beside them are "
                                f"blank (CSV) or null (Parquet) and flagged suppressed=true; the page shows {MARKER}"},
    }


def bundle(views: list[View], filters: dict, state: dict, versions: dict, page_title: str,
           now: dt.datetime | None = None) -> bytes:
    """A zip: <view>.csv, <view>.parquet and <view>.json for every view."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for view in views:
            frame = view.frame.copy()
            for col in frame.columns:
                if pd.api.types.is_datetime64_any_dtype(frame[col]):
                    frame[col] = frame[col].dt.strftime("%Y-%m-%d")
            ints = [c for c in view.integer_columns if c in frame.columns]
            zf.writestr(f"{view.key}.csv", csv_with_context(frame, f"{page_title}: {view.title}", filters, (), ints))
            zf.writestr(f"{view.key}.parquet", parquet_bytes(frame))
            meta = sidecar(view, filters, state, versions, now)
            zf.writestr(f"{view.key}.json", json.dumps(meta, indent=2, default=str))
    return buf.getvalue()
