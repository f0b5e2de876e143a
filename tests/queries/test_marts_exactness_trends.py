"""The cube-backed diagnosis trends queries return exactly what their encounter-level originals returned.

diagnosis__hierarchy, diagnosis__monthly_rates, diagnosis__period_change and diagnosis__cooccurrence read the
additive cubes (mart_dx_node_months, mart_dx_node_patients, mart_dx_encounter_months) and the encounter x node
rows (mart_dx_nodes); their frozen copies in tests/queries/raw_sql/ count distinct encounters and patients
over mart_dx_codes / mart_dx_encounters at request time. Each live query is compared with its copy, exactly
and dtypes included, on the hand fixture of tests/queries/fixtures_trends.py and on the small demo over the
filter combinations of tests/queries/marts_exactness.py (whole-month and odd-day windows, open ends, 1-3
facilities / specialties / payers / coders, a scope) with every page-local parameter (position, stratum,
level, selections at every level), and on random data sets with random filters (hypothesis), where
patients come back in other months, cells and positions so first occurrences, single-encounter patients
and repeat patients are all exercised.
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
from tests.fixtures import _insert, with_marts
from tests.queries import fixtures_trends, random_data
from tests.queries.marts_exactness import filter_combinations
from tests.queries.raw_reference import run_raw

QUERIES = ["diagnosis__hierarchy", "diagnosis__monthly_rates", "diagnosis__period_change", "diagnosis__cooccurrence",
           "diagnosis__cooccurrence_matrix", "diagnosis__hcc_groups"]
# heatmap nodes of every level (only those at the chosen level match), one that holds selected codes, one unknown
NODES = ["I10", "J18", "E11", "E78", "J10", "10", "4", "9", "J09-J18", "E08-E13", "E119", "J189", "J101", "ZZZ"]
SELECTIONS = [{"dx_blocks": ["J09-J18"]}, {"dx_categories": ["E11"]}, {"dx_codes": ["J189"]},
              {"dx_chapters": ["4"], "dx_codes": ["I10"]}, {"dx_codes": ["E78"]}, {}]


def periods(con) -> list[dict]:
    lo, hi = con.execute("select min(discharge_date), max(discharge_date) from encounters").fetchone()
    mid = lo + (hi - lo) / 2
    first = dt.date(lo.year, lo.month, 1)
    return [{"period1_start": lo, "period1_end": mid, "period2_start": mid + dt.timedelta(days=1), "period2_end": hi},
            {"period1_start": first, "period1_end": dt.date(mid.year, mid.month, 1) - dt.timedelta(days=1),
             "period2_start": dt.date(mid.year, mid.month, 1), "period2_end": hi},
            {"period1_start": lo, "period1_end": hi, "period2_start": mid, "period2_end": hi}]   # overlapping


def local_params(con, name: str, i: int) -> list[dict]:
    """Every page-local value on the first combinations, one in rotation on the others."""
    pos = [False, True]
    if name == "diagnosis__hierarchy":
        every = [{"principal_only": p} for p in pos]
    elif name == "diagnosis__monthly_rates":
        every = [{**s, "principal_only": p, "stratum": st_, "with_total": (j + k) % 2 == 0}
                 for j, s in enumerate(SELECTIONS) for p in pos
                 for k, st_ in enumerate(("none", "age_band", "sex", "payer_type", "facility"))]
    elif name == "diagnosis__period_change":
        every = [{**per, "level": lv, "principal_only": p} for per in periods(con) for p in pos
                 for lv in ("chapter", "block", "category", "code", "other")]
    elif name == "diagnosis__cooccurrence":
        every = [{**s, "principal_only": p, "level": lv, "limit": lim} for s in SELECTIONS for p in pos
                 for lv in ("chapter", "block", "category", "code") for lim in (1, 100)]
    elif name == "diagnosis__hcc_groups":
        years = [r[0] for r in con.execute("select distinct year(discharge_date) from encounters order by 1").fetchall()]
        every = [{"year": y, "group": g} for y in (*years, 1999) for g in ("payer_type", "facility", "other")]
    else:
        every = [{**s, "principal_only": p, "level": lv, "nodes": nodes} for s in SELECTIONS for p in pos
                 for lv in ("chapter", "block", "category", "code") for nodes in (NODES, NODES[:3], None)]
    return every if i < 3 else [every[i % len(every)], every[(i * 7 + 3) % len(every)]]


STRATIFIED = ("age_band", "sex", "payer_type", "facility")


def reference(con, name: str, params: dict, scope: flt.Scope, suppress: bool) -> pd.DataFrame:
    """The frozen original's answer. diagnosis__monthly_rates now also returns its is_total flag and, with
    with_total, each month's all-strata row: the original ran once more without a stratum for it."""
    if name != "diagnosis__monthly_rates":
        return run_raw(con, name, params, scope=scope, suppress=suppress)
    base = {k: v for k, v in params.items() if k != "with_total"}
    stratified = params.get("stratum", "none") in STRATIFIED
    raw = run_raw(con, name, base, scope=scope, suppress=suppress)
    raw.insert(2, "is_total", not stratified)
    if stratified and params.get("with_total"):
        total = run_raw(con, name, {**base, "stratum": "none"}, scope=scope, suppress=suppress)
        total.insert(2, "is_total", True)
        raw = pd.concat([raw, total.assign(stratum="All")], ignore_index=True)
    raw["is_total"] = raw["is_total"].astype(bool)
    return raw.sort_values(["month", "is_total", "stratum"], kind="stable").reset_index(drop=True)


