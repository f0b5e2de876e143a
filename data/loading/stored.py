"""Reading a saved data-quality report back from the dq_* tables, and re-running checks read-only."""
from __future__ import annotations

from datetime import datetime

import duckdb

from codedash.data.loading.report import Failure, Report, Result, TableCounts, new_run_id


def latest_report(con: duckdb.DuckDBPyConnection, run_id: str | None = None) -> Report | None:
    """The report of `run_id`, or of the latest run, as saved in the database."""
    row = con.execute(
        "select run_id, kind, mode, source_format, sources, started_at, finished_at, status, rows_read, rows_loaded, "
        "rows_rejected from dq_runs where run_id = coalesce($r, run_id) order by started_at desc, run_id desc limit 1",
        {"r": run_id}).fetchone()
    if row is None:
        return None
    rid, kind, mode, fmt, sources, started, finished, status, read, loaded, rejected = row
    report = Report(rid, kind, mode=mode, source_format=fmt, sources=(sources or "").split(",") if sources else [],
                    started_at=started, finished_at=finished, status=status, max_examples=10**9)
    report.results = [Result(*r) for r in con.execute(
        "select check_id, table_name, rows_checked, rows_failed, status from dq_results where run_id = ? "
        "order by rowid", [rid]).fetchall()]
    report.failures = [Failure(*f) for f in con.execute(
        "select check_id, table_name, file, line, column_name, value, message, encounter_id from dq_failures "
        "where run_id = ? order by rowid", [rid]).fetchall()]
    for table, total in con.execute(
            "select table_name, max(rows_total) from dq_completeness where run_id = ? group by table_name "
            "order by table_name", [rid]).fetchall():
        report.tables[table] = TableCounts(rows_read=total, rows_loaded=total)
    report.notes.append(f"saved report; rows read {read}, loaded {loaded}, rejected {rejected}"
                        if read is not None else "saved report")
    return report


def rerun_checks(con: duckdb.DuckDBPyConnection, max_examples: int = 20) -> Report:
    """Run the table-level checks now on a read-only connection (temporary views only; nothing saved)."""
    from codedash.data.loading.checking import LoadedTables, run_rules
    from codedash.data.loading.tables import LOADABLE

    report = Report(new_run_id("check"), "check", max_examples=max_examples)
    run_rules(con, LoadedTables(con), list(LOADABLE), report)
    for t in LOADABLE:
        n = con.execute(f"select count(*) from main.{t}").fetchone()[0]
        report.tables[t] = TableCounts(rows_read=n, rows_loaded=n)
    report.status = "checked"
    report.finished_at = datetime.now()
    return report
