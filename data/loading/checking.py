"""Running the catalog's row rules over a scope and recording results, examples and completeness."""
from __future__ import annotations

from datetime import date

import duckdb

from codedash.data.loading.catalog import catalog
from codedash.data.loading.report import Failure, Report
from codedash.data.loading.rules import Scope, row_sql
from codedash.data.loading.tables import LOADABLE, quote, schema

# Rules that look up another table; skipped when that table could not be staged.
CROSS_TABLE = {"FK_ENCOUNTER": "encounters", "DX_SYSTEM_FOR_DATE": "encounters", "DX_ICD10CM_VALID_FY": "encounters",
               "PX_SYSTEM_FOR_DATE": "encounters", "ADJ_NOT_BEFORE_SERVICE": "service_lines"}


class LoadedTables(Scope):
    """Checks over the tables of a database (demo builds, `codedash check --rerun`): no file lines."""

    def __init__(self, con: duckdb.DuckDBPyConnection, today: date | None = None, prefix: str = "main"):
        self.today = today or date.today()
        self.prefix = prefix
        for t in LOADABLE:
            con.execute(f"create or replace temp view dq_v_{t} as "
                        f"select rowid as _row, cast(null as bigint) as _line, * from {prefix}.{t}")

    def rel(self, table: str) -> str:
        return f"dq_v_{table}"

    def all_rows(self, table: str) -> str:
        return f"{self.prefix}.{table}"


def run_rules(con: duckdb.DuckDBPyConnection, scope: Scope, tables: list[str], report: Report,
              files: dict[str, str] | None = None, unavailable: set[str] = frozenset(), progress=None) -> None:
    """Run every applicable catalog rule on each table; failing rows are counted, examples kept."""
    files = files or {}
    for table in tables:
        n_rows = con.execute(f"select count(*) from {scope.rel(table)}").fetchone()[0]
        for check in catalog().values():
            if CROSS_TABLE.get(check.check_id) in unavailable:
                continue
            sql = row_sql(scope, check, table)
            if sql is None:
                continue
            if progress is not None:
                progress(f"{table}: {check.check_id}")
            con.execute(f"create or replace temp table _dq_fail as {sql}")
            n_failed = con.execute("select count(distinct _row) from _dq_fail").fetchone()[0]
            examples = []
            if n_failed:
                examples = [Failure(check.check_id, table, files.get(table), line, col, value, message, enc)
                            for line, col, value, message, enc in con.execute(
                                "select _line, column_name, value, message, encounter_id from _dq_fail "
                                f"order by _row, column_name limit {int(report.max_examples)}").fetchall()]
            report.add(check.check_id, table, n_rows, n_failed, examples)
        con.execute("drop table if exists _dq_fail")


def completeness(con: duckdb.DuckDBPyConnection, run_id: str, prefix: str = "main") -> None:
    """dq_completeness: rows and null-or-empty values per column of every canonical table."""
    rows = []
    for t in LOADABLE:
        cols = schema()[t].columns
        exprs = ", ".join(
            f"coalesce(count_if({quote(c.name)} is null" + (f" or {quote(c.name)} = ''" if c.type == "VARCHAR" else "")
            + "), 0)"
            for c in cols)
        total, *nulls = con.execute(f"select count(*), {exprs} from {prefix}.{t}").fetchone()
        rows += [(run_id, t, c.name, total, n) for c, n in zip(cols, nulls)]
    con.execute("delete from dq_completeness where run_id = ?", [run_id])
    con.executemany("insert into dq_completeness values (?, ?, ?, ?, ?)", rows)


def record_table_checks(con: duckdb.DuckDBPyConnection, kind: str = "demo", source_format: str | None = None,
                        max_examples: int = 100, today: date | None = None, progress=None) -> Report:
    """Run the table-level checks on the canonical tables of `con` and save the run (dq_* tables).

    Used inside an atomic build (the demo) so the data-quality report is part of the published file.
    progress("table: check_id") is called before each check runs (tables in LOADABLE order).
    """
    from datetime import datetime

    from codedash.data.loading.catalog import install
    from codedash.data.loading.report import TableCounts, new_run_id

    report = Report(new_run_id(kind), kind, source_format=source_format or kind, max_examples=max_examples)
    install(con)
    run_rules(con, LoadedTables(con, today), list(LOADABLE), report, progress=progress)
    for t in LOADABLE:
        n = con.execute(f"select count(*) from {t}").fetchone()[0]
        report.tables[t] = TableCounts(rows_read=n, rows_loaded=n)
    report.status = "checked"
    report.finished_at = datetime.now()
    report.save(con)
    completeness(con, report.run_id)
    return report
