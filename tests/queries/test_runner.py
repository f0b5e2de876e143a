"""The query runner: catalog, parameter validation, injection attempts, server-side scope."""
import datetime as dt

import pytest

from codedash.queries.filters import Scope
from codedash.queries.params import ParameterError, parse_spec
from codedash.queries.runner import _FRAGMENTS, QueryError, _refuse_commented_placeholders, catalog, load, parse_query, run
from tests import fixtures


@pytest.fixture(scope="module")
def con():
    return fixtures.build()


def test_every_query_has_a_header_and_runs_on_an_empty_database():
    from codedash.data.database import memory_database
    empty = fixtures.with_marts(memory_database())     # queries read marts: an empty build has them too
    for q in catalog():
        assert q.purpose and q.grain, q.name
        assert "__" in q.name, "files are named <area>__<question>.sql"
        run(empty, q.name)          # binds every declared parameter as absent


def test_unknown_query_and_path_tricks_are_rejected():
    for bad in ["nope", "../pyproject", "filters__facilities.sql", "FILTERS__FACILITIES", "", None]:
        with pytest.raises(QueryError):
            load(bad)


def test_unknown_parameter_is_rejected_with_the_allowed_list(con):
    with pytest.raises(ParameterError, match=r"unknown parameter\(s\) facility; allowed: start_date"):
        run(con, "overview__monthly_components", {"facility": ["F1"]})


def test_scope_cannot_be_set_by_a_caller(con):
    with pytest.raises(ParameterError, match="scope_facilities"):
        run(con, "overview__monthly_components", {"scope_facilities": ["F1"]})


@pytest.mark.parametrize("value, message", [
    ("2025-13-01", "expected a date"),
    ("yesterday", "expected a date"),
    (20250101, "expected a date"),
    ("1800-01-01", "outside"),
])
def test_bad_dates(con, value, message):
    with pytest.raises(ParameterError, match=f"start_date: .*{message}"):
        run(con, "overview__monthly_components", {"start_date": value})


def test_reversed_range_is_rejected(con):
    with pytest.raises(ParameterError, match="after end_date"):
        run(con, "overview__monthly_components", {"start_date": "2025-02-01", "end_date": "2025-01-01"})


@pytest.mark.parametrize("value", [
    "F1' or '1'='1", "F1; drop table encounters; --", "F1\" or 1=1", "<script>alert(1)</script>", "x" * 101,
])
def test_injection_strings_are_rejected_before_sql(con, value):
    with pytest.raises(ParameterError, match="facilities"):
        run(con, "overview__monthly_components", {"facilities": [value]})
    assert con.execute("select count(*) from encounters").fetchone()[0] == 9


def test_quote_that_passes_validation_is_bound_not_executed(con, no_suppression):
    df = run(con, "overview__monthly_components", {"facilities": ["F1' or 'a'"]})
    assert df.empty


def test_lists_must_be_lists_of_text(con):
    with pytest.raises(ParameterError, match="expected text"):
        run(con, "overview__monthly_components", {"payers": [1, 2]})
    with pytest.raises(ParameterError, match="more than 1000"):
        run(con, "overview__monthly_components", {"payers": ["P"] * 1001})


def test_scope_limits_every_query(con, no_suppression):
    north = Scope(("F1",))
    assert list(run(con, "filters__facilities", scope=north)["value"]) == ["F1"]
    df = run(con, "overview__monthly_components", scope=north)
    assert df["n_encounters"].sum() == 6              # E00 E01 E02 E03 E07 E08
    inside_out = run(con, "overview__monthly_components", {"facilities": ["F2"]}, scope=north)
    assert inside_out.empty


def test_filter_options(con):
    assert list(run(con, "filters__payers")["value"]) == ["PB", "PA"]     # sorted by label
    assert list(run(con, "filters__specialties")["label"]) == ["Cardiology (06)", "Internal Medicine (11)"]
    bounds = run(con, "filters__date_range").iloc[0]
    assert bounds["first_date"].date() == dt.date(2024, 12, 15)
    assert bounds["last_date"].date() == dt.date(2025, 2, 20)


def test_param_declarations():
    assert parse_spec("limit int = 20").default == 20
    assert parse_spec("codes list[text]").is_list
    assert parse_spec("codes list[text]").parse("E119, I10") == ["E119", "I10"]
    with pytest.raises(ValueError):
        parse_spec("limit integer")


_HEADER = "-- purpose: p\n-- grain: g\n-- params: filters\n-- counts: guarded n\n"


def test_a_placeholder_inside_a_comment_is_refused_not_expanded():
    with pytest.raises(QueryError, match=r"queries/sql/x\.sql, line 5: .*inside a '--' comment"):
        parse_query("x", _HEADER + "select 1 as n -- was {{encounter_filter}}\n")
    with pytest.raises(QueryError, match="line 6"):
        parse_query("x", _HEADER + "select 1 as n\n--{{ mart_filter }}\n")
    sql = parse_query("x", _HEADER + "-- reads encounter_filter\nselect 1 as n from e where {{encounter_filter}}\n").sql
    assert "{{" not in sql and "-- reads encounter_filter" in sql


def test_no_fragment_has_a_placeholder_in_a_comment():
    for key, text in _FRAGMENTS.items():
        _refuse_commented_placeholders(f"fragment {key}", text)
