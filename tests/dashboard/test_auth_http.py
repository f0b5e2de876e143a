"""Multi-user serving over HTTP (issue 13), through Flask's test client on the hand-made fixture:
serve modes, sign-in and sign-out, CSRF, cookies, session expiry, role and export checks on forged callbacks,
facility scope, headers and the audit trail. Accounts, sessions and the hash chain themselves are unit-tested
in tests/data/test_accounts.py, test_sessions.py and test_audit_log.py."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from codedash.dashboard import auth
from codedash.dashboard.app import create_app
from codedash.data import accounts, appstate, audit_log
from tests.fixtures import build_file

PASSWORD = "correct horse battery staple"
SECRET = "s" * 40
OVERVIEW = "..overview-kpis-body.children.."


@pytest.fixture(scope="module")
def db_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("auth") / "tiny.duckdb"
    build_file(path)
    return path


@pytest.fixture(scope="module")
def app_db(db_file):
    path = db_file.parent / "app.sqlite"
    con = appstate.open_app(path)
    accounts.add_user(con, "north", PASSWORD, roles=("coding_manager",), facilities=("F1",), can_export=True)
    accounts.add_user(con, "south", PASSWORD, roles=("coding_manager",), facilities=("F2",))
    accounts.add_user(con, "rita", PASSWORD, roles=("revenue_cycle",), all_facilities=True)
    accounts.add_user(con, "rae", PASSWORD, roles=("researcher",), all_facilities=True)
    accounts.add_user(con, "admin", PASSWORD, roles=("administrator",), all_facilities=True, can_export=True)
    accounts.add_user(con, "cole", PASSWORD, roles=("compliance",), facilities=("F1",), can_export=True)
    accounts.add_user(con, "cora", PASSWORD, roles=("compliance",), facilities=("F2",), can_export=True)
    con.close()
    return path


@pytest.fixture(scope="module")
def app(db_file, app_db):
    config = auth.AuthConfig(secret=SECRET, app_db=app_db, cookie_secure=False, idle_minutes=15, absolute_hours=12)
    app = create_app(db_file, auth_config=config)
    app.server.test_client().get("/auth/sign-in")
    return app


@pytest.fixture(autouse=True)
def _no_suppression(no_suppression):
    return None


def _client(app):
    return app.server.test_client()


def _csrf_of_form(response) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True)).group(1)


def sign_in(app, username, password=PASSWORD, next_url="/"):
    client = _client(app)
    form = client.get(f"/auth/sign-in?next={next_url}")
    response = client.post("/auth/sign-in", data={"csrf_token": _csrf_of_form(form), "username": username,
                                                 "password": password, "next": next_url})
    return client, response


def _csrf(client) -> str:
    cookie = client.get_cookie(auth.CSRF_COOKIE)
    return cookie.value if cookie else ""


def callback(client, output, inputs, state=(), csrf: str | None = None):
    parts = [p for p in output.split("...")] if output.startswith("..") else [output]
    outs = [dict(zip(("id", "property"), p.strip(".").rsplit(".", 1))) for p in parts]
    body = {"output": output, "outputs": outs if output.startswith("..") else outs[0], "inputs": list(inputs),
            "state": list(state), "changedPropIds": [f"{i['id']}.{i['property']}" for i in inputs]}
    headers = {auth.CSRF_HEADER: _csrf(client) if csrf is None else csrf}
    return client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json",
                       headers=headers)


def visit(app, client, path, search=""):
    """What the browser sends when it navigates: Dash's page-router callback."""
    output = next(o for o in app.callback_map if o.startswith(".._pages_content.children"))
    values = {"pathname": path, "search": search}
    cb = app.callback_map[output]
    inputs = [{"id": i["id"], "property": i["property"], "value": values.get(i["property"])} for i in cb["inputs"]]
    state = [{"id": s["id"], "property": s["property"], "value": None} for s in cb["state"]]
    return callback(client, output, inputs, state)


def overview(client, filters=None):
    return callback(client, OVERVIEW, [{"id": "filters", "property": "data", "value": filters or {}}])


def _audit(app_db) -> list[dict]:
    con = appstate.open_app(app_db)
    try:
        return audit_log.entries(con)
    finally:
        con.close()


