"""The data-quality check catalog: rows of checks.csv (rules are data), installed into dq_checks."""
from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

import duckdb

CATALOG_PATH = Path(__file__).with_name("checks.csv")
SEVERITIES = ("block", "warn")


@dataclass(frozen=True)
class Check:
    check_id: str
    table_name: str          # canonical table, or '*' (file-level or any table the rule applies to)
    column_name: str | None
    severity: str            # 'block' | 'warn'
    threshold: float         # share of failing rows tolerated before the check fails
    parameter: str | None    # check-specific limit (a date, an amount, an allowed set 'A|B')
    description: str

    def status(self, rows_failed: int, rows_checked: int) -> str:
        """'pass' | 'warn' | 'fail': a check fails when its failing share exceeds the threshold."""
        if rows_failed == 0:
            return "pass"
        share = rows_failed / rows_checked if rows_checked else 1.0
        if share <= self.threshold:
            return "pass"
        return "fail" if self.severity == "block" else "warn"


@functools.cache
def catalog() -> dict[str, Check]:
    """check_id -> Check, in catalog order."""
    out: dict[str, Check] = {}
    with CATALOG_PATH.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            check = Check(row["check_id"], row["table_name"], row["column_name"] or None, row["severity"],
                          float(row["threshold"]), row["parameter"] or None, row["description"])
            if check.severity not in SEVERITIES:
                raise ValueError(f"checks.csv: {check.check_id}: severity must be block or warn")
            if check.check_id in out:
                raise ValueError(f"checks.csv: duplicate check id {check.check_id}")
            out[check.check_id] = check
    return out


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Replace dq_checks with the catalog."""
    rows = [(c.check_id, c.table_name, c.column_name, c.description, c.severity, c.threshold, c.parameter)
            for c in catalog().values()]
    con.execute("delete from dq_checks")
    con.executemany("insert into dq_checks (check_id, table_name, column_name, description, severity, threshold, "
                    "parameter) values (?, ?, ?, ?, ?, ?, ?)", rows)
