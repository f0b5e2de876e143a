"""Whole callback responses, cached: the panel framework's callbacks are pure functions of what the browser
sends, the database file, the suppression threshold and who asks, so the second person opening the same view
gets the JSON the first one got without rebuilding a dozen Plotly figures.

Measured: queries are already cached (queries/cache.py) and a warm overview callback still spends ~150 ms
building its six small figures and components; with many signed-in users reading the same default views,
that rendering, not SQL, is what saturates the server (docs/benchmarks.md, "Multi-user serving").

What is cached: POSTs to Dash's callback endpoint answered 200 by a callback the panel framework declared
(`codedash_owner` on the function; they read only their inputs and the database) that has no click input
(n_clicks: downloads, draws) and writes no download. The key is the request body (output, inputs, state and
which inputs changed), the database's build identity, the suppression threshold, and the signed-in user's
facility scope and whether they may see names — everything else a response depends on. A hit replays the
queries the response was computed with into the request's audit trail (queries/request_context.py), so the
audit log does not depend on the cache. Memory is bounded (CODEDASH_RESPONSE_CACHE_MB, least recently used
goes first).
"""
from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict

import dash
from flask import Flask, Response, g, request

from codedash.dashboard import access
from codedash.queries import cache as result_cache
from codedash.queries import filters as flt
from codedash.queries import request_context, settings
from codedash.queries.suppression import threshold

CALLBACK_PATH = "/_dash-update-component"
_EVENT_PROPS = {"n_clicks", "n_submit", "n_blur"}


class ResponseCache:
    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, tuple[bytes, list[dict]]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: str):
        with self._lock:
            item = self._items.get(key)
            if item is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return item

    def put(self, key: str, body: bytes, queries: list[dict]) -> None:
        size = len(body) + 200 * len(queries)
        if size > self.max_bytes // 4:
            return                                   # one huge answer must not flush everything else
        with self._lock:
            if key in self._items:
                return
            self._items[key] = (body, queries)
            self._bytes += size
            while self._bytes > self.max_bytes and self._items:
                _, (old, old_q) = self._items.popitem(last=False)
                self._bytes -= len(old) + 200 * len(old_q)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


def cacheable(app: dash.Dash, body) -> bool:
    if not isinstance(body, dict) or not isinstance(body.get("output"), str):
        return False
    cb = app.callback_map.get(body["output"])
    func = cb.get("callback") if cb else None
    if func is None or getattr(func, "codedash_owner", None) is None:
        return False
    if any(d.get("property") in _EVENT_PROPS for d in cb.get("inputs", [])):
        return False
    return not access.is_download(body["output"])


def key_for(body: dict, identity: str) -> str:
    scope = request_context.effective_scope(flt.ALL).bind_value()
    # changedPropIds too: callbacks read dash.ctx.triggered_id (which input fired) as an input
    parts = {"body": {k: body.get(k) for k in ("output", "inputs", "state", "changedPropIds")}, "db": identity,
             "k": threshold(), "scope": scope, "names": access.may_see_names()}
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def install(app: dash.Dash, db) -> ResponseCache | None:
    """Serve repeated panel callbacks from memory (registered after the sign-in and access checks)."""
    mb = int(settings.get("response_cache_mb"))
    if mb <= 0:
        return None
    cache = ResponseCache(mb * 1024 * 1024)
    server: Flask = app.server

    @server.before_request
    def _cached_response():
        if request.path != CALLBACK_PATH or request.method != "POST":
            return None
        body = request.get_json(silent=True)
        if not cacheable(app, body):
            return None
        identity = db.build_identity() if hasattr(db, "build_identity") else \
            result_cache.database_identity(db.cursor())
        if identity is None:
            return None
        key = key_for(body, identity)
        hit = cache.get(key)
        if hit is None:
            g.codedash_response_key = key
            return None
        content, queries = hit
        ctx = request_context.current()
        if ctx is not None:
            ctx.queries.extend(queries)
        return Response(content, 200, mimetype="application/json")

    @server.after_request
    def _store(response: Response) -> Response:
        key = g.pop("codedash_response_key", None)
        if key is not None and response.status_code == 200 and not response.direct_passthrough:
            ctx = request_context.current()
            cache.put(key, response.get_data(), list(ctx.queries) if ctx is not None else [])
        return response

    app._codedash_response_cache = cache
    return cache