# ----------------------------------------------------------------------------------------- serve modes
def test_binding_beyond_loopback_needs_multi_user_mode():
    for host in ("127.0.0.1", "localhost", "::1", "[::1]"):
        auth.check_bind(host, multi_user=False)
    for host in ("0.0.0.0", "10.1.2.3", "dash.example.org", "::"):
        with pytest.raises(auth.ServeError, match="CODEDASH_MULTI_USER"):
            auth.check_bind(host, multi_user=False)
        auth.check_bind(host, multi_user=True)


def test_no_default_secret_ever_works(monkeypatch, tmp_path):
    monkeypatch.delenv("CODEDASH_SECRET_KEY", raising=False)
    monkeypatch.delenv("CODEDASH_SECRET_KEY_FILE", raising=False)
    with pytest.raises(auth.ServeError, match="needs a secret key"):
        auth.load_secret()
    monkeypatch.setenv("CODEDASH_SECRET_KEY", "short")
    with pytest.raises(auth.ServeError, match="too short"):
        auth.load_secret()
    monkeypatch.delenv("CODEDASH_SECRET_KEY")
    key = tmp_path / "key"
    key.write_text("k" * 48 + "\n")
    monkeypatch.setenv("CODEDASH_SECRET_KEY_FILE", str(key))
    assert auth.load_secret() == "k" * 48
    monkeypatch.setenv("CODEDASH_SECRET_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(auth.ServeError, match="cannot read"):
        auth.load_secret()


def test_serve_refuses_a_public_address_in_single_user_mode(db_file, monkeypatch, capsys):
    from codedash.dashboard.cli import main
    monkeypatch.delenv("CODEDASH_MULTI_USER", raising=False)
    assert main(["serve", "--db", str(db_file), "--host", "0.0.0.0"]) == 2
    assert "refusing to serve on 0.0.0.0" in capsys.readouterr().err
    monkeypatch.delenv("CODEDASH_SECRET_KEY", raising=False)
    monkeypatch.delenv("CODEDASH_SECRET_KEY_FILE", raising=False)
    assert main(["serve", "--db", str(db_file), "--host", "0.0.0.0", "--multi-user"]) == 2
    assert "needs a secret key" in capsys.readouterr().err


# ----------------------------------------------------------------------------------------- sign-in
def test_everything_but_the_sign_in_page_and_static_files_needs_a_session(app):
    client = _client(app)
    page = client.get("/denials?payers=PA")
    assert page.status_code == 303
    assert page.headers["Location"] == "/auth/sign-in?next=/denials%3Fpayers%3DPA"
    assert client.get("/_dash-layout").status_code == 401
    assert client.get("/_dash-dependencies").status_code == 401
    assert overview(client).status_code == 401
    assert client.get("/assets/signin.css").status_code == 200
    form = client.get("/auth/sign-in")
    assert form.status_code == 200 and 'name="password"' in form.get_data(as_text=True)


def test_sign_in_sets_hardened_cookies_and_returns_to_the_page(app):
    client, response = sign_in(app, "north", next_url="/denials")
    assert response.status_code == 303 and response.headers["Location"] == "/denials"
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("codedash_session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie and "Path=/" in session_cookie
    csrf_cookie = next(c for c in cookies if c.startswith(auth.CSRF_COOKIE + "="))
    assert "SameSite=Strict" in csrf_cookie and "HttpOnly" not in csrf_cookie
    assert client.get("/denials").status_code == 200
    assert overview(client).status_code == 200


def test_secure_cookies_in_production_settings(db_file, app_db):
    config = auth.AuthConfig(secret=SECRET, app_db=app_db, cookie_secure=True)
    app = create_app(db_file, auth_config=config)
    client = app.server.test_client()
    form = client.get("/auth/sign-in", base_url="https://localhost")
    response = client.post("/auth/sign-in", base_url="https://localhost",
                           data={"csrf_token": _csrf_of_form(form), "username": "north", "password": PASSWORD})
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("__Host-codedash="))
    assert "Secure" in session_cookie and "HttpOnly" in session_cookie
    assert "Secure" in next(c for c in cookies if c.startswith(auth.CSRF_COOKIE + "="))
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Strict-Transport-Security" not in _client(app).get("/auth/sign-in").headers   # plain HTTP: no HSTS


def test_failures_give_one_message_whatever_went_wrong(app):
    texts = set()
    for username, password in (("north", "wrong password here"), ("nobody-at-all", PASSWORD)):
        _, response = sign_in(app, username, password)
        assert response.status_code == 401
        body = response.get_data(as_text=True)
        texts.add(re.search(r'role="alert">([^<]+)<', body).group(1))
        assert "nobody-at-all" not in body
    assert texts == {auth.html_lib.escape(auth.FAILED)}


def test_sign_in_form_needs_its_csrf_token(app):
    client = _client(app)
    client.get("/auth/sign-in")
    response = client.post("/auth/sign-in", data={"username": "north", "password": PASSWORD})
    assert response.status_code == 400 and client.get_cookie("codedash_session") is None
    forged = client.post("/auth/sign-in", data={"csrf_token": "guess", "username": "north", "password": PASSWORD})
    assert forged.status_code == 400


def test_lockout_after_repeated_failures(db_file, tmp_path):
    app_db = tmp_path / "lock.sqlite"
    con = appstate.open_app(app_db)
    accounts.add_user(con, "lee", PASSWORD, roles=("researcher",), all_facilities=True)
    con.close()
    app = create_app(db_file, auth_config=auth.AuthConfig(secret=SECRET, app_db=app_db, cookie_secure=False,
                                                           max_failures=3, lockout_minutes=15))
    for _ in range(3):
        assert sign_in(app, "lee", "not the password!")[1].status_code == 401
    # the right password no longer works while locked, and the message is the same
    _, response = sign_in(app, "lee")
    assert response.status_code == 401
    reasons = [e["detail"].get("reason") for e in _audit(app_db) if e["event"].startswith("sign_in")]
    assert reasons[-1] in ("locked", "rate_limited")


def test_callbacks_need_the_session_csrf_token(app):
    client, _ = sign_in(app, "north")
    assert overview(client).status_code == 200
    assert callback(client, OVERVIEW, [{"id": "filters", "property": "data", "value": {}}], csrf="").status_code == 403
    assert callback(client, OVERVIEW, [{"id": "filters", "property": "data", "value": {}}],
                    csrf="x" * 43).status_code == 403


def test_sign_out_ends_the_session(app):
    client, _ = sign_in(app, "north")
    page = client.get("/")
    assert page.status_code == 200
    assert client.post("/auth/sign-out", data={"csrf_token": "forged"}).status_code == 400
    token = _csrf(client)
    response = client.post("/auth/sign-out", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/auth/sign-in?signed_out=1"
    assert client.get("/").status_code == 303
    assert client.get("/auth/session").status_code == 401


def test_idle_and_absolute_timeouts(app, app_db):
    client, _ = sign_in(app, "south")
    assert client.get("/auth/session").status_code == 204
    con = appstate.open_app(app_db)
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with con:
        con.execute("update sessions set last_seen_at = ? where ended_at is null and user_id = "
                    "(select user_id from users where username = 'south')", [old])
    con.close()
    assert client.get("/").status_code == 303
    assert any(e["event"] == "session_expired" for e in _audit(app_db))

    client, _ = sign_in(app, "south")
    con = appstate.open_app(app_db)
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=13)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with con:
        con.execute("update sessions set created_at = ? where ended_at is null and user_id = "
                    "(select user_id from users where username = 'south')", [old])
    con.close()
    assert overview(client).status_code == 401


def test_next_is_never_an_open_redirect():
    for bad in ("//evil.example", "https://evil.example/", "/\\evil", "javascript:alert(1)", "/auth/sign-out",
                None, 42, "/x\r\nSet-Cookie: a=b"):
        assert auth.safe_next(bad) == "/"
    assert auth.safe_next("/denials?payers=PA") == "/denials?payers=PA"


# ----------------------------------------------------------------------------------------- roles
def _panel_callback(app, page_prefix: str) -> str:
    return next(o for o in app.callback_map if o.strip(".").startswith(page_prefix)
                and o.strip(".").endswith((".rowData", ".figure")))


def test_a_role_sees_only_its_pages(app):
    client, _ = sign_in(app, "rae")                       # researcher
    quality = _panel_callback(app, "cq-")
    state = [{"id": s["id"], "property": s["property"], "value": None} for s in app.callback_map[quality]["state"]]
    inputs = [{"id": i["id"], "property": i["property"], "value": {} if i["id"] == "filters" else None}
              for i in app.callback_map[quality]["inputs"]]
    assert callback(client, quality, inputs, state).status_code == 403
    page = visit(app, client, "/coding-quality")
    assert "does not include this page" in page.get_data(as_text=True)


def test_names_are_for_coding_managers_and_compliance(app):
    rita, _ = sign_in(app, "rita")                        # revenue cycle: the denials page without names
    north, _ = sign_in(app, "north")
    coder_grid = next(o for o in app.callback_map if o.strip(".") == "denials-coder-grid.rowData")
    cb = app.callback_map[coder_grid]

    def value(dep):         # the global filters, and the grid scrolled into view (panels.Page.eager_rows)
        return {} if dep["id"] == "filters" else True if dep["id"].endswith("-seen") else None
    inputs = [{"id": i["id"], "property": i["property"], "value": value(i)} for i in cb["inputs"]]
    assert callback(rita, coder_grid, inputs).status_code == 403
    assert callback(north, coder_grid, inputs).status_code == 200
    # the coder filter is dropped for her: a forged coder filter changes nothing
    assert overview(rita, {"coders": ["C1"]}).get_data() == overview(rita, {}).get_data()
    assert overview(north, {"coders": ["C1"]}).get_data() != overview(north, {}).get_data()


def test_export_is_a_separate_permission(app, app_db):
    south, _ = sign_in(app, "south")                      # coding manager without export
    north, _ = sign_in(app, "north")
    download = next(o for o in app.callback_map if o.strip(".") == "overview-kpis-download.data")
    inputs = [{"id": "overview-kpis-download-btn", "property": "n_clicks", "value": 1}]
    state = [{"id": "filters", "property": "data", "value": {}}]
    assert callback(south, download, inputs, state).status_code == 403
    ok = callback(north, download, inputs, state)
    assert ok.status_code == 200
    exports = [e for e in _audit(app_db) if e["event"] == "export"]
    assert exports[-1]["actor"] == "north" and exports[-1]["detail"]["filename"] == "codedash-overview-kpis.csv"
    assert exports[-1]["detail"]["rows"] >= 1
    denied = [e for e in _audit(app_db) if e["event"] == "access_denied"]
    assert any(e["actor"] == "south" and e["detail"]["reason"] == "export" for e in denied)


# ----------------------------------------------------------------------------------------- scope
def test_facility_grants_scope_every_number(app):
    north, _ = sign_in(app, "north")                      # F1 only
    south, _ = sign_in(app, "south")                      # F2 only
    admin, _ = sign_in(app, "admin")                      # all
    a, b, everything = (overview(c).get_data(as_text=True) for c in (north, south, admin))
    assert len({a, b, everything}) == 3
    # a forged filter naming the other facility returns nothing of it
    forged = overview(north, {"facilities": ["F2"]}).get_data(as_text=True)
    assert "overview-empty" in forged
    assert overview(south, {"facilities": ["F1", "F2"]}).get_data(as_text=True) == b
    # the facility filter offers only the granted facility
    layout = north.get("/_dash-layout").get_data(as_text=True)
    assert "North Hospital" in layout and "South Clinic" not in layout


def test_one_user_never_receives_another_users_cached_result(app):
    north, _ = sign_in(app, "north")
    south, _ = sign_in(app, "south")
    first = overview(north).get_data(as_text=True)
    assert overview(south).get_data(as_text=True) != first
    assert overview(north).get_data(as_text=True) == first


# ----------------------------------------------------------------------------------------- audit
def test_page_views_queries_and_sign_ins_are_audited(app, app_db):
    client, _ = sign_in(app, "north")
    assert visit(app, client, "/", "?payers=PA").status_code == 200
    overview(client, {"payers": ["PA"]})
    entries = [e for e in _audit(app_db) if e["actor"] == "north"]
    events = [e["event"] for e in entries]
    assert "sign_in" in events and "session_started" in events
    view = [e for e in entries if e["event"] == "page_view"][-1]
    assert view["detail"] == {"path": "/", "search": "?payers=PA"}
    queries = [e["detail"] for e in entries if e["event"] == "query" and e["detail"]["callback"] == OVERVIEW]
    assert any(q["params"].get("payers") == ["PA"] for q in queries)
    # every query of the request ran under her grant, whatever it was asked
    assert {str(q["params"].get("scope_facilities")) for q in queries if "scope_facilities" in q["params"]} == \
        {"['F1']"}
    con = appstate.open_app(app_db)
    assert audit_log.verify(con).ok
    con.close()


def test_errors_reveal_nothing(app):
    client, _ = sign_in(app, "north")
    response = client.post("/_dash-update-component", data="{not json", content_type="application/json",
                           headers={auth.CSRF_HEADER: _csrf(client)})
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "Traceback" not in text and "select" not in text.lower()
    page = client.get("/auth/sign-in")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"


def test_a_worklist_id_of_another_scope_downloads_nothing(app, app_db):
    import pandas as pd

    from codedash.queries import filters as flt
    from codedash.queries import worklist as wl
    con = appstate.open_app(app_db)
    frame = pd.DataFrame({"encounter_id": ["E01", "E02", "E07"], "stratum": ["a", "a", "a"]})
    worklist_id, _ = wl.draw_worklist(frame, None, 2, 7, {"measure": "m", "entity": "x", "filters": {},
                                                       "scope": wl.scope_record(flt.Scope(("F1",)))}, app=con)
    con.close()
    download = next(o for o in app.callback_map if o.strip(".") == "compliance-worklist-download.data")
    inputs = [{"id": "compliance-worklist-download-btn", "property": "n_clicks", "value": 1}]
    state = [{"id": "compliance-worklist-id-store", "property": "data", "value": worklist_id}]
    cole, _ = sign_in(app, "cole")                        # F1: drew it, may have it
    mine = callback(cole, download, inputs, state)
    assert mine.status_code == 200 and "E0" in mine.get_data(as_text=True)
    cora, _ = sign_in(app, "cora")                        # F2: a forged id gets nothing
    forged = callback(cora, download, inputs, state)
    assert forged.status_code in (200, 204) and "E0" not in forged.get_data(as_text=True)
    assert not forged.get_data() or json.loads(forged.get_data(as_text=True)).get("response") == {}


def test_worklist_visibility_rule():
    from codedash.queries import filters as flt
    from codedash.queries import worklist as wl
    assert wl.scope_record(flt.ALL) == "all facilities"
    assert wl.scope_record(flt.Scope(("F2", "F1"))) == ["F1", "F2"]
    assert wl.visible_under("all facilities", flt.ALL) and wl.visible_under(["F1"], flt.ALL)
    assert wl.visible_under(["F1"], flt.Scope(("F1", "F2")))
    assert not wl.visible_under(["F1", "F2"], flt.Scope(("F1",)))
    assert not wl.visible_under("all facilities", flt.Scope(("F1",)))
    assert not wl.visible_under(None, flt.Scope(("F1",)))


def test_cached_responses_keep_scope_names_and_the_audit_trail(app, app_db):
    admin, _ = sign_in(app, "admin")                      # all facilities, names
    rita, _ = sign_in(app, "rita")                        # all facilities, no names
    filters = {"coders": ["C1"], "payers": ["PB"]}
    first = overview(admin, filters).get_data(as_text=True)
    assert overview(admin, filters).get_data(as_text=True) == first          # served again (from the cache)
    assert overview(rita, filters).get_data(as_text=True) != first           # her coder filter is dropped
    cache = app._codedash_response_cache
    hits = cache.hits
    overview(admin, filters)
    assert cache.hits == hits + 1
    # the hit still records the queries it answers with, under her scope
    mine = [e for e in _audit(app_db) if e["actor"] == "admin" and e["event"] == "query"]
    assert mine[-1]["detail"]["callback"] == OVERVIEW and mine[-1]["detail"]["params"].get("coders") in (["C1"], None)
    assert len([e for e in mine if e["detail"]["params"].get("payers") == ["PB"]]) >= 3


def test_what_is_never_cached(app):
    from codedash.dashboard import response_cache
    download = next(o for o in app.callback_map if o.strip(".") == "overview-kpis-download.data")
    assert not response_cache.cacheable(app, {"output": download})
    shell_search = next(o for o in app.callback_map if o.strip(".").startswith("source-notes"))
    assert not response_cache.cacheable(app, {"output": shell_search})           # not a panel's
    draw = next(o for o in app.callback_map if "compliance-worklist-status" in o)
    assert not response_cache.cacheable(app, {"output": draw})                   # a click draws a worklist
    assert response_cache.cacheable(app, {"output": OVERVIEW})
    assert not response_cache.cacheable(app, "not a body") and not response_cache.cacheable(app, {"output": 3})
