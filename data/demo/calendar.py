"""Demo period, monthly volume curve and fiscal-year helpers."""
from __future__ import annotations

import numpy as np

PERIOD_START = np.datetime64("2023-10-01")
PERIOD_END = np.datetime64("2026-09-30")          # last discharge date
AS_OF = np.datetime64("2026-10-01T00:00:00")      # extract moment: later events have not happened yet
MONTHS = np.arange(np.datetime64("2023-10"), np.datetime64("2026-10"), dtype="datetime64[M]")  # 36
WINTER = (12, 1, 2)
RESPIRATORY = ["J069", "J189", "J101", "J1100", "R051", "R059", "J209", "J029", "J0190"]
RESPIRATORY_CHILD = ["J069", "J210", "J101", "J1100", "R059", "J029", "J209", "H6690"]


def month_of_year(months: np.ndarray) -> np.ndarray:
    return months.astype("datetime64[M]").astype(int) % 12 + 1


def month_weights() -> np.ndarray:
    """Relative discharge volume per month: ~4%/year growth plus a winter bump."""
    t = np.arange(len(MONTHS))
    moy = month_of_year(MONTHS)
    winter = np.where(np.isin(moy, WINTER), 1.08, np.where(np.isin(moy, (11, 3)), 1.03, 1.0))
    days = (MONTHS + 1).astype("datetime64[D]") - MONTHS.astype("datetime64[D]")
    w = days.astype(float) * (1 + 0.04 * t / 12) * winter
    return w / w.sum()


def respiratory_share(moy: np.ndarray) -> np.ndarray:
    """Probability that an office/ED/pediatric visit is a respiratory visit, by month of year."""
    return np.select([np.isin(moy, WINTER), np.isin(moy, (11, 3))], [0.20, 0.10], 0.035)


def fiscal_year(dates: np.ndarray) -> np.ndarray:
    m = dates.astype("datetime64[M]").astype(int)
    return (m // 12 + 1970) + (m % 12 >= 9)


def drg_version_for_fy(fy: np.ndarray) -> np.ndarray:
    return (fy - 2024 + 41).astype(np.int16)
