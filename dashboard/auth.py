"""Multi-user serving: sign-in, server-side sessions, CSRF, the access guard and the audit trail of requests.

`install(app, config)` turns a codedash app into one that serves signed-in users only (docs/deployment.md):
- Sign-in with a local account (`codedash users add`) on a plain server-rendered form, or single sign-on with
  OpenID Connect (dashboard/oidc.py) when an issuer is configured. One generic message for every failure.
- Sessions live in the app-state database (data/sessions.py); the cookie holds only a random token (HttpOnly,
  SameSite=Lax, Secure unless switched off for plain-HTTP tests). Idle and absolute timeouts are enforced on
  every request; assets/session.js sends a signed-out browser to the sign-in page within a minute.
- CSRF: the sign-in and sign-out forms carry a token checked against the session; every Dash callback POST
  carries the session's CSRF token in X-CSRFToken (dash-renderer sends the `_csrf_token` cookie there).
- The access guard (dashboard/access.py rules) refuses callbacks of pages and panels the user's roles do not
  include, and downloads without the export permission; the user's facility grants become the query scope
  (queries/request_context.py), so the runner binds them into every query whatever the browser sends.
- The audit log (data/audit_log.py) gets sign-in and sign-out, failures, every page view, every query with its
  validated parameters, every export, and every refusal.
"""
from __future__ import annotations

import hmac
import html as html_lib
import json
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import dash
from flask import Flask, Response, g, redirect, request, session

from codedash.dashboard import access
from codedash.data import accounts, appstate, audit_log, sessions
from codedash.queries import filters as flt
from codedash.queries import request_context, settings
from codedash.queries.worklist import app_db_path

log = logging.getLogger("codedash.auth")

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
MIN_SECRET_LENGTH = 32
CSRF_COOKIE = "_csrf_token"          # the name dash-renderer reads and sends back as X-CSRFToken
CSRF_HEADER = "X-CSRFToken"
PUBLIC_PREFIXES = ("/auth/", "/assets/", "/_dash-component-suites/", "/_favicon.ico")
SIGN_IN, SIGN_OUT, SESSION_STATUS = "/auth/sign-in", "/auth/sign-out", "/auth/session"
FAILED = ("Sign-in failed: the user name or password is wrong, or the account is locked or disabled. "
          "Try again later or ask your administrator.")
MAX_FIELD = 256


class ServeError(Exception):
    """The server must not start as configured (the message says why and what to set)."""


def is_local(host: str) -> bool:
    return (host or "").strip().strip("[]").lower() in LOCAL_HOSTS


def check_bind(host: str, multi_user: bool) -> None:
    """Binding anything but the loopback address needs multi-user mode."""
    if not multi_user and not is_local(host):
        raise ServeError(
            f"refusing to serve on {host}: without sign-in anyone who can reach that address would see every "
            "patient's diagnoses. Set CODEDASH_MULTI_USER=1 (with CODEDASH_SECRET_KEY and user accounts, see "
            "docs/deployment.md) or serve on 127.0.0.1.")


def load_secret() -> str:
    """The secret key from CODEDASH_SECRET_KEY or the file CODEDASH_SECRET_KEY_FILE names; never a default."""
    secret = str(settings.get("secret_key") or "")
    source = "CODEDASH_SECRET_KEY"
    path = str(settings.get("secret_key_file") or "")
    if not secret and path:
        source = f"the file {path} (CODEDASH_SECRET_KEY_FILE)"
        try:
            secret = Path(path).read_text(encoding="utf-8").splitlines()[0].strip()
        except (OSError, IndexError, UnicodeDecodeError) as exc:
            raise ServeError(f"cannot read the secret key from {source}: {exc}") from None
    if not secret:
        raise ServeError("multi-user mode needs a secret key: set CODEDASH_SECRET_KEY (or CODEDASH_SECRET_KEY_FILE) "
                         f"to at least {MIN_SECRET_LENGTH} random characters, e.g. "
                         "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`.")
    if len(secret) < MIN_SECRET_LENGTH:
        raise ServeError(f"the secret key from {source} is too short: at least {MIN_SECRET_LENGTH} characters.")
    return secret


