"""Shared by the accounts, sessions and audit-log tests: a fresh app-state database and a cheap Argon2id
hasher (the real parameters cost 64 MiB and about half a second per hash; one test checks those)."""
from __future__ import annotations

import datetime as dt
import functools

from argon2 import PasswordHasher

from codedash.data import accounts, appstate

T0 = dt.datetime(2026, 3, 2, 9, 0, 0, tzinfo=dt.UTC)
PASSWORD = "correct horse battery staple"
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def use_cheap_hasher(monkeypatch) -> PasswordHasher:
    """Swap in the cheap hasher for one test (monkeypatch undoes it)."""
    monkeypatch.setattr(accounts, "_hasher", CHEAP)
    accounts._dummy_hash.cache_clear()
    monkeypatch.setattr(accounts, "_dummy_hash", functools.cache(accounts._dummy_hash.__wrapped__))
    return CHEAP


def fresh_app(monkeypatch):
    """A new in-memory app-state database with the cheap hasher (a fixture body: `yield from`)."""
    use_cheap_hasher(monkeypatch)
    con = appstate.open_app(":memory:")
    yield con
    con.close()


def raw(con, sql: str, params=()) -> None:
    """Run SQL on the audit tables with their append-only triggers dropped (what someone editing the file
    by hand could do), then put the triggers back."""
    triggers = con.execute("select name, sql from sqlite_master where type = 'trigger' "
                           "and tbl_name in ('audit_log', 'audit_anchors')").fetchall()
    for name, _ in triggers:
        con.execute(f"drop trigger {name}")
    try:
        con.execute(sql, params)
    finally:
        for _, sql_text in triggers:
            con.execute(sql_text)
