"""The compliance page's panels, URL state and worklist draw, without a browser (fixture database)."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from codedash.dashboard.pages import compliance as page
from codedash.queries import compliance as svc
from tests.queries import fixtures_compliance

def _text(component) -> str:
    from plotly.utils import PlotlyJSONEncoder
    return json.dumps(component, cls=PlotlyJSONEncoder, ensure_ascii=False)


STATE = {"measure": "EM_OFFICE_EST_HIGH", "entity": "PA"}


@pytest.fixture(scope="module")
def con():
    return fixtures_compliance.build()


@pytest.fixture
def lenient(monkeypatch):
    """Minimum denominators of 1, so the tiny fixture's entities are assessed."""
    for mid, m in list(svc.measure_catalog().items()):
        monkeypatch.setitem(svc.measure_catalog(), mid, svc.Measure(**{**m.__dict__, "min_denominator": 1}))


def test_every_panel_renders_for_a_selected_entity(con, no_suppression, lenient):
    for key in ("definition", "entities", "funnel", "detail", "em", "encounters"):
        out = page.PAGE.render_panel(key, con, {}, STATE)
        assert out and out[0] is not None, key
    rows = page.PAGE.render_panel("entities", con, {}, STATE)[0]
    assert [r["entity_id"] for r in rows] == ["PA", "PB"]
    assert rows[0]["funnel998"] in ("within", "HIGH")
    encounters = page.PAGE.render_panel("encounters", con, {}, STATE)[0]
    assert [r["encounter_id"] for r in encounters] == ["E1", "E2"]


def test_detail_explains_the_flag(con, no_suppression, lenient):
    detail = page.PAGE.render_panel("detail", con, {}, STATE)[0]
    text = _text(detail)
    for word in ("Numerator", "Denominator", "Peer value", "Percentile", "z-score", "99.8% limits", "Dr A"):
        assert word in text


def test_without_an_entity_the_detail_asks_for_a_click(con, no_suppression):
    detail = page.PAGE.render_panel("detail", con, {}, {"measure": "MOD25_PROV"})[0]
    assert "compliance-detail-empty" in _text(detail)
    assert page.PAGE.render_panel("encounters", con, {}, {"measure": "MOD25_PROV"})[0] == []


def test_ncci_measures_name_the_edit_set(con, no_suppression):
    card = page.PAGE.render_panel("definition", con, {}, {"measure": "NCCI_PTP_PROV"})[0]
    assert "demonstration set — not CMS's" in _text(card)


def test_state_from_the_url_is_validated(con):
    state, problems = page.PAGE.state_from_search(con, "?measure=NOPE&entity=%3Cscript%3E")
    assert state == {"measure": page.DEFAULT_MEASURE, "entity": None}
    assert len(problems) == 2
    state, problems = page.PAGE.state_from_search(con, "?measure=MOD25_PROV&entity=PB")
    assert state == {"measure": "MOD25_PROV", "entity": "PB"} and not problems


def test_picking_a_measure_puts_it_in_the_url_and_clears_the_entity():
    assert page.url_for_measure("?start=2025-01-01&entity=PA", STATE, "MOD25_PROV") == \
        "?start=2025-01-01&measure=MOD25_PROV"
    assert page.url_for_measure("", STATE, "EVIL") is None
    assert page.url_for_row("?measure=MOD25_PROV", {"measure": "MOD25_PROV"}, {"entity_id": "PB"}) == \
        "?measure=MOD25_PROV&entity=PB"
    assert page.url_for_row("", {}, {"entity_id": "<b>"}) is None


def test_exports_are_the_panels_data(con, no_suppression, lenient):
    out = page.PAGE.export_panel("entities", con, {}, STATE)
    assert out["filename"] == "codedash-compliance-entities.csv"
    assert "PA" in out["content"] and "funnel998" in out["content"]


def test_worklist_draw_from_the_selected_flag(con, no_suppression, lenient, tmp_path, monkeypatch):
    monkeypatch.setenv("CODEDASH_APP_DB", str(tmp_path / "app.sqlite"))
    sentence, _fig, rows, worklist_id = page.draw(con, {}, STATE, 5, 7, "payer_id", "denominator")
    assert isinstance(worklist_id, int) and len(rows) == 2 and "Worklist" in sentence
    again = page.draw(con, {}, STATE, 5, 7, "payer_id", "denominator")
    assert [r["encounter_id"] for r in again[2]] == [r["encounter_id"] for r in rows]
    latest = page.latest_worklist(con, STATE)
    assert latest[3] == again[3] and latest[0].startswith("Latest for this flag")
    assert page.latest_worklist(con, {"measure": "MOD25_PROV", "entity": "PB"})[0] == "No worklist drawn for this flag yet."
    assert page.draw(con, {}, {"measure": "MOD25_PROV"}, 5, 7, "", "numerator")[3] is None
    assert page.draw(con, {}, STATE, 5, 7, "patient_id", "numerator")[3] is None      # unknown stratum refused


def test_cli_outliers_json_is_what_the_page_computes(tmp_path, capsys):
    from codedash.dashboard.cli import main
    from codedash.data.database import open_readonly
    from tests.fixtures import build_file
    db = tmp_path / "c.duckdb"
    build_file(db, fixtures_compliance.build())
    assert main(["outliers", "--db", str(db), "--measure", "UNSPEC_PROV", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    entities = pd.DataFrame(out["measures"][0]["entities"])
    expected = svc.measure_values(open_readonly(db), "UNSPEC_PROV")
    assert entities["entity_id"].tolist() == expected["entity_id"].tolist()
    assert entities["flag95"].tolist() == expected["flag95"].tolist()
    assert entities["peer_value"].tolist() == pytest.approx(expected["peer_value"].tolist())
    assert main(["outliers", "--db", str(db), "--measure", "NOPE"]) == 2
    assert main(["outliers", "--list"]) == 0


def test_a_funnel_click_selects_and_a_second_click_clears(con):
    click = {"points": [{"customdata": "PB", "x": 2, "y": 0.5}]}
    graph = page.PAGE.ids.graph("funnel")
    state = page.PAGE.next_state(con, {"measure": "MOD25_PROV"}, graph, {"entity": click}, {})
    assert state == {"measure": "MOD25_PROV", "entity": "PB"}
    assert page.PAGE.next_state(con, state, graph, {"entity": click}, {})["entity"] is None
    assert page.PAGE.next_state(con, state, graph, {"entity": {"points": [{"x": 1}]}}, {}) == state


def test_page_keys_are_registered_so_the_shell_keeps_them():
    from codedash.dashboard.url_state import PAGE_KEYS, search_from_filters
    assert {"measure", "entity"} <= PAGE_KEYS
    assert search_from_filters({"start_date": "2025-10-01"}, keep_from="?measure=MOD25_PROV") == \
        "?start=2025-10-01&measure=MOD25_PROV"


def test_flagged_entities_are_listed_first():
    values = pd.DataFrame({"entity_id": ["A", "B", "C"], "flag95": ["within", "high", "high"],
                           "flag998": ["within", "within", "high"], "pepper_flag": ["within"] * 3,
                           "assessed": [True, True, True]})
    assert page.entity_frame(values)["entity_id"].tolist() == ["C", "B", "A"]
