"""Diagnosis trends queries and service on the hand-checkable fixture (tests/queries/fixtures_trends.py)."""
from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from scipy import stats

from codedash.queries import diagnosis_trends as svc
from codedash.queries.periods import Period
from codedash.queries.runner import run
from tests.queries.fixtures_trends import build

D = dt.date


@pytest.fixture(scope="module")
def con():
    return build()


@pytest.fixture
def no_threshold(monkeypatch):
    monkeypatch.setenv("CODEDASH_SUPPRESSION_THRESHOLD", "0")


def _rows(df, cols):
    return [tuple(r) for r in df[cols].itertuples(index=False)]


def test_the_marts_hold_each_code_once_per_encounter_with_its_position(con):
    assert con.execute("select count(*) from mart_dx_encounters").fetchone()[0] == 9
    assert con.execute("select count(*) from mart_dx_codes").fetchone()[0] == 16
    assert con.execute("select count(*) from (select distinct encounter_id, code from mart_dx_codes)").fetchone()[0] == 16
    principal = con.execute("select encounter_id, code from mart_dx_codes where is_principal = 1 order by 1").fetchall()
    assert principal == [("E00", "J189"), ("E01", "J189"), ("E02", "I10"), ("E03", "E119"), ("E04", "J101"),
                         ("E05", "E119"), ("E06", "J189"), ("E07", "I10"), ("E08", "E785")]
    bands = dict(con.execute("select patient_id, min(age_band) from mart_dx_encounters group by 1").fetchall())
    assert bands["P3"] == "0-17" and bands["P1"] == "65-74"


def test_monthly_rates_any_position_and_principal(con, no_threshold):
    sel = svc.parse_selection(["block:J09-J18"])
    df = svc.monthly_rates(con, selection=sel)
    assert _rows(df, ["n_encounters", "n_patients", "dx_encounters", "dx_patients"]) == [
        (1, 1, 1, 1), (4, 3, 3, 2), (4, 4, 1, 1)]
    assert df["encounter_rate"].tolist() == pytest.approx([1000.0, 750.0, 250.0])
    assert df["patient_rate"].tolist() == pytest.approx([1000.0, 2000 / 3, 250.0])
    principal = svc.monthly_rates(con, selection=sel, principal_only=True)
    # January: E01 (J18.9 first) and E04 (J10.1 first), both patient P1
    assert _rows(principal, ["dx_encounters", "dx_patients"]) == [(1, 1), (2, 1), (1, 1)]


def test_rate_intervals_are_clopper_pearson(con, no_threshold):
    df = svc.monthly_rates(con, selection=svc.parse_selection(["block:J09-J18"]))
    jan = df.iloc[1]
    # 3 of 4: lower = Beta(0.025; 3, 2); upper = Beta(0.975; 4, 1) = 0.975 ** (1/4)
    assert jan["encounter_rate_lower"] == pytest.approx(1000 * stats.beta.ppf(0.025, 3, 2))
    assert jan["encounter_rate_upper"] == pytest.approx(1000 * 0.975 ** 0.25)
    dec = df.iloc[0]
    # 1 of 1: lower = 0.025 ** (1/1), upper = 1
    assert dec["encounter_rate_lower"] == pytest.approx(25.0)
    assert dec["encounter_rate_upper"] == pytest.approx(1000.0)


def test_selecting_a_node_selects_every_code_under_it(con, no_threshold):
    def jan(tokens):
        return int(svc.monthly_rates(con, selection=svc.parse_selection(tokens)).iloc[1]["dx_encounters"])
    assert jan(["chapter:10"]) == jan(["block:J09-J18"]) == 3
    assert jan(["category:J18"]) == 2          # E01, E02
    assert jan(["code:J10"]) == 2              # category given as a code prefix: E01, E04
    assert jan(["code:J10.1"]) == 2
    assert jan(["code:J1"]) == 0               # prefixes shorter than a category are not nodes
    assert jan(["category:J18", "code:J101"]) == 3
    assert jan(["chapter:4"]) == 1             # E03 (E11.9)
    assert jan([]) == 0


def test_parse_selection_drops_what_is_not_a_node():
    sel = svc.parse_selection(["category:j18", "code:E11.9", "block:J09-J18", "chapter:10", "x:1",
                               "code:'; drop table", 5, "category:E1234"])
    assert sel.tokens() == ["chapter:10", "block:J09-J18", "category:J18", "code:E119", "code:E1234"]
    assert svc.parse_selection("chapter:4,category:I10").tokens() == ["chapter:4", "category:I10"]
    assert svc.parse_selection({"a": 1}).empty


