"""Outlier statistics (queries/stats): funnel limits, overdispersion, verdicts, PEPPER percentiles, chi-square.

Expected values are worked by hand in the comments (z_0.975 = 1.959964, z_0.999 = 3.090232).
"""
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from codedash.queries.stats import (
    dispersion,
    distribution_test,
    distribution_tests,
    funnel_limits,
    funnel_verdict,
    funnel_verdicts,
    level_key,
    overdispersion,
    peer_percentile,
    pepper_flags,
    pooled_p0,
)
from codedash.queries.stats.distribution import cochran_ok
from codedash.queries.stats.funnel import winsorise

# --------------------------------------------------------------------------------------- limits


def test_level_keys():
    assert level_key(0.95) == "95" and level_key(0.998) == "998" and level_key(0.9) == "90"


def test_normal_limits_by_hand():
    # p0 = 0.2, n = 100: sd = sqrt(0.2 * 0.8 / 100) = 0.04
    # 95%:   0.2 -/+ 1.959964 * 0.04 = 0.2 -/+ 0.07839856 -> 0.12160144, 0.27839856
    # 99.8%: 0.2 -/+ 3.090232 * 0.04 = 0.2 -/+ 0.12360928 -> 0.07639072, 0.32360928
    row = funnel_limits(0.2, 100, method="normal").iloc[0]
    assert row.lower95 == pytest.approx(0.12160144, abs=1e-7)
    assert row.upper95 == pytest.approx(0.27839856, abs=1e-7)
    assert row.lower998 == pytest.approx(0.07639072, abs=1e-7)
    assert row.upper998 == pytest.approx(0.32360928, abs=1e-7)


def test_exact_limits_by_hand():
    # Binomial(100, 0.2), upper 95% limit (p = 0.975): F(27) = 0.965848, F(28) = 0.979980, so r_p = 28;
    # alpha = (0.979980 - 0.975) / (0.979980 - 0.965848) = 0.352391; limit = (28 - 0.352391) / 100 = 0.276476.
    # Lower 95% (p = 0.025): F(11) = 0.012575, F(12) = 0.025329, r_p = 12, alpha = 0.025777, limit = 0.119742.
    # 99.8%: p = 0.001 -> r_p = 9, alpha = 0.902175, 0.080978; p = 0.999 -> r_p = 33, alpha = 0.323415, 0.326766.
    b = sps.binom(100, 0.2)
    assert b.cdf(27) == pytest.approx(0.965848, abs=1e-6) and b.cdf(28) == pytest.approx(0.979980, abs=1e-6)
    row = funnel_limits(0.2, 100).iloc[0]               # default: exact
    assert row.upper95 == pytest.approx(0.276476, abs=1e-6)
    assert row.lower95 == pytest.approx(0.119742, abs=1e-6)
    assert row.lower998 == pytest.approx(0.080978, abs=1e-6)
    assert row.upper998 == pytest.approx(0.326766, abs=1e-6)


def test_arcsine_limits_by_hand():
    # asin(sqrt(0.2)) = 0.4636476; s = 1 / (2 sqrt(100)) = 0.05
    # 95%: 0.4636476 -/+ 0.0979982 -> sin^2(0.3656494) = 0.1278462, sin^2(0.5616458) = 0.2836413
    # with tau2 = 0.0025: sqrt(0.0025 + 0.0025) = 0.0707107; 1.959964 * 0.0707107 = 0.1385904
    #   -> sin^2(0.3250572) = 0.1019480, sin^2(0.6022380) = 0.3207300
    row = funnel_limits(0.2, 100, method="arcsine").iloc[0]
    assert row.lower95 == pytest.approx(0.1278462, abs=1e-6)
    assert row.upper95 == pytest.approx(0.2836413, abs=1e-6)
    adj = funnel_limits(0.2, 100, tau2=0.0025).iloc[0]   # auto -> arcsine
    assert adj.lower95 == pytest.approx(math.sin(0.4636476 - 0.1385904) ** 2, abs=1e-6)
    assert adj.upper95 == pytest.approx(math.sin(0.4636476 + 0.1385904) ** 2, abs=1e-6)


