"""Filters <-> URL: round trips, validation of untrusted values, the sync callback as a function."""
import dash
import pytest

from codedash.dashboard.shell import default_period, suppression_note, sync
from codedash.dashboard.url_state import filters_from_search, search_from_filters, validate_filters



def test_round_trip_is_canonical():
    filters = {"start_date": "2025-01-01", "end_date": "2025-03-31", "payers": ["PB", "PA"], "coders": ["C1"]}
    search = search_from_filters(filters)
    assert search == "?start=2025-01-01&end=2025-03-31&payer=PB&payer=PA&coder=C1"
    parsed, problems = filters_from_search(search)
    assert problems == []
    assert parsed == {"start_date": "2025-01-01", "end_date": "2025-03-31", "payers": ["PA", "PB"], "coders": ["C1"]}
    assert search_from_filters({}) == ""


def test_untrusted_values_are_dropped_with_reasons():
    parsed, problems = filters_from_search("?start=2025-99-01&payer=%27%3Bdrop&payer=PA&bogus=1&facility=F1")
    assert parsed == {"facilities": ["F1"]}
    assert len(problems) == 3
    assert any("bogus" in p for p in problems)


def test_validate_filters_keeps_only_valid_values():
    raw = {"start_date": "2025-01-01", "payers": ["PA", "<b>"], "coders": "C1", "evil": ["x"]}
    # one bad payer drops the payer filter; a string is read as a comma list
    assert validate_filters(raw) == {"start_date": "2025-01-01", "coders": ["C1"]}
    assert validate_filters(None) == {}


def test_sync_from_url_applies_defaults_and_rewrites_the_url():
    defaults = {"start_date": "2025-10-01", "end_date": "2026-09-30"}
    search, dates, *lists, filters, notice = sync(None, "?payer=PA", None, [None] * 4, defaults, None)
    assert search == "?start=2025-10-01&end=2026-09-30&payer=PA"
    assert dates == ["2025-10-01", "2026-09-30"]
    assert lists == [[], [], ["PA"], []]
    assert filters == {"payers": ["PA"], "start_date": "2025-10-01", "end_date": "2026-09-30"}
    assert notice is None


def test_sync_from_controls_writes_the_url():
    out = sync("f-payers", "?start=2025-10-01&end=2026-09-30", ["2025-10-01", "2026-09-30"],
               [None, None, ["PB"], None], None, {"start_date": "2025-10-01", "end_date": "2026-09-30"})
    assert out[0] == "?start=2025-10-01&end=2026-09-30&payer=PB"
    assert out[-2] == {"start_date": "2025-10-01", "end_date": "2026-09-30", "payers": ["PB"]}


def test_sync_ignores_echoes_and_half_picked_ranges():
    current = {"start_date": "2025-10-01", "end_date": "2026-09-30"}
    with pytest.raises(dash.exceptions.PreventUpdate):
        sync("f-dates", "?start=2025-10-01&end=2026-09-30", ["2025-10-01", "2026-09-30"], [None] * 4, None, current)
    with pytest.raises(dash.exceptions.PreventUpdate):
        sync("f-dates", "", ["2025-10-01", None], [None] * 4, None, current)
    with pytest.raises(dash.exceptions.PreventUpdate):
        sync("url", "?start=2025-10-01&end=2026-09-30", None, [None] * 4, None, current)


def test_default_period_is_the_last_twelve_complete_months(no_suppression):
    from tests.queries import fixtures_periods
    # March 2025 is incomplete (1 of 2 claims adjudicated): the default ends 28 Feb, from the first discharge
    assert default_period(fixtures_periods.build()) == ("2024-12-10", "2025-02-28")


def test_suppression_note_states_the_threshold():
    assert "1–10" in suppression_note(10)
    assert "off" in suppression_note(0)


def test_page_callbacks_wait_for_the_filters():
    from codedash.dashboard.url_state import needs_filters

    seen = []
    wrapped = needs_filters(lambda raw, extra: seen.append((raw, extra)) or "ran")
    with pytest.raises(dash.exceptions.PreventUpdate):
        wrapped(None, 1)
    assert wrapped({}, 2) == "ran" and seen == [({}, 2)]


def test_sync_ignores_several_controls_at_once_and_an_empty_range():
    current = {"start_date": "2025-10-01", "end_date": "2026-09-30", "payers": ["PA"]}
    # the controls echoing values set from the URL arrive together, possibly with stale state
    with pytest.raises(dash.exceptions.PreventUpdate):
        sync("f-facilities", "", None, [[], [], [], []], None, None, n_triggers=4)
    with pytest.raises(dash.exceptions.PreventUpdate):
        sync("f-payers", "?payer=PA", None, [[], [], ["PA"], []], None, current)


def test_page_state_keys_are_left_to_their_page_and_kept_in_rewrites():
    import codedash.dashboard.pages.denials  # noqa: F401  (declares focus_payer, carc_category, carc, reimb, days)
    from codedash.dashboard.url_state import PAGE_KEYS, register_page_keys

    assert {"focus_payer", "carc_category", "carc", "reimb", "days"} <= PAGE_KEYS
    parsed, problems = filters_from_search("?payer=PA&focus_payer=PB&bogus=1")
    assert parsed == {"payers": ["PA"]} and problems == ["ignored unknown URL parameter 'bogus'"]
    assert search_from_filters({"payers": ["PB"]}, keep_from="?payer=PA&focus_payer=PB&bogus=1") == \
        "?payer=PB&focus_payer=PB"
    with pytest.raises(ValueError):
        register_page_keys(["payer"])          # a page key may not shadow a global filter


def test_unknown_ids_in_a_link_are_dropped_with_the_same_notice():
    from codedash.queries.known_ids import drop_unknown
    from tests import fixtures

    con = fixtures.build()
    defaults = {"start_date": "2025-01-01", "end_date": "2025-03-31"}
    out = sync(None, "?payer=PA&payer=NOPE&coder=ZZ&facility=F1", None, [None] * 4, defaults, None,
               known=lambda f: drop_unknown(con, f))
    search, _dates, *lists, filters, notice = out
    assert filters == {"payers": ["PA"], "facilities": ["F1"], **defaults}
    assert search == "?start=2025-01-01&end=2025-03-31&facility=F1&payer=PA"
    assert notice.title == "Some link parameters were ignored"
    assert notice.children == "ignored payer 'NOPE': not in this database; ignored coder 'ZZ': not in this database"
