"""Single sign-on with OpenID Connect (authorization code flow with PKCE), on Authlib's Flask client.

    install(server, config, on_identity, on_failure=None)

adds two routes to the Flask server:

- GET /auth/oidc/login?next=/path: discovery (`{issuer}/.well-known/openid-configuration`), then a
  redirect to the provider's authorization endpoint with state, nonce and a PKCE S256 challenge. The
  state, nonce, code verifier, redirect URI and the (sanitised) `next` path are kept by Authlib in
  Flask's signed session cookie, keyed by the state.
- GET /auth/oidc/callback: the state must name a sign-in begun in this browser; the code is exchanged
  with the verifier at the token endpoint (client_secret_basic, or client_secret_post when that is all
  the provider offers); the ID token's signature is checked against the provider's JWKS (asymmetric
  algorithms only) and its iss, aud, exp, iat and nonce (and azp, at_hash when present) are checked.
  Then `on_identity(identity, next_path)` is called and its response returned: the caller creates its
  own session there (keyed by issuer and subject, never by username or email, which the provider
  lets users or administrators change).

Every failure (an error from the provider, no or another sign-in's state, a bad signature, a wrong
nonce, audience or issuer, an expired token, the provider unreachable) gives the same plain 401 page
with no detail; the reason is logged on the server and passed to `on_failure(reason)` (the audit log).

Authlib's ID-token checks are not all on by default: its parse_id_token checks `aud` only through
`azp` (a token for another client that names us in azp passes), and trusts whatever algorithms the
discovery document lists (an unsigned `alg: none` token passes when "none" is listed). Both are
tightened here, and tests/dashboard/test_oidc.py proves each
rejection end to end against a local provider.
"""
from __future__ import annotations

import logging
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

import flask
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from joserfc import errors as jose_errors

from codedash.queries import settings

log = logging.getLogger("codedash.sso")

LOGIN_PATH = "/auth/oidc/login"
CALLBACK_PATH = "/auth/oidc/callback"
FAILURE_MESSAGE = "Single sign-on failed. Try again or contact your administrator."
FAILURE_PAGE = (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Sign-in failed · codedash</title>'
    '</head><body><main><h1>Sign-in failed</h1><p>' + FAILURE_MESSAGE + '</p><p><a href="/">Back to codedash'
    '</a></p></main></body></html>\n'
)
# Clock skew tolerated on exp/iat (Authlib's default is 120 s; a minute is plenty for NTP-synced hosts).
CLOCK_SKEW_SECONDS = 60
# A sign-in must come back from the provider within this many seconds of starting (Authlib keeps the state
# in the cookie for the browser session and does not check its age when reading it).
SIGN_IN_MAX_SECONDS = 600
# Seconds to wait for the provider (discovery, JWKS, token endpoint) before the sign-in fails.
PROVIDER_TIMEOUT_SECONDS = 10
# ID-token signatures accepted: asymmetric only. HS256 would be keyed by the client secret, and "none"
# is no signature; neither is accepted even when the discovery document lists it.
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
_NEXT_MAX = 2048
_CLIENT = "oidc"
# Authlib passes the discovery document as keyword arguments to its HTTP client after ours; these keys
# would change the client's behaviour (TLS verification, proxies, auth method, PKCE), so they are dropped.
_METADATA_OVERRIDES = frozenset({
    "proxies", "hooks", "stream", "verify", "cert", "max_redirects", "trust_env", "default_timeout",
    "client_id", "client_secret", "token_endpoint_auth_method", "revocation_endpoint_auth_method",
    "scope", "state", "redirect_uri", "code_challenge_method", "token", "token_placement",
    "update_token", "leeway",
})
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class OidcConfig:
    """Where the provider is and who we are to it. From the settings with from_settings()."""
    issuer: str
    client_id: str
    client_secret: str
    roles_claim: str = ""
    facilities_claim: str = ""
    scopes: str = "openid profile email"

    def __post_init__(self):
        url = urllib.parse.urlsplit(self.issuer)
        if not (url.scheme == "https" or (url.scheme == "http" and url.hostname in _LOOPBACK)) or \
                not url.hostname or url.query or url.fragment:
            raise ValueError(f"OpenID Connect issuer {self.issuer!r} must be an https:// URL without query or "
                             "fragment (plain http only on a loopback address, for tests)")
        if not self.client_id:
            raise ValueError("OpenID Connect needs a client id (CODEDASH_OIDC_CLIENT_ID)")
        if not self.client_secret:
            raise ValueError("OpenID Connect needs a client secret (CODEDASH_OIDC_CLIENT_SECRET)")
        if "openid" not in self.scopes.split():
            raise ValueError(f"OpenID Connect scopes {self.scopes!r} must include 'openid'")

    @classmethod
    def from_settings(cls) -> OidcConfig | None:
        """The configuration from the oidc_* settings; None when oidc_issuer is empty (no SSO).
        Raises ValueError when an issuer is set but the rest is missing or unusable."""
        issuer = str(settings.get("oidc_issuer")).strip()
        if not issuer:
            return None
        return cls(issuer=issuer, client_id=str(settings.get("oidc_client_id")).strip(),
                   client_secret=str(settings.get("oidc_client_secret")),
                   roles_claim=str(settings.get("oidc_roles_claim")).strip(),
                   facilities_claim=str(settings.get("oidc_facilities_claim")).strip())

    @property
    def discovery_url(self) -> str:
        # OpenID Connect Discovery 1.0 section 4: strip a trailing slash, then append the well-known path
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


