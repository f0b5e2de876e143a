"""Serving hardening through Flask's test client: headers on every kind of response, the Host check,
malformed callback requests, and errors that reveal nothing."""
from __future__ import annotations

import json

import pytest
from dash import Input, Output

from codedash.dashboard import security
from codedash.dashboard.app import create_app
from tests.fixtures import build_file

HARDENING = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


@pytest.fixture(scope="module")
def db_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("security") / "tiny.duckdb"
    build_file(path)
    return path


@pytest.fixture(scope="module")
def app(db_file):
    app = create_app(db_file)
    assert app.server.test_client().get("/").status_code == 200      # Dash finishes its setup
    return app


@pytest.fixture
def client(app):
    return app.server.test_client()


def _callback(client, output, inputs, state=(), changed=(), host="localhost"):
    body = {"output": output, "outputs": {"id": output.split(".")[0], "property": output.split(".")[1]},
            "inputs": list(inputs), "state": list(state), "changedPropIds": list(changed)}
    return client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json",
                       headers={"Host": host})


def _notes(client, pathname):
    return _callback(client, "source-notes.children", [{"id": "url", "property": "pathname", "value": pathname}],
                     changed=["url.pathname"])


def _assert_hardened(response, cacheable=False):
    for name, value in HARDENING.items():
        assert response.headers[name] == value, name
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    if cacheable:
        assert response.headers.get("Cache-Control") != "no-store"
    else:
        assert response.headers["Cache-Control"] == "no-store"


def test_every_kind_of_response_carries_the_headers(app, client):
    page = client.get("/denials")
    assert page.status_code == 200 and page.mimetype == "text/html"
    _assert_hardened(page)
    for path in ("/_dash-layout", "/_dash-dependencies", "/no-such-file.js"):
        _assert_hardened(client.get(path))
    data = _notes(client, "/denials")
    assert data.status_code == 200 and data.mimetype == "application/json"
    _assert_hardened(data)
    # a callback that declines to update (204) and a rejected request are covered too
    declined = _callback(client, "cq-header.children", [{"id": "filters", "property": "data", "value": None},
                                                        {"id": "cq-state", "property": "data", "value": None}])
    assert declined.status_code == 204
    _assert_hardened(declined)
    _assert_hardened(client.get("/", headers={"Host": "evil.example"}))
    # fingerprinted component bundles may be cached by the browser
    suite = [line for line in page.get_data(as_text=True).split('"') if line.startswith("/_dash-component-suites/")]
    asset = client.get(suite[0])
    assert asset.status_code == 200
    _assert_hardened(asset, cacheable=True)


def test_the_policy_allows_dash_inline_scripts_by_hash_and_nothing_by_eval(app, client):
    csp = client.get("/").headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    script_src = directives["script-src"].split()
    assert script_src[0] == "'self'"
    assert set(script_src[1:]) == set(app.csp_hashes()) and len(script_src) >= 3
    assert "'unsafe-eval'" not in csp and "'unsafe-inline'" not in directives["script-src"]
    assert directives["object-src"] == "'none'" and directives["base-uri"] == "'none'"
    assert directives["connect-src"] == "'self'"


@pytest.mark.parametrize("host", ["localhost", "localhost:8050", "127.0.0.1", "127.0.0.1:8050", "[::1]:8050",
                                  "LOCALHOST:8050"])
def test_local_host_names_are_served(client, host):
    assert client.get("/", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8050", "127.0.0.1.evil.example",
                                  "localhost.evil.example:8050", "", "127.0.0.2"])
def test_other_host_names_get_400_also_for_callbacks(client, host):
    page = client.get("/", headers={"Host": host})
    assert page.status_code == 400
    assert "not allowed" in page.get_data(as_text=True)
    assert _callback(client, "source-notes.children", [{"id": "url", "property": "pathname", "value": "/"}],
                     host=host).status_code == 400


def test_the_bound_host_and_the_setting(db_file, monkeypatch):
    bound = create_app(db_file, bind_host="10.1.2.3").server.test_client()
    assert bound.get("/", headers={"Host": "10.1.2.3:8050"}).status_code == 200
    assert bound.get("/", headers={"Host": "localhost"}).status_code == 200
    assert bound.get("/", headers={"Host": "10.1.2.4"}).status_code == 400
    # listening on every interface: no address is a host name, only the local names are allowed
    assert security.allowed_hosts("0.0.0.0") == frozenset(security.LOCAL_HOSTS)

    monkeypatch.setenv("CODEDASH_ALLOWED_HOSTS", "dash.example.org, Reports.Example.org")
    named = create_app(db_file, bind_host="0.0.0.0").server.test_client()
    assert named.get("/", headers={"Host": "dash.example.org:443"}).status_code == 200
    assert named.get("/", headers={"Host": "reports.example.org"}).status_code == 200
    assert named.get("/", headers={"Host": "localhost"}).status_code == 400     # the list replaces the default
    monkeypatch.setenv("CODEDASH_ALLOWED_HOSTS", "*")
    assert create_app(db_file).server.test_client().get("/", headers={"Host": "any.example"}).status_code == 200