@dataclass(frozen=True)
class AuthConfig:
    secret: str
    app_db: Path
    idle_minutes: int = 15
    absolute_hours: int = 12
    cookie_secure: bool = True
    max_failures: int = 5
    lockout_minutes: int = 15
    oidc: object | None = None          # dashboard.oidc.OidcConfig

    @classmethod
    def from_settings(cls, analytics_db) -> AuthConfig:
        secret = load_secret()
        sso = None
        if settings.get("oidc_issuer"):
            from codedash.dashboard import oidc
            try:
                sso = oidc.OidcConfig.from_settings()
            except ValueError as exc:
                raise ServeError(f"single sign-on settings: {exc}") from None
        return cls(secret=secret, app_db=app_db_path(analytics_db),
                   idle_minutes=int(settings.get("session_idle_minutes")),
                   absolute_hours=int(settings.get("session_absolute_hours")),
                   cookie_secure=bool(settings.get("cookie_secure")),
                   max_failures=int(settings.get("login_max_failures")),
                   lockout_minutes=int(settings.get("login_lockout_minutes")),
                   oidc=sso)

    @property
    def session_cookie(self) -> str:
        # __Host- cookies are only accepted over HTTPS, for this host and path "/" (no Domain): unforgeable
        # by a sibling subdomain
        return "__Host-codedash" if self.cookie_secure else "codedash_session"


# ------------------------------------------------------------------------------------------- helpers
def safe_next(value) -> str:
    """A same-site relative path to return to after sign-in ('/' for anything else)."""
    if not isinstance(value, str) or not value.startswith("/") or value.startswith("//") or "\\" in value \
            or len(value) > 2000 or any(ord(ch) < 32 for ch in value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path.startswith(("/auth/", "/_dash")):
        return "/"
    return value


def client_address() -> str:
    return (request.remote_addr or "unknown")[:64]


def _field(name: str) -> str:
    value = request.form.get(name, "")
    return value[:MAX_FIELD] if isinstance(value, str) else ""


def _same(a, b) -> bool:
    return isinstance(a, str) and isinstance(b, str) and bool(a) and hmac.compare_digest(a, b)


def _page(title: str, body: str, status: int = 200) -> Response:
    doc = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html_lib.escape(title)} · codedash</title><link rel="stylesheet" href="/assets/signin.css"></head>
<body class="cd-signin-body"><main class="cd-signin"><h1>codedash</h1>{body}</main></body></html>"""
    return Response(doc, status, mimetype="text/html")


def sign_in_form(message: str = "", next_url: str = "/", sso: bool = False, status: int = 200) -> Response:
    token = session.get("csrf") or secrets.token_urlsafe(32)
    session["csrf"] = token
    esc = html_lib.escape
    note = f'<p class="cd-signin-message" role="alert">{esc(message)}</p>' if message else ""
    sso_link = (f'<p><a class="cd-signin-sso" href="/auth/oidc/login?next={esc(quote(next_url, safe="/"))}">'
                "Sign in with single sign-on</a></p>") if sso else ""
    body = f"""<h2>Sign in</h2>{note}
