"""The canonical tables a user may load, read from schema.sql (the contract): columns, types, keys.

Table and column names used in generated SQL come only from here (an allow-list built from our own
schema), never from an input file.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

# Canonical tables accepted by `codedash load`, in load order (parents before children).
LOADABLE = (
    "facilities", "payers", "providers", "coders", "encounters", "diagnoses", "procedures",
    "service_lines", "adjudications", "adjustments", "audits", "audit_findings",
)

# Columns whose values are codes, normalised on load like data.codes.normalize_code
# (upper case, no dots, no whitespace).
CODE_COLUMNS = {
    ("diagnoses", "code"), ("procedures", "code"), ("service_lines", "code"),
    ("audit_findings", "original_code"), ("audit_findings", "corrected_code"),
}
# Short controlled values, stored trimmed and upper case.
UPPER_COLUMNS = {
    ("diagnoses", "code_system"), ("procedures", "code_system"), ("service_lines", "code_system"),
    ("service_lines", "modifier_1"), ("service_lines", "modifier_2"), ("service_lines", "modifier_3"),
    ("service_lines", "modifier_4"), ("adjudications", "carc_group"), ("adjudications", "carc_code"),
    ("adjudications", "rarc_code"), ("adjustments", "carc_group"), ("adjustments", "carc_code"),
    ("encounters", "sex"), ("diagnoses", "poa"), ("audit_findings", "code_system"),
    ("audit_findings", "original_modifiers"), ("audit_findings", "corrected_modifiers"),
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str            # DuckDB type as in schema.sql, e.g. 'DECIMAL(14,2)'
    not_null: bool
    default: str | None

    @property
    def required(self) -> bool:
        """A file must have this column: not null and no default."""
        return self.not_null and self.default is None


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def columns_of_type(self, *prefixes: str) -> list[str]:
        return [c.name for c in self.columns if c.type.startswith(prefixes)]


@functools.cache
def schema() -> dict[str, Table]:
    """Every table of schema.sql with its columns and primary key."""
    from codedash.data.database import memory_database

    con = memory_database()
    cols: dict[str, list[Column]] = {}
    for table, name, dtype, nullable, default in con.execute(
            "select table_name, column_name, data_type, is_nullable, column_default "
            "from information_schema.columns where table_schema = 'main' "
            "order by table_name, ordinal_position").fetchall():
        cols.setdefault(table, []).append(Column(name, dtype, nullable == "NO", default))
    pks = {t: tuple(c) for t, c in con.execute(
        "select table_name, constraint_column_names from duckdb_constraints() "
        "where constraint_type = 'PRIMARY KEY'").fetchall()}
    con.close()
    pks.update(declared_unique_keys())
    return {t: Table(t, tuple(c), pks.get(t, ())) for t, c in cols.items()}


def declared_unique_keys() -> dict[str, tuple[str, ...]]:
    """Keys stated as `-- unique key: a, b` in schema.sql (tables kept without an index for load speed)."""
    import re

    from codedash.data.database import SCHEMA_PATH

    keys: dict[str, tuple[str, ...]] = {}
    table = None
    for line in SCHEMA_PATH.read_text(encoding="utf-8").splitlines():
        if m := re.match(r"create table if not exists (\w+)", line.strip()):
            table = m.group(1)
        elif (m := re.match(r"\s*--\s*unique key:\s*(.+)$", line)) and table:
            keys[table] = tuple(c.strip() for c in m.group(1).split(","))
    return keys


def loadable() -> dict[str, Table]:
    s = schema()
    return {t: s[t] for t in LOADABLE}


def quote(name: str) -> str:
    """Quote an identifier that comes from the allow-list (schema.sql)."""
    assert name.replace("_", "").isalnum(), name
    return f'"{name}"'
