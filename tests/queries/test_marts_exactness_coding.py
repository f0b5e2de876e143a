"""The mart-backed coding quality queries return exactly what their raw-table originals returned.

Each live query (queries/sql/coding__*.sql, reading the mart_coding_* / mart_audit_* tables) is compared
with its frozen raw-table copy (tests/queries/raw_sql/) on the hand-checked fixtures and on the small
demo, over filter combinations built from each database's own values: no filter, date windows of 1, 6
and 24 months plus odd-day windows and windows outside the data, 1-3 facilities / specialties /
payers / coders, combinations, empty lists, a restricted scope, and every query-specific parameter.

Comparison is exact, dtypes included, in the order the queries return rows (every ORDER BY is total).
No tolerance is needed even for the DOUBLE columns: the dollar columns are exact DECIMAL sums cast to
double, and coding_hours sums whole seconds, which a double adds exactly in any order.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codedash.data.database import open_readonly
from codedash.queries import filters as flt
from codedash.queries.runner import run
from tests import fixtures
from tests.queries import fixtures_coding
from tests.queries.marts_exactness import filter_combinations
from tests.queries.raw_reference import run_raw

QUERIES = ["coding__accuracy_by_code_system", "coding__accuracy_by_coder", "coding__accuracy_by_month",
           "coding__code_pairs", "coding__dnfb", "coding__error_taxonomy", "coding__productivity",
           "coding__turnaround"]
FINDING_TYPES = [None, "revised", "added", "deleted", "modifier", "poa", "resequenced", "correct", "unknown"]

def scopes(con) -> list[flt.Scope]:
    facilities = [r[0] for r in con.execute("select facility_id from facilities order by 1").fetchall()]
    return [flt.ALL, flt.Scope(tuple(facilities[:1])), flt.Scope(())]


def query_params(name: str, base: dict, i: int) -> list[dict]:
    """The filters plus the query's own parameters: every value on the first combinations (no filter,
    the date windows), one value in rotation on the others."""
    if name != "coding__code_pairs":
        return [base]
    if i < 4:
        return [{**base, "finding_type": ft, "limit": lim} for ft in FINDING_TYPES for lim in (1, 3, 25)] \
            + [{**base, "limit": 10000}]
    return [{**base, "finding_type": FINDING_TYPES[i % len(FINDING_TYPES)], "limit": (1, 3, 25, 10000)[i % 4]}]


def assert_same(con, name: str, params: dict, scope: flt.Scope = flt.ALL, suppress: bool = False) -> None:
    live = run(con, name, params, scope=scope, suppress=suppress)
    raw = run_raw(con, name, params, scope=scope, suppress=suppress)
    pd.testing.assert_frame_equal(live.reset_index(drop=True), raw.reset_index(drop=True), check_exact=True,
                                  obj=f"{name} {params} {scope}")


# Audits added to the coding fixture so that encounters have several audits (the demo and the other
# fixtures audit each encounter once): E01 audited again by its own coder C1 (A7) and by C2 (A8), with
# a code pair and code system repeated from A1; E05 audited again by C2 (A9) with no findings at all;
# and an audit of an encounter that is not in the encounters table (A10), which no view may count.
MORE_AUDITS = [
    ("A7", "E01", "C1", "292", "291", 1500.0, [("revised", "ICD10CM", "I10", "I10"), ("correct", "ICD10PCS", "0SRC0J9", "0SRC0J9")]),
    ("A8", "E01", "C2", "291", "291", -40.5, [("revised", "ICD10CM", "I10", "I10"), ("deleted", "ICD10CM", "E119", None),
                                              ("modifier", "CPT", "99213", "9921325")]),
    ("A9", "E05", "C2", None, None, None, []),
    ("A10", "E99", "C1", None, None, 10.0, [("added", "ICD10CM", None, "Z794")]),
]


def multi_audit_build():
    con = fixtures_coding.build()
    fixtures._insert(con, "audits", pd.DataFrame([
        {"audit_id": a, "encounter_id": e, "coder_id": c, "auditor_id": "AUD2", "audit_date": dt.date(2025, 3, 1),
         "drg_before": before, "drg_after": after, "dollar_impact": impact} for a, e, c, before, after, impact, _ in MORE_AUDITS]))
    fixtures._insert(con, "audit_findings", pd.DataFrame([
        {"audit_id": a, "finding_seq": i + 1, "finding_type": ft, "code_system": sys_, "original_code": o,
         "corrected_code": c} for a, *_, rows in MORE_AUDITS for i, (ft, sys_, o, c) in enumerate(rows)]))
    return fixtures.with_marts(con)


@pytest.fixture(scope="module")
def databases(small_demo_db):
    demo = open_readonly(small_demo_db)
    yield {"fixtures": fixtures.build(), "fixtures_coding": fixtures_coding.build(),
           "multi_audit": multi_audit_build(), "small_demo": demo}
    demo.close()


def test_the_multi_audit_fixture_counts_encounters_once(databases, no_suppression):
    """By hand: C1 audited E01 twice (A1, A7) and E02, E07 once -> 3 encounters, 4 audits; C2 audited E01 (A8),
    E03, E05 twice (A4, A9), E08 -> 4 encounters, 5 audits; January holds E01 (3 audits), E02, E03."""
    con = databases["multi_audit"]
    by_coder = run(con, "coding__accuracy_by_coder", {}).set_index("coder_id")
    assert by_coder.loc["C1", ["n_audited_encounters", "n_audits"]].tolist() == [3, 4]
    assert by_coder.loc["C2", ["n_audited_encounters", "n_audits"]].tolist() == [4, 5]
    month = run(con, "coding__accuracy_by_month", {"end_date": "2025-01-31"})
    assert month[["n_audited_encounters", "n_audits"]].values.tolist() == [[3, 5]]
    pairs = run(con, "coding__code_pairs", {"finding_type": "revised"}).set_index("original_code")
    assert pairs.loc["I10", ["n_audited_encounters", "n_findings"]].tolist() == [1, 3]   # A1, A7, A8 on E01


@pytest.mark.parametrize("db", ["fixtures", "fixtures_coding", "multi_audit", "small_demo"])
@pytest.mark.parametrize("name", QUERIES)
def test_live_query_equals_raw_original(databases, db, name):
    con = databases[db]
    checked = 0
    for i, base in enumerate(filter_combinations(con)):
        for params in query_params(name, base, i):
            assert_same(con, name, params)
            checked += 1
    for scope in scopes(con):
        assert_same(con, name, {}, scope=scope)
    assert checked >= 30


@pytest.mark.parametrize("name", QUERIES)
def test_suppressed_output_equals_raw_original(databases, name, cms_suppression):
    con = databases["small_demo"]
    six = filter_combinations(con)[2]
    for params in ({}, six):
        assert_same(con, name, params, suppress=True)


def test_the_demo_comparison_is_not_vacuous(databases):
    """The small demo gives rows for every query without filters, and some rows are small cells."""
    con = databases["small_demo"]
    for name in QUERIES:
        assert len(run_raw(con, name, {}, suppress=False)) > 0, name
    pairs = run_raw(con, "coding__code_pairs", {"limit": 10000}, suppress=False)
    assert (pairs["n_audited_encounters"] <= 10).any() and (pairs["n_audited_encounters"] > 10).any()


_DAYS = st.dates(min_value=dt.date(2024, 12, 1), max_value=dt.date(2025, 3, 10))


@st.composite
def fixture_filters(draw):
    params: dict = {}
    if draw(st.booleans()):
        params["start_date"] = draw(_DAYS).isoformat()
    if draw(st.booleans()):
        end = draw(_DAYS)
        if "start_date" in params and end.isoformat() < params["start_date"]:
            end = dt.date.fromisoformat(params["start_date"])
        params["end_date"] = end.isoformat()
    for key, vals in (("facilities", ["F1", "F2", "F9"]), ("specialties", ["06", "11"]),
                      ("payers", ["PA", "PB"]), ("coders", ["C1", "C2", "C3"])):
        if draw(st.booleans()):
            params[key] = draw(st.lists(st.sampled_from(vals), max_size=3, unique=True))
    return params


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=fixture_filters(), facility_scope=st.sampled_from([None, ("F1",), ("F2",), ()]),
       finding_type=st.sampled_from(FINDING_TYPES))
def test_any_filters_on_the_multi_audit_fixture(databases, params, facility_scope, finding_type):
    con = databases["multi_audit"]
    scope = flt.Scope(facility_scope)
    for name in QUERIES:
        extra = {"finding_type": finding_type, "limit": 3} if name == "coding__code_pairs" else {}
        assert_same(con, name, {**params, **extra}, scope=scope)


def test_marts_have_their_stated_grain(databases):
    con = databases["small_demo"]
    one = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
    assert one("select count(*) from mart_coding_encounters") == one("select count(*) from encounters")
    assert one("select count(*) from mart_coding_audits") == one(
        "select count(*) from audits a join encounters e using (encounter_id)")
    assert one("select count(*) - count(distinct audit_id) from mart_coding_audits") == 0
    assert one("select sum(codes_reviewed + codes_deleted) from mart_audit_code_counts") == one(
        "select count(*) from audit_findings")
    assert one("select sum(n_findings) from mart_audit_changes") == one(
        "select count(*) from audit_findings where finding_type <> 'correct'")
    assert one("select count(*) from (select distinct encounter_id, code_system, finding_type, original_code, "
               "corrected_code from mart_coding_code_pairs)") == one("select count(*) from mart_coding_code_pairs")
