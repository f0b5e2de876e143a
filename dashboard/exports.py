"""CSV exports that carry the active filters, the suppression rule and each metric's definition."""
from __future__ import annotations

import io
from collections.abc import Iterable

import pandas as pd

from queries.definitions.overview import OVERVIEW_METRICS
from queries.metrics import Metric
from queries.suppression import threshold


def csv_with_context(df: pd.DataFrame, title: str, filters: dict, metrics: Iterable[Metric] = (),
                     integer_columns: Iterable[str] = ()) -> str:
    """`df` as CSV after '#' lines stating the title, every filter, the suppression rule and definitions.

    The frame must already be suppressed (queries.runner.run does it); suppressed cells stay blank
    and the `suppressed` column, when present, says which rows lost values.
    """
    buf = io.StringIO()
    buf.write(f"# codedash: {title}\n")
    for key in sorted(filters):
        value = filters[key]
        buf.write(f"# filter {key}: {', '.join(value) if isinstance(value, list) else value}\n")
    if not filters:
        buf.write("# filters: none (all data in scope)\n")
    buf.write(f"# suppression: counts of 1-{threshold()} patients or encounters and values derived from them "
              "are blank and marked suppressed=true\n")
    for m in metrics:
        buf.write(f"# {m.key}: {m.definition} Numerator: {m.numerator_text}. "
                  f"Denominator: {m.denominator_text}. Source: {m.source}\n")
    out = df.copy()
    for col in integer_columns:
        if col in out:
            out[col] = pd.to_numeric(out[col]).round().astype("Int64")
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    out.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def overview_csv(monthly: pd.DataFrame, filters: dict) -> str:
    """Monthly overview KPIs as CSV."""
    out = monthly.copy()
    if "month" in out:
        out["month"] = pd.to_datetime(out["month"]).dt.strftime("%Y-%m")
    counts = [m.key for m in OVERVIEW_METRICS if m.unit == "count"]
    return csv_with_context(out, "overview KPIs by discharge month", filters, OVERVIEW_METRICS, counts)
