"""Data-quality page (a declared panel page): panels, state and exports as plain functions on
tests/queries/fixtures_dq.py (runs R1, R2; R2 is the newest)."""
from __future__ import annotations

import dash
import pandas as pd
import pytest

from codedash.dashboard.figures import data_quality as figs
from codedash.dashboard.pages import data_quality as page
from codedash.queries import data_quality as dq
from tests.fixtures import build
from tests.queries.fixtures_dq import R1, R2, build_dq

PAGE = page.PAGE


@pytest.fixture
def con():
    return build_dq()


class _DB:
    def __init__(self, con):
        self.con = con

    def cursor(self):
        return self.con


def registered(con):
    """The page registered on an app over `con` (so its layout reads runs and link state from it)."""
    p = page.PAGE
    p.register(dash.Dash(__name__, suppress_callback_exceptions=True), _DB(con))
    return p


def _find(component, id_):
    """The component with this id inside a Dash tree (or None)."""
    if isinstance(component, (list, tuple)):
        for c in component:
            hit = _find(c, id_)
            if hit is not None:
                return hit
        return None
    if getattr(component, "id", None) == id_:
        return component
    return _find(getattr(component, "children", None), id_) if hasattr(component, "children") else None


def panel(key, con, state=None, filters=None):
    return PAGE.render_panel(key, con, filters if filters is not None else {}, state or {})


def test_layout_has_the_page_root_and_says_filters_do_not_apply(con):
    root = registered(con).layout()
    assert root.id == "page-data_quality"
    assert "do not apply" in _find(root, "dq-filters-note").children
    assert PAGE.uses_filters is False and PAGE.url_keys == ("run", "check")
    assert _find(root, "dq-content").style == {}
    assert _find(root, "dq-checks-grid").getRowId == \
        "params.data.check_id + '|' + params.data.table_name"


def test_run_selector_lists_runs_newest_first_and_shows_the_newest(con):
    select = _find(registered(con).layout(), "dq-run-choice")
    assert [o["value"] for o in select.data] == [R2, R1]
    assert select.data[0]["label"] == \
        "2025-03-10 12:00 · load · encounters.csv,diagnoses.csv,facilities.csv · loaded_with_warnings"
    assert select.value == R2 and select.label == "Data-quality run"


@pytest.mark.parametrize("raw", [None, {}, "garbage", [1, 2], {"start_date": "not-a-date", "payers": "'; drop"},
                                 {"facilities": ["F1"], "start_date": "2025-01-01"}])
def test_any_filters_show_the_same_run(con, raw):
    PAGE.context(con, raw, {})                                        # filters validated, never used
    cards, = panel("summary", con, filters=raw)
    assert _find(cards, "dq-card-read").children == "1,200"           # the newest run, R2


def test_a_valid_run_is_kept_and_a_forged_one_falls_back_to_the_newest(con):
    assert PAGE.validate_state(con, {"run": R1})["run"] == R1
    assert PAGE.validate_state(con, {"run": "x'; drop table dq_runs; --"})["run"] is None
    assert PAGE.validate_state(con, {"run": ["a"]})["run"] is None
    cards, = panel("summary", con, {"run": "x'; drop table dq_runs; --"})
    assert _find(cards, "dq-card-loaded").children == "1,195"


def test_choosing_the_newest_run_is_the_default_and_leaves_the_url(con):
    state, search = PAGE.sync_state(con, "dq-run-choice", f"?run={R2}", {}, {"run": R1}, {"run": None, "check": None})
    assert state == {"run": R1, "check": None} and search == f"?run={R1}"
    state, search = PAGE.sync_state(con, "dq-run-choice", search, {}, {"run": R2}, state)
    assert state == {"run": None, "check": None} and search == ""


def test_empty_state_without_runs():
    con = build()
    root = registered(con).layout()
    assert _find(root, "dq-empty-state").children == page.NO_RUNS
    assert page.NO_RUNS == ("No data-quality runs recorded yet. Run `codedash check` or load data with "
                            "`codedash load`.")
    assert _find(root, "dq-content").style == {"display": "none"}
    assert _find(root, "dq-run-choice").data == []
    cards, = panel("summary", con)
    assert cards.children == page.NO_RUNS
    assert panel("checks", con)[0] == []
    assert panel("drilldown", con, {"check": "DX_CODE_VALID"})[0].id == "dq-drilldown-prompt"


def test_database_without_dq_tables_is_an_empty_state():
    con = build()
    con.execute("drop table dq_runs")
    assert dq.runs(con).empty
    assert _find(registered(con).layout(), "dq-empty-state").children == page.NO_RUNS
    for key in ("summary", "checks", "matrix", "completeness", "history", "runs"):
        panel(key, con)                                          # every panel renders (nothing to show)


