"""`codedash load`: stage native files, run the check catalog, and publish a new database atomically.

The new database is built in a temporary file beside the target (data.database.building): the old
file's tables are copied in (append) or only its reference tables and report history (replace), the
files are staged and checked, and only if no `block` check fails are the rows inserted, the report
saved and the file moved over the target with os.replace. Anything else (a block failure, an
exception, Ctrl-C, a full disk, SIGKILL) leaves the target byte-for-byte as it was.
"""
from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import duckdb

from codedash.data.database import SCHEMA_VERSION, building
from codedash.data.loading.catalog import install
from codedash.data.loading.checking import completeness, run_rules
from codedash.data.loading.files import discover
from codedash.data.loading.report import Failure, Report, new_run_id
from codedash.data.loading.rules import Scope
from codedash.data.loading.staging import stage
from codedash.data.loading.tables import LOADABLE, quote, schema

MEMORY_LIMIT = "1GB"
FIRST_ON = re.compile(r"first on line (\d+)")
MODES = ("replace", "append")
# Copied from the previous database in replace mode (everything else is replaced by the load).
KEPT_ON_REPLACE = ("ref_", "ncci_", "dq_runs", "dq_results", "dq_failures", "dq_completeness")


class LoadRejected(Exception):
    """A block check failed: nothing was loaded."""

    def __init__(self, report: Report):
        super().__init__(f"load rejected: {sum(r.status == 'fail' for r in report.results)} blocking check(s) failed")
        self.report = report


class StagedTables(Scope):
    """Rows being loaded (stage.t_<table>, with file lines), plus what the database already holds."""

    def __init__(self, staged: set[str], mode: str, today: date):
        self.staged, self.mode, self.today = staged, mode, today

    def rel(self, table: str) -> str:
        return f"stage.t_{table}"

    def all_rows(self, table: str) -> str:
        if table not in self.staged:
            return f"main.{table}"
        cols = ", ".join(quote(c) for c in schema()[table].column_names)
        return f"(select {cols} from stage.t_{table} union all select {cols} from main.{table})"

    def existing(self, table: str) -> str | None:
        return f"main.{table}" if self.mode == "append" else None


def _name_sources(con: duckdb.DuckDBPyConnection, report: Report, sources: list, staged: set[str],
                  source_files: list[str], source_format: str) -> None:
    """Failures on an importer's converted files name the user's source file and line (X12: segment)
    from the rows' provenance columns; a row without provenance, or a failure on a whole file, names
    the source files without a line (a row number of a temporary Parquet file means nothing to anyone)."""
    everything = ", ".join(source_files)
    report.sources = list(source_files)
    converted = {s.name: s.table for s in sources}
    for c in report.tables.values():
        c.file = everything
    origin: dict[tuple[str, int], tuple[str | None, int | None]] = {}
    for table in {converted[f.file] for f in report.failures if f.file in converted and f.line is not None}:
        cols = {r[0] for r in con.execute(
            "select column_name from information_schema.columns where table_catalog = 'stage' and table_name = ?",
            [f"t_{table}"]).fetchall()}
        if table not in staged or "_source_file" not in cols:
            continue
        mine = [f for f in report.failures if converted.get(f.file) == table and f.line is not None]
        rows = sorted({f.line for f in mine} | {int(m.group(1)) for f in mine if (m := FIRST_ON.search(f.message))})
        for row, file, line in con.execute(f"select _row, _source_file, _source_line from stage.t_{table} "
                                           "where list_contains($rows, _row)", {"rows": rows}).fetchall():
            origin[(table, row)] = (file, line)
    x12 = source_format.startswith("x12")
    for f in report.failures:
        if f.file not in converted:
            continue
        table = converted[f.file]
        file, line = origin.get((table, f.line), (None, None))
        if (m := FIRST_ON.search(f.message)) is not None:      # PK_UNIQUE names the first row of the key
            first_file, first_line = origin.get((table, int(m.group(1))), (None, None))
            where = (f"line {first_line}" if first_file == file else f"{first_file}, line {first_line}"
                     ) if first_line is not None else "another row"
            f.message = f"{f.message[:m.start()]}first on {where}{f.message[m.end():]}"
        f.file, f.line = file or everything, line
        if x12 and line is not None:
            f.message = f"{f.message} (X12 segment {line})"
        elif file and line is not None and str(file).lower().endswith(".parquet"):
            f.message = f"{f.message} (Parquet row {line})"     # a Parquet source has rows, not lines


