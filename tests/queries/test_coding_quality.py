"""Coding quality queries on tests/queries/fixtures_coding.py, worked out by hand.

Period 2025-01-01..2025-02-28. Audited codes (auditor's codes = every finding but 'deleted'):
- C2: A2 2 of 2 (+1 deleted), A4 12 of 15, A5 3 of 3 -> 17/20 = 0.85, Wilson 95% 0.6396-0.9476
- C1: A1 2 of 4, A3 3 of 4, A6 2 of 2 -> 7/10 = 0.70; team 24/30 = 0.80, Wilson 0.6269-0.9049
- records with no change: C2 A5 only -> 1/3 (Wilson 0.0615-0.7923); C1 A6 only -> 1/3; team 2/6
- DRG (C1's inpatient audits): A1 292->291 (+3900), A3 291->292 (-2600), A6 292->292 -> accuracy 1/3,
  change rate 2/3; under-coding 3900, over-coding -2600, net 1300
- taxonomy: revised 3 (A1, A4 x2), added 2 (A1, A4), deleted 1 (A2), poa 1 (A3) -> shares 3/7, 2/7, 1/7, 1/7
- productivity: C1 inpatient 3 encounters in 1 + 0.5 + 0.5 = 2 h on 3 days -> 1.5/h, 1/day;
  C1 emergency 1 in 0.25 h -> 4/h; C2 office 4 in 0.1+0.1+0.2+0.1 = 0.5 h on 3 days (E03, E04 same day) -> 8/h, 4/3/day
- turnaround days: inpatient 1, 1, 4 -> mean 2.0 (0-1: 2, 4-7: 1); emergency 1; office 6, 1, 1, 1 -> 2.25
- DNFB at 2025-02-28 (start date not applied): E00 never billed, 75 days (>60, not final coded, $100);
  E07 billed 2025-03-05 and E08 unbilled, 14 and 8 days (8-14, coded, $3000 + $100) -> 3 encounters, $3200
"""
import pandas as pd
import pytest

from codedash.queries import coding_quality as cq
from codedash.queries.runner import run
from tests import fixtures
from tests.queries import fixtures_coding

P = {"start_date": "2025-01-01", "end_date": "2025-02-28"}


@pytest.fixture(scope="module")
def con():
    return fixtures_coding.build()


def by(df, col):
    return {r[col]: r for _, r in df.iterrows()}


def test_accuracy_by_coder_exact(con, no_suppression):
    acc = by(cq.accuracy_by_coder(con, P), "coder_id")
    c2, c1, team = acc["C2"], acc["C1"], acc["TEAM"]
    assert (c2["audit_codes_correct"], c2["audit_codes_reviewed"]) == (17, 20)
    assert c2["coding_accuracy"] == pytest.approx(0.85)
    assert c2["coding_accuracy_low"] == pytest.approx(0.6396, abs=1e-4)
    assert c2["coding_accuracy_high"] == pytest.approx(0.9476, abs=1e-4)
    assert c1["coding_accuracy"] == pytest.approx(0.7)
    assert team["coding_accuracy"] == pytest.approx(0.8)
    assert team["coding_accuracy_low"] == pytest.approx(0.6269, abs=1e-4)
    assert team["coding_accuracy_high"] == pytest.approx(0.9049, abs=1e-4)
    assert c2["record_accuracy"] == pytest.approx(1 / 3)
    assert c2["record_accuracy_low"] == pytest.approx(0.0615, abs=1e-4)
    assert c2["record_accuracy_high"] == pytest.approx(0.7923, abs=1e-4)
    assert team["record_accuracy"] == pytest.approx(2 / 6)
    assert c1["drg_accuracy"] == pytest.approx(1 / 3) and c1["drg_change_rate"] == pytest.approx(2 / 3)
    assert pd_isna(c2["drg_accuracy"])                   # no inpatient audits
    assert (c1["under_coded_amount"], c1["over_coded_amount"], c1["net_impact"]) == (3900, -2600, 1300)
    assert (team["under_coded_amount"], team["over_coded_amount"], team["net_impact"]) == (3900, -2600, 1300)


