"""Single sign-on through codedash's own multi-user app (issue 13): the app served over real HTTP, the local
OpenID provider of tests/dashboard/oidc_provider.py, a requests.Session as the browser. Roles and facility
grants come from the ID token's claims; the session then scopes every number like a local sign-in."""
from __future__ import annotations

import json
import threading

import pytest
import requests
from werkzeug.serving import make_server

from codedash.dashboard import auth, oidc
from codedash.dashboard.app import create_app
from codedash.data import accounts, appstate, audit_log
from tests.dashboard.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, generate_key
from tests.fixtures import build_file

TIMEOUT = 20


@pytest.fixture(scope="module")
def db_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("sso") / "tiny.duckdb"
    build_file(path)
    return path


@pytest.fixture
def provider():
    op = Provider(generate_key("k1"), generate_key("k1"), generate_key("k2")).start()
    yield op
    op.stop()


@pytest.fixture
def served(db_file, provider, tmp_path, no_suppression):
    app_db = tmp_path / "app.sqlite"
    config = auth.AuthConfig(secret="q" * 40, app_db=app_db, cookie_secure=False, oidc=oidc.OidcConfig(
        issuer=provider.issuer, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, roles_claim="codedash_roles",
        facilities_claim="facilities"))
    app = create_app(db_file, auth_config=config)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    provider.redirect_uris.add(base + oidc.CALLBACK_PATH)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield app, base, app_db
    server.shutdown()
    server.server_close()


def _overview(app, browser, base):
    output = next(o for o in app.callback_map if o.strip(".") == "overview-kpis-body.children")
    body = {"output": output, "outputs": [{"id": "overview-kpis-body", "property": "children"}],
            "inputs": [{"id": "filters", "property": "data", "value": {"facilities": ["F1", "F2"]}}],
            "state": [], "changedPropIds": ["filters.data"]}
    return browser.post(base + "/_dash-update-component", data=json.dumps(body), timeout=TIMEOUT,
                        headers={"Content-Type": "application/json",
                                 auth.CSRF_HEADER: browser.cookies.get(auth.CSRF_COOKIE, "")})


def test_single_sign_on_maps_claims_to_roles_and_facilities(served, provider):
    app, base, app_db = served
    provider.user.update(codedash_roles=["coding_manager", "no_such_role"], facilities=["F2"])
    browser = requests.Session()
    form = browser.get(base + "/", timeout=TIMEOUT)          # signed out: the sign-in page offers SSO
    assert "/auth/oidc/login" in form.text
    landed = browser.get(base + "/auth/oidc/login?next=/denials", timeout=TIMEOUT)
    assert landed.status_code == 200 and landed.url == base + "/denials"
    assert provider.authorize_requests[-1]["code_challenge_method"] == "S256"
    con = appstate.open_app(app_db)
    user = accounts.get_user(con, "ada")
    assert user.source == "oidc" and user.roles == ("coding_manager",) and user.facilities == ("F2",)
    events = [e["event"] for e in audit_log.entries(con)]
    con.close()
    assert "oidc_user_created" in events and "sign_in" in events and "session_started" in events
    # the session scopes every number: asking for both facilities gives F2's alone
    mine = _overview(app, browser, base)
    assert mine.status_code == 200
    f2_only = _overview_for(app, ("F2",))
    assert json.loads(mine.text)["response"] == json.loads(f2_only)["response"]


def _overview_for(app, facilities):
    """The same callback answered for a local user granted exactly `facilities` (the reference)."""
    client = app.server.test_client()
    db = appstate.open_app(_app_db_of(app))
    accounts.add_user(db, "refuser", "a reference password 2026", roles=("coding_manager",), facilities=facilities)
    db.close()
    import re
    form = client.get("/auth/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.get_data(as_text=True)).group(1)
    client.post("/auth/sign-in", data={"csrf_token": token, "username": "refuser",
                                       "password": "a reference password 2026"})
    output = next(o for o in app.callback_map if o.strip(".") == "overview-kpis-body.children")
    body = {"output": output, "outputs": [{"id": "overview-kpis-body", "property": "children"}],
            "inputs": [{"id": "filters", "property": "data", "value": {}}], "state": [],
            "changedPropIds": ["filters.data"]}
    return client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json",
                       headers={auth.CSRF_HEADER: client.get_cookie(auth.CSRF_COOKIE).value}).get_data(as_text=True)


def _app_db_of(app):
    return app.server.config["CODEDASH_APP_DB"]


def test_a_failed_single_sign_on_is_audited_and_signs_nobody_in(served, provider):
    app, base, app_db = served
    provider.knobs.sign_with_other_key = True
    browser = requests.Session()
    response = browser.get(base + "/auth/oidc/login", timeout=TIMEOUT)
    assert response.status_code == 401 and "Traceback" not in response.text
    assert browser.get(base + "/", timeout=TIMEOUT).url.startswith(base + "/auth/sign-in")
    con = appstate.open_app(app_db)
    failed = [e for e in audit_log.entries(con) if e["event"] == "sign_in_failed"]
    con.close()
    assert failed and failed[-1]["detail"]["method"] == "oidc"


def test_sso_cannot_take_over_a_local_account(served, provider):
    app, base, app_db = served
    con = appstate.open_app(app_db)
    accounts.add_user(con, "ada", "a local password for her", roles=("administrator",), all_facilities=True)
    con.close()
    browser = requests.Session()
    response = browser.get(base + "/auth/oidc/login", timeout=TIMEOUT)
    assert response.status_code == 403
    assert browser.cookies.get("codedash_session") is None
