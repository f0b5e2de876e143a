"""Who is asking: the facility scope and the audit trail of the request being served.

In multi-user mode the web layer (dashboard/auth.py) sets the signed-in user's facility grants here when a
request starts, from the server-side session and never from the browser; `queries.runner.run` narrows every
query's scope to it and records each query it answers (name and validated parameters) for the audit log.
Outside a request (the CLI, tests, single-user serving) nothing is set: the scope a caller passes is used as is
and nothing is recorded.
"""
from __future__ import annotations

import contextlib
import datetime as dt
from contextvars import ContextVar
from dataclasses import dataclass, field

from codedash.queries import filters as flt


@dataclass
class RequestContext:
    scope: flt.Scope
    username: str = ""
    queries: list[dict] = field(default_factory=list)    # what the request read, in order, for the audit log


_CURRENT: ContextVar[RequestContext | None] = ContextVar("codedash_request", default=None)


def current() -> RequestContext | None:
    return _CURRENT.get()


def intersect(a: flt.Scope, b: flt.Scope) -> flt.Scope:
    """Facilities both scopes allow (None = all)."""
    if a.facilities is None:
        return b
    if b.facilities is None:
        return a
    return flt.Scope(tuple(sorted(set(a.facilities) & set(b.facilities))))


def effective_scope(scope: flt.Scope) -> flt.Scope:
    """`scope` narrowed to the signed-in user's grants (unchanged outside a request)."""
    ctx = _CURRENT.get()
    return scope if ctx is None else intersect(scope, ctx.scope)


def record_query(name: str, bound: dict) -> None:
    ctx = _CURRENT.get()
    if ctx is not None:
        ctx.queries.append({"query": name, "params": {k: _plain(v) for k, v in sorted(bound.items())}})


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


@contextlib.contextmanager
def serving(ctx: RequestContext):
    """Run the body (one request) as `ctx`."""
    token = _CURRENT.set(ctx)
    try:
        yield ctx
    finally:
        _CURRENT.reset(token)


def begin(ctx: RequestContext):
    """Set `ctx` for the rest of this request; returns the token `end` takes (for before/after hooks)."""
    return _CURRENT.set(ctx)


def end(token) -> None:
    _CURRENT.reset(token)
