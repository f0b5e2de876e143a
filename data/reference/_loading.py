"""Bulk-loading helpers shared by the reference builders."""
from __future__ import annotations

import io
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import duckdb
import pandas as pd

CSV_DIR = Path(__file__).parent


def package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = 'main' and table_name = ? order by ordinal_position", [table]).fetchall()
    return [r[0] for r in rows]


def replace_table(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame) -> int:
    """Replace every row of `table` with `df` in one bulk insert; returns the row count.

    `df` must carry exactly the table's columns (any order); a missing or extra column is an error,
    so a schema change is noticed here rather than silently loaded as nulls.
    """
    cols = table_columns(con, table)
    if set(df.columns) != set(cols):
        raise ValueError(f"{table}: columns {sorted(df.columns)} do not match schema {cols}")
    view = f"_ref_load_{table}"
    con.register(view, df)
    try:
        col_list = ", ".join(cols)
        con.execute(f"delete from {table}")
        con.execute(f"insert into {table} ({col_list}) select {col_list} from {view}")
    finally:
        con.unregister(view)
    return len(df)


def read_reference_csv(name: str) -> pd.DataFrame:
    """Read a CSV shipped in data/reference/, skipping its leading '# ...' comment lines.

    Every column is read as text (codes such as '01' keep their leading zero); empty cells become null.
    """
    text = (CSV_DIR / name).read_text(encoding="utf-8")
    body = "".join(line for line in io.StringIO(text) if not line.startswith("#"))
    return pd.read_csv(io.StringIO(body), dtype=str, keep_default_na=False, na_values=[""])


def csv_source_note(name: str) -> str:
    """The '# source: ...' comment at the top of a shipped CSV."""
    notes = []
    with open(CSV_DIR / name, encoding="utf-8") as fh:
        for line in fh:
            if not line.startswith("#"):
                break
            notes.append(line.lstrip("#").strip())
    return " ".join(notes)