def pd_isna(v):
    import pandas as pd
    return pd.isna(v)


def test_small_samples_are_flagged_and_never_ranked(con, no_suppression, monkeypatch):
    acc = by(cq.accuracy_by_coder(con, P), "coder_id")
    assert acc["C2"]["small_sample"] and acc["C1"]["small_sample"]     # 20 and 10 codes < 30
    assert pd_isna(acc["C2"]["rank"]) and pd_isna(acc["C1"]["rank"])
    assert not acc["TEAM"]["small_sample"]                              # 30 codes
    monkeypatch.setenv("CODEDASH_ACCURACY_MIN_CODES", "5")
    df = cq.accuracy_by_coder(con, P)
    # sorted by lower bound: C2 (0.640) ranks ahead of C1 (0.397)
    assert list(df["coder_id"]) == ["C2", "C1", "TEAM"]
    assert list(df["rank"][:2]) == [1, 2]


def test_target_flag_uses_the_interval(con, no_suppression, monkeypatch):
    acc = by(cq.accuracy_by_coder(con, P), "coder_id")
    assert acc["C2"]["vs_target"] == "below"           # upper bound 0.9476 < 0.95
    monkeypatch.setenv("CODEDASH_CODING_ACCURACY_TARGET", "0.9")
    acc = by(cq.accuracy_by_coder(con, P), "coder_id")
    assert acc["C2"]["vs_target"] == "uncertain" and acc["C1"]["vs_target"] == "below"   # 0.892 < 0.9
    monkeypatch.setenv("CODEDASH_CODING_ACCURACY_TARGET", "0.95")
    acc = by(cq.accuracy_by_coder(con, P), "coder_id")
    assert acc["C1"]["vs_target"] == "below"           # upper bound 0.892 < 0.95


def test_accuracy_by_coder_suppresses_small_counts(con, cms_suppression):
    acc = by(cq.accuracy_by_coder(con, P), "coder_id")
    for coder in ("C1", "C2", "TEAM"):                  # 3, 3 and 6 audited encounters
        r = acc[coder]
        assert r["suppressed"]
        for col in ("audit_codes_reviewed", "coding_accuracy", "coding_accuracy_low", "record_accuracy",
                    "drg_accuracy_high", "under_coded_amount", "net_impact"):
            assert pd_isna(r[col]), (coder, col)


def test_trend_for_a_scorecard_has_coder_and_team(con, no_suppression):
    t = cq.accuracy_trend(con, {**P, "coders": ["C2"]})
    got = {(r["series"], r["month"].strftime("%Y-%m")): r["coding_accuracy"] for _, r in t.iterrows()}
    assert got == pytest.approx({("coder", "2025-01"): 1.0, ("coder", "2025-02"): 15 / 18,
                                 ("team", "2025-01"): 6 / 8, ("team", "2025-02"): 18 / 22})


def test_code_systems(con, no_suppression):
    cs = by(cq.accuracy_by_code_system(con, P), "code_system")
    assert (cs["ICD10CM"]["audit_codes_correct"], cs["ICD10CM"]["audit_codes_reviewed"]) == (21, 27)
    assert (cs["CPT"]["audit_codes_correct"], cs["CPT"]["audit_codes_reviewed"]) == (3, 3)
    assert cs["ICD10CM"]["codes_deleted"] == 1


def test_error_taxonomy_and_pairs(con, no_suppression):
    tax = by(cq.error_taxonomy(con, P), "finding_type")
    assert {k: r["n_findings"] for k, r in tax.items()} == {"revised": 3, "added": 2, "deleted": 1, "poa": 1}
    assert tax["revised"]["error_share"] == pytest.approx(3 / 7)
    assert tax["revised"]["n_audited_encounters"] == 2
    pairs = cq.code_pairs(con, P)
    top = pairs.iloc[0]
    assert (top["original_code"], top["corrected_code"], top["n_findings"], top["n_audited_encounters"]) == (
        "E119", "E1165", 2, 1)
    assert len(pairs) == 6
    revised = cq.code_pairs(con, P, finding_type="revised")
    assert set(revised["finding_type"]) == {"revised"} and list(revised["n_findings"]) == [2, 1]
    assert len(cq.code_pairs(con, P, limit=2)) == 2