@dataclass(frozen=True)
class Identity:
    """Who signed in, from a verified ID token. (issuer, subject) is the stable unique key."""
    issuer: str
    subject: str
    username: str          # preferred_username, else email, else sub
    display_name: str      # name, else the username
    roles: tuple[str, ...] | None          # from roles_claim when configured, else None (= assigned locally)
    facilities: tuple[str, ...] | None     # from facilities_claim when configured, else None


class SignInFailed(Exception):
    """A sign-in that must not proceed; the message is the reason for the server log and audit."""


def safe_next(value: object) -> str:
    """`value` when it is a path on this site ("/x?y"), else "/". Rejected: anything not starting with
    exactly one "/" ("//evil", "/\\evil", "https://…", "javascript:…", "evil"), backslashes, whitespace and
    control characters (browsers drop tabs and newlines, so "/\\t/evil" would become "//evil"), anything
    outside printable ASCII (a browser percent-encodes what it sends), and values over 2 KB."""
    if not isinstance(value, str) or not value or len(value) > _NEXT_MAX:
        return "/"
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    if not all(0x21 <= ord(c) <= 0x7E for c in value):
        return "/"
    parts = urllib.parse.urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/"
    return value


def _text(value: object, limit: int = 200) -> str:
    """Text from the provider or the browser made safe for one log line: printable ASCII, bounded."""
    text = "".join(c if 0x20 <= ord(c) <= 0x7E else "?" for c in str(value))
    return text[:limit] + ("…" if len(text) > limit else "")


def _claim(claims: dict, name: str):
    """A claim by name; a dotted name not present as such is a path into nested objects
    ("realm_access.roles", Keycloak's realm roles). Names with dots, such as URIs, are tried whole first."""
    if name in claims:
        return claims[name]
    value: object = claims
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def claim_values(claims: dict, name: str) -> tuple[str, ...] | None:
    """The configured multi-valued claim as a tuple of strings (order kept, duplicates and blanks
    dropped); None when no claim is configured. A configured claim that is absent gives () (no roles,
    no facilities: never a silent fall-back to local assignment). A single string is one value; numbers
    become their decimal text; anything else in the claim is a failed sign-in."""
    if not name:
        return None
    raw = _claim(claims, name)
    if raw is None:
        return ()
    items = raw if isinstance(raw, list) else [raw]
    out: list[str] = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            raise SignInFailed(f"claim {name!r} holds a {type(item).__name__}, not strings")
        text = str(item).strip()
        if text and text not in out:
            out.append(text)
    return tuple(out)