<form method="post" action="{SIGN_IN}">
<input type="hidden" name="csrf_token" value="{esc(token)}">
<input type="hidden" name="next" value="{esc(next_url)}">
<label for="username">User name</label><input id="username" name="username" autocomplete="username" required>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form>{sso_link}
<p class="cd-signin-note">codedash shows protected health information. Every page view, query and export is
recorded in the audit log.</p>"""
    return _page("Sign in", body, status)


# ------------------------------------------------------------------------------------------- install
def install(app: dash.Dash, config: AuthConfig) -> None:
    server: Flask = app.server
    server.secret_key = config.secret
    server.config.update(SESSION_COOKIE_NAME="codedash_signin", SESSION_COOKIE_HTTPONLY=True,
                         SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=config.cookie_secure)
    server.config["CODEDASH_MULTI_USER"] = True
    server.config["CODEDASH_APP_DB"] = str(config.app_db)
    proxies = int(settings.get("proxy_hops") or 0)
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    appstate.open_app(config.app_db).close()          # create and migrate now: a bad path fails at start

    def app_con():
        con = g.get("codedash_app_con")
        if con is None:
            con = g.codedash_app_con = appstate.open_app(config.app_db)
        return con

    def audit(event: str, detail: dict | None = None, actor: str | None = None) -> None:
        user = g.get("codedash_user")
        g.setdefault("codedash_audit", []).append(
            (event, actor if actor is not None else (user.username if user else None), detail or {}))

    def start_session(user, next_url: str) -> Response:
        con = app_con()
        token, sess = sessions.create(con, user, client=client_address())   # audits session_started itself
        session.clear()                                   # the pre-sign-in CSRF token and SSO state are spent
        response = redirect(safe_next(next_url), 303)
        response.set_cookie(config.session_cookie, token, httponly=True, secure=config.cookie_secure,
                            samesite="Lax", path="/")
        response.set_cookie(CSRF_COOKIE, sess.csrf_token, httponly=False, secure=config.cookie_secure,
                            samesite="Strict", path="/")
        return response

    def clear_cookies(response: Response) -> Response:
        response.delete_cookie(config.session_cookie, path="/", secure=config.cookie_secure, httponly=True,
                               samesite="Lax")
        response.delete_cookie(CSRF_COOKIE, path="/", secure=config.cookie_secure, samesite="Strict")
        return response

    @server.route(SIGN_IN, methods=["GET", "POST"])
    def _sign_in():
        sso = config.oidc is not None
        next_url = safe_next(request.values.get("next", "/"))
        if request.method == "GET":
            message = ("You were signed out after a period of inactivity." if request.args.get("expired")
                       else "You are signed out." if request.args.get("signed_out") else "")
            return sign_in_form(message, next_url, sso)
        if not _same(request.form.get("csrf_token"), session.get("csrf")):
            audit("csrf_rejected", {"path": SIGN_IN})
            return sign_in_form("The form expired. Please sign in again.", next_url, sso, 400)
        result = accounts.authenticate(app_con(), _field("username"), _field("password"), client=client_address(),
                                       max_failures=config.max_failures, lockout_minutes=config.lockout_minutes)
        if result.user is None:
            return sign_in_form(FAILED, next_url, sso, 401)
        return start_session(result.user, next_url)

    @server.route(SIGN_OUT, methods=["POST"])
    def _sign_out():
        token = request.cookies.get(config.session_cookie)
        sess = sessions.lookup(app_con(), token, idle_minutes=config.idle_minutes,
                               absolute_hours=config.absolute_hours, touch=False) if token else None
        if sess is None:
            return clear_cookies(redirect(SIGN_IN + "?signed_out=1", 303))
        if not _same(request.form.get("csrf_token"), sess.csrf_token):
            audit("csrf_rejected", {"path": SIGN_OUT}, actor=sess.user.username)
            return Response("codedash: the sign-out form expired; reload the page and try again\n", 400,
                            mimetype="text/plain")
        sessions.end(app_con(), token, reason="sign_out")          # audits session_ended (reason sign_out)
        return clear_cookies(redirect(SIGN_IN + "?signed_out=1", 303))

    @server.route(SESSION_STATUS)
    def _session_status():
        # polled by assets/session.js; does not count as activity (touch=False), or it would never go idle
        token = request.cookies.get(config.session_cookie)
        sess = sessions.lookup(app_con(), token, idle_minutes=config.idle_minutes,
                               absolute_hours=config.absolute_hours, touch=False) if token else None
        return (Response(status=204) if sess is not None
                else Response(json.dumps({"signed_in": False}), 401, mimetype="application/json"))

    if config.oidc is not None:
        from codedash.dashboard import oidc

        def on_identity(identity, next_url: str) -> Response:
            try:
                user = accounts.upsert_oidc_user(app_con(), issuer=identity.issuer, subject=identity.subject,
                                                 username=identity.username, display_name=identity.display_name,
                                                 roles=identity.roles, facilities=identity.facilities)
            except accounts.AccountError as exc:         # e.g. the name belongs to a local account
                audit("sign_in_failed", {"method": "oidc", "reason": str(exc)[:200]}, actor="")
                return _page("Sign in", f'<p role="alert">{html_lib.escape(FAILED)}</p>', 403)
            if user.disabled:
                audit("sign_in_failed", {"method": "oidc", "reason": "disabled"}, actor=user.username)
                return _page("Sign in", f'<p role="alert">{html_lib.escape(FAILED)}</p>', 403)
            audit("sign_in", {"method": "oidc"}, actor=user.username)
            return start_session(user, next_url)

        def on_failure(reason: str) -> None:
            audit("sign_in_failed", {"method": "oidc", "reason": str(reason)[:200]}, actor="")

        oidc.install(server, config.oidc, on_identity, on_failure=on_failure, cookie_secure=config.cookie_secure)

    def _guard():
        if request.path.startswith(PUBLIC_PREFIXES):
            return None
        token = request.cookies.get(config.session_cookie)
        sess = sessions.lookup(app_con(), token, idle_minutes=config.idle_minutes,
                               absolute_hours=config.absolute_hours) if token else None
        if sess is None:
            if request.method == "GET" and not request.path.startswith("/_"):
                target = request.full_path if request.query_string else request.path
                return redirect(f"{SIGN_IN}?next={quote(safe_next(target), safe='/')}", 303)
            return Response(json.dumps({"error": "not signed in"}), 401, mimetype="application/json")
        g.codedash_user, g.codedash_session = sess.user, sess
        if request.method not in ("GET", "HEAD", "OPTIONS") and \
                not _same(request.headers.get(CSRF_HEADER), sess.csrf_token):
            audit("csrf_rejected", {"path": request.path[:200]})
            return Response(json.dumps({"error": "CSRF token missing or wrong"}), 403, mimetype="application/json")
        scope = flt.Scope(None if sess.user.facilities is None else tuple(sess.user.facilities))
        g.codedash_request = request_context.RequestContext(scope=scope, username=sess.user.username)
        g.codedash_context_token = request_context.begin(g.codedash_request)
        if request.path == "/_dash-update-component" and request.method == "POST":
            return _check_callback(app, request.get_json(silent=True) or {}, audit)
        return None

    # after security.py's Host check, before its callback-shape check (nothing is said to a signed-out client)
    funcs = server.before_request_funcs.setdefault(None, [])
    host_check = next((i for i, f in enumerate(funcs) if f.__name__ == "_check_host"), None)
    if host_check is None:
        raise RuntimeError("auth.install needs security.install first (the Host check runs before sign-in)")
    funcs.insert(host_check + 1, _guard)

    @server.after_request
    def _after(response: Response) -> Response:
        ctx = g.get("codedash_request")
        if ctx is not None and request.path == "/_dash-update-component":
            body = request.get_json(silent=True) or {}
            for q in ctx.queries:
                audit("query", {**q, "callback": str(body.get("output", ""))[:300]})
            if response.status_code == 200:
                for export in exports_in(response):
                    audit("export", {**export, "filters": _filters_of(body)})
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        return response

    @server.teardown_request
    def _teardown(_exc):
        token = g.pop("codedash_context_token", None)
        if token is not None:
            request_context.end(token)
        events = g.pop("codedash_audit", [])
        con = g.pop("codedash_app_con", None)
        try:
            if events:
                con = con or appstate.open_app(config.app_db)
                write_audit(con, events, client_address())
        except Exception:                        # the response is already sent; never lose the record silently
            log.exception("could not write %d audit entries", len(events))
        finally:
            if con is not None:
                con.close()


def write_audit(con, events: list[tuple[str, str | None, dict]], client: str) -> None:
    """A request's audit entries in one transaction (one lock of the chain per request, not per entry)."""
    with appstate.transaction(con):
        for event, actor, detail in events:
            audit_log.append(con, event, actor=actor, detail=detail, client=client)