@pytest.mark.parametrize("header,name", [("Example.org:8050", "example.org"), ("[::1]:8050", "::1"), ("[::1]", "::1"),
                                         ("127.0.0.1", "127.0.0.1"), ("a:b:c", "a:b:c")])
def test_host_name(header, name):
    assert security.host_name(header) == name


@pytest.mark.parametrize("body", [
    [], "text", 5, None,
    {"output": "no-such.children", "inputs": []},
    {"output": ["source-notes.children"], "inputs": []},
    {"output": "source-notes.children", "inputs": [{"id": "url", "property": "hash", "value": "/"}]},
    {"output": "source-notes.children", "inputs": "url.pathname"},
    {"output": "source-notes.children", "inputs": [{"id": "url", "property": "pathname", "value": "/"}],
     "changedPropIds": [5]},
    {"output": "source-notes.children", "inputs": [{"id": "url", "property": "pathname", "value": "/"}],
     "outputs": "x"},
])
def test_structurally_malformed_callback_requests_get_400(client, body):
    response = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert "malformed callback request" in response.get_json()["error"]


@pytest.mark.parametrize("pathname,search", [(5, ""), ({"a": 1}, ""), ("denials", ""), ("/", ["?a=1"])])
def test_dash_page_router_gets_only_a_path_and_a_query_string(client, pathname, search):
    inputs = [{"id": "_pages_location", "property": "pathname", "value": pathname},
              {"id": "_pages_location", "property": "search", "value": search}]
    body = {"output": ".._pages_content.children..._pages_store.data..", "inputs": inputs, "state": [],
            "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
            "changedPropIds": ["_pages_location.pathname"]}
    response = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    inputs[0]["value"], inputs[1]["value"] = "/denials", "?payer=PA"
    ok = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
    assert ok.status_code == 200


def test_an_unexpected_error_reveals_no_traceback_or_sql(db_file, caplog):
    app = create_app(db_file)

    @app.callback(Output("filter-notice", "children", allow_duplicate=True), Input("url", "hash"),
                  prevent_initial_call=True)
    def broken(_hash):
        raise RuntimeError("Binder Error: select secret_column from payers where payer_id = 'P1'")

    client = app.server.test_client()
    client.get("/")
    key = next(k for k in app.callback_map if k.startswith("filter-notice.children@"))
    body = {"output": key, "outputs": {"id": "filter-notice", "property": "children"},
            "inputs": [{"id": "url", "property": "hash", "value": "#x"}], "state": [], "changedPropIds": ["url.hash"]}
    response = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
    text = response.get_data(as_text=True)
    assert response.status_code == 500
    assert text == "codedash: internal error (details are in the server log)\n"
    _assert_hardened(response)
    assert "secret_column" in caplog.text and "Traceback" in caplog.text      # kept for the operator


@pytest.mark.parametrize("debug,workers", [(False, "1"), (False, "2"), (True, "0")])
def test_codedash_serve_hardens_the_server_it_runs_in_both_modes(db_file, monkeypatch, tmp_path, debug, workers):
    import dash
    import waitress

    from codedash.dashboard import serving
    from codedash.dashboard.cli import main
    if workers == "2" and not serving.can_fork():
        pytest.skip("gunicorn needs fork (not on Windows)")
    served = {}
    monkeypatch.setenv("CODEDASH_WORKERS", workers)
    monkeypatch.setattr(waitress, "serve", lambda server, **kw: served.update(server=server, **kw))
    monkeypatch.setattr(dash.Dash, "run", lambda self, **kw: served.update(server=self.server, **kw))
    # gunicorn: what each worker process would serve after the fork (its load()), without forking here
    monkeypatch.setattr(serving._Gunicorn, "run", lambda self: served.update(server=self.load(), gunicorn=self.cfg))
    # a network address needs multi-user mode (tests/dashboard/test_auth_http.py); Dash's debug server only
    # ever serves the loopback address
    host = "127.0.0.1" if debug else "10.9.8.7"
    if not debug:
        monkeypatch.setenv("CODEDASH_SECRET_KEY", "z" * 40)
        monkeypatch.setenv("CODEDASH_APP_DB", str(tmp_path / "app.sqlite"))
    argv = ["serve", "--db", str(db_file), "--host", host, "--port", "8123"] + (["--debug"] if debug else ["--multi-user"])
    assert main(argv) == 0
    server = served["server"]
    assert ("gunicorn" in served) is (workers == "2")
    if workers == "2":
        assert served["gunicorn"].workers == 2 and served["gunicorn"].bind == [f"{host}:8123"]
    assert server.config["CODEDASH_ALLOWED_HOSTS"] == sorted({host, *security.LOCAL_HOSTS})
    assert served.get("dev_tools_disable_version_check") is (True if debug else None)
    client = server.test_client()
    _assert_hardened(client.get("/", headers={"Host": f"{host}:8123"}))
    assert client.get("/", headers={"Host": "evil.example:8123"}).status_code == 400


def test_an_oversized_callback_body_gets_413(client):
    body = b'{"output": "source-notes.children", "pad": "' + b"x" * security.MAX_REQUEST_BYTES + b'"}'
    response = client.post("/_dash-update-component", data=body, content_type="application/json")
    assert response.status_code == 413
    _assert_hardened(response)