def assert_same(con, name: str, params: dict, scope: flt.Scope = flt.ALL, suppress: bool = False) -> None:
    live = run(con, name, params, scope=scope, suppress=suppress)
    raw = reference(con, name, params, scope, suppress)
    pd.testing.assert_frame_equal(live.reset_index(drop=True), raw.reset_index(drop=True), check_exact=True,
                                  obj=f"{name} {params} {scope}")


def with_icd9_and_unknown_codes():
    """The trends fixture plus an ICD-9-CM code, a code outside ref_icd10cm (no block or chapter) and a repeat."""
    con = fixtures_trends.build()
    _insert(con, "diagnoses", pd.DataFrame([
        {"encounter_id": "E04", "sequence": 2, "code_system": "ICD9CM", "code": "486"},
        {"encounter_id": "E05", "sequence": 3, "code_system": "ICD10CM", "code": "J1899"},
        {"encounter_id": "E08", "sequence": 2, "code_system": "ICD10CM", "code": "J189"}]))
    return with_marts(con)


@pytest.fixture(scope="module")
def databases(small_demo_db):
    demo = open_readonly(small_demo_db)
    yield {"trends": fixtures_trends.build(), "trends_more": with_icd9_and_unknown_codes(), "small_demo": demo}
    demo.close()


@pytest.mark.parametrize("db", ["trends", "trends_more", "small_demo"])
@pytest.mark.parametrize("name", QUERIES)
def test_live_query_equals_encounter_level_original(databases, db, name):
    con = databases[db]
    checked = 0
    for i, base in enumerate(filter_combinations(con)):
        for local in local_params(con, name, i):
            assert_same(con, name, {**base, **local})
            checked += 1
    facilities = [r[0] for r in con.execute("select facility_id from facilities order by 1").fetchall()]
    for scope in (flt.Scope(tuple(facilities[:1])), flt.Scope(())):
        for local in local_params(con, name, 0)[:4]:
            assert_same(con, name, local, scope=scope)
    assert checked >= 40


@pytest.mark.parametrize("name", QUERIES)
def test_suppressed_output_equals_original(databases, name, cms_suppression):
    con = databases["small_demo"]
    for base in ({}, filter_combinations(con)[2]):
        assert_same(con, name, {**base, **local_params(con, name, 0)[1]}, suppress=True)


def test_the_demo_comparison_is_not_vacuous(databases):
    """The small demo has repeat and single patients, first occurrences after the first month, and small nodes."""
    con = databases["small_demo"]
    one = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
    assert 0 < one("select sum(is_repeat) from mart_dx_nodes") < one("select count(*) from mart_dx_nodes")
    assert one("select count(*) from mart_dx_node_patients where prev_month is not null") > 0
    assert 0 < one("select sum(is_month_repeat) from mart_dx_encounters") < one("select count(*) from mart_dx_encounters")
    h = run_raw(con, "diagnosis__hierarchy", {}, suppress=False)
    assert (h["n_patients"] <= 10).any() and (h["n_patients"] > 10).any()


def test_marts_have_their_stated_grain(databases):
    for con in databases.values():
        one = lambda sql, c=con: c.execute(sql).fetchone()[0]  # noqa: E731
        assert one("select count(*) - count(distinct (level, node, encounter_id)) from mart_dx_nodes") == 0
        # the coder-sorted twin holds exactly mart_dx_nodes' rows, and is ordered by coder first
        for a, b in (("mart_dx_nodes", "mart_dx_nodes_by_coder"), ("mart_dx_nodes_by_coder", "mart_dx_nodes")):
            assert one(f"select count(*) from (select * from {a} except all select * from {b})") == 0  # noqa: S608
        assert one("select count(*) from (select coder_id, lag(coder_id) over (order by rowid) as before "
                   "from mart_dx_nodes_by_coder) where coder_id < before") == 0
        assert one("select count(*) from mart_dx_nodes where level = 'code'") == one(
            "select count(*) from mart_dx_codes where code_system = 'ICD10CM'")
        assert one("select sum(n_encounters) from mart_dx_node_months") == one("select count(*) from mart_dx_nodes")
        assert one("select sum(n_encounters) from mart_dx_encounter_months") == one("select count(*) from encounters")
        # every (level, node, patient) has exactly one row with no previous one, in each position
        assert one("select sum(n_rows) from mart_dx_node_patients where position = 'any'") == one(
            "select count(*) from mart_dx_nodes")
        assert one("select sum(n_rows) from mart_dx_node_patients where position = 'any' and prev_month is null") == one(
            "select count(*) from (select distinct level, node, patient_id from mart_dx_nodes)")
        assert one("select sum(n_rows) from mart_dx_node_patients where position = 'principal' and prev_month is null") == one(
            "select count(*) from (select distinct level, node, patient_id from mart_dx_nodes where is_principal = 1)")


