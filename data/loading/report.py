"""The data-quality report of one run: results per check and table, example failures, row counts.

Saved in the dq_* tables of the database (loads that complete, demo builds) or, for a rejected
load whose database must not change, as JSON beside the database (`<db>.rejected/<run_id>.json`).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from codedash.data.loading.catalog import catalog

VALUE_CHARS = 100


def truncate(value, limit: int = VALUE_CHARS) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class Failure:
    check_id: str
    table_name: str
    file: str | None
    line: int | None
    column_name: str | None
    value: str | None
    message: str
    encounter_id: str | None = None

    def __post_init__(self):
        self.value = truncate(self.value)

    def text(self) -> str:
        where = ":".join(str(p) for p in (self.file, self.line) if p is not None) or self.table_name
        col = f" column {self.column_name}" if self.column_name else ""
        val = f" value {self.value!r}" if self.value is not None else ""
        return f"{where}:{col}{val}: {self.message} [{self.check_id}]"


@dataclass
class Result:
    check_id: str
    table_name: str
    rows_checked: int
    rows_failed: int
    status: str

    @property
    def pct_failed(self) -> float | None:
        return self.rows_failed / self.rows_checked if self.rows_checked else None


@dataclass
class TableCounts:
    file: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0


@dataclass
class Report:
    run_id: str
    kind: str                                    # 'load' | 'check' | 'demo'
    mode: str | None = None
    source_format: str | None = None
    sources: list[str] = field(default_factory=list)
    started_at: datetime = field(default_factory=datetime.now)
    finished_at: datetime | None = None
    status: str = "running"                      # 'loaded' | 'loaded_with_warnings' | 'checked' | 'rejected'
    results: list[Result] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    tables: dict[str, TableCounts] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    max_examples: int = 100
    dataset_notes: dict[str, str] = field(default_factory=dict)   # extra dataset_info rows (e.g. empty_reason:audits)

    # -- recording --------------------------------------------------------------------------
    def add(self, check_id: str, table: str, rows_checked: int, rows_failed: int,
            examples: list[Failure] = ()) -> Result:
        """Record a check's outcome on a table; a check run again on the same table (another column)
        adds its failing rows to the same result."""
        check = catalog()[check_id]
        kept = sum(1 for f in self.failures if f.check_id == check_id and f.table_name == table)
        self.failures.extend(list(examples)[: max(0, self.max_examples - kept)])
        for i, r in enumerate(self.results):
            if (r.check_id, r.table_name) == (check_id, table):
                failed, checked = r.rows_failed + rows_failed, max(r.rows_checked, rows_checked)
                self.results[i] = Result(check_id, table, checked, failed, check.status(failed, checked))
                return self.results[i]
        result = Result(check_id, table, rows_checked, rows_failed, check.status(rows_failed, rows_checked))
        self.results.append(result)
        return result

    def fail(self, failure: Failure, rows_checked: int = 1) -> Result:
        """A file- or header-level failure: one failing item."""
        return self.add(failure.check_id, failure.table_name, rows_checked, 1, [failure])

    @property
    def blocked(self) -> bool:
        return any(r.status == "fail" for r in self.results)

    @property
    def warned(self) -> bool:
        return any(r.status == "warn" for r in self.results)

    def totals(self) -> tuple[int, int, int]:
        t = self.tables.values()
        return (sum(c.rows_read for c in t), sum(c.rows_loaded for c in t), sum(c.rows_rejected for c in t))

    # -- output -------------------------------------------------------------------------------
    def summary(self) -> str:
        """The text printed at the end of a load or check."""
        lines = [f"run {self.run_id}: {self.status}"]
        if self.tables:
            lines.append(f"  {'table':<16} {'rows read':>12} {'loaded':>12} {'rejected':>12}")
            for table, c in self.tables.items():
                lines.append(f"  {table:<16} {c.rows_read:>12,} {c.rows_loaded:>12,} {c.rows_rejected:>12,}")
        bad = [r for r in self.results if r.rows_failed]
        if bad:
            lines.append(f"  {'check':<26} {'table':<16} {'severity':<8} {'failed':>10} {'of rows':>12} {'%':>8}  status")
            for r in bad:
                pct = f"{100 * r.pct_failed:.2f}" if r.pct_failed is not None else ""
                lines.append(f"  {r.check_id:<26} {r.table_name:<16} {catalog()[r.check_id].severity:<8} "
                             f"{r.rows_failed:>10,} {r.rows_checked:>12,} {pct:>8}  {r.status}")
        else:
            lines.append(f"  all {len(self.results)} checks passed")
        if self.failures:
            lines.append("  failures (examples):")
            lines.extend("    " + f.text() for f in self.failures)
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def to_json(self) -> str:
        data = {
            "run_id": self.run_id, "kind": self.kind, "mode": self.mode, "source_format": self.source_format,
            "sources": self.sources, "started_at": str(self.started_at), "finished_at": str(self.finished_at),
            "status": self.status, "notes": self.notes,
            "tables": {t: asdict(c) for t, c in self.tables.items()},
            "results": [dict(asdict(r), pct_failed=r.pct_failed, severity=catalog()[r.check_id].severity)
                        for r in self.results],
            "failures": [asdict(f) for f in self.failures],
        }
        return json.dumps(data, indent=2, default=str)

    def write_rejected(self, db_path: Path) -> Path:
        """A rejected load's report, beside the untouched database."""
        folder = Path(f"{db_path}.rejected")
        folder.mkdir(parents=True, exist_ok=True)
        out = folder / f"{self.run_id}.json"
        out.write_text(self.to_json(), encoding="utf-8")
        return out

    def save(self, con: duckdb.DuckDBPyConnection) -> None:
        """Write dq_runs, dq_results and dq_failures rows (dq_completeness is written by completeness())."""
        read, loaded, rejected = self.totals()
        con.execute("delete from dq_runs where run_id = ?", [self.run_id])
        con.execute(
            "insert into dq_runs (run_id, kind, mode, source_format, sources, started_at, finished_at, status, "
            "rows_read, rows_loaded, rows_rejected) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [self.run_id, self.kind, self.mode, self.source_format, ",".join(self.sources) or None,
             self.started_at, self.finished_at, self.status,
             read if self.tables else None, loaded if self.tables else None, rejected if self.tables else None])
        con.executemany(
            "insert into dq_results values (?, ?, ?, ?, ?, ?, ?)",
            [(self.run_id, r.check_id, r.table_name, r.rows_checked, r.rows_failed, r.pct_failed, r.status)
             for r in self.results])
        if self.failures:
            con.executemany(
                "insert into dq_failures values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(self.run_id, f.check_id, f.table_name, f.file, f.line, f.column_name, f.value, f.message,
                  f.encounter_id) for f in self.failures])


def new_run_id(kind: str, now: datetime | None = None) -> str:
    now = now or datetime.now()
    return f"{now:%Y%m%dT%H%M%S}{now.microsecond // 1000:03d}-{kind}"