def test_productivity_exact(con, no_suppression):
    prod = {(r["coder_id"], r["encounter_type"]): r for _, r in cq.productivity(con, P).iterrows()}
    ip = prod[("C1", "inpatient")]
    assert (ip["n_coded"], ip["coding_hours"], ip["coder_days"]) == (3, pytest.approx(2.0), 3)
    assert ip["encounters_per_hour"] == pytest.approx(1.5) and ip["target_per_hour"] == 3.0
    assert pd.isna(ip["encounters_per_day"]) and pd.isna(ip["target_per_day"])   # per day is across types
    assert prod[("C1", "emergency")]["encounters_per_hour"] == pytest.approx(4.0)
    off = prod[("C2", "office")]
    assert off["encounters_per_hour"] == pytest.approx(8.0)
    assert prod[("TEAM", "office")]["encounters_per_hour"] == pytest.approx(8.0)
    # per coder-day across types: C1 coded 1 ED + 3 inpatient on 4 distinct days (ED 1 day, inpatient 3)
    c1 = prod[("C1", "all types")]
    assert (c1["n_coded"], c1["coder_days"], c1["encounters_per_day"]) == (4, 4, 1.0)
    # day target of C1's mix: 4 / (1 / (8 x 7) + 3 / (3 x 7)) = 4 / (1/56 + 8/56) = 224 / 9
    assert c1["target_per_day"] == pytest.approx(224 / 9)
    assert c1["day_target_share"] == pytest.approx((9 / 56) / 4)
    assert pd.isna(c1["encounters_per_hour"])
    c2 = prod[("C2", "all types")]
    assert (c2["n_coded"], c2["coder_days"]) == (4, 3) and c2["target_per_day"] == pytest.approx(84.0)
    team = prod[("TEAM", "all types")]
    assert (team["n_coded"], team["coder_days"]) == (8, 7)   # coder-days add up over coders
    # scorecard: the coder's rows and the team's
    sc = cq.productivity(con, {**P, "coders": ["C2"]})
    assert set(sc["coder_id"]) == {"C2", "TEAM"} and len(sc[sc["coder_id"] == "TEAM"]) == 4   # 3 types + all


def test_turnaround_exact(con, no_suppression):
    t = cq.turnaround(con, P)
    got = {(r["encounter_type"], r["bucket"]): r["n_coded"] for _, r in t.iterrows()}
    assert got == {("emergency", "0-1 days"): 1, ("inpatient", "0-1 days"): 2, ("inpatient", "4-7 days"): 1,
                   ("office", "0-1 days"): 3, ("office", "4-7 days"): 1}
    means = dict(zip(t["encounter_type"], t["turnaround_days"]))
    assert means == pytest.approx({"emergency": 1.0, "inpatient": 2.0, "office": 2.25})


def test_dnfb_exact_and_ignores_start_date(con, no_suppression):
    d = cq.dnfb(con, P)
    rows = [(r["bucket"], r["coding_status"], r["n_encounters"], r["charges"]) for _, r in d.iterrows()]
    assert rows == [("8-14 days", "coded, not billed", 2, 3100.0), (">60 days", "not final coded", 1, 100.0)]
    tot = cq.dnfb_totals(con, P)
    assert (tot["n_encounters"], tot["charges"], tot["suppressed"]) == (3, 3200.0, False)
    # an earlier as-of date: on 2025-01-31 E00 (47 days) was unbilled; E01-E04 were billed by then
    early = cq.dnfb(con, {"end_date": "2025-01-31"})
    assert [(r["bucket"], r["n_encounters"]) for _, r in early.iterrows()] == [("31-60 days", 1)]