def test_multiplicative_phi_widens_by_sqrt_phi():
    # phi = 4: normal limits 0.2 -/+ 2 * 0.07839856 = 0.04320288, 0.35679712
    row = funnel_limits(0.2, 100, phi=4, method="normal").iloc[0]
    assert row.lower95 == pytest.approx(0.04320288, abs=1e-7)
    assert row.upper95 == pytest.approx(0.35679712, abs=1e-7)
    exact = funnel_limits(0.2, 100, phi=4).iloc[0]
    assert exact.upper95 == pytest.approx(0.2 + 2 * (0.276476 - 0.2), abs=1e-6)


def test_limits_reject_bad_input():
    with pytest.raises(ValueError):
        funnel_limits(1.2, 10)
    with pytest.raises(ValueError):
        funnel_limits(0.2, 0)
    with pytest.raises(ValueError):
        funnel_limits(0.2, 10, phi=2, tau2=0.01)
    with pytest.raises(ValueError):
        funnel_limits(0.2, 10, phi=0.5)
    with pytest.raises(ValueError):
        funnel_limits(0.2, 10, tau2=0.01, method="normal")


def test_limits_at_p0_zero_or_one_collapse():
    df = funnel_limits(0.0, [5, 50])
    assert (df.lower95 == 0).all() and (df.upper998 == 0).all()


_P0 = st.floats(0.01, 0.99)
_N = st.integers(1, 5000)


@settings(max_examples=60, deadline=None)
@given(_P0, _N, _N, st.sampled_from(["normal", "arcsine"]), st.floats(1, 5), st.floats(0, 0.05))
def test_limits_widen_as_n_falls(p0, n1, n2, method, phi, tau2):
    small, large = sorted((n1, n2))
    if method == "normal":
        tau2 = 0.0
    else:
        phi = 1.0
    df = funnel_limits(p0, [small, large], phi=phi, tau2=tau2, method=method)
    for k in ("95", "998"):
        assert df[f"upper{k}"][0] >= df[f"upper{k}"][1] - 1e-12
        assert df[f"lower{k}"][0] <= df[f"lower{k}"][1] + 1e-12
    assert (df.lower998 <= df.lower95 + 1e-12).all() and (df.upper998 >= df.upper95 - 1e-12).all()
    assert ((df.lower998 >= 0) & (df.upper998 <= 1)).all()


@settings(max_examples=60, deadline=None)
@given(_P0, _N)
def test_exact_lower_limit_below_p0_below_upper(p0, n):
    row = funnel_limits(p0, n).iloc[0]
    assert 0 <= row.lower998 <= row.lower95 <= p0 + 1e-12 <= row.upper95 + 2e-12 <= row.upper998 + 3e-12 <= 1 + 4e-12


def test_exact_limits_follow_the_funnel_between_small_and_large_n():
    # Discrete binomial limits have a saw-tooth at small n (documented); over a 4x step they always narrow.
    for p0 in (0.05, 0.2, 0.5):
        df = funnel_limits(p0, [5, 20, 80, 320, 1280])
        assert df.upper95.is_monotonic_decreasing and df.lower95.is_monotonic_increasing


# --------------------------------------------------------------------------------------- overdispersion

# Worked example: p0 = 0.2, five entities of n = 100 with 12, 16, 20, 24, 28 events.
NUM = np.array([12, 16, 20, 24, 28])
DEN = np.full(5, 100)


