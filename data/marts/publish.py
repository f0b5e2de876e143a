"""Publish marts built elsewhere (Spark, or `codedash marts build`) into the database being built.

Each mart folder must hold exactly the columns the DuckDB build of the same file would produce; values
are cast to the DuckDB types (Spark writes sums as BIGINT and DECIMAL(24,2) where DuckDB has HUGEINT
and DECIMAL(38,2)) and stored in the order the mart's own ORDER BY gives, so date windows keep skipping
row groups. A mart that is missing, has other columns, or does not fit its types stops the build, and
since this runs inside data.database.building() the served file is left as it was.
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import sqlglot
from sqlglot import exp

from codedash.data.marts import Mart, catalog


class MartPublishError(Exception):
    """Marts built elsewhere cannot be published: named folder, mart and reason."""


def _order_by(mart: Mart) -> str:
    tree = sqlglot.parse_one(mart.sql, read="duckdb")
    order = tree.args.get("order")
    return order.sql(dialect="duckdb") if isinstance(order, exp.Order) else ""


def _lit(path: Path) -> str:
    return str(path).replace("'", "''")


def publish_marts(con: duckdb.DuckDBPyConnection, marts_dir: str | Path, progress=None) -> list[str]:
    """Create every mart table on `con` from `marts_dir/<mart>/*.parquet`; returns their names in build order."""
    root = Path(marts_dir)
    if not root.is_dir():
        raise MartPublishError(f"{root}: not a folder of marts (expected {root}/<mart>/*.parquet)")
    published = []
    for mart in catalog():
        if progress:
            progress(mart.name)
        folder = root / mart.name
        if not folder.is_dir() or not any(folder.glob("*.parquet")):
            raise MartPublishError(f"{folder}: mart {mart.name} is missing (every mart of this codedash version is "
                                   f"needed; build them with `codedash marts build`)")
        source = f"read_parquet('{_lit(folder)}/*.parquet')"
        expected = con.execute(f"describe {mart.sql}").fetchall()        # names and DuckDB types, not executed
        try:
            found = {r[0]: r[1] for r in con.execute(f"describe select * from {source}").fetchall()}
        except duckdb.Error as exc:
            raise MartPublishError(f"{folder}: cannot read mart {mart.name}: {exc}") from None
        want = [r[0] for r in expected]
        if sorted(found) != sorted(want):
            missing = [c for c in want if c not in found]
            extra = [c for c in found if c not in want]
            raise MartPublishError(f"{folder}: mart {mart.name} has other columns than this codedash version builds"
                                   + (f"; missing: {', '.join(missing)}" if missing else "")
                                   + (f"; unexpected: {', '.join(extra)}" if extra else ""))
        select = ", ".join(f'cast("{name}" as {dtype}) as "{name}"' for name, dtype, *_ in expected)
        order = _order_by(mart)
        try:
            con.execute(f"create or replace table {mart.name} as select {select} from {source} {order}")
        except duckdb.Error as exc:
            raise MartPublishError(f"{folder}: mart {mart.name} does not fit its column types: {exc}") from None
        published.append(mart.name)
    _check_consistent(con, root)
    return published


def _check_consistent(con: duckdb.DuckDBPyConnection, root: Path) -> None:
    """Marts published with canonical tables must describe those tables: the encounter mart holds the same encounters."""
    n_canonical = con.execute("select count(*) from encounters").fetchone()[0]
    if n_canonical == 0:
        return                                     # marts without canonical tables: nothing to compare with
    differ = con.execute("""
        select count(*) from (
            select encounter_id from encounters
            except
            select encounter_id from mart_encounters
        ) union all
        select count(*) from (
            select encounter_id from mart_encounters
            except
            select encounter_id from encounters
        )""").fetchall()
    if any(r[0] for r in differ):
        raise MartPublishError(f"{root}: the marts were built from other data than the tables loaded with them "
                               f"({differ[0][0]} loaded encounters are not in mart_encounters, {differ[1][0]} "
                               "mart encounters are not loaded); build the marts from the same dataset")


MARTS_ONLY_REASON = ("this database holds marts built elsewhere (codedash marts build / Spark) without the "
                     "canonical tables; views that read encounter-level tables are empty")


def publish_database(db: str | Path, marts_dir: str | Path, progress=None) -> list[str]:
    """A served database from marts alone: reference tables built here, canonical tables empty (and said so)."""
    from codedash.data.database import building
    from codedash.data.loading.tables import LOADABLE
    from codedash.data.reference import build_reference

    with building(db, marts_dir=marts_dir) as con:
        if progress:
            progress("reference tables")
        build_reference(con)
        con.executemany("insert or replace into dataset_info values (?, ?)",
                        [("source", f"marts published from {Path(marts_dir).resolve()}"),
                         *((f"empty_reason:{t}", MARTS_ONLY_REASON) for t in LOADABLE)])
        if progress:
            progress("publishing marts")
    return [m.name for m in catalog()]
