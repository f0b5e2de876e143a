"""What a metric is and the arithmetic every metric shares (ratios, intervals, suppression rules).

Each metric is defined once, in queries/definitions/<area>.py: its numerator and denominator
(component columns computed by one SQL file), the counts that guard it against small-cell
disclosure, and the definition text shown beside its chart and mirrored in docs/metrics.md.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str                 # 'count' | 'percent' | 'usd' | 'index'
    numerator: str            # component column
    denominator: str | None   # component column; None = the numerator is the value
    guards: tuple[str, ...]   # counts of encounters/claims behind the value (small-cell suppression)
    definition: str
    numerator_text: str
    denominator_text: str
    source: str
    higher_is_better: bool | None = None
    change_kind: str = "relative"  # 'relative' (percent change) | 'points' (difference in percentage points)





def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when undefined (no denominator)."""
    if numerator is None or denominator is None or pd.isna(numerator) or pd.isna(denominator) or denominator == 0:
        return None
    return float(numerator) / float(denominator)


def wilson_interval(successes: int, n: int, z: float = 1.959963984540054) -> tuple[float, float] | None:
    """95% Wilson score interval for a proportion (Wilson 1927); None when n is 0."""
    if n <= 0:
        return None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def with_metrics(components: pd.DataFrame, metrics: Iterable[Metric]) -> pd.DataFrame:
    """Component columns plus one column per metric, computed row by row (no suppression)."""
    out = components.copy()
    for m in metrics:
        if m.denominator is None:
            out[m.key] = components[m.numerator].astype("float64")
        else:
            den = components[m.denominator].astype("float64")
            out[m.key] = (components[m.numerator].astype("float64") / den).where(den > 0)
    return out


def metric_dependents(metrics: Iterable[Metric]) -> dict[str, list[str]]:
    """Each component -> the metrics computed from it (a metric is hidden whenever a component is)."""
    deps: dict[str, list[str]] = {}
    for m in metrics:
        for col in (m.numerator, m.denominator, *m.guards):
            if col and col != m.key and m.key not in deps.setdefault(col, []):
                deps[col].append(m.key)
    return deps


def suppression_rules(metrics: Iterable[Metric]) -> dict[str, list[str]]:
    """Each guard count -> the metrics and components that would reveal it."""
    rules: dict[str, list[str]] = {}
    for m in metrics:
        for guard in m.guards:
            deps = rules.setdefault(guard, [])
            for col in (m.key, m.numerator, m.denominator):
                if col and col != guard and col not in deps:
                    deps.append(col)
    return rules