# ------------------------------------------------------------------------------------------- random data

CODES = ["J189", "J101", "I10", "E119", "E785", "J1899"]      # J1899 is not in the reference rows


@st.composite
def datasets(draw):
    rows = draw(st.lists(random_data.encounter, min_size=1, max_size=30))
    dx = [draw(st.lists(st.sampled_from(CODES), max_size=3, unique=True)) for _ in rows]
    people = [(draw(st.sampled_from(["F", "M"])), draw(st.sampled_from([10, 50, 70, 80]))) for _ in rows]
    return rows, dx, people


def build_random(data):
    rows, dx, people = data
    con = random_data.build(rows)
    diagnoses = [{"encounter_id": f"E{i:03d}", "sequence": s + 1, "code_system": "ICD10CM", "code": c}
                 for i, codes in enumerate(dx) for s, c in enumerate(codes)]
    if diagnoses:
        _insert(con, "diagnoses", pd.DataFrame(diagnoses))
    _insert(con, "ref_icd10cm", pd.DataFrame(fixtures_trends.REF, columns=[
        "code", "code_dotted", "description", "billable", "level", "category", "block", "block_description",
        "chapter", "chapter_description"]).assign(unspecified=False))
    # E11.9 is V28 HCC38; I10 maps to no HCC in CMS's table and is mapped here so that code sets of two occur
    con.execute("insert into ref_hcc values ('V28', 2026, 'E119', 'HCC38', null), ('V28', 2026, 'I10', 'HCC0', null)")
    for i, (sex, age) in enumerate(people):
        con.execute("update encounters set sex = ?, age_years = ? where encounter_id = ?", [sex, age, f"E{i:03d}"])
    return with_marts(con)


_DAYS = st.dates(min_value=dt.date(2024, 12, 20), max_value=dt.date(2025, 5, 5))
_MONTH_EDGES = st.sampled_from([dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1), dt.date(2025, 4, 1)])


@st.composite
def random_filters(draw):
    params: dict = {}
    whole = draw(st.booleans())
    if draw(st.booleans()):
        params["start_date"] = (draw(_MONTH_EDGES) if whole else draw(_DAYS)).isoformat()
    if draw(st.booleans()):
        end = draw(_MONTH_EDGES) - dt.timedelta(days=1) if whole else draw(_DAYS)
        if "start_date" in params and end.isoformat() < params["start_date"]:
            end = dt.date.fromisoformat(params["start_date"])
        params["end_date"] = end.isoformat()
    for key, vals in (("facilities", ["F1", "F2"]), ("specialties", ["06", "11"]),
                      ("payers", ["PA", "PB", "PC"]), ("coders", ["C1", "C2", "C3"])):
        if draw(st.integers(0, 3)) == 0:
            params[key] = draw(st.lists(st.sampled_from(vals), max_size=2, unique=True))
    return params


_SELECTION = st.sampled_from(SELECTIONS + [{"dx_codes": ["J1899"]}, {"dx_blocks": ["J09-J18", "E08-E13"]}])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=datasets(), params=random_filters(), scope=st.sampled_from([None, ("F1",), ()]),
       principal=st.booleans(), selection=_SELECTION,
       stratum=st.sampled_from(["none", "age_band", "sex", "payer_type", "facility"]),
       level=st.sampled_from(["chapter", "block", "category", "code"]),
       split=st.sampled_from([dt.date(2025, 2, 1), dt.date(2025, 2, 14), dt.date(2025, 3, 1)]))
def test_random_data_and_filters(data, params, scope, principal, selection, stratum, level, split):
    con = build_random(data)
    sc = flt.Scope(scope)
    base = {**params, "principal_only": principal}
    assert_same(con, "diagnosis__hierarchy", base, scope=sc)
    assert_same(con, "diagnosis__monthly_rates", {**base, **selection, "stratum": stratum, "with_total": True},
                scope=sc)
    assert_same(con, "diagnosis__period_change", {
        **base, "level": level, "period1_start": dt.date(2025, 1, 1), "period1_end": split - dt.timedelta(days=1),
        "period2_start": split, "period2_end": dt.date(2025, 4, 30)}, scope=sc)
    assert_same(con, "diagnosis__cooccurrence", {**base, **selection, "level": level, "limit": 100}, scope=sc)
    assert_same(con, "diagnosis__cooccurrence_matrix", {**base, **selection, "level": level, "nodes": NODES}, scope=sc)
    assert_same(con, "diagnosis__hcc_groups", {**params, "year": 2025, "group": stratum}, scope=sc)