def test_cards_grid_matrix_completeness_and_history(con, cms_suppression):
    summary, = panel("summary", con, {"run": R2})
    texts = {c: _find(summary, f"dq-card-{c}").children for c in
             ("read", "loaded", "rejected", "passed", "warned", "failed")}
    assert texts == {"read": "1,200", "loaded": "1,195", "rejected": "5", "passed": "2", "warned": "3", "failed": "1"}
    checks, note = panel("checks", con, {"run": R2})
    rows = {(r["check_id"], r["table_name"]): r for r in checks}
    assert len(rows) == 6 and note is None
    assert rows[("DX_CODE_VALID", "diagnoses")]["rows_failed"] == 12
    assert rows[("ENC_DISCHARGE_AFTER_ADMIT", "encounters")]["rows_failed"] is None
    assert rows[("ENC_DISCHARGE_AFTER_ADMIT", "encounters")]["suppressed"] is True
    assert rows[("FAC_STATE_VALID", "facilities")]["rows_failed"] == 1
    assert "encounter_rows_failed" not in rows[("FAC_STATE_VALID", "facilities")]
    grid = _find(registered(con).layout(), "dq-checks-grid")
    assert grid.dashGridOptions["rowSelection"]["mode"] == "singleRow"
    heat, = panel("matrix", con, {"run": R2})
    assert "‡" in [t for row in heat.data[0].text for t in row]
    comp_rows, chart = panel("completeness", con, {"run": R2})
    assert len(comp_rows) == 4 and chart.role == "img"
    history, = panel("history", con)
    assert {t.name for t in history.data} >= {"DX_CODE_VALID", "ENC_DISCHARGE_AFTER_ADMIT"}
    runs, = panel("runs", con)
    assert list(runs.data[0].y) == [1000, 1195]


def test_a_run_without_checks_or_completeness_says_so(con):
    con.execute("delete from dq_results where run_id = $r", {"r": R1})
    con.execute("delete from dq_completeness where run_id = $r", {"r": R1})
    assert panel("checks", con, {"run": R1})[1].id == "dq-checks-empty"
    assert panel("completeness", con, {"run": R1})[1].id == "dq-completeness-empty"


# ---------------------------------------------------------------- the drill-down (check state)

def test_drilldown_shows_encounters_from_eleven(con, cms_suppression):
    children, = panel("drilldown", con, {"run": R2, "check": "DX_CODE_VALID"})
    g = _find(children, "dq-drilldown-grid")
    assert "encounter_id" in [c["field"] for c in g.columnDefs]
    assert [r["encounter_id"] for r in g.rowData][:2] == ["E01", "E02"]
    assert _find(children, "dq-drilldown-suppressed") is None
    assert _find(children, "dq-drilldown-title").children == "Example failing rows of DX_CODE_VALID (12 kept by the run)"


def test_drilldown_hides_encounter_ids_below_eleven_and_says_why(con, cms_suppression):
    children, = panel("drilldown", con, {"run": R2, "check": "ENC_DISCHARGE_AFTER_ADMIT"})
    g = _find(children, "dq-drilldown-grid")
    assert "encounter_id" not in [c["field"] for c in g.columnDefs]
    assert all("encounter_id" not in r for r in g.rowData)
    assert [r["value"] for r in g.rowData] == ["2025-01-01", "2025-01-31", "2025-02-01"]
    assert "fewer than 11 distinct encounters" in _find(children, "dq-drilldown-suppressed").children
    assert _find(children, "dq-drilldown-title").children == "Example failing rows of ENC_DISCHARGE_AFTER_ADMIT"


def test_drilldown_never_shows_patient_id(con, no_suppression):
    children, = panel("drilldown", con, {"run": R2, "check": "ENC_PATIENT_ID_FORMAT"})
    g = _find(children, "dq-drilldown-grid")
    assert all(r["value"] is None and "P 99" not in (r["message"] or "") for r in g.rowData)
    assert _find(children, "dq-drilldown-withheld") is not None
    assert "P 99" not in str(children)


@pytest.mark.parametrize("check", [None, "", "x", "<script>", ["DX_CODE_VALID"], {"nope": 1}, 5, "NOT_A_CHECK"])
def test_drilldown_prompt_for_missing_or_forged_check(con, check):
    out, = panel("drilldown", con, {"run": R2, "check": check})
    assert out.id == "dq-drilldown-prompt"


def test_drilldown_check_without_examples(con):
    children, = panel("drilldown", con, {"run": R1, "check": "DX_CODE_VALID"})
    assert _find(children, "dq-drilldown-empty") is not None


