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

The statistic is scipy.stats.chisquare's, sum((observed - expected)^2 / expected), and the p-value its upper
tail, scipy.special.chdtrc(df, statistic); both are computed here directly on arrays (the same arithmetic,
so the same floats: tests/queries/test_stats.py compares them with scipy.stats.chisquare), because
`distribution_tests` runs one test per provider of a peer group on every compliance request.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import special

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


def _test(labels: list[str], ent: np.ndarray, peer: np.ndarray) -> dict:
    """The test of one entity: counts per category in `labels` order, peers already without the entity."""
    n, peer_total = float(ent.sum()), float(peer.sum())
    result = {"statistic": None, "df": 0, "p_value": None, "n": int(n), "categories": list(labels),
              "observed": ent.tolist(), "expected": [], "pooled": False, "testable": False}
    if n == 0 or peer_total == 0:
        return result
    expected = (n * peer / peer_total).tolist()
    pooled, observed, expected = _pool(list(labels), ent.tolist(), expected)
    result.update(categories=pooled, observed=observed, expected=expected, pooled=len(pooled) < len(labels))
    if len(pooled) < 2 or not cochran_ok(np.array(expected)):
        return result
    o, e = np.array(observed, dtype=float), np.array(expected, dtype=float)
    result.update(statistic=float(np.sum((o - e) ** 2 / e)), df=len(pooled) - 1, testable=True)
    return result


def _with_p_values(results: list[dict]) -> list[dict]:
    testable = [r for r in results if r["testable"]]
    if testable:
        p = special.chdtrc(np.array([r["df"] for r in testable], dtype=float),
                           np.array([r["statistic"] for r in testable], dtype=float))
        for r, value in zip(testable, np.atleast_1d(p).tolist()):
            r["p_value"] = float(value)
    return results


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
    return _with_p_values([_test([str(c) for c in order], ent.to_numpy(dtype=float),
                                 peer.to_numpy(dtype=float))])[0]


def distribution_tests(categories, entity_counts, peer_counts, peers_include_entity: bool = False) -> list[dict]:
    """`distribution_test` of many entities at once, each row of `entity_counts` (entities x categories) against
    the same row of `peer_counts` (each entity's own peers, e.g. its peer group's totals); columns follow
    `categories`. The same results, one dict per row, without building a pandas object per entity."""
    ent = np.asarray(entity_counts, dtype=float)
    peer = np.asarray(peer_counts, dtype=float)
    labels = [str(c) for c in categories]
    if ent.ndim != 2 or ent.shape != peer.shape or ent.shape[1] != len(labels):
        raise ValueError("entity_counts and peer_counts must both be entities x categories")
    if np.isnan(ent).any() or (ent < 0).any() or np.isnan(peer).any() or (peer < 0).any():
        raise ValueError("counts must be non-negative")
    if peers_include_entity:
        peer = peer - ent
        if (peer < 0).any():
            raise ValueError("peer_counts must include the entity's counts when peers_include_entity=True")
    return _with_p_values([_test(labels, e, p) for e, p in zip(ent, peer)])
