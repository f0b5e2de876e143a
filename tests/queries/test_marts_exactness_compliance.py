"""The compliance marts give the raw-table answer: per entity numerator and denominator of several measures,
written here again straight from the canonical tables, equal on the small demo under several filters."""
from __future__ import annotations

import pytest

from codedash.queries import compliance

FILTERS = [{}, {"start_date": "2025-01-01", "end_date": "2025-12-31"}, {"facilities": ["F002", "F003"]},
           {"payers": ["P001"], "coders": ["C001", "C002", "C005", "C012"]}]

_WHERE = """($start_date::date is null or e.discharge_date >= $start_date::date)
  and ($end_date::date is null or e.discharge_date <= $end_date::date)
  and ($facilities::varchar[] is null or list_contains($facilities::varchar[], e.facility_id))
  and ($payers::varchar[] is null or list_contains($payers::varchar[], e.payer_id))
  and ($coders::varchar[] is null or list_contains($coders::varchar[], e.coder_id))"""

RAW = {
    "EM_OFFICE_EST_HIGH": f"""
        select e.attending_provider_id as entity_id,
               sum(case when s.code in ('99214', '99215') then 1 else 0 end) as numerator, count(*) as denominator
        from service_lines s join encounters e using (encounter_id)
        where s.code in ('99211', '99212', '99213', '99214', '99215') and e.attending_provider_id is not null
          and {_WHERE}
        group by 1""",
    "MOD25_PROV": f"""
        select e.attending_provider_id as entity_id,
               sum(case when '25' in (coalesce(s.modifier_1, ''), coalesce(s.modifier_2, ''), coalesce(s.modifier_3, ''),
                                      coalesce(s.modifier_4, ''))
                         and exists (select 1 from service_lines p join ref_procedure_labels pl
                                       on pl.code_system = p.code_system and pl.code = p.code
                                     where p.encounter_id = s.encounter_id and p.service_date = s.service_date
                                       and pl.category = 'surgery') then 1 else 0 end) as numerator,
               count(*) as denominator
        from service_lines s join encounters e using (encounter_id)
        join ref_procedure_labels l on l.code_system = s.code_system and l.code = s.code
        where l.em_family is not null and l.em_family <> '' and e.attending_provider_id is not null and {_WHERE}
        group by 1""",
    "UNSPEC_CODER": f"""
        select e.coder_id as entity_id, sum(case when r.unspecified then 1 else 0 end) as numerator,
               count(*) as denominator
        from diagnoses d join encounters e using (encounter_id) left join ref_icd10cm r on r.code = d.code
        where d.code_system = 'ICD10CM' and e.coder_id is not null and {_WHERE}
        group by 1""",
    "PEP_MCC_FAC": f"""
        select e.facility_id as entity_id, sum(case when m.severity = 'MCC' then 1 else 0 end) as numerator,
               count(*) as denominator
        from encounters e join ref_msdrg m on m.drg_version = e.drg_version and m.drg_code = e.drg_code
        where e.encounter_type = 'inpatient' and {_WHERE}
          and m.base_drg in (select base_drg from ref_msdrg x where x.drg_version = m.drg_version
                             group by base_drg having count(*) > 1 and max(case when severity = 'MCC' then 1 else 0 end) = 1)
        group by 1""",
    "NCCI_MUE_PROV": f"""
        with units as (
            select s.encounter_id, s.code, s.service_date, sum(s.units) as day_units, max(s.units) as line_units
            from service_lines s group by 1, 2, 3)
        select e.attending_provider_id as entity_id,
               count(distinct case when (m.adjudication_indicator = '1' and u.line_units > m.mue_value)
                                     or (m.adjudication_indicator <> '1' and u.day_units > m.mue_value)
                                   then u.encounter_id end) as numerator,
               count(distinct u.encounter_id) as denominator
        from units u join ncci_mue m on m.code = u.code join encounters e using (encounter_id)
        where e.attending_provider_id is not null and {_WHERE}
        group by 1""",
    "DENIAL_CODING_PROV": f"""
        with claims as (
            select a.claim_id, min(a.encounter_id) as encounter_id,
                   max(case when a.denied and c.coding_related then 1 else 0 end) as coding_denied
            from adjudications a left join ref_carc c on c.carc_code = a.carc_code
            where a.adjudication_seq = 1 group by a.claim_id)
        select e.attending_provider_id as entity_id, sum(coding_denied) as numerator, count(*) as denominator
        from claims join encounters e using (encounter_id)
        where e.attending_provider_id is not null and {_WHERE}
        group by 1""",
}