def test_phi_by_hand():
    # Normal-scale z = (y - 0.2) / 0.04 = -2, -1, 0, 1, 2.
    # No Winsorising: phi = (4 + 1 + 0 + 1 + 4) / 5 = 2.0.
    assert overdispersion(NUM, DEN, 0.2, winsor=0) == pytest.approx((2.0, 0.0))
    # 10% Winsorising of 5 values (type-7 quantile at position 0.1 * 4 = 0.4): lower = -2 + 0.4 * 1 = -1.6,
    # upper = 1.6; z -> -1.6, -1, 0, 1, 1.6; phi = (2.56 + 1 + 0 + 1 + 2.56) / 5 = 1.424.
    assert overdispersion(NUM, DEN, 0.2) == pytest.approx((1.424, 0.0))
    d = dispersion(NUM, DEN, 0.2)
    assert (d.method, d.scale, d.n_entities) == ("multiplicative", "normal", 5)


def test_tau2_by_hand():
    # Arcsine scale: z_i = (asin sqrt(y_i) - asin sqrt(0.2)) / 0.05 = 20 (asin sqrt(y_i) - 0.4636476):
    #   -2.1981201, -1.0426153, 0, 0.9665016, 1.8790244; sum z^2 = 10.3836362; phi_hat = 2.0767272.
    # DerSimonian-Laird: w_i = 4 n_i = 400; sum w = 2000; sum w^2 / sum w = 800000 / 2000 = 400.
    #   tau2 = (5 * 2.0767272 - 4) / (2000 - 400) = 6.3836362 / 1600 = 0.0039897726.
    d = dispersion(NUM, DEN, 0.2, method="additive", winsor=0)
    assert d.phi_hat == pytest.approx(2.0767272, abs=1e-6)
    assert d.tau2 == pytest.approx(0.0039897726, abs=1e-9)
    assert overdispersion(NUM, DEN, 0.2, method="additive", winsor=0) == pytest.approx((1.0, 0.0039897726))
    # 10% Winsorising: quantiles -2.1981201 + 0.4 * 1.1555048 = -1.7359181 and 0.9665016 + 0.4 * 0.9125228
    #   = 1.5140152; sum of squares = 3.0134126 + 1.0870461 + 0 + 0.9341253 + 2.2922420 = 7.3268259;
    #   phi_hat = 1.4653652; tau2 = (7.3268259 - 4) / 1600 = 0.0020792662.
    w = dispersion(NUM, DEN, 0.2, method="additive")
    assert w.phi_hat == pytest.approx(1.4653652, abs=1e-6)
    assert w.tau2 == pytest.approx(0.0020792662, abs=1e-9)


def test_no_overdispersion_floors():
    # Events exactly at p0 everywhere: all z = 0, phi_hat = 0 -> phi floored at 1; I phi_hat <= I - 1 -> tau2 = 0.
    num, den = np.array([20, 40, 10]), np.array([100, 200, 50])
    assert overdispersion(num, den, 0.2) == (1.0, 0.0)
    assert overdispersion(num, den, 0.2, method="additive") == (1.0, 0.0)
    assert overdispersion([3], [10], 0.2) == (1.0, 0.0)          # one entity: nothing to estimate


def test_min_n_leaves_small_entities_out_of_the_estimate():
    num, den = np.append(NUM, 5), np.append(DEN, 5)             # a tiny entity at 100%
    assert dispersion(num, den, 0.2, winsor=0, min_n=30).phi == pytest.approx(2.0)
    assert dispersion(num, den, 0.2, winsor=0).phi > 2.0


def test_winsorise_is_numpy_linear_quantiles():
    z = np.array([-2.0, -1, 0, 1, 2])
    assert winsorise(z, 0.1).tolist() == pytest.approx([-1.6, -1, 0, 1, 1.6])
    with pytest.raises(ValueError):
        winsorise(z, 0.5)


def test_pooled_p0():
    assert pooled_p0(NUM, DEN) == pytest.approx(0.2)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 400), st.floats(0, 1)), min_size=2, max_size=30), _P0,
       st.sampled_from([0.0, 0.1, 0.2]))
