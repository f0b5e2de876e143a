"""Creating, validating and atomically replacing codedash DuckDB files.

A database is always built into a temporary file beside its target and moved into
place with os.replace, so a reader never sees a half-built file and a failed build
leaves the previous file untouched (see docs/decisions.md).
"""
from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb

SCHEMA_PATH = Path(__file__).with_name("schema.sql")
SCHEMA_VERSION = "1"

# Tables a database must have to be served.
REQUIRED_TABLES = (
    "encounters", "diagnoses", "procedures", "service_lines", "adjudications",
    "adjustments", "audits", "audit_findings", "coders", "providers", "facilities",
    "payers", "dataset_info", "ref_msdrg", "ref_icd10cm", "ref_carc", "ref_specialty",
)


class DatabaseError(Exception):
    """A database file is missing, unreadable or not a codedash database."""


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every canonical and reference table (idempotent)."""
    con.execute(SCHEMA_PATH.read_text(encoding="utf-8"))


def memory_database() -> duckdb.DuckDBPyConnection:
    """An in-memory database with the canonical schema, for tests and scratch work."""
    con = duckdb.connect(":memory:")
    create_schema(con)
    return con


def _present_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute(
        "select table_name from information_schema.tables "
        "where table_schema = 'main' and table_catalog = current_database()").fetchall()}


def missing_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    present = _present_tables(con)
    return [t for t in REQUIRED_TABLES if t not in present]


ATTACHED_AS = "db"


def open_readonly(path: str | os.PathLike, writes_files: bool = False) -> duckdb.DuckDBPyConnection:
    """Open an existing codedash database read-only, or raise DatabaseError saying why not.

    The file is ATTACHed to a fresh in-memory connection rather than opened with connect(path):
    DuckDB caches database instances by path within a process, so after a load replaced the file,
    connect(path) would hand back the old instance while any old connection is still open.
    External access is then switched off and the configuration locked: the server only ever runs
    the project's own queries, and nothing may read or attach other files. Cursors must run
    `use db` (see use_attached) because the default catalog is per connection. Only the command line's
    `codedash export` passes `writes_files` (it writes the files its user named); the server never does.
    """
    p = Path(path)
    if not p.exists():
        raise DatabaseError(f"database not found: {p} (build the demo with `codedash demo --db {p}`)")
    if not p.is_file():
        raise DatabaseError(f"not a file: {p}")
    con = duckdb.connect(":memory:")
    try:
        con.execute("attach $path as db (read_only)", {"path": str(p)})   # db = ATTACHED_AS
    except duckdb.Error as exc:
        con.close()
        raise DatabaseError(f"cannot open {p} as a DuckDB database: {exc}") from None
    use_attached(con)
    if not writes_files:
        con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")
    missing = missing_tables(con)
    if missing:
        con.close()
        raise DatabaseError(f"{p} is not a codedash database: missing tables {', '.join(missing)}")
    stale = missing_marts(con)
    if stale:
        con.close()
        raise DatabaseError(f"{p} was built by an older codedash: it lacks the marts {', '.join(stale[:5])}"
                            f"{' ...' if len(stale) > 5 else ''}; rebuild it (`codedash demo --db {p}`, "
                            "or load your data again)")
    return con


def missing_marts(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Marts this version of codedash reads that the open database lacks (it was built by an older one)."""
    from codedash.data.marts import catalog

    present = _present_tables(con)
    return [m.name for m in catalog() if m.name not in present]


def use_attached(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Make the attached database the default catalog of this connection or cursor."""
    con.execute("use db")                                   # db = ATTACHED_AS
    return con


@contextlib.contextmanager
def building(path: str | os.PathLike, marts_dir: str | os.PathLike | None = None,
             progress: Callable[[str], None] | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection to a fresh database that replaces `path` only if the block succeeds.

    The marts are built from the tables the block wrote, or, with `marts_dir`, published from marts
    built elsewhere (Spark, `codedash marts build`); either way in the same file, atomically.
    progress(mart_name) is called as each mart starts building, after the block."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    for leftover in (tmp, Path(f"{tmp}.wal")):
        leftover.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    con.execute("set enable_progress_bar = false")     # builds report progress themselves
    try:
        create_schema(con)
        yield con
        if marts_dir is None:
            from codedash.data.marts import build_marts        # marts are derived: always rebuilt, in the same file
            build_marts(con, progress=progress)
        else:
            from codedash.data.marts.publish import publish_marts
            publish_marts(con, marts_dir)
        stamp_build(con)
        con.execute("checkpoint")
        con.close()
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(Exception):
            con.close()
        raise
    finally:
        for leftover in (tmp, Path(f"{tmp}.wal")):
            leftover.unlink(missing_ok=True)


def stamp_build(con: duckdb.DuckDBPyConnection) -> str:
    """Give the database being built a fresh identity (build_info), so caches keyed on it never serve a previous file."""
    build_id = str(uuid.uuid4())
    con.execute("delete from build_info")            # a load in append mode copied the previous file's row
    con.execute("insert into build_info values (?)", [build_id])
    return build_id


def build_database(path: str | os.PathLike, *steps: Callable[[duckdb.DuckDBPyConnection], None],
                   progress: Callable[[str], None] | None = None) -> Path:
    """Build a database at `path` by running each step on one connection, atomically (progress: see building)."""
    with building(path, progress=progress) as con:
        for step in steps:
            step(con)
    return Path(path)
