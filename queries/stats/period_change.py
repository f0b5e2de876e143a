"""Which diagnoses rose or fell between two periods: change in rate, exact test, Benjamini-Hochberg.

For each node, k1 of n1 encounters in period 1 and k2 of n2 in period 2 carry it. The rates are per 1,000
encounters; the test of equal rates is the exact conditional test for two Poisson rates (Przyborowski &
Wilenski 1940, Biometrika 31:313-323): given k1 + k2, k2 is binomial with p = n2 / (n1 + n2) under the
null, tested two-sided with scipy.stats.binomtest (the same p-value as statsmodels'
`test_poisson_2indep(..., method='exact-cond')`). Nodes whose k1 + k2 is below `min_count` are never
ranked (no p-value, no q-value), nor are nodes of a period without encounters: tiny counts move a lot by chance and would crowd the list. The p-values
of the ranked nodes are corrected for the number of nodes compared by the Benjamini-Hochberg
false-discovery-rate procedure (Benjamini & Hochberg 1995, JRSS B 57:289-300;
statsmodels.stats.multitest.multipletests, method 'fdr_bh').
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from codedash.queries.stats.rates import PER

MIN_COUNT = 20


def exact_rate_test(k1: int, n1: int, k2: int, n2: int) -> float:
    """Two-sided p-value of equal Poisson rates k1/n1 and k2/n2, conditional on k1 + k2."""
    total = int(k1) + int(k2)
    if total == 0 or n1 <= 0 or n2 <= 0:
        return 1.0
    return float(stats.binomtest(int(k2), total, n2 / (n1 + n2)).pvalue)


def compare_periods(df: pd.DataFrame, min_count: int = MIN_COUNT, alpha: float = 0.05) -> pd.DataFrame:
    """Rates, change, rate ratio, p and BH q per node from columns dx_encounters_1, n_encounters_1,
    dx_encounters_2, n_encounters_2 (raw counts: call before suppression). `ranked` marks the nodes
    compared; `significant` those with q < alpha. Sorted by significance, then by absolute change."""
    out = df.copy()
    k1 = out["dx_encounters_1"].to_numpy(dtype="float64")
    n1 = out["n_encounters_1"].to_numpy(dtype="float64")
    k2 = out["dx_encounters_2"].to_numpy(dtype="float64")
    n2 = out["n_encounters_2"].to_numpy(dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        out["rate_1"] = np.where(n1 > 0, k1 / n1 * PER, np.nan)
        out["rate_2"] = np.where(n2 > 0, k2 / n2 * PER, np.nan)
        out["rate_ratio"] = np.where(out["rate_1"] > 0, out["rate_2"] / out["rate_1"], np.nan)
    out["change"] = out["rate_2"] - out["rate_1"]
    ranked = ((k1 + k2) >= min_count) & (n1 > 0) & (n2 > 0)
    out["ranked"] = ranked
    out["p_value"] = np.nan
    out["q_value"] = np.nan
    if ranked.any():
        p = np.array([exact_rate_test(a, b, c, d) for a, b, c, d in zip(k1[ranked], n1[ranked], k2[ranked], n2[ranked])])
        out.loc[ranked, "p_value"] = p
        out.loc[ranked, "q_value"] = multipletests(p, alpha=alpha, method="fdr_bh")[1]
    out["significant"] = out["q_value"] < alpha
    out["direction"] = np.where(out["change"] > 0, "rose", np.where(out["change"] < 0, "fell", "same"))
    out = out.assign(_abs=out["change"].abs()).sort_values(
        ["ranked", "significant", "_abs", "node"], ascending=[False, False, False, True], kind="stable")
    return out.drop(columns=["_abs"]).reset_index(drop=True)