def test_strata_with_the_all_row(con, no_threshold):
    df = svc.monthly_rates(con, selection=svc.parse_selection(["block:J09-J18"]), stratum="payer_type")
    jan = df[df["month"] == pd.Timestamp("2025-01-01")]
    assert _rows(jan, ["stratum", "is_total", "n_encounters", "n_patients", "dx_encounters", "dx_patients"]) == [
        ("commercial", False, 2, 2, 1, 1), ("medicare", False, 2, 2, 2, 2), ("All", True, 4, 3, 3, 2)]
    sex = svc.monthly_rates(con, selection=svc.parse_selection(["block:J09-J18"]), stratum="sex")
    feb = sex[sex["month"] == pd.Timestamp("2025-02-01")]
    assert _rows(feb, ["stratum", "n_encounters", "dx_encounters"]) == [("F", 3, 0), ("M", 1, 1), ("All", 4, 1)]
    # an unknown stratum is no stratum
    assert svc.monthly_rates(con, stratum="patient_id")["stratum"].unique().tolist() == ["all"]


def test_global_filters_apply(con, no_threshold):
    df = svc.monthly_rates(con, {"facilities": ["F2"], "start_date": "2025-01-01"},
                           selection=svc.parse_selection(["block:J09-J18"]))
    assert _rows(df, ["n_encounters", "dx_encounters"]) == [(1, 1), (2, 1)]   # Jan E04; Feb E05, E06


def test_hierarchy_counts_distinct_encounters_and_patients(con, no_threshold):
    df = svc.hierarchy(con)
    got = {(r.level, r.node): (r.n_encounters, r.n_patients) for r in df.itertuples()}
    assert got[("chapter", "10")] == (5, 4)
    assert got[("block", "J09-J18")] == (5, 4)
    assert got[("category", "J18")] == (4, 4)
    assert got[("category", "J10")] == (2, 1)
    assert got[("code", "J101")] == (2, 1)
    assert got[("chapter", "9")] == (5, 5)
    assert got[("chapter", "4")] == (4, 4)
    assert got[("block", "E08-E13")] == (3, 3)
    assert len(df) == 3 + 4 + 5 + 5
    parents = {(r.level, r.node): r.parent for r in df.itertuples()}
    assert parents[("code", "J189")] == "J18" and parents[("category", "J18")] == "J09-J18"
    assert parents[("block", "J09-J18")] == "10"


def test_hierarchy_suppression_protects_the_tree(con, monkeypatch):
    monkeypatch.setenv("CODEDASH_SUPPRESSION_THRESHOLD", "2")
    df = svc.hierarchy(con).set_index(["level", "node"])
    # J10 (2 encounters, 1 patient) is small; its sibling J18 is hidden so block - J18 does not give it
    # back, and J18 being hidden, its only code J18.9 is hidden too (else J18 = J18.9).
    assert pd.isna(df.loc[("category", "J10"), "n_encounters"])
    assert pd.isna(df.loc[("category", "J18"), "n_encounters"])
    assert pd.isna(df.loc[("code", "J189"), "n_encounters"])
    assert df.loc[("block", "J09-J18"), "n_encounters"] == 5
    shown = pd.concat([df["n_encounters"], df["n_patients"]]).dropna()
    assert not ((shown >= 1) & (shown <= 2)).any()


