"""Single sign-on end to end over real HTTP: a relying party (a minimal Flask app with oidc.install) and a
local OpenID provider (tests/dashboard/oidc_provider.py), both served by werkzeug on 127.0.0.1, driven by
requests.Session following redirects as a browser would (login -> authorize -> callback)."""
from __future__ import annotations

import dataclasses
import logging
import threading
import urllib.parse

import flask
import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.serving import make_server

from codedash.dashboard import oidc
from codedash.dashboard.oidc import FAILURE_MESSAGE, FAILURE_PAGE, Identity, OidcConfig, safe_next
from tests.dashboard.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, generate_key, s256

TIMEOUT = 10


@pytest.fixture(scope="session")
def keys():
    """The provider's signing key, another key with the same kid, and one with a kid the JWKS lacks."""
    return generate_key("k1"), generate_key("k1"), generate_key("k2")


@pytest.fixture
def provider(keys):
    op = Provider(*keys).start()
    yield op
    op.stop()


class RelyingParty:
    """A minimal app with oidc.install whose on_identity answers the Identity and next path as JSON."""

    def __init__(self, config: OidcConfig):
        self.identities: list[tuple[Identity, str]] = []
        self.failures: list[str] = []
        app = flask.Flask("oidc_test_rp")
        app.secret_key = "test-secret-key-for-the-relying-party-0123456789"

        def on_identity(identity: Identity, next_path: str) -> flask.Response:
            self.identities.append((identity, next_path))
            return flask.jsonify(identity=dataclasses.asdict(identity), next=next_path)

        oidc.install(app, config, on_identity, on_failure=self.failures.append)
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.base = f"http://127.0.0.1:{self._server.server_port}"
        self.callback_uri = self.base + oidc.CALLBACK_PATH
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def make_rp(provider, monkeypatch):
    """make_rp(**config overrides) -> a running RelyingParty registered with the provider."""
    monkeypatch.setenv("CODEDASH_COOKIE_SECURE", "0")        # plain HTTP on 127.0.0.1
    started: list[RelyingParty] = []

    def make(**overrides) -> RelyingParty:
        config = OidcConfig(**{"issuer": provider.issuer, "client_id": CLIENT_ID,
                               "client_secret": CLIENT_SECRET, **overrides})
        rp = RelyingParty(config)
        provider.redirect_uris.add(rp.callback_uri)
        started.append(rp)
        return rp

    yield make
    for rp in started:
        rp.stop()


@pytest.fixture
def rp(make_rp):
    return make_rp()


def sign_in(rp: RelyingParty, browser: requests.Session | None = None, next_path: str | None = None):
    browser = browser or requests.Session()
    params = {} if next_path is None else {"next": next_path}
    return browser.get(rp.base + oidc.LOGIN_PATH, params=params, timeout=TIMEOUT)


def callback_url(rp: RelyingParty, browser: requests.Session) -> str:
    """Start a sign-in and pass the provider, stopping before the callback: the URL the provider sent
    the browser back to."""
    login = browser.get(rp.base + oidc.LOGIN_PATH, allow_redirects=False, timeout=TIMEOUT)
    assert login.status_code == 302
    back = browser.get(login.headers["Location"], allow_redirects=False, timeout=TIMEOUT)
    assert back.status_code == 302 and back.headers["Location"].startswith(rp.callback_uri + "?")
    return back.headers["Location"]


def assert_generic_failure(response: requests.Response, rp: RelyingParty, reason_part: str):
    """The same 401 page for every failure, nothing of the cause in it; the reason reaches on_failure."""
    assert response.status_code == 401
    assert response.text == FAILURE_PAGE
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["Cache-Control"] == "no-store"
    assert rp.identities == []
    assert len(rp.failures) == 1 and reason_part in rp.failures[0], rp.failures


# --- success ------------------------------------------------------------------------------------

def test_sign_in_gives_the_identity_without_claim_mapping(rp, provider):
    response = sign_in(rp, next_path="/denials?payer=7")
    assert response.status_code == 200, response.text
    assert [r.status_code for r in response.history] == [302, 302]      # login -> authorize -> callback
    assert response.json() == {
        "identity": {"issuer": provider.issuer, "subject": "user-0001", "username": "ada",
                     "display_name": "Ada Lovelace", "roles": None, "facilities": None},
        "next": "/denials?payer=7"}
    assert rp.failures == []
    assert rp.identities == [(Identity(provider.issuer, "user-0001", "ada", "Ada Lovelace", None, None),
                              "/denials?payer=7")]