def test_a_row_click_opens_its_check_validated_against_the_grid(con):
    none = {"run": None, "check": None}
    cell = {"check": {"cell": {"rowId": "ROW_COLUMNS|encounters", "colId": "status", "rowIndex": 5}}}
    state, search = PAGE.sync_state(con, "dq-checks-grid", "?start=2025-01-01", cell, {}, none)
    assert state == {"run": None, "check": "ROW_COLUMNS"} and search == "?start=2025-01-01&check=ROW_COLUMNS"
    # Space selects a row: selectedRows names it by its fields; only the id fields are read, on the server
    picked = {"check": {"rows": [{"check_id": "ENC_DISCHARGE_AFTER_ADMIT", "table_name": "encounters",
                                  "rows_failed": 999}]}}
    state, _ = PAGE.sync_state(con, "dq-checks-grid", "", picked, {}, none)
    assert state["check"] == "ENC_DISCHARGE_AFTER_ADMIT"
    for forged in ({"cell": {"rowId": "EVIL|encounters"}}, {"rows": [{"check_id": "EVIL", "table_name": "x"}]},
                   {"cell": {"rowId": ["x"]}}, {"rows": "x"}, {"rows": [5]}, None, {"rows": []}):
        with pytest.raises(dash.exceptions.PreventUpdate):
            PAGE.sync_state(con, "dq-checks-grid", "", {"check": forged}, {}, none)
    # ENC_PATIENT_ID_FORMAT is a row of R2 only: under R1 its click is not one of the grid's rows
    with pytest.raises(dash.exceptions.PreventUpdate):
        PAGE.sync_state(con, "dq-checks-grid", "", {"check": {"cell": {"rowId": "ENC_PATIENT_ID_FORMAT|encounters"}}},
                        {}, {"run": R1, "check": None})


def test_clear_closes_the_examples_and_a_run_change_drops_a_check_it_does_not_have(con):
    state, search = PAGE.sync_state(con, "dq-clear", "?check=DX_CODE_VALID", {}, {},
                                    {"run": None, "check": "DX_CODE_VALID"})
    assert state == {"run": None, "check": None} and search == ""
    state, search = PAGE.sync_state(con, "dq-run-choice", "?check=ENC_PATIENT_ID_FORMAT", {}, {"run": R1},
                                    {"run": None, "check": "ENC_PATIENT_ID_FORMAT"})
    assert state == {"run": R1, "check": None} and search == f"?run={R1}"
    state, _ = PAGE.sync_state(con, "dq-run-choice", "?check=DX_CODE_VALID", {}, {"run": R1},
                               {"run": None, "check": "DX_CODE_VALID"})
    assert state == {"run": R1, "check": "DX_CODE_VALID"}        # R1 checked it too (no examples kept)


def test_run_and_check_round_trip_through_the_url(con):
    assert PAGE.search_with_state("?start=2025-01-01", {"run": R1, "check": "DX_CODE_VALID"}) == \
        f"?start=2025-01-01&run={R1}&check=DX_CODE_VALID"
    assert PAGE.search_with_state(f"?run={R1}&check=X", {"run": None, "check": None}) == ""
    p = registered(con)
    root = p.layout(run=R1, check="DX_CODE_VALID")
    assert _find(root, "dq-run-choice").value == R1
    assert _find(root, "dq-state").data == {"run": R1, "check": "DX_CODE_VALID"}
    assert _find(p.layout(run=["a", "b"]), "dq-state").data == {"run": None, "check": None}
    assert _find(p.layout(check="'; drop"), "dq-state").data == {"run": None, "check": None}


def test_unknown_run_or_check_in_the_url_gets_the_notice(con):
    assert PAGE.state_from_search(con, f"?run={R1}&check=ROW_COLUMNS") == ({"run": R1, "check": "ROW_COLUMNS"}, [])
    assert PAGE.state_from_search(con, "?run=20990101T000000-load&check=%3Cb%3E")[1] == [
        "ignored run: not a known data-quality run", "ignored check: not a known check"]
    # a check of R2 only, in a link to R1: dropped (it is not one of the grid's rows)
    assert PAGE.state_from_search(con, f"?run={R1}&check=ENC_PATIENT_ID_FORMAT") == \
        ({"run": R1, "check": None}, ["ignored check: not a known check"])
    root = registered(con).layout(run="20990101T000000-load")
    assert _find(root, "dq-state-notice").children.title == "Some link parameters were ignored"


# ---------------------------------------------------------------- exports

def _export(con, key, state=None):
    return PAGE.export_panel(key, con, {}, {"run": R2} if state is None else state)


