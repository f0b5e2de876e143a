"""Every registered callback, forged as a browser would send it, with random JSON for every input and state.

Requests go through Flask's test client to `/_dash-update-component`, the route the browser uses, so
Dash's own argument handling and output validation run too. The callbacks are discovered from
`app.callback_map`, so a callback added later is fuzzed without touching this file. The promise:
whatever JSON arrives, no exception escapes codedash's code (the test client re-raises it, with
`TESTING` on) and no response is a 5xx.
"""
from __future__ import annotations

import json
import os
import traceback
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codedash.dashboard.app import create_app
from tests.fixtures import build_file

# 30 x 61 callbacks ~ 40 s on the tiny fixture; CODEDASH_FUZZ_EXAMPLES=200 for a deeper run
EXAMPLES_PER_CALLBACK = int(os.environ.get("CODEDASH_FUZZ_EXAMPLES", "30"))

_SCALARS = (st.none() | st.booleans() | st.integers(min_value=-2**53, max_value=2**53)
            | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=24))
JSON = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=12)

# Random JSON rarely looks like what the components send, so half the values are shaped like the real
# ones (a filter dict, a date range, Plotly clickData, grid rows and cell clicks) with random leaves.
_DATE_LIKE = st.sampled_from(["2025-01-01", "2025-12-31", "2025-02-30", "2025-10-01T00:00:00",
                              "2025-10-01'; drop table x --", "", "1899-12-31", "9999-01-01"])
_ID_LIKE = st.sampled_from(["PA", "PB", "C1", "F1", "CO-45", "C1 ", "<b>x</b>", "'; drop", "team", "",
                            "added", "revised", "code_accuracy", "drg_accuracy", "encounters_per_day"])
LEAF = JSON | _DATE_LIKE | _ID_LIKE
SHAPED = st.one_of(
    st.fixed_dictionaries({}, optional={k: LEAF | st.lists(LEAF, max_size=3) for k in (
        "start_date", "end_date", "facilities", "specialties", "payers", "coders", "payer", "category", "carc")}),
    st.lists(LEAF, max_size=3),
    st.fixed_dictionaries({"points": st.lists(st.fixed_dictionaries(
        {}, optional={"customdata": LEAF | st.lists(LEAF, max_size=2), "x": LEAF, "y": LEAF}), max_size=2)}),
    st.lists(st.fixed_dictionaries({}, optional={"check_id": LEAF, "coder_id": LEAF}), max_size=2),
    st.fixed_dictionaries({}, optional={"rowId": LEAF, "rowIndex": LEAF, "data": LEAF, "colId": LEAF}),
    st.sampled_from(["?start=2025-01-01&payer=PA", "?payer=%00", "?coder=C1&coder=C1", "?start=x&start=y",
                     "/", "/denials", "/coding-quality", "/nope", "?" + "a=1&" * 50]),
)
VALUE = JSON | SHAPED | LEAF


def _deps(items):
    return items if isinstance(items, list) else [items]


def _arg(dep: dict, value):
    """One input or state as the renderer sends it; a pattern-matching one (id is a JSON object with
    wildcards) as one matching component, in a list for ALL / ALLSMALLER."""
    if not dep["id"].startswith("{"):
        return {**dep, "value": value}
    pattern = json.loads(dep["id"])
    concrete = {k: ("x" if isinstance(v, list) else v) for k, v in pattern.items()}
    one = {"id": concrete, "property": dep["property"], "value": value}
    return one if ["MATCH"] in pattern.values() else [one]


def _payload(key: str, cb: dict, values: list, changed: list[bool]) -> dict:
    outputs = [{"id": o.component_id, "property": o.component_property.split("@")[0]} for o in _deps(cb["output"])]
    inputs = [_arg(dep, v) for dep, v in zip(cb["inputs"], values)]
    state = [_arg(dep, v) for dep, v in zip(cb["state"], values[len(inputs):])]
    changed_ids = [f"{d['id']}.{d['property']}" for d, c in zip(cb["inputs"], changed) if c]
    return {"output": key, "outputs": outputs if isinstance(cb["output"], list) else outputs[0],
            "inputs": inputs, "state": state, "changedPropIds": changed_ids}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "tiny.duckdb"
    build_file(path)
    app = create_app(path)
    app.server.config["TESTING"] = True       # exceptions propagate to the test instead of becoming a 500
    return app


def _summary(exc: BaseException) -> str:
    """The failing input and the innermost frames of each distinct failure Hypothesis found."""
    parts = exc.exceptions if isinstance(exc, BaseExceptionGroup) else [exc]
    out = []
    for part in parts:
        frames = [f for f in traceback.extract_tb(part.__traceback__) if "site-packages" not in f.filename]
        where = "; ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in frames[-3:])
        notes = " ".join(getattr(part, "__notes__", []))[:800]
        out.append(f"  {type(part).__name__}: {str(part)[:300]} at {where}\n    {notes}")
    return "\n".join(out)


def _post(client, payload):
    return client.post("/_dash-update-component", data=json.dumps(payload), content_type="application/json")


def test_every_callback_survives_random_json(app, cms_suppression):
    client = app.server.test_client()
    assert client.get("/").status_code == 200      # the first request lets Dash finish its setup
    # clientside callbacks (Dash's page-title one) have no server function and never reach the server
    callbacks = [(key, cb) for key, cb in app.callback_map.items() if "callback" in cb]
    assert len(callbacks) >= 50                     # sanity: discovery found the app's callbacks
    calls = {"n": 0}
    failures = []

    for key, cb in callbacks:
        n_args = len(cb["inputs"]) + len(cb["state"])

        @settings(max_examples=EXAMPLES_PER_CALLBACK, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(values=st.lists(VALUE, min_size=n_args, max_size=n_args),
               changed=st.lists(st.booleans(), min_size=len(cb["inputs"]), max_size=len(cb["inputs"])))
        def survives(values, changed):
            calls["n"] += 1
            response = _post(client, _payload(key, cb, values, changed))
            assert response.status_code < 500, (key, values, response.get_data(as_text=True)[:500])

        try:
            survives()
        except Exception as exc:       # collect every callback's failure, not only the first
            failures.append(f"{key}:\n{_summary(exc)}")
    print(f"fuzzed {len(callbacks)} callbacks, {calls['n']} forged requests, {len(failures)} failing")
    assert not failures, "\n\n".join(failures)


def test_pattern_matching_callbacks_reach_their_function(tmp_path):
    """A pattern-matching callback added later is sent the way the renderer sends it (and the request
    check in dashboard/security.py lets it through), so the fuzz test above exercises it too."""
    from dash import ALL, Input, Output

    build_file(tmp_path / "tiny.duckdb")
    app = create_app(tmp_path / "tiny.duckdb")
    app.server.config["TESTING"] = True

    @app.callback(Output("filter-notice", "children", allow_duplicate=True),
                  Input({"type": "metric-info", "key": ALL}, "opened"), prevent_initial_call=True)
    def count_open(opened):
        return f"{sum(1 for o in opened if o is True)} of {len(opened)} open"

    client = app.server.test_client()
    client.get("/")
    key = next(k for k in app.callback_map if k.startswith("filter-notice.children@"))
    cb = app.callback_map[key]
    response = _post(client, _payload(key, cb, [True], [True]))
    assert response.status_code == 200
    assert response.get_json()["response"]["filter-notice"]["children"] == "1 of 1 open"