def import_rejected(exc, mode: str, source_format: str) -> Report:
    """The report of a load an importer refused (an ImportFormatError: source file, line or X12
    segment, message), written like any rejected load's beside the untouched database."""
    report = Report(new_run_id("load"), "load", mode=mode, source_format=source_format,
                    sources=[exc.file] if exc.file else [])
    where = "X12 segment" if exc.unit == "segment" else exc.unit      # a Parquet source: "row"
    message = exc.message if exc.unit == "line" or exc.line is None else f"{where} {exc.line}: {exc.message}"
    report.fail(Failure("SOURCE_FORMAT", "*", exc.file, exc.line, getattr(exc, "field", None),
                        getattr(exc, "value", None), message))
    report.status = "rejected"
    report.finished_at = datetime.now()
    return report


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def scratch_paths(target: Path, pid: int | None = None) -> list[Path]:
    pid = os.getpid() if pid is None else pid
    base = f".{target.name}.{pid}"
    return [target.with_name(f"{base}.stage.duckdb"), target.with_name(f"{base}.stage.duckdb.wal"),
            target.with_name(f"{base}.spill")]


def remove_stale(target: Path) -> list[Path]:
    """Remove leftovers of builds whose process died (e.g. killed mid-load): never the target itself."""
    removed = []
    for p in target.parent.glob(f".{target.name}.*"):
        parts = p.name[len(target.name) + 2:].split(".")
        if parts and parts[0].isdigit() and not _alive(int(parts[0])) and int(parts[0]) != os.getpid():
            if p.is_dir():
                for q in p.iterdir():
                    q.unlink(missing_ok=True)
                p.rmdir()
            else:
                p.unlink(missing_ok=True)
            removed.append(p)
    return removed