def test_exports_carry_context_and_stay_suppressed(con, cms_suppression):
    checks = _export(con, "checks")
    assert checks["filename"] == "codedash-dq-checks.csv"
    text = checks["content"]
    assert "# dq_failure_rate:" in text and "global filters do not apply" in text and f"run {R2}" in text
    body = [line for line in text.splitlines() if not line.startswith("#")]
    assert body[0].startswith("check_id,table_name,column_name")
    assert "encounter_rows_failed" not in body[0]
    enc = next(line for line in body if line.startswith("ENC_DISCHARGE_AFTER_ADMIT"))
    assert ",120,,,warn,,True" in enc        # rows_failed, pct_failed and n_examples blank
    assert _export(con, "completeness")["content"].count("\n") > 5
    assert "DX_CODE_VALID" in _export(con, "matrix")["content"]
    assert "encounter_rows_failed" not in _export(con, "matrix")["content"]
    assert "2025-03-10 12:00:00" in _export(con, "history")["content"]
    assert R1 in _export(con, "runs")["content"]
    drill = _export(con, "drilldown", {"run": R2, "check": "ENC_DISCHARGE_AFTER_ADMIT"})["content"]
    assert "encounter_id" not in drill and "E02" not in drill and "2025-01-01" in drill
    assert "E01" in _export(con, "drilldown", {"run": R2, "check": "DX_CODE_VALID"})["content"]
    newest = _export(con, "summary", {})["content"]          # the default run is named in the title
    assert newest.splitlines()[0] == f"# codedash: Data quality: Run summary — run {R2} (global filters do not apply)"


def test_drilldown_export_without_a_check_is_only_its_context(con):
    lines = _export(con, "drilldown", {"run": R2, "check": "<script>"})["content"].splitlines()
    assert all(line.startswith("#") or not line.strip() for line in lines)


# ---------------------------------------------------------------- figures

def test_figures_draw_suppressed_cells_as_gaps_not_zeros(con, cms_suppression):
    history = dq.check_history(con)
    fig = figs.failures_history(history)
    trace = next(t for t in fig.data if t.name == "ENC_DISCHARGE_AFTER_ADMIT")
    assert list(trace.y)[0] == 0 and pd.isna(list(trace.y)[1])
    bars = figs.rows_history(dq.runs(con))
    assert list(bars.data[0].y) == [1000, 1195] and list(bars.data[1].y) == [0, 5]
    cfig = figs.completeness_bars(dq.completeness(con, R2))
    assert list(cfig.data[0].y) == ["encounters · drg_code", "diagnoses · poa"]


def test_figures_empty_states():
    empty = pd.DataFrame()
    for fig in (figs.failures_matrix(empty), figs.completeness_bars(empty), figs.failures_history(empty),
                figs.rows_history(empty)):
        assert fig.layout.annotations and not fig.data
    full = pd.DataFrame({"table_name": ["t"], "column_name": ["c"], "rows_total": [5], "rows_null": [0],
                         "rows_present": [5]})
    assert "100% complete" in figs.completeness_bars(full).layout.annotations[0].text


def test_single_run_history_axis_shows_dates_not_milliseconds(con, cms_suppression):
    one = dq.check_history(con)
    one = one[one["run_id"] == R2]
    fig = figs.failures_history(one)
    assert fig.layout.xaxis.tickformat == "%Y-%m-%d %H:%M"
    assert len(fig.layout.xaxis.tickvals) == 1


def test_completeness_uses_the_one_definition(con):
    comp = dq.completeness(con, R2)
    row = comp.iloc[0]
    assert row["completeness"] == pytest.approx(row["rows_present"] / row["rows_total"])


def test_services_resolve_the_run(con):
    assert dq.resolve_run(con, None) == R2 and dq.resolve_run(con, R1) == R1 and dq.resolve_run(con, "x") == R2
    assert dq.resolve_run(build(), R1) is None
    assert [v for v, _ in dq.run_options(con)] == [R2, R1]


# ---------------------------------------------------------------- any browser JSON

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=30)
                     | st.sampled_from([R1, R2, "DX_CODE_VALID", "ROW_COLUMNS|encounters", "DX_CODE_VALID|diagnoses"]),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                         st.sampled_from(["run", "check", "cell", "rows", "rowId", "check_id", "table_name"]),
                         inner, max_size=3), max_leaves=8)
_CON = build_dq()
_CHECKS = {None, *_CON.execute("select check_id from dq_results").df()["check_id"]}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(current=_JSON, click=_JSON, choice=_JSON,
       trigger=st.sampled_from(["dq-checks-grid", "dq-run-choice", "dq-clear", "dq-matrix-graph", None]))
def test_any_browser_json_gives_a_valid_state_or_no_change(current, click, choice, trigger):
    try:
        state, _ = PAGE.sync_state(_CON, trigger, "", {"check": click}, {"run": choice}, current)
    except dash.exceptions.PreventUpdate:
        return
    assert state["run"] in (None, R1, R2) and state["check"] in _CHECKS
    if trigger == "dq-run-choice" and choice == R2:
        assert state["run"] is None                          # choosing the newest run stores the default
