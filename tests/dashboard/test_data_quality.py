"""Data-quality page: figures and callbacks as plain functions on tests/queries/fixtures_dq.py."""
from __future__ import annotations

import pandas as pd
import pytest

from codedash.dashboard.figures import data_quality as figs
from codedash.dashboard.pages import data_quality as page
from codedash.queries import data_quality as dq
from tests.fixtures import build
from tests.queries.fixtures_dq import R1, R2, build_dq


@pytest.fixture
def con():
    return build_dq()


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


def test_layout_has_the_page_root_and_says_filters_do_not_apply():
    root = page.layout()
    assert root.id == "page-data_quality"
    assert "do not apply" in _find(root, "dq-filters-note").children


@pytest.mark.parametrize("raw", [None, {}, "garbage", [1, 2], {"start_date": "not-a-date", "payers": "'; drop"},
                                 {"facilities": ["F1"], "start_date": "2025-01-01"}])
def test_run_selector_lists_runs_newest_first_for_any_filter(con, raw):
    options, value, empty, style = page.render_runs(con, raw)
    assert [o["value"] for o in options] == [R2, R1]
    assert options[0]["label"] == "2025-03-10 12:00 · load · encounters.csv,diagnoses.csv,facilities.csv · loaded_with_warnings"
    assert value == R2 and empty is None and style == {}


def test_run_selector_keeps_a_valid_choice_and_drops_a_forged_one(con):
    assert page.render_runs(con, {}, R1)[1] == R1
    assert page.render_runs(con, {}, "x'; drop table dq_runs; --")[1] == R2


def test_empty_state_without_runs():
    options, value, empty, style = page.render_runs(build(), {})
    assert options == [] and value is None and style == {"display": "none"}
    assert empty.children == page.NO_RUNS
    assert page.NO_RUNS == ("No data-quality runs recorded yet. Run `codedash check` or load data with "
                            "`codedash load`.")
    out = page.render_run(build(), None)
    assert out[0].children == page.NO_RUNS and out[1:] == (None, None, None, None)


def test_database_without_dq_tables_is_an_empty_state():
    con = build()
    con.execute("drop table dq_runs")
    assert page.runs(con).empty
    assert page.render_runs(con, {})[2].children == page.NO_RUNS


def test_render_run_cards_grid_and_suppressed_counts(con, cms_suppression):
    summary, checks, matrix, completeness, history = page.render_run(con, R2)
    texts = {c: _find(summary, f"dq-card-{c}").children for c in
             ("read", "loaded", "rejected", "passed", "warned", "failed")}
    assert texts == {"read": "1,200", "loaded": "1,195", "rejected": "5", "passed": "2", "warned": "3", "failed": "1"}
    rows = {(r["check_id"], r["table_name"]): r for r in checks.rowData}
    assert len(rows) == 6
    assert rows[("DX_CODE_VALID", "diagnoses")]["rows_failed"] == 12
    assert rows[("ENC_DISCHARGE_AFTER_ADMIT", "encounters")]["rows_failed"] is None
    assert rows[("ENC_DISCHARGE_AFTER_ADMIT", "encounters")]["suppressed"] is True
    assert rows[("FAC_STATE_VALID", "facilities")]["rows_failed"] == 1
    assert checks.dashGridOptions["rowSelection"]["mode"] == "singleRow"
    heat = matrix.children.figure.data[0]        # the graph inside its labelled holder
    assert "‡" in [t for row in heat.text for t in row]
    assert len(completeness) == 2 and len(completeness[1].rowData) == 4
    assert len(history) == 4


def test_render_run_unknown_id_says_so(con):
    out = page.render_run(con, "20990101T000000-load")
    assert "not in the database" in out[0].children and out[1] is None


def test_drilldown_shows_encounters_from_eleven(con, cms_suppression):
    children = page.render_drilldown(con, R2, [{"check_id": "DX_CODE_VALID", "table_name": "diagnoses"}])
    g = _find(children, "dq-drilldown-grid")
    assert "encounter_id" in [c["field"] for c in g.columnDefs]
    assert [r["encounter_id"] for r in g.rowData][:2] == ["E01", "E02"]
    assert _find(children, "dq-drilldown-suppressed") is None
    assert _find(children, "dq-drilldown-title").children == "Example failing rows of DX_CODE_VALID (12 kept by the run)"