def test_phi_at_least_one_and_tau2_non_negative(rows, p0, winsor):
    den = np.array([n for n, _ in rows])
    num = np.array([round(n * f) for n, f in rows])
    phi, tau2 = overdispersion(num, den, p0, winsor=winsor)
    assert phi >= 1 and tau2 == 0
    d = dispersion(num, den, p0, method="additive", winsor=winsor)
    assert d.phi == 1 and d.tau2 >= 0
    if d.n_entities * d.phi_hat <= d.n_entities - 1:
        assert d.tau2 == 0


# --------------------------------------------------------------------------------------- verdicts

def test_exact_flags_on_a_tiny_fixture():
    # p0 = 0.2; exact 95% limits at n = 100: 0.119742 .. 0.276476; 99.8%: 0.080978 .. 0.326766.
    #   A: 30/100 = 0.30 -> above 95%, inside 99.8%: high, within
    #   B: 35/100 = 0.35 -> above both: high, high
    #   C: 10/100 = 0.10 -> below 95% only: low, within
    #   D: 20/100        -> within, within
    #   E: 5/8 = 0.625, n = 8 < min_n 20: shown, no verdict
    y = pd.Series([0.30, 0.35, 0.10, 0.20, 0.625], index=list("ABCDE"))
    n = [100, 100, 100, 100, 8]
    both = funnel_verdict(y, n, 0.2, min_n=20)
    assert both.flag95.tolist() == ["high", "high", "low", "within", None]
    assert both.flag998.tolist() == ["within", "high", "within", "within", None]
    assert both.assessed.tolist() == [True, True, True, True, False]
    assert both.loc["B", "z"] == pytest.approx((0.35 - 0.2) / 0.04)
    assert not math.isnan(both.loc["E", "z"])                 # shown with its z, never flagged
    high = funnel_verdict(y, n, 0.2, min_n=20, direction="high")
    assert high.flag95.tolist() == ["high", "high", "within", "within", None]
    low = funnel_verdict(y, n, 0.2, min_n=20, direction="low")
    assert low.flag95.tolist() == ["within", "within", "low", "within", None]


def test_overdispersion_removes_a_noise_flag():
    # phi = 4 doubles the 95% half-widths: 0.30 (above 0.276476) is within 0.2 + 2 * 0.076476 = 0.352952.
    v = funnel_verdict([0.30], [100], 0.2, phi=4)
    assert v.flag95.tolist() == ["within"]
    assert v.z[0] == pytest.approx(2.5 / 2)                   # z / sqrt(phi)
    t = funnel_verdict([0.30], [100], 0.2, tau2=0.0025)
    assert t.z[0] == pytest.approx((math.asin(math.sqrt(0.3)) - 0.4636476) / math.sqrt(0.005), abs=1e-6)


def test_verdict_rejects_counts_for_proportions():
    with pytest.raises(ValueError, match="proportions"):
        funnel_verdict([30], [100], 0.2)


_ORDER = {"low": 0, "within": 1, "high": 2}


@settings(max_examples=80, deadline=None)
@given(_P0, st.integers(1, 2000), st.floats(0, 1), st.floats(0, 1), st.floats(1, 4), st.floats(0, 0.05),
       st.booleans(), st.sampled_from(["both", "high", "low"]))
def test_verdict_monotone_in_y(p0, n, a, b, phi, tau2, additive, direction):
    lo, hi = sorted((a, b))
    adjustment = dict(phi=1.0, tau2=tau2) if additive else dict(phi=phi, tau2=0.0)
    v = funnel_verdict([lo, hi], [n, n], p0, direction=direction, **adjustment)
    for k in ("95", "998"):
        assert _ORDER[v[f"flag{k}"][0]] <= _ORDER[v[f"flag{k}"][1]]
    assert v.z[0] <= v.z[1] + 1e-12
    # a 99.8% flag is always also a 95% flag in the same direction
    assert not ((v.flag998 != "within") & (v.flag95 != v.flag998)).any()


# --------------------------------------------------------------------------------------- percentiles

