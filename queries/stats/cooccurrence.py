"""Co-occurrence of a diagnosis node with the selection: share and lift with intervals.

On N encounters, n_A carry the selection, n_B the node and n_AB both. share = n_AB / n_A (Clopper-Pearson
interval, queries/stats/rates.py). lift = n_AB * N / (n_A * n_B), the observed co-occurrence over what
independence would give (1 = no association). Its interval is exp(log lift +/- z * se), se from the delta
method under the multinomial model of the 2x2 table (Agresti, Categorical Data Analysis, 3rd ed., 16.1):
var(log lift) = 1/n_AB - 1/n_A - 1/n_B + 2 n_AB / (n_A n_B) - 1/N. Undefined (NaN) when n_AB is 0.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from codedash.queries.stats.rates import proportion_ci


def log_lift_se(n_ab, n_a, n_b, n) -> np.ndarray:
    n_ab, n_a, n_b, n = (np.asarray(x, dtype="float64") for x in (n_ab, n_a, n_b, n))
    with np.errstate(invalid="ignore", divide="ignore"):
        var = 1 / n_ab - 1 / n_a - 1 / n_b + 2 * n_ab / (n_a * n_b) - 1 / n
        return np.where((n_ab > 0) & (var >= 0), np.sqrt(np.clip(var, 0, None)), np.nan)


def with_lift(df: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """`df` (n_both, n_code, n_selected, n_total) with share, share_lower/upper, lift, lift_lower/upper."""
    out = df.copy()
    n_ab = pd.to_numeric(out["n_both"], errors="coerce").to_numpy(dtype="float64")
    n_b = pd.to_numeric(out["n_code"], errors="coerce").to_numpy(dtype="float64")
    n_a = pd.to_numeric(out["n_selected"], errors="coerce").to_numpy(dtype="float64")
    n = pd.to_numeric(out["n_total"], errors="coerce").to_numpy(dtype="float64")
    z = stats.norm.ppf(1 - alpha / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share"] = np.where(n_a > 0, n_ab / n_a, np.nan)
        lo, hi = proportion_ci(n_ab, n_a, alpha)
        out["share_lower"], out["share_upper"] = lo, hi
        lift = np.where((n_a > 0) & (n_b > 0) & (n_ab > 0), n_ab * n / (n_a * n_b), np.nan)
        se = log_lift_se(n_ab, n_a, n_b, n)
        out["lift"] = lift
        out["lift_lower"] = np.exp(np.log(lift) - z * se)
        out["lift_upper"] = np.exp(np.log(lift) + z * se)
    return out