def _copy_previous(con: duckdb.DuckDBPyConnection, old: Path, mode: str) -> bool:
    """Copy the previous database's tables into the build; False when there is none."""
    if not old.exists():
        return False
    con.execute("attach $p as old (read_only)", {"p": str(old)})
    old_tables = {r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_catalog = 'old' and table_schema = 'main'").fetchall()}
    for table in schema():
        if table not in old_tables or table == "dq_checks":
            continue
        if mode == "replace" and not table.startswith(KEPT_ON_REPLACE):
            continue
        old_cols = {r[0] for r in con.execute(
            "select column_name from information_schema.columns where table_catalog = 'old' and table_name = ?",
            [table]).fetchall()}
        cols = ", ".join(quote(c) for c in schema()[table].column_names if c in old_cols)
        con.execute(f"insert into main.{table} ({cols}) select {cols} from old.main.{table}")
    if mode == "replace":             # CMS edits are reference data and stay; the demo's set belongs to the demo
        con.execute("delete from main.ncci_ptp where edit_source = 'demo'")
        con.execute("delete from main.ncci_mue where edit_source = 'demo'")
    has_ref = con.execute("select count(*) from main.ref_icd10cm").fetchone()[0] > 0
    con.execute("detach old")
    return has_ref


def _final_expr(table: str, col: str) -> str:
    if (table, col) == ("encounters", "age_years"):
        return "case when age_years < 0 or age_years > 120 then null when age_years > 90 then 90 else age_years end"
    return quote(col)


def _dataset_info(con: duckdb.DuckDBPyConnection, report: Report) -> None:
    period = con.execute("select min(discharge_date), max(discharge_date), count(*) from encounters").fetchone()
    info = {"source": report.source_format, "loaded_at": report.started_at.isoformat(timespec="seconds"),
            "last_load_run": report.run_id, "last_load_mode": report.mode, "n_encounters": str(period[2]),
            "period_start": str(period[0]) if period[0] else None, "period_end": str(period[1]) if period[1] else None,
            "schema_version": SCHEMA_VERSION, **report.dataset_notes}
    if report.mode == "replace":
        con.execute("delete from dataset_info")
    for k, v in info.items():
        con.execute("delete from dataset_info where key = ?", [k])
        con.execute("insert into dataset_info values (?, ?)", [k, v])


def load_native(paths: list[str | Path], db: str | Path, mode: str = "replace",
                progress: Callable[[str, int, int], None] | None = None, max_examples: int = 100,
                today: date | None = None, source_format: str = "native",
                dataset_notes: dict[str, str] | None = None, source_files: list[str] | None = None,
                marts_dir: str | Path | None = None) -> Report:
    """Load native files into `db`. Returns the report; raises LoadRejected when a block check fails.

    `source_format` is recorded in dq_runs (an importer that converted another format to native
    Parquet passes its own name); `dataset_notes` become dataset_info rows (for example an importer's
    `empty_reason:<table>` saying why a table is empty in this source); `source_files` are the files the
    importer read, which failures then name instead of the converted files (see _name_sources).
    With `marts_dir` the marts are published from marts built elsewhere instead of built here."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    target = Path(db)
    today = today or date.today()
    report = Report(new_run_id("load"), "load", mode=mode, source_format=source_format, max_examples=max_examples,
                    dataset_notes=dict(dataset_notes or {}))
    sources, failures, notes = discover(paths)
    report.sources = [s.name for s in sources]
    report.notes += notes
    for f in failures:
        report.fail(f)
    if not sources and not failures:
        report.fail(discover(["<no files given>"])[1][0])
    if report.blocked:
        report.status = "rejected"
        report.finished_at = datetime.now()
        raise LoadRejected(report)

    steps = 2 + 2 * len(sources)
    step = 0

    def tick(what: str) -> None:
        nonlocal step
        step += 1
        if progress is not None:
            progress(what, step, steps)

    remove_stale(target)
    stage_db, _, spill = scratch_paths(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with building(target, marts_dir=marts_dir) as con:
            con.execute(f"set memory_limit = '{MEMORY_LIMIT}'")
            con.execute("set enable_progress_bar = false")   # our own progress bar reports loads
            con.execute("set temp_directory = $d", {"d": str(spill)})
            con.execute("set preserve_insertion_order = true")
            tick("preparing the database (reference tables on a first load)")
            if not _copy_previous(con, target, mode):
                from codedash.data.reference import build_reference
                build_reference(con)
            install(con)
            con.execute("attach $p as stage", {"p": str(stage_db)})
            staged = {}
            for src in sources:
                tick(f"reading {src.path.name}")
                staged[src.table] = stage(con, src, report)
            ok = {t for t, s in staged.items() if s.ok}
            unavailable = set(staged) - ok
            if unavailable:
                report.notes.append("row checks skipped for " + ", ".join(sorted(unavailable))
                                    + ": the file could not be read (see the failures above)")
            scope = StagedTables(ok, mode, today)
            tables = [t for t in LOADABLE if t in ok]
            for t in tables:
                tick(f"checking {t}")
                run_rules(con, scope, [t], report, {s.table: s.name for s in sources},
                          unavailable=unavailable)
            if source_files is not None:
                _name_sources(con, report, sources, ok, source_files, source_format)
            if report.blocked:
                for c in report.tables.values():
                    c.rows_rejected, c.rows_loaded = c.rows_read, 0
                report.status = "rejected"
                raise LoadRejected(report)
            tick("publishing")
            for t in tables:
                cols = schema()[t].column_names
                if mode == "replace":
                    con.execute(f"delete from main.{t}")
                con.execute(f"insert into main.{t} ({', '.join(quote(c) for c in cols)}) "
                            f"select {', '.join(_final_expr(t, c) for c in cols)} from stage.t_{t}")
                report.tables[t].rows_loaded = con.execute(f"select count(*) from stage.t_{t}").fetchone()[0]
            if mode == "replace":
                con.execute("delete from demo_ground_truth")
            con.execute("detach stage")
            _dataset_info(con, report)
            report.status = "loaded_with_warnings" if report.warned else "loaded"
            report.finished_at = datetime.now()
            report.save(con)
            completeness(con, report.run_id)
        if progress is not None:
            progress("done", steps, steps)
    except LoadRejected:
        report.finished_at = datetime.now()
        raise
    finally:
        for p in scratch_paths(target):
            if p.is_dir():
                for q in p.iterdir():
                    q.unlink(missing_ok=True)
                with contextlib.suppress(OSError):
                    p.rmdir()
            else:
                p.unlink(missing_ok=True)
    return report
