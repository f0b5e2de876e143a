"""Chi-square test of an entity's whole distribution (e.g. E/M levels 1-5) against its peers' distribution.

Goodness of fit (scipy.stats.chisquare): observed = the entity's counts per category; expected = the entity's
total x the peers' share of each category (peers exclude the entity: pass `peers_include_entity=True` to have
the entity's counts taken out of `peer_counts`). df = categories - 1 (the peer shares are treated as known;
with many peers their sampling error is small next to the entity's).

Small expected counts (Cochran 1954, "Some methods for strengthening the common chi-square tests", Biometrics
10:417; the rule most textbooks state): the chi-square approximation is used only when every expected count
is at least 1 and no more than 20% of them are below 5. When the rule fails, adjacent categories are pooled
(E/M levels are ordered, so neighbours are merged: the category with the smallest expected count joins its
neighbour with the smaller expected count) until it holds; if fewer than two categories remain, there is no
test (testable False, p_value None). The pooled categories are reported, so a reader sees what was compared.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

MIN_EXPECTED = 1.0
SMALL_EXPECTED = 5.0
MAX_SHARE_SMALL = 0.2


def _series(counts, name: str) -> pd.Series:
    s = pd.Series(counts, dtype=float) if isinstance(counts, Mapping) else pd.Series(counts).astype(float)
    if s.isna().any() or (s < 0).any():
        raise ValueError(f"{name} must be non-negative counts")
    return s


def cochran_ok(expected: np.ndarray) -> bool:
    """Every expected count >= 1 and at most 20% of them below 5."""
    return bool((expected >= MIN_EXPECTED).all() and (expected < SMALL_EXPECTED).mean() <= MAX_SHARE_SMALL)


def _pool(labels: list[str], observed: list[float], expected: list[float]):
    while len(expected) > 1 and not cochran_ok(np.array(expected)):
        i = int(np.argmin(expected))
        if i == 0:
            j = 1
        elif i == len(expected) - 1:
            j = i - 1
        else:
            j = i - 1 if expected[i - 1] <= expected[i + 1] else i + 1
        a, b = sorted((i, j))
        labels[a:b + 1] = [f"{labels[a]}+{labels[b]}"]
        observed[a:b + 1] = [observed[a] + observed[b]]
        expected[a:b + 1] = [expected[a] + expected[b]]
    return labels, observed, expected


def distribution_test(entity_counts, peer_counts, peers_include_entity: bool = False) -> dict:
    """Chi-square goodness of fit of `entity_counts` against the shares of `peer_counts`.

    Both are counts per category in the same order (dicts or Series keyed by category, e.g. {'99213': 40,
    ...}); categories missing from one side count 0. Returns statistic, df, p_value (None when not testable),
    n (the entity's total), categories (labels after pooling, 'a+b' for pooled ones), observed, expected,
    pooled (whether pooling was needed) and testable.
    """
    ent, peer = _series(entity_counts, "entity_counts"), _series(peer_counts, "peer_counts")
    order = list(dict.fromkeys([*peer.index, *ent.index]))
    ent, peer = ent.reindex(order, fill_value=0.0), peer.reindex(order, fill_value=0.0)
    if peers_include_entity:
        peer = peer - ent
        if (peer < 0).any():
            raise ValueError("peer_counts must include the entity's counts when peers_include_entity=True")
    n, peer_total = float(ent.sum()), float(peer.sum())
    result = {"statistic": None, "df": 0, "p_value": None, "n": int(n), "categories": [str(c) for c in order],
              "observed": ent.tolist(), "expected": [], "pooled": False, "testable": False}
    if n == 0 or peer_total == 0:
        return result
    expected = (n * peer / peer_total).tolist()
    labels, observed, expected = _pool([str(c) for c in order], ent.tolist(), expected)
    result.update(categories=labels, observed=observed, expected=expected, pooled=len(labels) < len(order))
    if len(labels) < 2 or not cochran_ok(np.array(expected)):
        return result
    stat, p = stats.chisquare(np.array(observed), np.array(expected))
    result.update(statistic=float(stat), df=len(labels) - 1, p_value=float(p), testable=True)
    return result