def test_roles_and_facilities_from_the_configured_claims(make_rp, provider):
    rp = make_rp(roles_claim="codedash_roles", facilities_claim="realm_access.facilities")
    provider.user.update(codedash_roles=["coding_manager", "researcher", "coding_manager", " "],
                         realm_access={"facilities": ["F001", 2]})
    identity = sign_in(rp).json()["identity"]
    assert identity["roles"] == ["coding_manager", "researcher"]
    assert identity["facilities"] == ["F001", "2"]
    assert rp.identities[0][0].roles == ("coding_manager", "researcher")
    assert rp.identities[0][0].facilities == ("F001", "2")


def test_a_configured_claim_that_is_absent_grants_nothing(make_rp, provider):
    rp = make_rp(roles_claim="https://example.org/roles", facilities_claim="facilities")
    provider.user["https://example.org/roles"] = "compliance"      # a URI-named claim; a single string
    identity = sign_in(rp).json()["identity"]
    assert identity["roles"] == ["compliance"]
    assert identity["facilities"] == []                              # not None: never "assigned locally"


def test_a_malformed_claim_fails_the_sign_in(make_rp, provider):
    rp = make_rp(roles_claim="roles")
    provider.user["roles"] = [{"admin": True}]
    assert_generic_failure(sign_in(rp), rp, "claim 'roles' holds a dict")


def test_username_falls_back_to_email_then_subject(rp, provider):
    del provider.user["preferred_username"]
    identity = sign_in(rp).json()["identity"]
    assert (identity["username"], identity["display_name"]) == ("ada@example.org", "Ada Lovelace")
    del provider.user["email"], provider.user["name"]
    identity = sign_in(rp).json()["identity"]
    assert (identity["username"], identity["display_name"]) == ("user-0001", "user-0001")


def test_pkce_s256_is_sent_and_verified(rp, provider):
    assert sign_in(rp).status_code == 200
    [seen] = provider.authorize_requests
    assert seen["code_challenge_method"] == "S256"
    assert len(seen["code_challenge"]) == 43                            # base64url of a SHA-256 digest
    assert seen["response_type"] == "code" and seen["scope"] == "openid profile email"
    assert seen["nonce"] and seen["state"] and seen["redirect_uri"] == rp.callback_uri
    assert provider.token_requests == [{"auth_method": "client_secret_basic", "pkce_verified": True, "error": None}]


def test_the_provider_checks_the_verifier_and_takes_each_code_once(rp, provider):
    """What the test above relies on: this provider really checks the S256 verifier."""
    verifier = "v" * 43

    def code() -> str:
        params = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": rp.callback_uri,
                  "scope": "openid", "state": "s", "nonce": "n", "code_challenge": s256(verifier),
                  "code_challenge_method": "S256"}
        back = requests.get(provider.issuer + "/authorize", params=params, allow_redirects=False, timeout=TIMEOUT)
        return urllib.parse.parse_qs(urllib.parse.urlsplit(back.headers["Location"]).query)["code"][0]

    def exchange(code: str, code_verifier: str | None) -> int:
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": rp.callback_uri}
        if code_verifier:
            data["code_verifier"] = code_verifier
        return requests.post(provider.issuer + "/token", data=data, auth=(CLIENT_ID, CLIENT_SECRET),
                             timeout=TIMEOUT).status_code

    assert exchange(code(), None) == 400
    assert exchange(code(), "w" * 43) == 400
    good = code()
    assert exchange(good, verifier) == 200
    assert exchange(good, verifier) == 400
    assert [(t["error"], t["pkce_verified"]) for t in provider.token_requests] == [
        ("invalid_grant: PKCE", False), ("invalid_grant: PKCE", False), (None, True), ("invalid_grant: code", False)]
    assert s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"  # RFC 7636 B