def test_period_change_rates_test_and_correction(con, no_threshold):
    periods = (Period(D(2024, 12, 1), D(2025, 1, 31)), Period(D(2025, 2, 1), D(2025, 2, 28)))
    out = svc.period_change(con, level="category", periods=periods, min_count=3)
    t = out["table"].set_index("node")
    assert _rows(t.loc[["I10", "J18", "E11", "J10", "E78"]].reset_index(),
                 ["node", "dx_encounters_1", "n_encounters_1", "dx_encounters_2", "n_encounters_2"]) == [
        ("I10", 4, 5, 1, 4), ("J18", 3, 5, 1, 4), ("E11", 1, 5, 2, 4), ("J10", 2, 5, 0, 4), ("E78", 0, 5, 2, 4)]
    assert t.loc["I10", "rate_1"] == pytest.approx(800.0) and t.loc["I10", "rate_2"] == pytest.approx(250.0)
    assert t.loc["I10", "change"] == pytest.approx(-550.0)
    # never ranked below min_count (3): J10 and E78 have 2 encounters over both periods
    assert t["ranked"].to_dict() == {"E11": True, "I10": True, "J18": True, "E78": False, "J10": False}
    assert t.loc[["J10", "E78"], "p_value"].isna().all()

    def p_exact(k2, total, p):
        # two-sided: the probability of every outcome no more likely than the one observed
        pmf = [math.comb(total, x) * p ** x * (1 - p) ** (total - x) for x in range(total + 1)]
        return sum(q for q in pmf if q <= pmf[k2] * (1 + 1e-7))
    p = {"I10": p_exact(1, 5, 4 / 9), "J18": p_exact(1, 4, 4 / 9), "E11": p_exact(2, 3, 4 / 9)}
    for node, value in p.items():
        assert t.loc[node, "p_value"] == pytest.approx(value)
    # Benjamini-Hochberg by hand: q_(i) = min_{j >= i} p_(j) * m / j
    order = sorted(p, key=p.get)
    m = len(order)
    q, running = {}, 1.0
    for j in range(m, 0, -1):
        running = min(running, p[order[j - 1]] * m / j)
        q[order[j - 1]] = running
    for node, value in q.items():
        assert t.loc[node, "q_value"] == pytest.approx(value)


def test_default_periods_are_the_last_year_and_the_one_before(con):
    p1, p2 = svc.default_periods(con, {})
    assert p2 == Period(D(2024, 12, 15), D(2025, 2, 20))
    assert p1 == Period(D(2024, 10, 8), D(2024, 12, 14))
    long = svc.default_periods(con, {"start_date": "2023-01-01", "end_date": "2025-02-28"})
    # period 2 is the last year of the filter; being 12 whole calendar months, period 1 is the 12 months
    # before it (queries/periods.py: whole months compare with whole months, across 29 February)
    assert long == (Period(D(2023, 3, 1), D(2024, 2, 29)), Period(D(2024, 3, 1), D(2025, 2, 28)))


def test_cooccurrence_counts_share_and_lift(con, no_threshold):
    out = svc.cooccurrence(con, selection=svc.parse_selection(["category:E11"]))
    t = out["table"]
    assert _rows(t, ["node", "n_both", "n_code", "n_selected", "n_total"]) == [("I10", 2, 5, 3, 9), ("E78", 1, 2, 3, 9)]
    i10 = t.iloc[0]
    assert i10["share"] == pytest.approx(2 / 3)
    assert i10["lift"] == pytest.approx(2 * 9 / (3 * 5))
    se = math.sqrt(1 / 2 - 1 / 3 - 1 / 5 + 2 * 2 / (3 * 5) - 1 / 9)
    assert i10["lift_lower"] == pytest.approx(1.2 * math.exp(-1.959963984540054 * se))
    assert i10["lift_upper"] == pytest.approx(1.2 * math.exp(1.959963984540054 * se))
    m = {(r.node_a, r.node_b): r.n_both for r in out["matrix"].itertuples()}
    assert m == {("E78", "E78"): 2, ("E78", "selection"): 1, ("I10", "I10"): 5, ("I10", "selection"): 2,
                 ("selection", "E78"): 1, ("selection", "I10"): 2, ("selection", "selection"): 3}


def test_search_finds_codes_and_descriptions(con):
    df = svc.search_codes(con, "j18.9")
    assert df.iloc[0]["token"] == "code:J189"
    words = svc.search_codes(con, "DIABETES")
    assert set(words["token"]) == {"block:E08-E13", "category:E11", "code:E119"}
    assert svc.search_codes(con, "").empty
    assert svc.search_codes(con, "%").empty


def test_code_set_annotations():
    marks = svc.code_set_annotations(D(2015, 1, 1), D(2017, 12, 31))
    assert [(m["date"], m["label"]) for m in marks] == [
        (D(2015, 10, 1), "ICD-9-CM → ICD-10-CM"), (D(2016, 10, 1), "ICD-10-CM FY2017"),
        (D(2017, 10, 1), "ICD-10-CM FY2018")]
    assert svc.code_set_annotations(D(2025, 1, 1), D(2025, 9, 30)) == []