def test_peer_percentile_pepper_definition():
    # Group a: values 1, 2, 2, 3 (4 entities): % of the group strictly lower -> 0, 25, 25, 75.
    # Group b: one entity -> 0. The NaN has no percentile.
    pct = peer_percentile([1, 2, 2, 3, np.nan, 5], ["a", "a", "a", "a", "a", "b"])
    assert pct.tolist()[:4] == [0, 25, 25, 75] and math.isnan(pct[4]) and pct[5] == 0


def test_ineligible_entities_are_not_ranked_nor_counted():
    pct = peer_percentile([1, 2, 3, 100], None, eligible=[True, True, True, False])
    assert pct.tolist()[:3] == pytest.approx([0, 100 / 3, 200 / 3]) and math.isnan(pct[3])


def test_pepper_flags():
    pct = pd.Series([80, 79.9, 20, 20.1, np.nan, 95])
    assert pepper_flags(pct).tolist() == ["high", "within", "low", "within", None, "high"]
    assert pepper_flags(pct, direction="high").tolist() == ["high", "within", "within", "within", None, "high"]


# --------------------------------------------------------------------------------------- distribution

def test_chi_square_by_hand():
    # Entity levels 1-5: 2, 10, 30, 40, 18 (n = 100); peers 50, 200, 450, 250, 50 (total 1000)
    # expected = 5, 20, 45, 25, 5 (one of five below 5 = 20%: allowed)
    # chi2 = 9/5 + 100/20 + 225/45 + 225/25 + 169/5 = 1.8 + 5 + 5 + 9 + 33.8 = 54.6, df = 4
    r = distribution_test({"1": 2, "2": 10, "3": 30, "4": 40, "5": 18},
                          {"1": 50, "2": 200, "3": 450, "4": 250, "5": 50})
    assert r["testable"] and not r["pooled"] and r["df"] == 4
    assert r["statistic"] == pytest.approx(54.6)
    assert r["p_value"] == pytest.approx(sps.chi2.sf(54.6, 4))


def test_small_expected_counts_are_pooled_with_neighbours():
    # Categories 0-4 (list positions). n = 20 against peers 1%, 4%, 45%, 40%, 10%: expected 0.2, 0.8, 9, 8, 2.
    # pool 0 (0.2) with 1 -> 1.0 ("0+1"); now 1.0, 9, 8, 2: two of four below 5 -> pool the smallest
    # (1.0) with 2 -> "0+1+2" 10; 10, 8, 2: one of three below 5 (33%) -> pool 4 (2) with 3 -> "3+4" 10.
    # Final: "0+1+2" 10 vs observed 1+1+8 = 10, "3+4" 10 vs 6+4 = 10 -> chi2 = 0, df = 1.
    r = distribution_test([1, 1, 8, 6, 4], [10, 40, 450, 400, 100])
    assert r["categories"] == ["0+1+2", "3+4"] and r["pooled"]
    assert r["expected"] == pytest.approx([10, 10]) and r["observed"] == [10, 10]
    assert r["statistic"] == pytest.approx(0) and r["df"] == 1


def test_untestable_when_too_small():
    r = distribution_test([1, 1], [50, 50])               # expected 1, 1: pooled into one category
    assert not r["testable"] and r["p_value"] is None


def test_peers_include_entity():
    a = distribution_test([5, 5], [50, 50])
    b = distribution_test([5, 5], [55, 55], peers_include_entity=True)
    assert a["statistic"] == b["statistic"]


def test_cochran_rule():
    assert cochran_ok(np.array([5, 5, 5, 4.9, 10]))
    assert not cochran_ok(np.array([5, 4, 4.9, 10, 10]))
    assert not cochran_ok(np.array([0.9, 10, 10, 10, 10, 10]))


# ------------------------------------------------------------------ against FunnelPlotR's R code, transcribed
# nhs-r-community/FunnelPlotR, R/od_adjustment.R (transformed_zscore "PR", winsorisation, phi_func, tau_func)
# and R/calculate_limits.R ("PR" limits), line by line, with target = sum(numerator) / sum(denominator).