def test_discovery_keys_that_would_reconfigure_the_client_are_ignored(rp, provider):
    """Authlib hands the discovery document to its HTTP client as keyword arguments, after ours."""
    provider.knobs.discovery_extra = {"code_challenge_method": None, "token_endpoint_auth_method": "none",
                                      "scope": "openid", "verify": False}
    assert sign_in(rp).status_code == 200
    assert provider.authorize_requests[0]["code_challenge_method"] == "S256"
    assert provider.authorize_requests[0]["scope"] == "openid profile email"
    assert provider.token_requests == [{"auth_method": "client_secret_basic", "pkce_verified": True, "error": None}]


def test_client_secret_post_when_that_is_all_the_provider_offers(rp, provider):
    provider.knobs.auth_methods = ["client_secret_post"]
    assert sign_in(rp).status_code == 200
    assert provider.token_requests[0]["auth_method"] == "client_secret_post"


def test_the_state_cookie_is_httponly_and_samesite_lax(rp):
    response = requests.get(rp.base + oidc.LOGIN_PATH, allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 302 and response.headers["Cache-Control"] == "no-store"
    attributes = [a.strip().lower() for a in response.headers["Set-Cookie"].split(";")[1:]]
    assert "httponly" in attributes and "samesite=lax" in attributes
    assert "secure" not in attributes                                # CODEDASH_COOKIE_SECURE=0 here


def test_the_state_cookie_is_secure_per_the_setting(provider, monkeypatch):
    monkeypatch.setenv("CODEDASH_COOKIE_SECURE", "1")
    app = flask.Flask("secure_rp")
    app.secret_key = "x" * 40
    oidc.install(app, OidcConfig(provider.issuer, CLIENT_ID, CLIENT_SECRET), lambda i, n: flask.Response())
    response = app.test_client().get(oidc.LOGIN_PATH)
    assert response.status_code == 302
    assert "; Secure" in response.headers["Set-Cookie"]


def test_the_routes_win_over_dashs_catch_all_route(provider, monkeypatch):
    import dash
    monkeypatch.setenv("CODEDASH_COOKIE_SECURE", "0")
    app = dash.Dash("oidc_dash", pages_folder="")
    app.layout = dash.html.Div()
    app.server.secret_key = "y" * 40
    oidc.install(app.server, OidcConfig(provider.issuer, CLIENT_ID, CLIENT_SECRET), lambda i, n: flask.Response())
    client = app.server.test_client()
    login = client.get(oidc.LOGIN_PATH + "?next=/denials")
    assert login.status_code == 302 and login.headers["Location"].startswith(provider.issuer + "/authorize?")
    assert client.get(oidc.CALLBACK_PATH + "?state=nope&code=x").status_code == 401


def test_install_needs_a_secret_key(provider):
    with pytest.raises(RuntimeError, match="secret_key"):
        oidc.install(flask.Flask("no_secret"), OidcConfig(provider.issuer, CLIENT_ID, CLIENT_SECRET),
                     lambda i, n: flask.Response())


# --- every bad case: the same 401, nothing leaked -----------------------------------------------

@pytest.mark.parametrize(("knob", "value", "reason"), [
    ("authorize_error", "access_denied", "provider returned error 'access_denied'"),
    ("sign_with_other_key", True, "signature does not verify"),
    ("unknown_kid", True, "key not in the provider's JWKS"),
    ("alg", "HS256", "algorithm not accepted"),
    ("alg", "none", "algorithm not accepted"),
    ("nonce", "not-the-nonce-we-sent", "claim 'nonce' invalid"),
    ("nonce", None, "claim 'nonce' missing"),
    ("aud", "another-client", "claim 'aud' invalid"),
    ("aud", ["another-client", "third"], "claim 'aud' invalid"),
    ("iss", "http://127.0.0.1:1/elsewhere", "claim 'iss' invalid"),
    ("exp_offset", -(oidc.CLOCK_SKEW_SECONDS + 5), "ID token expired"),
    ("iat_offset", 3600, "claim 'iat' invalid"),
    ("omit_id_token", True, "no ID token"),
])
def test_a_bad_answer_from_the_provider_is_rejected(rp, provider, knob, value, reason, caplog):
    setattr(provider.knobs, knob, value)
    with caplog.at_level(logging.WARNING, logger="codedash.sso"):
        response = sign_in(rp)
    assert_generic_failure(response, rp, reason)
    assert reason in caplog.text                                         # logged on the server
    assert "secret-detail" not in response.text and "\n" not in rp.failures[0]


def test_a_token_for_another_audience_is_rejected_even_when_azp_names_us(rp, provider):
    """Authlib's own check passes this token (it checks aud only through azp); ours does not."""
    provider.knobs.aud, provider.knobs.azp = "another-client", CLIENT_ID
    assert_generic_failure(sign_in(rp), rp, "claim 'aud' invalid")


def test_algorithms_the_discovery_document_lists_are_not_all_trusted(rp, provider):
    provider.knobs.advertised_algs = ["none", "HS256", "RS256"]
    provider.knobs.alg = "none"
    assert_generic_failure(sign_in(rp), rp, "algorithm not accepted")


def test_the_error_description_reaches_the_log_as_one_safe_line(rp, provider):
    provider.knobs.authorize_error = "access_denied"
    sign_in(rp)
    assert rp.failures == ["provider returned error 'access_denied': The user <b>refused</b>?secret-detail"]


def test_a_wrong_client_secret_is_rejected(make_rp, provider):
    rp = make_rp(client_secret="not-the-secret")
    assert_generic_failure(sign_in(rp), rp, "token endpoint refused the code (invalid_client)")


def test_a_discovery_document_for_another_issuer_is_rejected(rp, provider):
    provider.knobs.discovery_issuer = "https://evil.example"
    response = sign_in(rp)
    assert response.history == []                                        # never sent to the provider
    assert_generic_failure(response, rp, "discovery document names issuer 'https://evil.example'")


def test_an_unreachable_provider_fails_at_login(make_rp, provider):
    rp = make_rp()
    provider.stop()
    assert_generic_failure(sign_in(rp), rp, "provider unreachable")


def test_a_provider_gone_before_the_code_exchange(rp, provider):
    browser = requests.Session()
    callback = callback_url(rp, browser)
    provider.stop()
    assert_generic_failure(browser.get(callback, timeout=TIMEOUT), rp, "provider unreachable")


def test_a_callback_with_another_state_is_rejected(rp, provider):
    browser = requests.Session()
    callback = callback_url(rp, browser)
    forged = callback.replace("state=", "state=x")
    assert_generic_failure(browser.get(forged, timeout=TIMEOUT), rp, "state does not match")
    assert provider.token_requests == []                                 # the code was never exchanged


def test_a_callback_in_a_browser_that_never_started_the_sign_in_is_rejected(rp, provider):
    """Login CSRF: an attacker's own code and state, delivered to the victim's browser."""
    attacker = requests.Session()
    callback = callback_url(rp, attacker)
    assert_generic_failure(requests.get(callback, timeout=TIMEOUT), rp, "state does not match")


def test_a_callback_long_after_the_sign_in_started_is_rejected(rp, provider, monkeypatch):
    browser = requests.Session()
    callback = callback_url(rp, browser)
    monkeypatch.setattr(oidc, "SIGN_IN_MAX_SECONDS", -1)
    assert_generic_failure(browser.get(callback, timeout=TIMEOUT), rp, "took longer than -1 s")
    assert provider.token_requests == []


def test_a_replayed_callback_is_rejected(rp, provider):
    browser = requests.Session()
    callback = callback_url(rp, browser)
    before = browser.cookies.copy()                     # the state cookie as it was before the callback
    assert browser.get(callback, timeout=TIMEOUT).status_code == 200
    rp.identities.clear()
    # the same browser: its cookie no longer holds that state
    assert_generic_failure(browser.get(callback, timeout=TIMEOUT), rp, "state does not match")
    # the old cookie put back: the state matches again, but the provider takes each code once
    rp.failures.clear()
    replay = requests.Session()
    replay.cookies.update(before)
    assert_generic_failure(replay.get(callback, timeout=TIMEOUT), rp, "token endpoint refused the code (invalid_grant)")
    assert [t["error"] for t in provider.token_requests] == [None, "invalid_grant: code"]


# --- next: same-site paths only -----------------------------------------------------------------

@pytest.mark.parametrize("value", [
    "//evil.example", "//evil.example/x", "///evil.example", "/\\evil.example", "\\\\evil.example",
    "https://evil.example/", "http:/evil.example", "javascript:alert(1)", "evil.example", "",
    "/\t/evil.example", "/\n/evil.example", "/ /evil", "/\u3002evil", "/x\x00", "/" + "a" * 3000,
])
def test_unsafe_next_values_become_the_root(value):
    assert safe_next(value) == "/"


@pytest.mark.parametrize("value", ["/", "/denials", "/denials?payer=7&from=2024-01", "/a/%2F%2Fb", "/x#y"])
def test_safe_next_values_are_kept(value):
    assert safe_next(value) == value


def test_next_is_neutralised_end_to_end(rp):
    assert sign_in(rp, next_path="//evil.example/path").json()["next"] == "/"
    assert sign_in(rp, next_path="https://evil.example").json()["next"] == "/"
    assert sign_in(rp, next_path="/\\evil.example").json()["next"] == "/"
    assert sign_in(rp).json()["next"] == "/"
    assert sign_in(rp, next_path="/compliance?x=1").json()["next"] == "/compliance?x=1"


@given(st.text(max_size=60))
def test_next_never_leaves_the_site(value):
    out = safe_next(value)
    for base in ("https://codedash.example/", "https://codedash.example/a/b?c"):
        joined = urllib.parse.urlsplit(urllib.parse.urljoin(base, out))
        assert (joined.scheme, joined.netloc) == ("https", "codedash.example")
    assert out.startswith("/") and not out.startswith("//") and "\\" not in out


# --- configuration ------------------------------------------------------------------------------

def test_from_settings_is_none_without_an_issuer(monkeypatch):
    monkeypatch.delenv("CODEDASH_OIDC_ISSUER", raising=False)
    assert OidcConfig.from_settings() is None
    monkeypatch.setenv("CODEDASH_OIDC_ISSUER", "  ")
    assert OidcConfig.from_settings() is None


def test_from_settings_reads_every_setting(monkeypatch):
    for name, value in {"ISSUER": "https://login.example.org/realms/hospital", "CLIENT_ID": "codedash",
                        "CLIENT_SECRET": "s3cret", "ROLES_CLAIM": "roles", "FACILITIES_CLAIM": "facilities"}.items():
        monkeypatch.setenv(f"CODEDASH_OIDC_{name}", value)
    config = OidcConfig.from_settings()
    assert config == OidcConfig("https://login.example.org/realms/hospital", "codedash", "s3cret",
                                "roles", "facilities", "openid profile email")
    assert config.discovery_url == "https://login.example.org/realms/hospital/.well-known/openid-configuration"
    assert OidcConfig("https://tenant.example/", "c", "s").discovery_url == \
        "https://tenant.example/.well-known/openid-configuration"


@pytest.mark.parametrize(("env", "message"), [
    ({"ISSUER": "http://login.example.org"}, "must be an https:// URL"),
    ({"ISSUER": "login.example.org"}, "must be an https:// URL"),
    ({"ISSUER": "https://login.example.org?x=1"}, "must be an https:// URL"),
    ({"CLIENT_ID": ""}, "CODEDASH_OIDC_CLIENT_ID"),
    ({"CLIENT_SECRET": ""}, "CODEDASH_OIDC_CLIENT_SECRET"),
])
def test_from_settings_refuses_an_unusable_configuration(monkeypatch, env, message):
    base = {"ISSUER": "https://login.example.org", "CLIENT_ID": "codedash", "CLIENT_SECRET": "s3cret"}
    for name, value in {**base, **env}.items():
        monkeypatch.setenv(f"CODEDASH_OIDC_{name}", value)
    with pytest.raises(ValueError, match=message):
        OidcConfig.from_settings()


def test_scopes_must_include_openid():
    with pytest.raises(ValueError, match="openid"):
        OidcConfig("https://login.example.org", "c", "s", scopes="profile email")


def test_failure_page_says_only_the_generic_message():
    assert FAILURE_MESSAGE in FAILURE_PAGE
    assert "{" not in FAILURE_PAGE and "<script" not in FAILURE_PAGE
