"""Marts: narrow, pre-joined, pre-aggregated tables built from the canonical tables at load time.

Each mart is one SQL file in this folder, `<name>.sql`, whose body is a single SELECT (CTEs allowed)
and whose header states what it is:

    -- mart: mart_encounters
    -- grain: one row per encounter
    -- depends: mart_claims_initial, mart_other     (other marts it reads; omit or `none` if only canonical tables)
    -- purpose: why the dashboard needs it

`build_marts(con)` creates every mart as a table, in dependency order, inside the connection it is
given. data.database.building() calls it just before the checkpoint, so every build (demo, load,
append, tests' database files) publishes canonical tables and marts together, atomically: a reader
can never see data and marts out of step. The SQL is plain and portable (see docs/decisions.md) so
the same files can later run on Spark through sqlglot.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

MART_DIR = Path(__file__).parent
_NAME_RE = re.compile(r"^mart_[a-z0-9_]+$")
_HEADER_RE = re.compile(r"--\s*([a-z_]+):\s*(.*)$")


class MartError(Exception):
    """A mart file is malformed, or the marts depend on each other in a cycle."""


@dataclass(frozen=True)
class Mart:
    name: str
    grain: str
    depends: tuple[str, ...]
    sql: str
    path: Path


def _parse(path: Path) -> Mart:
    text = path.read_text(encoding="utf-8")
    header: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        m = _HEADER_RE.match(line)
        if m:
            header[m.group(1)] = m.group(2).strip()
    name = path.stem
    if not _NAME_RE.match(name):
        raise MartError(f"{path.name}: a mart file is named mart_<name>.sql (lower case, digits, _)")
    if header.get("mart") != name:
        raise MartError(f"{path.name}: header must start with '-- mart: {name}'")
    if not header.get("grain"):
        raise MartError(f"{path.name}: header lacks '-- grain:'")
    deps = tuple(d.strip() for d in header.get("depends", "").split(",") if d.strip() and d.strip() != "none")
    body = text.rstrip().rstrip(";")
    if ";" in re.sub(r"--[^\n]*", "", body):
        raise MartError(f"{path.name}: a mart is one SELECT statement (found ';')")
    return Mart(name=name, grain=header["grain"], depends=deps, sql=body, path=path)


def catalog() -> list[Mart]:
    """Every mart, in an order where each comes after the marts it depends on."""
    marts = {m.name: m for m in (_parse(p) for p in sorted(MART_DIR.glob("mart_*.sql")))}
    ordered: list[Mart] = []
    state: dict[str, str] = {}

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            raise MartError("marts depend on each other in a cycle: " + " -> ".join((*chain, name)))
        if name not in marts:
            raise MartError(f"{chain[-1]}.sql depends on unknown mart {name!r}")
        state[name] = "visiting"
        for dep in marts[name].depends:
            visit(dep, (*chain, name))
        state[name] = "done"
        ordered.append(marts[name])

    for name in sorted(marts):
        visit(name, ())
    return ordered


def build_marts(con: duckdb.DuckDBPyConnection, progress=None) -> list[str]:
    """(Re)create every mart table from the canonical tables on `con`; returns their names in build order."""
    built = []
    for mart in catalog():
        if progress:
            progress(mart.name)
        # The name is checked against _NAME_RE and equals the file name: project text, not user input.
        con.execute(f"create or replace table {mart.name} as\n{mart.sql}")
        built.append(mart.name)
    return built
