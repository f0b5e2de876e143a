"""Serving hardening applied to the Flask server in every mode (waitress, Dash's dev server, tests).

- Host header check: only the configured host names are served (400 otherwise), so a DNS-rebinding
  page at evil.example resolving to 127.0.0.1 cannot read the dashboard.
- Response headers on every response: a Content-Security-Policy the app works under, no framing,
  no MIME sniffing, no referrer, and no caching of pages or callback data (only static assets).
- Callback requests whose structure does not match a registered callback get 400 before Dash's
  dispatcher sees them (it answers such requests with a 500 and a KeyError/AttributeError).
- Request bodies are capped at MAX_REQUEST_BYTES (413 beyond).
- Unexpected errors are logged on the server; the browser gets a plain message, never a traceback
  or SQL. (`--debug` is the exception on purpose: Dash's dev tools show tracebacks to the developer.)
"""
from __future__ import annotations

import logging

import dash
from flask import Flask, Response, jsonify, request

from codedash.queries import settings

log = logging.getLogger("codedash.serving")

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
CALLBACK_PATH = "/_dash-update-component"
# The largest callback body the pages send is a grid's rows sent back as state (kilobytes); a body
# of many megabytes is not a browser using the dashboard. Flask answers larger ones with 413.
MAX_REQUEST_BYTES = 16 * 1024 * 1024
# Dash serves these with fingerprinted URLs and its own Cache-Control; everything else is data.
_CACHEABLE_PREFIXES = ("/_dash-component-suites/", "/assets/", "/_favicon.ico")

# Each source was found necessary by removing it and loading every page in Chromium (the browser test
# tests/browser/test_serving_security.py fails on any CSP violation); docs/decisions.md has the record.
# - script-src 'self' + hashes: the renderer and component bundles come from this server; Dash's two
#   inline scripts (renderer bootstrap, the page-title clientside callback) are allowed by their hashes.
#   No 'unsafe-eval': dash-ag-grid interprets the {"function": ...} valueFormatters with its own
#   parser, not eval/new Function, and Plotly's chart types used here do not compile code.
# - style-src 'unsafe-inline': Mantine, AG Grid and Plotly set style attributes and inject <style>
#   elements at run time; styles cannot run script.
# - img-src data:: AG Grid's icons are SVG data URIs and Plotly draws heatmaps as PNG data URIs.
# - connect-src 'self': callbacks go to this server only. Nothing else is loaded from anywhere else.
_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def content_security_policy(app: dash.Dash) -> str:
    """The policy with the hashes of Dash's own inline scripts (its config and renderer bootstrap)."""
    csp = {k: list(v) for k, v in _CSP.items()}
    csp["script-src"] += app.csp_hashes()
    return "; ".join(f"{k} {' '.join(v)}" for k, v in csp.items())


def allowed_hosts(bind_host: str | None = None) -> frozenset[str]:
    """Host names served: CODEDASH_ALLOWED_HOSTS (comma-separated, '*' = any) or, by default,
    the bound host with localhost, 127.0.0.1 and ::1."""
    configured = [h.strip().lower() for h in str(settings.get("allowed_hosts")).split(",") if h.strip()]
    if configured:
        return frozenset(configured)
    bound = (bind_host or settings.get("host") or "").strip().lower()
    wildcard_bind = bound in ("", "0.0.0.0", "::")        # not a name a browser sends
    return frozenset((*LOCAL_HOSTS, *(() if wildcard_bind else (bound.strip("[]"),))))


def host_name(header: str) -> str:
    """'Example.org:8050' -> 'example.org'; '[::1]:8050' -> '::1'."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def callback_request_problem(app: dash.Dash, body) -> str | None:
    """Why a callback request cannot be a request for one of the app's callbacks (None when it can)."""
    if not isinstance(body, dict):
        return "the request body is not a JSON object"
    output = body.get("output")
    cb = app.callback_map.get(output) if isinstance(output, str) else None
    if cb is None:
        return "no such callback"
    for part in ("inputs", "state"):
        sent, declared = body.get(part, []), cb.get(part, [])
        if not isinstance(sent, list) or len(sent) != len(declared) or not all(
                _matches(s, d) for s, d in zip(sent, declared)):
            return f"{part} do not match the callback"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "changedPropIds is not a list of strings"
    if not isinstance(body.get("outputs", []), (list, dict)):
        return "outputs is neither a list nor an object"
    if output.startswith(".._pages_content.children"):
        # Dash's own page router: it calls string methods on the location and fails on anything else
        values = {s["property"]: s.get("value") for s in body["inputs"]}
        path, search = values.get("pathname"), values.get("search")
        if not (path is None or (isinstance(path, str) and path.startswith("/"))) or \
                not (search is None or isinstance(search, str)):
            return "the location is not a path and a query string"
    return None


def _matches(sent, declared: dict) -> bool:
    if declared["id"].startswith("{"):
        # a pattern-matching dependency: ALL sends a list of matches, MATCH one; Dash resolves the ids
        items = sent if isinstance(sent, list) else [sent]
        return all(isinstance(i, dict) and i.get("property") == declared["property"] for i in items)
    return isinstance(sent, dict) and sent.get("id") == declared["id"] and sent.get("property") == declared["property"]


def install(app: dash.Dash, bind_host: str | None = None) -> None:
    """Apply the host check, the headers, the callback request check and the error handler."""
    server: Flask = app.server
    hosts = allowed_hosts(bind_host)
    server.config["CODEDASH_ALLOWED_HOSTS"] = sorted(hosts)
    server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    policy: dict[str, str] = {}

    @server.before_request
    def _check_host():
        if "*" not in hosts and host_name(request.host) not in hosts:
            log.warning("rejected Host header %r (allowed: %s)", request.host[:100], ", ".join(sorted(hosts)))
            return Response("codedash: this host name is not allowed (see CODEDASH_ALLOWED_HOSTS)\n", 400,
                            mimetype="text/plain")
        return None

    # multi-user mode (dashboard/auth.py) puts its sign-in check between these two: a signed-out client
    # learns nothing about the callbacks
    @server.before_request
    def _check_callback_shape():
        if request.path == CALLBACK_PATH and request.method == "POST":
            problem = callback_request_problem(app, request.get_json(silent=True))
            if problem:
                return jsonify(error=f"malformed callback request: {problem}"), 400
        return None

    @server.after_request
    def _headers(response: Response) -> Response:
        if "csp" not in policy:
            policy["csp"] = content_security_policy(app)   # after every inline script is registered
        h = response.headers
        h["Content-Security-Policy"] = policy["csp"]
        h["X-Frame-Options"] = "DENY"
        h["X-Content-Type-Options"] = "nosniff"
        h["Referrer-Policy"] = "no-referrer"
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        if not request.path.startswith(_CACHEABLE_PREFIXES):
            h["Cache-Control"] = "no-store"
            h.pop("ETag", None)
        return response

    @server.errorhandler(500)
    def _internal_error(error):
        original = getattr(error, "original_exception", None) or error
        log.error("error serving %s %s", request.method, request.path[:200],
                  exc_info=(type(original), original, original.__traceback__))
        return Response("codedash: internal error (details are in the server log)\n", 500, mimetype="text/plain")