def test_icd9_is_never_mixed_and_is_named(monkeypatch):
    con = build()
    con.execute("insert into diagnoses (encounter_id, sequence, code_system, code) values ('E04', 2, 'ICD9CM', '486')")
    from tests.fixtures import with_marts
    with_marts(con)
    monkeypatch.setenv("CODEDASH_SUPPRESSION_THRESHOLD", "0")
    notes = svc.code_system_notes(con)
    assert len(notes) == 1 and "ICD-9-CM" in notes[0] and "never mix" in notes[0]
    assert svc.code_system_notes(build()) == []
    h = svc.hierarchy(con)
    assert "486" not in set(h["node"]) and "48" not in set(h["node"])
    assert run(con, "diagnosis__code_systems", {})[["code_system", "n_encounters"]].values.tolist() == [
        ["ICD10CM", 1], ["ICD10CM", 4], ["ICD9CM", 1], ["ICD10CM", 4]]


def test_codedash_query_exposes_every_view(tmp_path, capsys, monkeypatch):
    import json

    from codedash.dashboard.cli import main
    from tests.fixtures import build_file

    monkeypatch.setenv("CODEDASH_SUPPRESSION_THRESHOLD", "0")
    path = tmp_path / "trends.duckdb"
    build_file(path, build())
    assert main(["query", "--list"]) == 0
    listed = capsys.readouterr().out
    for name in ("diagnosis__search", "diagnosis__hierarchy", "diagnosis__monthly_rates", "diagnosis__period_change",
                 "diagnosis__cooccurrence", "diagnosis__cooccurrence_matrix", "diagnosis__code_systems",
                 "diagnosis__hcc_groups"):
        assert name in listed
    assert main(["query", "diagnosis__monthly_rates", "--db", str(path), "--format", "json",
                 "--param", "dx_blocks=J09-J18"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["n_encounters"], r["dx_encounters"]) for r in rows] == [(1, 1), (4, 3), (4, 1)]
    monkeypatch.setenv("CODEDASH_SUPPRESSION_THRESHOLD", "2")
    assert main(["query", "diagnosis__hierarchy", "--db", str(path), "--format", "json"]) == 0
    tree = {(r["level"], r["node"]): r["n_encounters"] for r in json.loads(capsys.readouterr().out)}
    # the CLI applies the query's declared tree: J10 (2) hidden, and J18 and J18.9 with it
    assert tree[("category", "J10")] is None and tree[("category", "J18")] is None and tree[("code", "J189")] is None


def test_cooccurrence_hides_small_complements_in_the_table_and_the_heatmap(con, monkeypatch):
    monkeypatch.setenv("CODEDASH_SUPPRESSION_THRESHOLD", "1")
    out = svc.cooccurrence(con, selection=svc.parse_selection(["category:E11"]))
    t = out["table"].set_index("node")
    # I10: 2 of the 3 E11 encounters (the one without I10 is a group of 1): hidden with share and lift
    assert pd.isna(t.loc["I10", "n_both"]) and pd.isna(t.loc["I10", "lift"])
    # E78: 1 encounter with both (small)
    assert pd.isna(t.loc["E78", "n_both"])
    m = {(r.node_a, r.node_b): r.n_both for r in out["matrix"].itertuples()}
    assert all(pd.isna(m[k]) for k in m if "selection" in k and k != ("selection", "selection"))


def test_the_heatmap_counts_each_pair_once_from_the_encounters_bit_masks(con):
    def matrix(nodes):
        df = run(con, "diagnosis__cooccurrence_matrix", {"dx_categories": ["E11"], "nodes": nodes}, suppress=False)
        return {(r.node_a, r.node_b): r.n_both for r in df.itertuples()}

    # J18 with I10 on E00, E01 and E02; J18 alone on E06; E78 with E11 on E05; the selection (E11) on E03, E05, E07
    want = {("E78", "E78"): 2, ("E78", "selection"): 1, ("I10", "I10"): 5, ("I10", "J18"): 3, ("I10", "selection"): 2,
            ("J18", "I10"): 3, ("J18", "J18"): 4, ("selection", "E78"): 1, ("selection", "I10"): 2,
            ("selection", "selection"): 3}
    assert matrix(["I10", "J18", "E78"]) == want
    assert matrix(["E78", "I10", "J18", "I10", "E78"]) == want           # a node listed twice counts once
    assert matrix(None) == {("selection", "selection"): 3}