def test_drilldown_hides_encounter_ids_below_eleven_and_says_why(con, cms_suppression):
    children = page.render_drilldown(con, R2, [{"check_id": "ENC_DISCHARGE_AFTER_ADMIT"}])
    g = _find(children, "dq-drilldown-grid")
    assert "encounter_id" not in [c["field"] for c in g.columnDefs]
    assert all("encounter_id" not in r for r in g.rowData)
    assert [r["value"] for r in g.rowData] == ["2025-01-01", "2025-01-31", "2025-02-01"]
    assert "fewer than 11 distinct encounters" in _find(children, "dq-drilldown-suppressed").children
    assert _find(children, "dq-drilldown-title").children == "Example failing rows of ENC_DISCHARGE_AFTER_ADMIT"


def test_drilldown_never_shows_patient_id(con, no_suppression):
    children = page.render_drilldown(con, R2, [{"check_id": "ENC_PATIENT_ID_FORMAT"}])
    g = _find(children, "dq-drilldown-grid")
    assert all(r["value"] is None and "P 99" not in (r["message"] or "") for r in g.rowData)
    assert _find(children, "dq-drilldown-withheld") is not None
    assert "P 99" not in str(children)


@pytest.mark.parametrize("rows", [None, [], "x", [{"check_id": "<script>"}], [{"nope": 1}], [5]])
def test_drilldown_prompt_for_missing_or_forged_selection(con, rows):
    out = page.render_drilldown(con, R2, rows)
    assert out.id == "dq-drilldown-prompt"


def test_drilldown_check_without_examples(con):
    children = page.render_drilldown(con, R1, [{"check_id": "DX_CODE_VALID"}])
    assert _find(children, "dq-drilldown-empty") is not None


def test_exports_carry_context_and_stay_suppressed(con, cms_suppression):
    checks = page.export_panel(con, "checks", R2)
    assert checks["filename"] == f"codedash-dq-checks-{R2}.csv"
    text = checks["content"]
    assert "# dq_failure_rate:" in text and "global filters do not apply" in text
    body = [line for line in text.splitlines() if not line.startswith("#")]
    assert body[0].startswith("check_id,table_name,column_name")
    assert "encounter_rows_failed" not in body[0]
    enc = next(line for line in body if line.startswith("ENC_DISCHARGE_AFTER_ADMIT"))
    assert ",120,,,warn,,True" in enc        # rows_failed, pct_failed and n_examples blank
    assert page.export_panel(con, "completeness", R2)["content"].count("\n") > 5
    assert "DX_CODE_VALID" in page.export_panel(con, "matrix", R2)["content"]
    assert "2025-03-10 12:00:00" in page.export_panel(con, "history", R2)["content"]
    drill = page.export_panel(con, "drilldown", R2, [{"check_id": "ENC_DISCHARGE_AFTER_ADMIT"}])["content"]
    assert "encounter_id" not in drill and "E02" not in drill and "2025-01-01" in drill
    drill_ok = page.export_panel(con, "drilldown", R2, [{"check_id": "DX_CODE_VALID"}])["content"]
    assert "E01" in drill_ok
    assert page.export_panel(con, "checks", None) is None
    assert page.export_panel(con, "bogus", R2) is None


def test_figures_draw_suppressed_cells_as_gaps_not_zeros(con, cms_suppression):
    history = dq.check_history(con)
    fig = figs.failures_history(history)
    trace = next(t for t in fig.data if t.name == "ENC_DISCHARGE_AFTER_ADMIT")
    assert list(trace.y)[0] == 0 and pd.isna(list(trace.y)[1])
    runs = page.runs(con)
    bars = figs.rows_history(runs)
    assert list(bars.data[0].y) == [1000, 1195] and list(bars.data[1].y) == [0, 5]
    comp = dq.completeness(con, R2)
    cfig = figs.completeness_bars(comp)
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


def test_run_and_check_round_trip_through_the_url(con):
    assert page.search_with_view(con, "?start=2025-01-01", R1, "DX_CODE_VALID") == \
        f"?start=2025-01-01&run={R1}&check=DX_CODE_VALID"
    assert page.search_with_view(con, f"?run={R1}&check=X", R2, None) == ""        # the newest run is the default
    root = page.layout(run=R1, check="DX_CODE_VALID")
    assert _find(root, "dq-run").value == R1 and _find(root, "dq-check").data == "DX_CODE_VALID"
    assert _find(page.layout(run=["a", "b"]), "dq-run").value is None
    assert _find(page.layout(check="'; drop"), "dq-check").data is None


def test_unknown_run_in_the_url_gets_the_notice(con):
    assert page.url_problems(con, f"?run={R1}") == []
    assert page.url_problems(con, "?run=20990101T000000-load&check=%3Cb%3E") == [
        "ignored run: not a known data-quality run", "ignored check: not a check id"]