def test_dnfb_suppressed(con, cms_suppression):
    tot = cq.dnfb_totals(con, P)
    assert tot["suppressed"] and tot["n_encounters"] is None and tot["charges"] is None
    assert run(con, "coding__dnfb", {"end_date": "2025-02-28"})["charges"].isna().all()


def test_low_accuracy_coder_stands_out_on_the_small_demo(small_demo_db, cms_suppression):
    import duckdb
    con = duckdb.connect(str(small_demo_db), read_only=True)
    planted = con.execute("select entity_id from demo_ground_truth where pattern = 'low_accuracy_coder'").fetchone()[0]
    acc = by(cq.accuracy_by_coder(con, {"start_date": "2025-10-01", "end_date": "2026-09-30"}), "coder_id")
    coder, team = acc[planted], acc["TEAM"]
    assert not coder["small_sample"] and not coder["suppressed"] or pd_isna(coder["net_impact"])
    assert coder["coding_accuracy_high"] < team["coding_accuracy_low"]
    assert coder["vs_target"] == "below" and coder["below_team"]
    assert coder["rank"] == max(r["rank"] for r in acc.values() if not pd_isna(r["rank"]))


def test_drg_change_rate_of_a_coder_without_drg_audits_is_none_not_suppressed(con, no_suppression, monkeypatch):
    rows = {r["coder_id"]: r for _, r in cq.accuracy_by_coder(con, P).iterrows()}
    c2 = rows["C2"]                     # office audits only: no DRG before/after
    assert c2["drg_audits"] == 0 and pd.isna(c2["drg_change_rate"]) and bool(c2["drg_none"])   # "—"
    assert not bool(rows["C1"]["drg_none"])
    monkeypatch.setenv("CODEDASH_SUPPRESSION_THRESHOLD", "10")
    hidden = {r["coder_id"]: r for _, r in cq.accuracy_by_coder(con, P).iterrows()}["C2"]
    assert pd.isna(hidden["drg_audits"]) and not bool(hidden["drg_none"])                     # "‡"


def test_modifier_findings_show_the_modifier_change(no_suppression):
    con = fixtures_coding.build()
    con.execute("insert into audits (audit_id, encounter_id, coder_id, auditor_id, audit_date) "
                "values ('A7', 'E04', 'C2', 'AUD1', date '2025-02-14')")
    con.execute("insert into audit_findings (audit_id, finding_seq, code_system, original_code, corrected_code, "
                "finding_type, original_modifiers, corrected_modifiers) values "
                "('A7', 1, 'CPT', '99214', '99214', 'modifier', '25', null), "
                "('A7', 2, 'CPT', '11102', '11102', 'modifier', '59,LT', 'LT')")
    fixtures.with_marts(con)
    pairs = cq.code_pairs(con, P, finding_type="modifier")
    assert sorted(pairs["change"]) == ["11102-59-LT → 11102-LT", "99214-25 → 99214"]
    assert sorted(pairs["original_label"]) == ["11102-59-LT", "99214-25"]


def test_change_labels_of_added_and_deleted_codes():
    df = pd.DataFrame({"original_code": [None, "E119", "E119"], "corrected_code": ["Z794", None, "E1165"],
                       "original_modifiers": [None, None, None], "corrected_modifiers": [None, None, None]})
    assert list(cq.with_change_labels(df)["change"]) == ["(none: added) → Z794", "E119 → (deleted)", "E119 → E1165"]


def test_code_pairs_page_beyond_25_rows(small_demo_db, cms_suppression):
    import duckdb
    con = duckdb.connect(str(small_demo_db), read_only=True)
    total = con.execute("select count(*) from (select distinct code_system, finding_type, original_code, corrected_code, "
                        "original_modifiers, corrected_modifiers from mart_coding_code_pairs)").fetchone()[0]
    pairs = cq.code_pairs(con, {})
    assert total > 25 and len(pairs) == min(total, cq.PAIRS_SHOWN)