def identity_from_claims(config: OidcConfig, claims: dict) -> Identity:
    """The Identity of verified ID-token claims."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise SignInFailed("ID token has no subject")

    def text(name: str) -> str:
        value = claims.get(name)
        return value.strip() if isinstance(value, str) else ""

    username = text("preferred_username") or text("email") or subject
    return Identity(issuer=claims["iss"], subject=subject, username=username,
                    display_name=text("name") or username,
                    roles=claim_values(claims, config.roles_claim),
                    facilities=claim_values(claims, config.facilities_claim))


def _reason(error: Exception) -> str:
    """A short reason for the log and the audit, never a token or a secret."""
    if isinstance(error, SignInFailed):
        return str(error)
    if isinstance(error, MismatchingStateError):
        return "state does not match a sign-in started in this browser"
    if isinstance(error, jose_errors.ExpiredTokenError):
        return "ID token expired"
    if isinstance(error, jose_errors.ClaimError):
        kind = "missing" if isinstance(error, jose_errors.MissingClaimError) else "invalid"
        return f"ID token claim {_text(error.claim, 40)!r} {kind}"
    if isinstance(error, jose_errors.BadSignatureError):
        return "ID token signature does not verify"
    if isinstance(error, jose_errors.InvalidKeyIdError):
        return "ID token signed with a key not in the provider's JWKS"
    if isinstance(error, (jose_errors.UnsupportedAlgorithmError, jose_errors.MissingAlgorithmError)):
        return "ID token signature algorithm not accepted"
    if isinstance(error, jose_errors.JoseError):
        return f"ID token rejected ({_text(error.error or type(error).__name__, 60)})"
    if isinstance(error, OAuthError):
        return f"token endpoint refused the code ({_text(error.error, 60)})"
    import requests        # Authlib's HTTP client; imported here so a module import costs nothing
    if isinstance(error, requests.RequestException):
        return f"provider unreachable or answered with an error ({type(error).__name__})"
    return f"unexpected {type(error).__name__}"


def install(server: flask.Flask, config: OidcConfig, on_identity: Callable[[Identity, str], flask.Response],
            on_failure: Callable[[str], None] | None = None, cookie_secure: bool | None = None) -> None:
    """Add GET /auth/oidc/login and GET /auth/oidc/callback to `server`.

    `server.secret_key` must already be set: Authlib keeps the state, nonce and PKCE verifier in Flask's
    signed session cookie, which is marked HttpOnly, SameSite=Lax (the callback is a top-level navigation
    from the provider's site, which Strict would strip the cookie from) and Secure per cookie_secure.
    on_identity(identity, next_path) returns the response to a successful sign-in; on_failure(reason),
    if given, is called for every failed one (before the 401 page is returned). cookie_secure: the caller's
    choice (dashboard/auth.py passes its AuthConfig's); None reads the cookie_secure setting."""
    if not server.secret_key:
        raise RuntimeError("oidc.install needs server.secret_key set first (it signs the sign-in state cookie)")
    server.config["SESSION_COOKIE_HTTPONLY"] = True
    server.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    server.config["SESSION_COOKIE_SECURE"] = bool(settings.get("cookie_secure") if cookie_secure is None
                                                  else cookie_secure)

    oauth = OAuth(server)
    client = oauth.register(
        _CLIENT, client_id=config.client_id, client_secret=config.client_secret,
        server_metadata_url=config.discovery_url,
        client_kwargs={"scope": config.scopes, "code_challenge_method": "S256",
                       "token_endpoint_auth_method": "client_secret_basic",
                       "default_timeout": PROVIDER_TIMEOUT_SECONDS},
    )
    lock = threading.Lock()

    def metadata() -> dict:
        """The discovery document, checked (issuer) and tightened (algorithms, auth method) once loaded.
        Loaded under the lock: a second concurrent load would write the raw document over the tightened
        one. Only the first sign-in waits on the provider; afterwards Authlib returns its cached copy."""
        with lock:
            meta = client.load_server_metadata()
            if not meta.get("_codedash_checked"):
                for key in _METADATA_OVERRIDES & meta.keys():
                    del meta[key]
                issuer = meta.get("issuer")
                if not isinstance(issuer, str) or issuer.rstrip("/") != config.issuer.rstrip("/"):
                    raise SignInFailed(f"discovery document names issuer {_text(issuer, 120)!r}, "
                                       f"not {config.issuer!r}")
                for endpoint in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                    if not isinstance(meta.get(endpoint), str):
                        raise SignInFailed(f"discovery document has no {endpoint}")
                advertised = meta.get("id_token_signing_alg_values_supported") or ["RS256"]
                meta["id_token_signing_alg_values_supported"] = \
                    [a for a in advertised if a in SIGNING_ALGORITHMS] or ["RS256"]
                methods = meta.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
                if "client_secret_basic" in methods:
                    client.client_kwargs["token_endpoint_auth_method"] = "client_secret_basic"
                elif "client_secret_post" in methods:
                    client.client_kwargs["token_endpoint_auth_method"] = "client_secret_post"
                else:
                    raise SignInFailed("provider offers neither client_secret_basic nor client_secret_post")
                meta["_codedash_checked"] = True
            return meta

    def failed(error: Exception) -> flask.Response:
        reason = _reason(error)
        if isinstance(error, SignInFailed | OAuthError | jose_errors.JoseError):
            log.warning("single sign-on failed: %s", reason)
        else:
            log.warning("single sign-on failed: %s", reason, exc_info=error)
        if on_failure is not None:
            on_failure(reason)
        response = flask.Response(FAILURE_PAGE, 401, mimetype="text/html")
        response.headers["Cache-Control"] = "no-store"
        return response

    def login():
        next_path = safe_next(flask.request.args.get("next"))
        try:
            metadata()
            redirect_uri = flask.url_for("codedash_oidc_callback", _external=True)
            rv = client.create_authorization_url(redirect_uri)      # state, nonce, PKCE verifier
            url = rv.pop("url")
            client.save_authorize_data(redirect_uri=redirect_uri, next=next_path, started=time.time(), **rv)
        except Exception as error:      # noqa: BLE001 - every failure is the same 401 page
            return failed(error)
        response = flask.redirect(url, 302)
        response.headers["Cache-Control"] = "no-store"
        return response

    def callback():
        args = flask.request.args
        state = args.get("state")
        data = client.framework.get_state_data(flask.session, state) if state else None
        try:
            if "error" in args:
                description = args.get("error_description")
                raise SignInFailed(f"provider returned error {_text(args['error'], 60)!r}"
                                   + (f": {_text(description)}" if description else ""))
            if data is None:
                raise MismatchingStateError()
            started = data.get("started")
            if not isinstance(started, (int, float)) or not 0 <= time.time() - started <= SIGN_IN_MAX_SECONDS:
                raise SignInFailed(f"the sign-in took longer than {SIGN_IN_MAX_SECONDS} s to come back")
            metadata()
            token = client.authorize_access_token(claims_options={
                "iss": {"essential": True, "values": [client.server_metadata["issuer"]]},
                "aud": {"essential": True, "values": [config.client_id]},
                "sub": {"essential": True},
                "nonce": {"essential": True, "values": [data.get("nonce")]},
            }, leeway=CLOCK_SKEW_SECONDS)
            claims = token.get("userinfo")
            if not claims:
                raise SignInFailed("token response has no ID token")
            identity = identity_from_claims(config, claims)
        except Exception as error:      # noqa: BLE001 - every failure is the same 401 page
            if state:
                client.framework.clear_state_data(flask.session, state)
            return failed(error)
        return on_identity(identity, safe_next(data.get("next")))

    server.add_url_rule(LOGIN_PATH, "codedash_oidc_login", login, methods=["GET"])
    server.add_url_rule(CALLBACK_PATH, "codedash_oidc_callback", callback, methods=["GET"])
