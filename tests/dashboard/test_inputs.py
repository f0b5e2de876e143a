"""Hand-written cases for the browser values that used to crash callbacks (issue 9), and the coercion
helpers every callback reads its arguments through. The fuzz test (test_callback_fuzz.py) covers
every callback with random JSON; these pin the known cases and the exact answers."""
import dash
import pytest

from codedash.dashboard import inputs
from codedash.dashboard.pages import coding_quality as cq_page
from codedash.dashboard.pages import overview
from codedash.dashboard.shell import sync
from codedash.dashboard.url_state import filters_from_search, validate_filters
from codedash.queries.overview import overview_kpis
from tests.fixtures import build

NOT_A_DICT = [["start_date", "2025-01-01"], "start_date=2025-01-01", 7, 2.5, True, [{"payers": ["PA"]}]]
NOT_A_STRING = [["?payer=PA"], {"payer": "PA"}, 5, 1.5, False, [[]]]


@pytest.mark.parametrize("raw", NOT_A_DICT)
def test_validate_filters_takes_anything_that_is_not_a_dict_as_no_filters(raw):
    assert validate_filters(raw) == {}


@pytest.mark.parametrize("search", NOT_A_STRING)
def test_filters_from_search_ignores_a_search_that_is_not_text(search):
    assert filters_from_search(search) == ({}, [])


def test_too_many_url_fields_is_a_notice_not_a_crash():
    filters, problems = filters_from_search("?" + "payer=PA&" * 2001)
    assert filters == {} and problems == ["ignored the link's parameters: more than 2000"]


def test_an_inverted_period_is_dropped_with_a_reason():
    assert validate_filters({"start_date": "2025-12-31", "end_date": "2025-01-01", "payers": ["PA"]}) == {
        "payers": ["PA"]}
    filters, problems = filters_from_search("?start=2025-12-31&end=2025-01-01")
    assert filters == {} and problems == ["ignored start and end: the start is after the end"]


def test_a_date_with_sql_after_it_is_dropped():
    filters, problems = filters_from_search("?start=2025-10-01%27%3B%20DROP%20TABLE%20claims")
    assert filters == {} and len(problems) == 1 and "expected a date as YYYY-MM-DD" in problems[0]


@pytest.mark.parametrize("dates", [5, "2025-01-01", {"0": "2025-01-01"}, [["2025-01-01"], ["2025-02-01"]],
                                   ["2025-01-01"], [None, "2025-01-01"], True])
def test_date_sync_ignores_a_range_that_is_not_two_dates(dates):
    current = {"start_date": "2025-01-01", "end_date": "2025-03-31"}
    try:
        out = sync("f-dates", "?start=2025-01-01&end=2025-03-31", dates, [None] * 4, None, current)
    except dash.exceptions.PreventUpdate:
        return
    assert out[-2] == {}          # two values but not dates: the filters drop them, nothing crashes


@pytest.mark.parametrize("search,defaults,current", [
    ({"a": 1}, None, None), (["?payer=PA"], ["2025-01-01"], "x"), (7, {"start_date": ["x"]}, 3),
    ("?payer=PA", {"start_date": "2025-01-01'; drop", "end_date": 5}, None),
])
def test_sync_from_url_with_forged_search_defaults_and_store(search, defaults, current):
    search_out, dates, *lists, filters, notice = sync(None, search, None, [None] * 4, defaults, current)
    assert filters == ({"payers": ["PA"]} if search == "?payer=PA" else {})
    assert dates is None


def test_sync_from_url_uses_only_valid_defaults():
    out = sync(None, "", None, [None] * 4, {"start_date": "2025-01-01", "end_date": "2025-06-30", "x": 1}, None)
    assert out[-2] == {"start_date": "2025-01-01", "end_date": "2025-06-30"}


@pytest.fixture(scope="module")
def con():
    return build()


@pytest.mark.parametrize("metric", [["code_accuracy"], {"k": 1}, 3, None, "'; drop"])
def test_accuracy_metric_of_any_type_falls_back_to_code_accuracy(con, metric, no_suppression):
    expected = cq_page.render_accuracy(con, {}, "coding_accuracy")
    assert cq_page.render_accuracy(con, {}, metric).to_json() == expected.to_json()


@pytest.mark.parametrize("cell,rows", [
    ({"rowIndex": 0}, ["C1"]), ({"rowIndex": 0}, [["C1"]]), ({"rowIndex": True}, [{"coder_id": "C1"}]),
    ({"rowIndex": 0}, [{"coder_id": 5}]), ({"rowIndex": 0}, {"0": {"coder_id": "C1"}}), ({"data": "C1"}, None),
])
def test_clicked_coder_ignores_rows_that_are_not_coder_rows(cell, rows):
    assert cq_page._clicked_coder("cq-coders-grid", None, cell, rows) is None


def test_scorecard_search_with_filters_that_are_not_a_dict():
    assert cq_page.scorecard_search(["x"], "C1") == "?coder=C1"


@pytest.mark.parametrize("click", [None, [], "points", {"points": "x"}, {"points": [5]}, {"points": []},
                                   {"points": [{"customdata": ["a", "b"]}]}, {"points": [{"customdata": {}}]},
                                   {"points": [{"customdata": True}]}])
def test_clicked_value_is_none_unless_a_scalar_was_clicked(click):
    assert inputs.clicked_value(click) is None


def test_clicked_value_and_helpers():
    assert inputs.clicked_value({"points": [{"customdata": "PA"}, {"customdata": "PB"}]}) == "PA"
    assert inputs.clicked_value({"points": [{"customdata": 12}]}) == "12"
    assert inputs.as_choice(["a"], ("a", "b"), "b") == "b"
    assert inputs.as_choice("a", ("a", "b"), "b") == "a"
    assert inputs.as_int(True) is None and inputs.as_int(3) == 3
    assert inputs.as_list(list(range(inputs.MAX_ITEMS + 1))) is None
    assert inputs.as_dict([("a", 1)]) == {} and inputs.as_str(5, "") == ""


@pytest.mark.parametrize("filters,day", [({"start_date": "2099-01-01"}, "2099-01-01"),
                                         ({"end_date": "1950-01-01"}, "1950-01-01")])
def test_a_period_with_one_open_end_beyond_the_data_is_one_empty_day(con, filters, day, no_suppression):
    # found by the fuzz test: the open end was closed with the data's bound, giving start > end
    result = overview_kpis(con, validate_filters(filters))
    assert (result["period"].start.isoformat(), result["period"].end.isoformat()) == (day, day)
    cards, period_text = overview.render(con, filters)
    assert cards is not None and period_text
