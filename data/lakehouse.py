"""The canonical tables as a Parquet dataset that Spark and DuckDB both read: one folder per table.

Layout: `<dir>/<table>/<table>.parquet` for every canonical table and every reference table the marts
read, plus `<dir>/_codedash.json` (what was written, from which build). One file per folder keeps the
layout loadable by `codedash load <dir>` (the loader looks one level down for `<table>/<table>.parquet`)
and readable by `spark.read.parquet(<dir>/<table>)`, which reads every file in the folder, so a lake
that writes many part files per table is read the same way. Tables are not partitioned by month: the
line tables do not carry the discharge month (it lives on encounters), and adding a derived column
would change the contract; Parquet row-group statistics already let both engines skip.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from codedash.data.loading.tables import LOADABLE, quote, schema
from codedash.data.marts.translate import input_tables

MANIFEST = "_codedash.json"


class LakehouseError(Exception):
    """An input folder is not a codedash Parquet dataset, or a table in it is missing."""


def dataset_tables() -> list[str]:
    """Every canonical table a load accepts, then the reference tables the marts read."""
    canonical = list(LOADABLE)
    return canonical + [t for t in input_tables() if t not in canonical]


def export_parquet(con: duckdb.DuckDBPyConnection, out_dir: str | Path) -> list[str]:
    """Write every dataset table of the database on `con` under `out_dir`; returns the tables written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for table in dataset_tables():
        folder = out / table
        folder.mkdir(exist_ok=True)
        for old in folder.glob("*.parquet"):
            old.unlink()
        target = folder / f"{table}.parquet"
        cols = ", ".join(quote(c) for c in schema()[table].column_names)
        # table names come from the schema, never from the user
        con.execute(f"copy (select {cols} from {table}) to '{_literal(target)}' (format parquet, compression zstd)")
        written.append(table)
    build = con.execute("select build_id from build_info").fetchone()
    (out / MANIFEST).write_text(json.dumps({
        "written_by": "codedash export --format parquet",
        "written_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "source_build_id": build[0] if build else None,
        "tables": written,
    }, indent=2) + "\n", encoding="utf-8")
    return written


def table_folder(in_dir: str | Path, table: str) -> Path:
    """The folder holding `table` in a dataset; raises LakehouseError when it has no Parquet file."""
    folder = Path(in_dir) / table
    if not folder.is_dir() or not any(folder.glob("*.parquet")):
        raise LakehouseError(f"{folder}: no Parquet files for table {table} (expected {folder}/*.parquet; "
                             f"write the dataset with `codedash export --format parquet`)")
    return folder


def _literal(path: Path) -> str:
    return str(path).replace("'", "''")
