"""CSV exports that carry the active filters, the suppression rule and each metric's definition."""
from __future__ import annotations

import io

import pandas as pd

from queries.definitions.overview import OVERVIEW_METRICS
from queries.suppression import threshold


def overview_csv(monthly: pd.DataFrame, filters: dict) -> str:
    """Monthly overview KPIs as CSV; '#' lines state filters, suppression and definitions."""
    buf = io.StringIO()
    buf.write("# codedash overview KPIs by discharge month\n")
    for key in sorted(filters):
        value = filters[key]
        buf.write(f"# filter {key}: {', '.join(value) if isinstance(value, list) else value}\n")
    buf.write(f"# suppression: counts of 1-{threshold()} encounters and values derived from them are blank "
              "and marked suppressed=true\n")
    for m in OVERVIEW_METRICS:
        buf.write(f"# {m.key}: {m.definition} Numerator: {m.numerator_text}. "
                  f"Denominator: {m.denominator_text}. Source: {m.source}\n")
    out = monthly.copy()
    for m in OVERVIEW_METRICS:
        if m.unit == "count" and m.key in out:
            out[m.key] = out[m.key].round().astype("Int64")
    if "month" in out:
        out["month"] = pd.to_datetime(out["month"]).dt.strftime("%Y-%m")
    out.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()
