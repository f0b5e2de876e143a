"""Overview KPIs on the 9-encounter fixture (tests/fixtures.py), worked out by hand.

Period 2025-01-01..2025-02-28 holds E01..E08 (8 encounters); the previous period of equal
length (59 days: 2024-11-03..2024-12-31) holds E00 only.
- claims 8, denied on first adjudication: E02, E03 (one of two lines), E06 -> 3/8 = 0.375
- billed 1000+2000+150+100+200+500+3000+100 = 7050; denied lines 2000+50+500 = 2550
- paid 800+70+80+150+2500+60 = 3660 (previous period: 90)
- audits: A1 2 correct of 4 auditor codes, A2 2 of 2 (one deleted code is not an auditor code),
  A3 3 of 4 -> 7/10 = 0.7
- CMI: DRG 291 (1.5) twice and 292 (0.9) once -> 3.9/3 = 1.3
"""
import datetime as dt

import pytest

from codedash.queries.metrics import wilson_interval
from codedash.queries.overview import overview_kpis
from codedash.queries.runner import run
from tests import fixtures

PERIOD = {"start_date": "2025-01-01", "end_date": "2025-02-28"}


@pytest.fixture(scope="module")
def con():
    return fixtures.build()


def kpis_by_key(result):
    return {k["key"]: k for k in result["kpis"]}


def test_overview_kpis_exact(con, no_suppression):
    k = kpis_by_key(overview_kpis(con, PERIOD))
    assert k["encounters"]["value"] == 8
    assert k["encounters"]["previous"] == 1
    assert k["encounters"]["change"] == pytest.approx(7.0)
    assert k["coding_accuracy"]["value"] == pytest.approx(0.7)
    assert (k["coding_accuracy"]["numerator"], k["coding_accuracy"]["denominator"]) == (7, 10)
    assert k["coding_accuracy"]["previous"] is None       # no audits in the previous period
    assert k["denial_rate_count"]["value"] == pytest.approx(3 / 8)
    assert k["denial_rate_count"]["change"] == pytest.approx(3 / 8)   # percentage points vs 0
    assert k["denial_rate_dollars"]["value"] == pytest.approx(2550 / 7050)
    assert k["paid_amount"]["value"] == pytest.approx(3660)
    assert k["paid_amount"]["change"] == pytest.approx((3660 - 90) / 90)
    assert k["case_mix_index"]["value"] == pytest.approx(1.3)
    assert not any(v["suppressed"] for v in k.values())


def test_previous_period_is_the_same_number_of_whole_months(con, no_suppression):
    result = overview_kpis(con, PERIOD)   # Jan-Feb 2025: two whole months -> Nov-Dec 2024 (not 3 Nov-31 Dec)
    assert result["previous_period"].start == dt.date(2024, 11, 1)
    assert result["previous_period"].end == dt.date(2024, 12, 31)


def test_monthly_trend_exact(con, no_suppression):
    monthly = overview_kpis(con, PERIOD)["monthly"]
    assert [m.strftime("%Y-%m") for m in monthly["month"]] == ["2025-01", "2025-02"]
    assert list(monthly["encounters"]) == [4, 4]
    assert list(monthly["coding_accuracy"]) == pytest.approx([4 / 6, 3 / 4])
    assert list(monthly["denial_rate_count"]) == pytest.approx([2 / 4, 1 / 4])
    assert list(monthly["denial_rate_dollars"]) == pytest.approx([2050 / 3250, 500 / 3800])
    assert list(monthly["paid_amount"]) == pytest.approx([950, 2710])
    assert list(monthly["case_mix_index"]) == pytest.approx([1.2, 1.5])


def test_small_counts_are_suppressed_with_everything_derived(con, cms_suppression):
    result = overview_kpis(con, PERIOD)
    for kpi in result["kpis"]:
        # the HFMA forms have no rate here at all: Jan-Feb 2025 lack three months of prior submissions
        undefined = kpi["key"].startswith("hfma_")
        assert kpi["value"] is None and (kpi["suppressed"] or undefined), kpi["key"]
        assert kpi["numerator"] is None and kpi["denominator"] is None
    assert result["monthly"]["suppressed"].all()
    assert result["monthly"]["encounters"].isna().all()


def test_filters_narrow_the_encounter_set(con, no_suppression):
    def n(**f):
        return kpis_by_key(overview_kpis(con, {**PERIOD, **f}))["encounters"]["value"]
    assert n(facilities=["F2"]) == 3               # E04 E05 E06
    assert n(payers=["PA"]) == 4                   # E01 E02 E05 E08
    assert n(coders=["C1"]) == 4                   # E01 E02 E06 E07
    assert n(specialties=["06"], facilities=["F1"]) == 3   # E01 E02 E07
    assert n(start_date="2025-02-01") == 4         # E05..E08
    assert n(facilities=[]) == 8                   # empty list = all


def test_wilson_interval_matches_published_example():
    # 17 of 20 correct: p = 0.85, 95% Wilson interval 0.6396..0.9476 (Newcombe 1998, method 3).
    low, high = wilson_interval(17, 20)
    assert low == pytest.approx(0.6396, abs=1e-4)
    assert high == pytest.approx(0.9476, abs=1e-4)
    assert wilson_interval(0, 0) is None


def test_components_query_suppresses_small_months(con, cms_suppression):
    df = run(con, "overview__monthly_components", PERIOD)
    assert df["suppressed"].all()
    assert df["n_encounters"].isna().all() and df["paid_amount"].isna().all()


@pytest.mark.parametrize("window", [PERIOD, {"start_date": "2025-02-01", "end_date": "2025-02-28"},
                                    {"start_date": "2025-01-10", "end_date": "2025-02-20"}, {}])
def test_both_periods_from_one_query_equal_a_query_each(con, no_suppression, monkeypatch, window):
    """Whole-month periods read this period's and the previous period's components (and HFMA's months) in
    one query each; a query per period gives exactly the same KPIs and trend."""
    import pandas as pd

    from codedash.queries import hfma
    from codedash.queries import overview as ov
    from codedash.queries.periods import resolve_period

    calls = []
    real_run = ov.run

    def counting_run(c, name, params=None, **kw):
        calls.append((name, params.get("start_date"), params.get("end_date")))
        return real_run(c, name, params, **kw)

    monkeypatch.setattr(ov, "run", counting_run)
    one = overview_kpis(con, window)
    n_components = sum(1 for name, *_ in calls if name == "overview__monthly_components")
    period = resolve_period(con, window)
    assert n_components == (1 if period.start.day == 1 else 2)

    def separate(c, filters, p, prev, scope):
        each = [real_run(c, "overview__monthly_components", {**filters, "start_date": q.start, "end_date": q.end},
                         scope=scope, suppress=False) for q in (p, prev)]
        return each[0], each[1]

    def hfma_each(c, filters, periods, scope=None):
        return [hfma.hfma_initial_denials(c, filters, p) for p in periods]

    monkeypatch.setattr(ov, "_components", separate)
    monkeypatch.setattr(ov, "hfma_for_periods", hfma_each)
    apart = overview_kpis(con, window)
    assert one["kpis"] == apart["kpis"]
    pd.testing.assert_frame_equal(one["monthly"], apart["monthly"])