def _funnelplotr_pr(numerator, denominator, trim_by=0.1):
    target = numerator.sum() / denominator.sum()
    target_transformed = np.arcsin(np.sqrt(target))
    Y = np.arcsin(np.sqrt(numerator / denominator))
    s = 1 / (2 * np.sqrt(denominator))
    Uzscore = (Y - target_transformed) / s
    lz, uz = np.quantile(Uzscore, trim_by), np.quantile(Uzscore, 1 - trim_by)     # R quantile type 7
    Wuzscore = np.where(Uzscore < lz, lz, np.where(Uzscore > uz, uz, Uzscore))
    n = len(Wuzscore)
    phi = (1 / n) * np.sum(Wuzscore ** 2)
    if n * phi < n - 1:
        tau2 = 0.0
    else:
        tau2 = max(0.0, (n * phi - (n - 1)) / (np.sum(1 / s ** 2) - np.sum((1 / s ** 2) ** 2) / np.sum(1 / s ** 2)))
    def limit(z, sign):
        # the angle, and R's limit; an angle outside [0, pi/2] reflects in sin^2 (R then repairs it only on its
        # plotting grid, by monotonicity); codedash clips the angle: the limit is 0 or 1 there
        angle = target_transformed + sign * z * np.sqrt(s ** 2 + tau2)
        return angle, np.sin(angle) ** 2
    return target, phi, tau2, {"odll95": limit(1.959964, -1), "odul95": limit(1.959964, 1),
                               "odll998": limit(3.090232, -1), "odul998": limit(3.090232, 1)}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(200, 3000), st.floats(0.05, 0.6)), min_size=5, max_size=40))
def test_additive_method_matches_funnelplotr(rows):
    den = np.array([n for n, _ in rows], dtype=float)
    num = np.array([round(n * f) for n, f in rows], dtype=float)
    target, phi_r, tau2_r, limits_r = _funnelplotr_pr(num, den)
    d = dispersion(num, den, pooled_p0(num, den), method="additive")
    assert d.phi_hat == pytest.approx(phi_r, rel=1e-9)
    assert d.tau2 == pytest.approx(tau2_r, rel=1e-9, abs=1e-15)
    ours = funnel_limits(target, den, tau2=d.tau2, method="arcsine")
    for key, ours_col in (("odll95", "lower95"), ("odul95", "upper95"), ("odll998", "lower998"),
                          ("odul998", "upper998")):
        angle, expected = limits_r[key]
        inside = (angle >= 0) & (angle <= np.pi / 2)
        got = ours[ours_col].to_numpy()
        assert got[inside] == pytest.approx(expected[inside], abs=2e-7)   # R's z has 6 decimals
        assert np.isin(got[~inside], [0.0, 1.0]).all()


_COUNTS = st.lists(st.integers(0, 400), min_size=3, max_size=5)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.tuples(_COUNTS, st.integers(0, 3000)), min_size=1, max_size=6), data=st.data())
def test_distribution_tests_equal_one_test_per_entity_and_scipy(rows, data):
    """The batch form gives, row for row, distribution_test's answer, and its statistic and p-value are exactly
    scipy.stats.chisquare's on the (pooled) observed and expected counts."""
    width = len(rows[0][0])
    ent = np.array([(r[0] + [0] * width)[:width] for r in rows], dtype=float)
    extra = np.array([data.draw(st.lists(st.integers(0, 3000), min_size=width, max_size=width)) for _ in rows],
                     dtype=float)
    peer = ent + extra                                     # peers include the entity
    cats = [str(i + 1) for i in range(width)]
    batch = distribution_tests(cats, ent, peer, peers_include_entity=True)
    for e, p, got in zip(ent, peer, batch):
        one = distribution_test(dict(zip(cats, e)), dict(zip(cats, p)), peers_include_entity=True)
        assert got == one
        if got["testable"]:
            ref = sps.chisquare(np.array(got["observed"]), np.array(got["expected"]))
            assert got["statistic"] == float(ref.statistic) and got["p_value"] == float(ref.pvalue)


