"""The diagnosis trends page's panels and exports as plain functions, on the trends fixture."""
from __future__ import annotations

import io
import json
import zipfile

import pandas as pd
import pytest

from codedash.dashboard.pages import diagnosis_trends as page
from tests.queries.fixtures_trends import build

K = 2


@pytest.fixture(scope="module")
def con():
    return build()


def _zip(con, filters=None, state=None) -> zipfile.ZipFile:
    data = page.export_bundle(con, filters or {}, state)
    import base64
    raw = base64.b64decode(data["content"]) if data.get("base64") else data["content"]
    return zipfile.ZipFile(io.BytesIO(raw))


def test_every_panel_renders(con, no_suppression):
    for panel in page.PAGE.panels:
        out = page.PAGE.render_panel(panel.key, con, {}, {"selection": "block:J09-J18", "stratum": "sex"})
        assert out, panel.key


def test_state_from_a_link_is_validated(con):
    state, problems = page.PAGE.state_from_search(con, "?dx=category:J18,code:'x&strat=patient_id&dxpos=principal")
    assert state["selection"] == "category:J18"
    assert state["stratum"] == "none" and state["position"] == "principal"
    assert problems == ["ignored strat: not a known stratum"]
    assert page.parse_dx(con, 5) is None and page.parse_dx(con, "x" * 3000) is None


def test_picker_search_and_state_round_trip(con):
    options = page.picker_options(con, "diabetes", ["category:J18"])
    assert options[0]["value"] == "category:J18"
    assert {o["value"] for o in options} >= {"category:E11", "code:E119", "block:E08-E13"}
    state, search = page.picker_to_state(con, ["category:E11", "bogus"], {"selection": "category:J18"}, "?facility=F1")
    assert state["selection"] == "category:E11"
    assert search == "?facility=F1&dx=category%3AE11"


def test_export_bundle_has_csv_parquet_and_sidecar_for_every_view(con, monkeypatch):
    monkeypatch.setenv("CODEDASH_SUPPRESSION_THRESHOLD", str(K))
    zf = _zip(con, {"facilities": ["F1"]}, {"selection": "block:J09-J18"})
    names = set(zf.namelist())
    for panel in page.PAGE.panels:
        assert {f"{panel.key}.csv", f"{panel.key}.parquet", f"{panel.key}.json"} <= names
        meta = json.loads(zf.read(f"{panel.key}.json"))
        assert meta["filters"] == {"facilities": ["F1"]}
        assert meta["page_state"]["selection"] == "block:J09-J18"
        assert meta["suppression"]["threshold"] == K
        assert meta["queries"] and all(q["sql"] for q in meta["queries"])
        assert "exported_at" in meta and "risk model" in meta["versions"]
        frame = pd.read_parquet(io.BytesIO(zf.read(f"{panel.key}.parquet")))
        body = "\n".join(line for line in zf.read(f"{panel.key}.csv").decode().splitlines() if not line.startswith("#"))
        csv = pd.read_csv(io.StringIO(body)) if body.strip() else pd.DataFrame()
        for df in (frame, csv):
            for col in df.columns:
                if col.startswith(("n_", "dx_")) and pd.api.types.is_numeric_dtype(df[col]):
                    shown = df[col].dropna()
                    assert not ((shown >= 1) & (shown <= K)).any(), (panel.key, col, shown.tolist())


def test_export_button_shows_it_is_working_until_the_bundle_arrives():
    import dash

    app = dash.Dash(__name__)
    page.register_callbacks(app, None)
    spec = next(c for c in app._callback_list if c["output"] == f"{page.EXPORT}.data")
    assert spec["running"] == {"running": {f"{page.EXPORT_BTN}.loading": True},
                               "runningOff": {f"{page.EXPORT_BTN}.loading": False}}