def _check_callback(app: dash.Dash, body: dict, audit) -> Response | None:
    """Refuse a callback of a page, panel or download the signed-in user may not have."""
    output = body.get("output") if isinstance(body, dict) else None
    cb = app.callback_map.get(output) if isinstance(output, str) else None
    if cb is None:
        return None                                       # security.py already answered malformed requests
    if output.startswith(".._pages_content.children"):
        values = {s.get("property"): s.get("value") for s in body.get("inputs", []) if isinstance(s, dict)}
        audit("page_view", {"path": str(values.get("pathname"))[:200], "search": str(values.get("search") or "")[:1000]})
        return None
    func = cb.get("callback")
    module = getattr(getattr(func, "__wrapped__", func), "__module__", "") or ""
    page_key, panel_names = getattr(func, "codedash_owner", None) or _owner_from_module(module)
    reason = None
    if page_key is None and not module.startswith(_PAGELESS_MODULES):
        reason = "unknown callback owner"            # deny by default: every callback belongs to a page or the shell
    elif page_key and not access.may_see_page(page_key):
        reason = "page"
    elif panel_names and not access.may_see_names():
        reason = "names"
    elif access.is_download(output) and not access.may_export():
        reason = "export"
    if reason:
        audit("access_denied", {"callback": output[:300], "reason": reason, "page": page_key})
        return Response(json.dumps({"error": "not permitted"}), 403, mimetype="application/json")
    return None


_PAGELESS_MODULES = ("codedash.dashboard.shell", "dash.")     # the shell's filters and navigation; Dash's router


def _owner_from_module(module: str) -> tuple[str | None, bool]:
    prefix = "codedash.dashboard.pages."
    return (module[len(prefix):].split(".")[0] if module.startswith(prefix) else None), False


def exports_in(response: Response) -> list[dict]:
    """What a callback response downloads: file name, rows (CSV data lines) and size."""
    try:
        data = json.loads(response.get_data(as_text=True))
    except (ValueError, TypeError):
        return []
    found = []
    for component in (data.get("response") or {}).values() if isinstance(data, dict) else ():
        for value in component.values() if isinstance(component, dict) else ():
            if isinstance(value, dict) and "filename" in value and ("content" in value or "base64" in value):
                content = str(value.get("content") or "")
                rows = None
                if not value.get("base64"):
                    lines = [ln for ln in content.splitlines() if ln and not ln.startswith("#")]
                    rows = max(len(lines) - 1, 0)
                found.append({"filename": str(value["filename"])[:200], "rows": rows, "bytes": len(content)})
    return found


def _filters_of(body: dict) -> dict:
    for part in ("inputs", "state"):
        for item in body.get(part, []) or []:
            if isinstance(item, dict) and item.get("id") == "filters" and isinstance(item.get("value"), dict):
                return item["value"]
    return {}
