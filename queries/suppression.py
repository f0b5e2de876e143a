"""Small-cell suppression: counts of 1..threshold patients or encounters are never shown.

Follows the CMS cell-size suppression policy (cells of 1 to 10 are not displayed).
A zero is not suppressed (it reveals no one). Any value derived from a suppressed count
(a rate, a sum of dollars) is suppressed with it, and the row is marked so the UI and
exports can show a visible marker instead of a number.
"""
from __future__ import annotations

import pandas as pd

from queries import settings

SUPPRESSED_FLAG = "suppressed"
MARKER = "‡"                    # shown in place of a suppressed value


def threshold() -> int:
    return int(settings.get("suppression_threshold"))


def is_small(values: pd.Series, k: int) -> pd.Series:
    """True where a count is between 1 and k (inclusive)."""
    numeric = pd.to_numeric(values, errors="coerce")
    return numeric.notna() & (numeric >= 1) & (numeric <= k)


def suppress(df: pd.DataFrame, rules: dict[str, list[str]], k: int | None = None) -> pd.DataFrame:
    """Blank each guarded count that is small, and the columns that depend on it.

    rules maps a count column to the columns derived from it, e.g.
    {"n_encounters": ["paid_amount"], "n_audited": ["accuracy"]}.
    Returns a copy with a boolean `suppressed` column (True where anything was blanked).
    """
    k = threshold() if k is None else k
    out = df.copy()
    flag = pd.Series(False, index=out.index)
    if k <= 0 or out.empty:
        out[SUPPRESSED_FLAG] = flag
        return out
    for count_col, dependents in rules.items():
        if count_col not in out.columns:
            raise KeyError(f"suppression rule names a missing column: {count_col}")
        small = is_small(out[count_col], k)
        if not small.any():
            continue
        for col in [count_col, *dependents]:
            if col not in out.columns:
                raise KeyError(f"suppression rule names a missing column: {col}")
            if not (pd.api.types.is_float_dtype(out[col]) or pd.api.types.is_object_dtype(out[col])):
                out[col] = out[col].astype("float64") if pd.api.types.is_numeric_dtype(out[col]) else out[col].astype(object)
            out.loc[small, col] = None
        flag |= small
    out[SUPPRESSED_FLAG] = flag
    return out
