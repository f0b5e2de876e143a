"""PEPPER-style percentiles within a peer group and the 80th / 20th percentile flags.

PEPPER (the CMS Program for Evaluating Payment Patterns Electronic Report, TMF Health Quality Institute)
defines an entity's percentile for a target area as the percentage of entities in the comparison group
(nation, MAC jurisdiction, state) whose target area percent is lower than the entity's: "a percentile is the
percentage of providers with a lower target area percent" (K. Hrehor, TMF, as quoted in AAPC "PEPPER Reports:
Clear Up Your Confusion Over Percent Vs. Percentile"; PEPPER user's guides, "percents and percentiles").
An entity "at or above the 80th percentile" is a high outlier (the upper control limit of every target area);
for coding-related target areas one "at or below the 20th percentile" is a low outlier.

Here: pct = 100 x (number of peers in the same group with a strictly lower value) / (number of entities in
the group with a value), the entity itself counted in the group (so the highest of N sits at 100 (N-1) / N,
and ties share the lower rank). Entities without a value (NaN) or not `eligible` (e.g. below a minimum
denominator: PEPPER does not report target areas with fewer than 11 discharges) get no percentile and are
not counted in anyone's group.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def peer_percentile(values, peer_groups=None, eligible=None) -> pd.Series:
    """PEPPER percentile (0-100) of each value within its peer group (all one group when peer_groups is None)."""
    vals = pd.Series(values, dtype=float) if not isinstance(values, pd.Series) else values.astype(float)
    index = vals.index
    groups = (pd.Series("all", index=index) if peer_groups is None
              else pd.Series(np.asarray(peer_groups, dtype=object), index=index))
    ok = vals.notna()
    if eligible is not None:
        ok &= pd.Series(np.asarray(eligible, dtype=bool), index=index)
    out = pd.Series(np.nan, index=index, dtype=float)
    frame = pd.DataFrame({"v": vals[ok], "g": groups[ok].fillna("(none)")})
    if frame.empty:
        return out
    lower = frame.groupby("g")["v"].rank(method="min") - 1        # peers strictly lower
    size = frame.groupby("g")["v"].transform("size")
    out[frame.index] = 100 * lower / size
    return out


def pepper_flags(pct, high: float = 80, low: float = 20, direction: str = "both") -> pd.Series:
    """'high' at or above the `high` percentile, 'low' at or below the `low` one, else 'within'; None without
    a percentile. `direction` 'high' or 'low' keeps only that side (PEPPER flags low only for coding areas)."""
    if direction not in ("high", "low", "both"):
        raise ValueError(f"direction must be 'high', 'low' or 'both', got {direction!r}")
    if not 0 <= low < high <= 100:
        raise ValueError("need 0 <= low < high <= 100")
    p = pct.astype(float) if isinstance(pct, pd.Series) else pd.Series(pct, dtype=float)
    flag = np.where((p >= high) & (direction != "low"), "high",
                    np.where((p <= low) & (direction != "high"), "low", "within")).astype(object)
    flag[p.isna().to_numpy()] = None
    return pd.Series(flag, index=p.index, dtype=object)
