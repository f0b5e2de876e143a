"""Rates per 1,000 with exact confidence intervals.

A rate here is a proportion: encounters with a diagnosis among encounters seen, or patients with it among
patients seen, in one month and stratum. Its interval is the exact binomial (Clopper-Pearson) interval,
from the beta distribution (Clopper & Pearson 1934, Biometrika 26:404-413; the `beta` method of
statsmodels.stats.proportion.proportion_confint): never narrower than the nominal level, and valid for
the small counts that trend strata reach. `poisson_ci` gives the exact Poisson (Garwood 1936,
Biometrika 28:437-442) interval for a count, for rates whose denominator is exposure rather than trials.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

PER = 1000


def proportion_ci(k, n, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Clopper-Pearson bounds of k/n (arrays); NaN where n is 0 or missing."""
    k = np.asarray(k, dtype="float64")
    n = np.asarray(n, dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        lower = np.where(k > 0, stats.beta.ppf(alpha / 2, k, n - k + 1), 0.0)
        upper = np.where(k < n, stats.beta.ppf(1 - alpha / 2, k + 1, n - k), 1.0)
    bad = ~(n > 0) | np.isnan(k) | (k > n)
    return np.where(bad, np.nan, lower), np.where(bad, np.nan, upper)


def poisson_ci(k, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Garwood exact bounds of a Poisson mean observed as count k (arrays)."""
    k = np.asarray(k, dtype="float64")
    lower = np.where(k > 0, stats.chi2.ppf(alpha / 2, 2 * k) / 2, 0.0)
    upper = stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
    return np.where(np.isnan(k), np.nan, lower), np.where(np.isnan(k), np.nan, upper)


def with_rates(df: pd.DataFrame, numerator: str, denominator: str, prefix: str,
               alpha: float = 0.05) -> pd.DataFrame:
    """`df` with `<prefix>`, `<prefix>_lower`, `<prefix>_upper`: numerator per 1,000 of denominator and
    its Clopper-Pearson interval (NaN where either count is missing, e.g. suppressed)."""
    out = df.copy()
    k = pd.to_numeric(out[numerator], errors="coerce").to_numpy(dtype="float64")
    n = pd.to_numeric(out[denominator], errors="coerce").to_numpy(dtype="float64")
    lower, upper = proportion_ci(k, n, alpha)
    with np.errstate(invalid="ignore", divide="ignore"):
        out[prefix] = np.where(n > 0, k / n * PER, np.nan)
    out[f"{prefix}_lower"] = lower * PER
    out[f"{prefix}_upper"] = upper * PER
    return out