@pytest.fixture(scope="module")
def demo(small_demo_db):
    from codedash.data.database import open_readonly
    return open_readonly(small_demo_db)


@pytest.mark.parametrize("measure_id", sorted(RAW))
@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f) or "all")
def test_mart_equals_the_raw_tables(demo, measure_id, filters):
    params = {"start_date": None, "end_date": None, "facilities": None, "payers": None, "coders": None, **filters}
    raw = demo.execute(RAW[measure_id], params).df()
    raw = {r.entity_id: (int(r.numerator), int(r.denominator)) for r in raw.itertuples() if r.denominator > 0}
    got = compliance.measure_values(demo, measure_id, filters, suppressed=False)
    got = {r.entity_id: (int(r.numerator), int(r.denominator)) for r in got.itertuples()}
    assert got == raw
    assert raw, "the comparison saw data"


# ------------------------------------------------------------------------------------------------------------
# The monthly cubes (mart_compliance_monthly, mart_compliance_em_monthly) give exactly what the event rows gave:
# the live queries are compared with their frozen copies that read mart_compliance_events / _em_levels row by
# row (tests/queries/raw_sql/compliance__*.sql), on the hand fixture and the small demo, over the filter
# combinations of tests/queries/marts_exactness.py (whole months, odd-day and one-day windows, windows inside
# one month, open ends, lists, unknown ids), restricted scopes, and random filters (hypothesis).

import datetime as dt  # noqa: E402

import pandas as pd  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from codedash.queries import filters as flt  # noqa: E402
from codedash.queries.runner import run  # noqa: E402
from tests.queries import fixtures_compliance  # noqa: E402
from tests.queries.marts_exactness import filter_combinations  # noqa: E402
from tests.queries.raw_reference import run_raw  # noqa: E402

CUBED = ["compliance__measure_values", "compliance__em_distribution"]


def _local(name: str) -> list[dict]:
    """Every measure (measure values) or every E/M family (distributions), with the measure's own parameters."""
    if name == "compliance__em_distribution":
        return [{"em_family": f} for f in compliance.EM_CODES]
    return [{"measure_id": m.measure_id, "entity_type": m.entity_type, "peer": m.peer_group}
            for m in compliance.measure_catalog().values()]


def _same(con, name: str, params: dict, scope: flt.Scope = flt.ALL, suppress: bool = False) -> int:
    live = run(con, name, params, scope=scope, suppress=suppress)
    raw = run_raw(con, name, params, scope=scope, suppress=suppress)
    pd.testing.assert_frame_equal(live.reset_index(drop=True), raw.reset_index(drop=True), check_exact=True,
                                  obj=f"{name} {params} {scope}")
    return len(live)


@pytest.fixture(scope="module")
def cube_databases(small_demo_db):
    from codedash.data.database import open_readonly
    demo = open_readonly(small_demo_db)
    yield {"fixture": fixtures_compliance.build(), "small_demo": demo}
    demo.close()


@pytest.mark.parametrize("db", ["fixture", "small_demo"])
@pytest.mark.parametrize("name", CUBED)
def test_cube_query_equals_the_event_rows(cube_databases, db, name):
    con = cube_databases[db]
    combos = filter_combinations(con)
    rows = checked = 0
    for i, base in enumerate(combos):
        # every measure on the date windows (the cube / event-row split), one in rotation on the others
        locals_ = _local(name) if i < 12 or db == "fixture" else [_local(name)[i % len(_local(name))]]
        for local in locals_:
            rows += _same(con, name, {**base, **local})
            checked += 1
    facilities = [r[0] for r in con.execute("select facility_id from facilities order by 1").fetchall()]
    for scope in (flt.Scope(tuple(facilities[:1])), flt.Scope(())):
        for local in _local(name):
            _same(con, name, local, scope=scope)
    assert checked >= 40 and rows > 0


def test_cube_query_equals_the_event_rows_suppressed(cube_databases, cms_suppression):
    con = cube_databases["small_demo"]
    six = filter_combinations(con)[2]
    for name in CUBED:
        for local in _local(name)[:6]:
            for params in ({}, six):
                _same(con, name, {**params, **local}, suppress=True)


def test_whole_months_are_read_from_the_cube(cube_databases):
    """Not vacuous: on the demo a whole-month window has cube cells holding several encounters, and an odd-day
    window has event rows on both partial ends."""
    con = cube_databases["small_demo"]
    assert con.execute("select max(n_encounters) from mart_compliance_monthly").fetchone()[0] > 1
    assert con.execute("select max(n_encounters) from mart_compliance_em_monthly").fetchone()[0] > 1
    assert con.execute("select count(*) from mart_compliance_monthly").fetchone()[0] < \
        con.execute("select count(*) from mart_compliance_events").fetchone()[0]