def test_distribution_tests_refuse_bad_shapes():
    with pytest.raises(ValueError):
        distribution_tests(["1", "2"], [[1, 2]], [[1, 2, 3]])
    with pytest.raises(ValueError):
        distribution_tests(["1", "2"], [[5, 2]], [[1, 2]], peers_include_entity=True)


@st.composite
def _groups(draw):
    groups = []
    for _ in range(draw(st.integers(1, 4))):
        dens = draw(st.lists(st.integers(1, 500), min_size=1, max_size=8))
        nums = [draw(st.integers(0, d)) for d in dens]
        kind = draw(st.sampled_from(["none", "phi", "tau2"]))
        phi = draw(st.floats(1.0, 4.0)) if kind == "phi" else 1.0
        tau2 = draw(st.floats(1e-4, 0.05)) if kind == "tau2" else 0.0
        p0 = draw(st.sampled_from([None, 0.0, 1.0]))
        if p0 is None:
            p0 = sum(nums) / sum(dens)
        groups.append((nums, dens, p0, phi, tau2))
    return groups


@settings(max_examples=150, deadline=None)
@given(groups=_groups(), direction=st.sampled_from(["high", "low", "both"]), min_n=st.integers(1, 60))
def test_funnel_verdicts_equal_funnel_verdict_per_group(groups, direction, min_n):
    """One pass over every peer group gives exactly (same floats, same verdicts) one funnel_verdict per group."""
    y, n, p0, phi, tau2, expected = [], [], [], [], [], []
    for nums, dens, g_p0, g_phi, g_tau2 in groups:
        gy = np.array(nums, dtype=float) / np.array(dens, dtype=float)
        expected.append(funnel_verdict(gy, dens, g_p0, g_phi, g_tau2, direction=direction, min_n=min_n))
        y += gy.tolist()
        n += dens
        p0 += [g_p0] * len(dens)
        phi += [g_phi] * len(dens)
        tau2 += [g_tau2] * len(dens)
    got = funnel_verdicts(np.array(y), np.array(n, dtype=float), np.array(p0), np.array(phi), np.array(tau2),
                          direction=direction, min_n=min_n)
    want = pd.concat(expected, ignore_index=True)
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_funnel_verdicts_refuse_both_adjustments():
    with pytest.raises(ValueError):
        funnel_verdicts([0.5], [10], [0.5], [2.0], [0.01])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 400), st.integers(1, 5_000), st.integers(0, 400), st.integers(1, 5_000)),
                min_size=1, max_size=12))
def test_the_vectorised_exact_rate_test_is_scipys_binomtest_for_every_node(rows):
    from codedash.queries.stats.period_change import exact_rate_tests

    k1, n1, k2, n2 = (np.array(c) for c in zip(*rows))
    got = exact_rate_tests(k1, n1, k2, n2)
    for (a, b, c, d), p in zip(rows, got):
        want = 1.0 if a + c == 0 else sps.binomtest(c, a + c, d / (b + d)).pvalue
        assert p == pytest.approx(want, rel=1e-12, abs=1e-300)


def test_the_exact_rate_test_by_hand():
    from codedash.queries.stats.period_change import exact_rate_tests

    # 3 vs 1 events over equal exposure: k2 = 1 of 4 at p = 1/2; outcomes no more likely than P(1) = 4/16 are
    # 0, 1, 3, 4 -> (1 + 4 + 4 + 1) / 16
    # 0 vs 5 over 1:4 exposure: k2 = 5 of 5 at p = 4/5; every outcome but 4 (P(4) = 0.4096) is no more likely
    # than P(5) = 0.32768 -> 1 - 0.4096; 2 vs 0: P(0) = (1/2)^2 and P(2) -> 1/2; nothing observed -> 1
    assert exact_rate_tests([3, 0, 2, 0], [10, 10, 10, 10], [1, 5, 0, 0], [10, 40, 10, 10]).tolist() == \
        pytest.approx([10 / 16, 1 - 0.4096, 0.5, 1.0])
