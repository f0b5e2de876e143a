"""CSV exports that carry the active filters, the suppression rule and each metric's definition."""
from __future__ import annotations

import io
from collections.abc import Iterable

import pandas as pd

from codedash.dashboard.safe_text import comment_line, write_csv
from codedash.queries.metrics import Metric
from codedash.queries.suppression import threshold


def csv_with_context(df: pd.DataFrame, title: str, filters: dict, metrics: Iterable[Metric] = (),
                     integer_columns: Iterable[str] = ()) -> str:
    """`df` as CSV after '#' lines stating the title, every filter, the suppression rule and definitions.

    The frame must already be suppressed (queries.runner.run does it); suppressed cells stay blank
    and the `suppressed` column, when present, says which rows lost values. Every text cell and every
    '#' line is formula-neutralised (dashboard.safe_text), so an export cannot attack its reader.
    """
    lines = [f"codedash: {title}"]
    for key in sorted(filters):
        value = filters[key]
        lines.append(f"filter {key}: {', '.join(map(str, value)) if isinstance(value, list) else value}")
    if not filters:
        lines.append("filters: none (all data in scope)")
    lines.append(f"suppression: counts of 1-{threshold()} patients or encounters and values derived from them "
                 "are blank and marked suppressed=true")
    lines += [f"{m.key}: {m.definition} Numerator: {m.numerator_text}. Denominator: {m.denominator_text}. "
              f"Source: {m.source}" for m in metrics]
    buf = io.StringIO()
    buf.writelines(f"# {comment_line(line)}\n" for line in lines)
    out = df.copy()
    for col in integer_columns:
        if col in out:
            out[col] = pd.to_numeric(out[col]).round().astype("Int64")
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    write_csv(out, buf)
    return buf.getvalue()
