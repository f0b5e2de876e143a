"""Definitions and periods: calendar comparisons, run-out, the default period, HFMA claim-level forms."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from codedash.queries.hfma import hfma_initial_denials, monthly_components
from codedash.queries.overview import overview_kpis
from codedash.queries.periods import Period, default_period, incomplete_months, resolve_period, runout
from tests.queries import fixtures_periods

D = dt.date


@pytest.fixture(scope="module")
def con():
    return fixtures_periods.build()


# --- comparisons -------------------------------------------------------------------------------------

@pytest.mark.parametrize("start, end, prev_start, prev_end, kind", [
    (D(2025, 2, 1), D(2025, 2, 28), D(2025, 1, 1), D(2025, 1, 31), "month"),       # not "29 Jan-28 Feb"
    (D(2025, 3, 1), D(2025, 3, 31), D(2025, 2, 1), D(2025, 2, 28), "month"),       # 31 days vs 28
    (D(2024, 3, 1), D(2024, 3, 31), D(2024, 2, 1), D(2024, 2, 29), "month"),       # leap February
    (D(2025, 1, 1), D(2025, 1, 31), D(2024, 12, 1), D(2024, 12, 31), "month"),     # across the year
    (D(2025, 4, 1), D(2025, 6, 30), D(2025, 1, 1), D(2025, 3, 31), "quarter"),     # Q2 vs Q1 (91 vs 90 days)
    (D(2025, 1, 1), D(2025, 3, 31), D(2024, 10, 1), D(2024, 12, 31), "quarter"),   # Q1 vs Q4
    (D(2025, 2, 1), D(2025, 4, 30), D(2024, 11, 1), D(2025, 1, 31), "months"),     # 3 whole months, not a quarter
    (D(2025, 10, 1), D(2026, 9, 30), D(2024, 10, 1), D(2025, 9, 30), "months"),    # 12 months
    (D(2025, 1, 10), D(2025, 1, 19), D(2024, 12, 31), D(2025, 1, 9), "days"),      # 10 days
    (D(2025, 3, 1), D(2025, 3, 30), D(2025, 1, 30), D(2025, 2, 28), "days"),       # a month less one day
    (D(2025, 3, 15), D(2025, 3, 15), D(2025, 3, 14), D(2025, 3, 14), "days"),      # one day
])
def test_calendar_comparisons(start, end, prev_start, prev_end, kind):
    p = Period(start, end)
    assert p.kind == kind
    assert p.previous() == Period(prev_start, prev_end)


# --- run-out -----------------------------------------------------------------------------------------

def test_runout_shares_by_discharge_month(con, no_suppression):
    r = runout(con)
    assert [m.strftime("%Y-%m") for m in r["month"]] == ["2024-12", "2025-01", "2025-02", "2025-03"]
    assert list(r["share_adjudicated"]) == [1.0, 1.0, 1.0, 0.5]
    assert list(r["complete"]) == [True, True, True, False]
    assert incomplete_months(con) == {pd.Timestamp("2025-03-01"): 0.5}


@pytest.mark.parametrize("share, march_complete", [("0.5", True), ("0.51", False), ("0.9", False), ("0", True)])
def test_runout_threshold_edge(con, no_suppression, monkeypatch, share, march_complete):
    monkeypatch.setenv("CODEDASH_RUNOUT_COMPLETE_SHARE", share)
    assert bool(runout(con)["complete"].iloc[-1]) is march_complete   # 1 of 2 claims adjudicated = 0.5


def test_runout_share_of_a_small_month_is_not_shown(con, cms_suppression):
    r = runout(con)
    assert r["share_adjudicated"].isna().all()          # every month has 1..10 claims
    assert list(r["complete"]) == [True, True, True, False]


def test_default_period_ends_with_the_last_complete_month(con, no_suppression, monkeypatch):
    # March is incomplete: the default ends 28 Feb; 12 months back would be March 2024, before the
    # first discharge (10 Dec 2024), so it starts there.
    assert default_period(con) == Period(D(2024, 12, 10), D(2025, 2, 28))
    assert resolve_period(con, {}) == default_period(con)
    monkeypatch.setenv("CODEDASH_RUNOUT_COMPLETE_SHARE", "0.5")   # March complete: end at the last discharge
    assert default_period(con) == Period(D(2024, 12, 10), D(2025, 3, 5))


def test_overview_and_kpis_default_to_the_same_period(con, no_suppression):
    result = overview_kpis(con, {})
    assert result["period"] == Period(D(2024, 12, 10), D(2025, 2, 28))
    assert result["previous_period"] == Period(D(2024, 9, 20), D(2024, 12, 9))    # the 81 days before


def test_trend_months_carry_the_incomplete_flag(con, no_suppression):
    monthly = overview_kpis(con, {"start_date": "2025-01-01", "end_date": "2025-03-31"})["monthly"]
    assert [m.strftime("%Y-%m") for m in monthly["month"]] == ["2025-01", "2025-02", "2025-03"]
    assert list(monthly["incomplete"]) == [False, False, True]
    assert monthly["share_adjudicated"].isna().tolist() == [True, True, False]
    assert monthly["share_adjudicated"].iloc[2] == 0.5


# --- HFMA claim-level forms --------------------------------------------------------------------------

APRIL = Period(D(2025, 4, 1), D(2025, 4, 30))


def test_hfma_three_month_average_denominator(con, no_suppression):
    months, total = hfma_initial_denials(con, {}, APRIL)
    row = months.iloc[0]
    assert row["month"] == pd.Timestamp("2025-04-01")
    assert row["claims_initially_denied"] == 2                      # E10 (in part), E11
    assert row["denied_gross_charges"] == 1050                      # all of E10's lines, not only the denied one
    assert row["claims_submitted_3m"] == 12                         # Jan 3 + Feb 6 + Mar 3
    assert row["claims_submitted_avg"] == 4
    assert row["submitted_gross_charges_avg"] == pytest.approx(1300)
    assert row["hfma_denial_rate_claims"] == pytest.approx(0.5)
    assert row["hfma_denial_rate_dollars"] == pytest.approx(1050 / 1300)
    assert total["hfma_denial_rate_claims"] == pytest.approx(0.5)


def test_hfma_month_without_three_prior_months_has_no_rate(con, no_suppression):
    comp = monthly_components(con, {}, Period(D(2025, 2, 1), D(2025, 4, 30)))
    by_month = comp[~comp["is_period_total"]].set_index("month")
    assert by_month["hfma_denial_rate_claims"].isna().tolist() == [True, True, False]   # Feb, Mar: no Dec data
    total = comp[comp["is_period_total"]].iloc[0]
    assert total["claims_initially_denied"] == 2 and total["claims_submitted_avg"] == 4   # only April counts


def test_hfma_partial_month_is_reported_whole(con, no_suppression):
    months, _ = hfma_initial_denials(con, {}, Period(D(2025, 4, 10), D(2025, 4, 12)))
    assert months["claims_initially_denied"].tolist() == [2]


def test_hfma_filters_select_the_claims_encounters(con, no_suppression):
    months, _ = hfma_initial_denials(con, {"payers": ["NOPE"]}, APRIL)
    assert months["hfma_denial_rate_claims"].isna().all()


def test_hfma_small_counts_are_suppressed(con, cms_suppression):
    months, total = hfma_initial_denials(con, {}, APRIL)
    assert pd.isna(total["hfma_denial_rate_claims"]) and bool(total["suppressed"])
    assert pd.isna(months["claims_initially_denied"].iloc[0])


def test_overview_headline_is_the_hfma_form_and_line_forms_are_secondary(con, no_suppression):
    kpis = {k["key"]: k for k in overview_kpis(con, {"start_date": "2025-04-01", "end_date": "2025-04-30"})["kpis"]}
    assert kpis["hfma_denial_rate_claims"]["headline"] and not kpis["denial_rate_count"]["headline"]
    assert kpis["hfma_denial_rate_claims"]["value"] == pytest.approx(0.5)
    assert kpis["hfma_denial_rate_claims"]["numerator"] == 2
    assert kpis["hfma_denial_rate_claims"]["denominator"] == 4
    assert kpis["hfma_denial_rate_dollars"]["value"] == pytest.approx(1050 / 1300)


def test_runout_note_names_the_incomplete_months(con, no_suppression):
    from codedash.queries.periods import runout_note

    monthly = overview_kpis(con, {"start_date": "2025-01-01", "end_date": "2025-03-31"})["monthly"]
    assert runout_note(monthly) == ("Incomplete (run-out): Mar 2025 (50% of claims adjudicated); a month is "
                                    "complete once 90% of its claims have a first adjudication.")
    assert runout_note(monthly[monthly["month"] < "2025-03-01"]) is None


def test_denials_page_service_gives_the_hfma_headline(con, no_suppression):
    """The denials page's headline panel is the same HFMA computation as the overview (one definition)."""
    from codedash.queries import denials as dn

    r = dn.hfma(con, {"start_date": "2025-04-01", "end_date": "2025-04-30"}, {})
    assert r["months"]["month"].tolist() == [pd.Timestamp("2025-04-01")]
    assert r["months"]["hfma_denial_rate_claims"].iloc[0] == pytest.approx(0.5)
    assert r["total"]["hfma_denial_rate_dollars"] == pytest.approx(1050 / 1300)
    assert "incomplete" in r["months"].columns
    narrowed = dn.hfma(con, {"start_date": "2025-04-01", "end_date": "2025-04-30"}, {"payer": "NOPE"})
    assert narrowed["months"]["hfma_denial_rate_claims"].isna().all()


def test_denials_page_hfma_panel_renders_and_exports(con, no_suppression):
    from codedash.dashboard.pages import denials as page

    period = {"start_date": "2025-04-01", "end_date": "2025-04-30"}
    out = page.PAGE.export_panel("hfma", con, period, {})
    lines = [line for line in out["content"].splitlines() if not line.startswith("#")]
    assert lines[0].startswith("month,claims_initially_denied,denied_gross_charges,claims_submitted_3m")
    assert lines[1].startswith("2025-04-01,2,1050")
    stats = page.hfma_stats(page.dn.hfma(con, period, {}))
    assert "50.0%" in str(stats)