def test_the_cubes_hold_every_event_row(cube_databases):
    """Grain and totals: cells are unique on their stated grain and add up to the event rows per measure."""
    for con in cube_databases.values():
        one = lambda sql: con.execute(sql).fetchall()  # noqa: E731
        assert one("""select count(*) from (select measure_id, entity_id, discharge_month, facility_id,
                      specialty_code, payer_id, coder_id from mart_compliance_monthly
                      group by all having count(*) > 1)""") == [(0,)]
        assert one("""select measure_id, sum(n_encounters), sum(numerator), sum(denominator)
                      from mart_compliance_monthly group by 1 order by 1""") == \
            one("""select measure_id, count(*), sum(numerator), sum(denominator)
                   from mart_compliance_events group by 1 order by 1""")
        assert one("""select em_family, em_level, sum(n_encounters), sum(n_lines) from mart_compliance_em_monthly
                      group by 1, 2 order by 1, 2""") == \
            one("""select em_family, em_level, count(*), sum(n_lines) from mart_compliance_em_levels
                   where provider_id is not null group by 1, 2 order by 1, 2""")


def test_partial_months_split_the_window_exactly():
    """{{partial_months}} and {{full_months}} partition any window into disjoint days: worked by hand on
    three windows (inside one month, odd ends, whole months) over every day of 2024-12..2025-03."""
    import duckdb

    from codedash.queries.runner import parse_query

    con = duckdb.connect()
    con.execute("""create table days as select cast(d as date) as discharge_date,
                   cast(date_trunc('month', d) as date) as discharge_month, last_day(cast(d as date)) as month_end
                   from range(date '2024-12-01', date '2025-04-01', interval 1 day) as t(d)""")
    q = parse_query("t", "-- purpose: test\n-- grain: one row per day\n-- params: filters\nselect discharge_date, {{full_months}} as w, {{partial_months}} as p "
                    "from days where {{date_filter}} order by 1")
    for start, end, whole in (("2025-01-05", "2025-01-20", 0), ("2025-01-15", "2025-03-10", 28),
                              ("2024-12-01", "2025-02-28", 90), (None, "2025-01-10", 31), ("2025-02-02", None, 31)):
        rows = con.execute(q.sql, q.bind({"start_date": start, "end_date": end}, flt.ALL)).fetchall()
        assert all(w != p for _, w, p in rows), (start, end)        # exactly one of the two for every day
        assert sum(1 for _, w, _p in rows if w) == whole, (start, end)


_DAYS = st.dates(min_value=dt.date(2023, 9, 1), max_value=dt.date(2026, 11, 1))


@st.composite
def any_filters(draw, con):
    lists = {k: [r[0] for r in con.execute(f"select distinct {c} from encounters where {c} is not null "  # noqa: S608
                                           "order by 1").fetchall()]
             for k, c in (("facilities", "facility_id"), ("specialties", "specialty_code"),
                          ("payers", "payer_id"), ("coders", "coder_id"))}
    params: dict = {}
    if draw(st.booleans()):
        params["start_date"] = draw(_DAYS).isoformat()
    if draw(st.booleans()):
        end = draw(_DAYS)
        if "start_date" in params and end.isoformat() < params["start_date"]:
            end = dt.date.fromisoformat(params["start_date"]) + dt.timedelta(days=draw(st.integers(0, 40)))
        params["end_date"] = end.isoformat()
    for key, vals in lists.items():
        if draw(st.booleans()):
            params[key] = draw(st.lists(st.sampled_from(vals + ["unknown"]), max_size=3, unique=True))
    return params


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_filters_give_the_event_row_answer(cube_databases, data):
    con = cube_databases["small_demo"]
    params = data.draw(any_filters(con))
    name = data.draw(st.sampled_from(CUBED))
    local = data.draw(st.sampled_from(_local(name)))
    facilities = data.draw(st.sampled_from([None, ("F001",), ("F002", "F003"), ()]))
    _same(con, name, {**params, **local}, scope=flt.Scope(facilities))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_filters_on_the_hand_fixture(cube_databases, data):
    con = cube_databases["fixture"]
    params = data.draw(any_filters(con))
    for name in CUBED:
        for local in _local(name):
            _same(con, name, {**params, **local})
