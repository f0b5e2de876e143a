"""Server-side search of long filter lists: the browser gets matches (at most SEARCH_LIMIT) plus the selection."""
import dash
import pytest

from codedash.dashboard.shell import SEARCH_LIMIT, search_update, searched_options
from codedash.data.database import build_database, open_readonly


def _coders(con):
    """120 coders who each coded one encounter: 'Coder 000' .. 'Coder 119'; C200 coded nothing."""
    con.execute("insert into coders select 'C' || lpad(i::varchar, 3, '0'), 'Coder ' || lpad(i::varchar, 3, '0'), "
                "null, null, null from range(120) t(i)")
    con.execute("insert into coders values ('C200', 'Coder Idle', null, null, null)")
    con.execute("insert into facilities values ('F1', 'North', 'WI', 'hospital')")
    con.execute("insert into encounters (encounter_id, patient_id, facility_id, encounter_type, admit_date, "
                "discharge_date, coder_id) select 'E' || i, 'P' || i, 'F1', 'office', date '2025-01-01', "
                "date '2025-01-01', 'C' || lpad(i::varchar, 3, '0') from range(120) t(i)")


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    return build_database(tmp_path_factory.mktemp("search") / "coders.duckdb", _coders)


@pytest.fixture(scope="module")
def con(db_path):
    return open_readonly(db_path)


def _values(options):
    return [o["value"] for o in options]


def test_without_search_the_first_page_by_name(con):
    options = searched_options(con, "coders", None, None)
    assert len(options) == SEARCH_LIMIT == 50
    assert options[0] == {"value": "C000", "label": "Coder 000"}
    assert options[-1]["label"] == "Coder 049"


def test_search_matches_names_case_insensitively_and_keeps_the_selection_first(con):
    assert _values(searched_options(con, "coders", "CODER 11", None)) == [f"C11{i}" for i in range(10)]
    assert _values(searched_options(con, "coders", " 11", ["C050"])) == \
        ["C050", "C011", *[f"C11{i}" for i in range(10)]]
    assert _values(searched_options(con, "coders", "idle", None)) == []          # coded nothing: not offered


@pytest.mark.parametrize("search", [123, ["a"], {"x": 1}, "", "   "])
def test_anything_but_text_is_no_search(con, search):
    assert len(searched_options(con, "coders", search, None)) == SEARCH_LIMIT


@pytest.mark.parametrize("search", ["%", "a' or 1=1 --;", "ü" * 5, "x" * 500])
def test_text_no_name_can_contain_matches_nothing_but_the_selection(con, search):
    assert _values(searched_options(con, "coders", search, ["C101"])) == ["C101"]


@pytest.mark.parametrize("selected", [None, [], "C999", [{"x": 1}], [None], 5])
def test_untrusted_selections_are_dropped(con, selected):
    assert len(searched_options(con, "coders", None, selected)) == SEARCH_LIMIT


def test_a_value_change_fetches_only_when_a_selected_option_is_not_shown(con):
    shown = searched_options(con, "coders", None, None)
    with pytest.raises(dash.exceptions.PreventUpdate):           # the control's echo after new data
        search_update(con, "coders", None, ["C001"], shown, value_changed=True)
    with pytest.raises(dash.exceptions.PreventUpdate):
        search_update(con, "coders", None, [], "not a list", value_changed=True)
    linked = search_update(con, "coders", None, ["C100"], shown, value_changed=True)   # e.g. from a link
    assert _values(linked)[0] == "C100" and len(linked) == SEARCH_LIMIT + 1
    typed = search_update(con, "coders", "119", ["C001"], shown, value_changed=False)
    assert _values(typed) == ["C001", "C119"]


def test_the_app_ships_one_page_of_coders_and_registers_the_search(db_path):
    from codedash.dashboard.app import create_app

    app = create_app(db_path)
    assert "f-coders.data" in app.callback_map
    inputs = {i["id"] + "." + i["property"] for i in app.callback_map["f-coders.data"]["inputs"]}
    assert inputs == {"f-coders.searchValue", "f-coders.value"}
    layout = app.layout()
    coder_select = next(c for c in _walk(layout) if getattr(c, "id", None) == "f-coders")
    assert len(coder_select.data) == SEARCH_LIMIT


def _walk(component):
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and hasattr(child, "to_plotly_json"):
            yield from _walk(child)
