"""The application-state database (SQLite): worklists, accounts and grants, sessions, the audit log.

It lives in its own file, never in the analytics DuckDB file that loads replace (DESIGN.md, "Serving people
safely"). The schema is `data/appstate.sql`, a list of `-- migration: N name` sections; `open_app(path)` applies
the ones the file has not seen, each in one transaction (BEGIN IMMEDIATE, so two processes opening a new file
at once cannot both migrate it), and records them in PRAGMA user_version and `schema_migrations`.

A connection is cheap (opening re-reads only the version): open one per request or thread rather than
sharing one between threads. The path is chosen by the caller (queries.worklist.app_db_path reads the CODEDASH_APP_DB setting): `data`
imports neither `queries` nor `dashboard`.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

SCHEMA_FILE = Path(__file__).with_name("appstate.sql")
_HEADER = re.compile(r"^-- migration: (\d+) ([a-z0-9_]+)\s*$", re.MULTILINE)
BUSY_TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    def statements(self) -> list[str]:
        out, buf = [], ""
        for line in self.sql.splitlines(keepends=True):
            buf += line
            if sqlite3.complete_statement(buf):
                if buf.strip():
                    out.append(buf.strip())
                buf = ""
        if buf.strip() and not all(ln.strip().startswith("--") or not ln.strip() for ln in buf.splitlines()):
            raise ValueError(f"migration {self.version}: incomplete statement at the end")
        return out


def migrations(text: str | None = None) -> list[Migration]:
    """The migrations of appstate.sql (or `text`), in order; versions must be 1, 2, 3 ..."""
    if text is None:
        return list(_shipped_migrations())
    return _parse_migrations(text)


@functools.cache
def _shipped_migrations() -> tuple[Migration, ...]:
    # read once per process: the web layer opens the app-state file on every request
    return tuple(_parse_migrations(SCHEMA_FILE.read_text(encoding="utf-8")))


def _parse_migrations(text: str) -> list[Migration]:
    heads = list(_HEADER.finditer(text))
    out = []
    for i, m in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        out.append(Migration(int(m.group(1)), m.group(2), text[m.end():end]))
    if [m.version for m in out] != list(range(1, len(out) + 1)):
        raise ValueError("appstate migrations must be numbered 1, 2, 3 ... in order")
    return out


def latest_version() -> int:
    return len(migrations())


def schema_version(con: sqlite3.Connection) -> int:
    return int(con.execute("pragma user_version").fetchone()[0])


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def migrate(con: sqlite3.Connection, steps: list[Migration] | None = None) -> int:
    """Apply every migration newer than the file's version; returns the version reached."""
    steps = migrations() if steps is None else steps
    for step in steps:
        if schema_version(con) >= step.version:
            continue
        con.execute("begin immediate")
        try:
            if schema_version(con) < step.version:          # another process may have migrated meanwhile
                for statement in step.statements():
                    con.execute(statement)
                con.execute("insert into schema_migrations (version, name, applied_at) values (?, ?, ?)",
                            [step.version, step.name, _now()])
                # PRAGMA takes no bound parameters; the value is the migration's own integer
                con.execute(f"pragma user_version = {int(step.version)}")
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    version = schema_version(con)
    if version > len(steps):
        raise RuntimeError(f"app-state database is at schema version {version}, newer than this codedash "
                           f"({len(steps)}); upgrade codedash")
    return version


def open_app(path: str | os.PathLike) -> sqlite3.Connection:
    """Open (creating and migrating as needed) the app-state database at `path` (':memory:' for tests)."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    # `timeout` is SQLite's busy timeout (sqlite3_busy_timeout): a writer waits for another instead of failing
    con = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000,
                          check_same_thread=False)
    con.execute("pragma foreign_keys = on")
    if str(path) != ":memory:":
        con.execute("pragma journal_mode = wal")              # readers do not block the one writer
    migrate(con)
    return con


@contextlib.contextmanager
def transaction(con: sqlite3.Connection):
    """One write transaction: BEGIN IMMEDIATE ... COMMIT (the write lock is taken before anything is read, so
    a read-then-write such as appending to the audit chain cannot interleave with another process), or, when
    the caller is already inside a transaction, a SAVEPOINT within it (the caller's transaction decides; all
    or nothing either way). Rolled back on any exception."""
    if con.in_transaction:
        con.execute("savepoint codedash_tx")
        try:
            yield con
        except BaseException:
            con.execute("rollback to codedash_tx")
            con.execute("release codedash_tx")
            raise
        con.execute("release codedash_tx")
    else:
        con.execute("begin immediate")
        try:
            yield con
        except BaseException:
            if con.in_transaction:
                con.execute("rollback")
            raise
        con.execute("commit")


def utc_text(moment: dt.datetime | None = None) -> str:
    """`moment` (default now; naive means UTC) as the app state's UTC text, '2026-12-01T18:02:03Z'."""
    moment = dt.datetime.now(dt.UTC) if moment is None else moment
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(text: str) -> dt.datetime:
    """The app state's UTC text back as an aware datetime."""
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
