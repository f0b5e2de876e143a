"""What every importer shares: the error and summary types, header sniffing, truncation checks,
staging of delimited files into DuckDB, and writing canonical tables to Parquet.

An importer reads its source files with DuckDB (streaming `read_csv`, all columns as text), maps them
with vectorised SQL into the canonical tables of data/schema.sql (created in a scratch database, so
types, NOT NULL and primary keys are enforced exactly as in a real load), and only then writes one
Parquet file per table. Any error raises ImportFormatError before a single file is written.
"""
from __future__ import annotations

import contextlib
import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from codedash.data.database import SCHEMA_PATH

__all__ = [
    "ImportFormatError", "X12FormatError", "ImportSummary", "read_header", "check_not_truncated", "scratch", "stage",
    "write_tables", "norm", "money", "load_into", "CANONICAL_DATA_TABLES", "listed_files", "header_kinds",
]

# Tables an importer may fill, in load order (dimensions first).
CANONICAL_DATA_TABLES = (
    "facilities", "payers", "providers", "coders", "encounters", "diagnoses", "procedures",
    "service_lines", "adjudications", "adjustments", "audits", "audit_findings",
)


class ImportFormatError(Exception):
    """Malformed or unrecognised input: which file, which line (1-based, header = 1; None = whole file), what."""
    unit = "line"

    def __init__(self, file: str | Path | None, line: int | None, message: str, field: str | None = None,
                 value: str | None = None):
        self.file = str(file) if file is not None else None
        self.line = line
        self.message = message
        self.field = field      # the source field at fault, when one is (the rejected report's column)
        self.value = value      # its value as read
        where = self.file or "<input>"
        if line is not None:
            where = f"{where}, {self.unit} {line}"
        super().__init__(f"{where}: {message}")


class X12FormatError(ImportFormatError):
    """An X12 error: `line` is the segment number (1 = ISA), since X12 files need not have line breaks."""
    unit = "segment"


@dataclass
class ImportSummary:
    """What an importer read, wrote and left out."""
    format: str
    files: list[str] = field(default_factory=list)             # source files read, in order
    rows_read: dict[str, int] = field(default_factory=dict)    # source file name -> data rows read
    rows_written: dict[str, int] = field(default_factory=dict) # canonical table -> rows written
    notes: list[str] = field(default_factory=list)             # dropped fields / rows and why
    # canonical table -> why it is empty for this source (for empty views: "no audit data in this source")
    empty_reasons: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        lines = [f"format: {self.format}"]
        lines += [f"  read {n:>9,} rows  {name}" for name, n in self.rows_read.items()]
        lines += [f"  wrote {n:>8,} rows  {table}" for table, n in self.rows_written.items()]
        lines += [f"  note: {note}" for note in self.notes]
        lines += [f"  empty: {table}: {why}" for table, why in self.empty_reasons.items()]
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Looking at files without reading them whole
# ---------------------------------------------------------------------------------------------

_DELIMS = ("|", ",", "\t")


def _first_line(path: Path, limit: int = 1 << 20) -> str:
    with open(path, "rb") as fh:
        raw = fh.readline(limit)
    return raw.decode("utf-8-sig", errors="replace").rstrip("\r\n")


def read_header(path: str | Path) -> tuple[str, list[str]]:
    """(delimiter, column names) of a delimited file's header line; ('', []) when the file is empty or binary."""
    path = Path(path)
    try:
        line = _first_line(path)
    except OSError:
        return "", []
    if not line or "\x00" in line:
        return "", []
    delim = max(_DELIMS, key=line.count)
    if line.count(delim) == 0:
        return "", [line.strip()]
    names = next(csv.reader(io.StringIO(line), delimiter=delim, quotechar='"'))
    return delim, [n.strip() for n in names]


def header_set(path: str | Path) -> set[str]:
    return {c.upper() for c in read_header(path)[1]}


def _count_lines(path: Path) -> int:
    n = 0
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 24), b""):
            n += chunk.count(b"\n")
    return n


def check_not_truncated(path: str | Path, delim: str, header: list[str]) -> int:
    """Raise ImportFormatError when the last record has fewer fields than the header (a file cut short).

    Returns the number of data rows (lines after the header). A trailing empty field beyond the header
    (RIF extracts end every record with '|') is accepted.
    """
    path = Path(path)
    size = path.stat().st_size
    with open(path, "rb") as fh:
        fh.seek(max(0, size - (1 << 20)))
        tail = fh.read().decode("utf-8", errors="replace")
    lines = tail.splitlines()
    n_lines = _count_lines(path) + (0 if tail.endswith("\n") else 1)
    while lines and not lines[-1].strip():
        lines.pop()
        n_lines -= 1
    if n_lines <= 1 or not lines:
        return 0
    last = lines[-1]
    fields = next(csv.reader(io.StringIO(last), delimiter=delim, quotechar='"'), [])
    if len(fields) < len(header):
        raise ImportFormatError(
            path, n_lines,
            f"truncated file: the last record has {len(fields)} of the header's {len(header)} fields "
            f"(cut off after column {header[len(fields) - 1] if fields else '?'!s}); nothing was imported")
    if not tail.endswith("\n") and fields and len(fields) == len(header) and last.count('"') % 2:
        raise ImportFormatError(path, n_lines, "truncated file: the last record ends inside a quoted field")
    return n_lines - 1


def require_columns(path: Path, header: Iterable[str], required: Iterable[str], layout: str) -> None:
    have = {h.upper() for h in header}
    missing = [c for c in required if c.upper() not in have]
    if missing:
        raise ImportFormatError(
            path, 1, f"unknown {layout} layout: header lacks required column(s) {', '.join(missing)}")


# ---------------------------------------------------------------------------------------------
# Scratch database, staging and output
# ---------------------------------------------------------------------------------------------

# Where each encounter came from: the user's source file and the line (X12: segment number) of its first
# record. write_tables adds it to every row of a table keyed by encounter (or by claim, for adjustments)
# as the columns _source_file and _source_line, which the loader reads to name the source file and line
# in every warning and error instead of the converted Parquet file in a temporary folder.
ORIGIN = "_origin"
ORIGIN_LINES = "_origin_lines"    # the same by service line (encounter_id, line_number), where a source has it
PROVENANCE = ("_source_file", "_source_line")


def add_origins(con: duckdb.DuckDBPyConnection, select_sql: str, lines: bool = False) -> None:
    """Record (encounter_id, [line_number,] source file, source line) rows; the first (file, line) wins."""
    con.execute(f"insert into {ORIGIN_LINES if lines else ORIGIN} {select_sql}")


def first_lines(view: str, encounter_key: str) -> str:
    """SQL: the first line of each encounter in each file of a staged view (see stage: _file, _line).

    encounter_key is the SQL of encounter_id, or of encounter_id and line_number (for ORIGIN_LINES)."""
    return f"select {encounter_key}, _file, min(_line) from {view} group by all"


def add_origin_rows(con: duckdb.DuckDBPyConnection, rows: list[tuple], lines: bool = False) -> None:
    if rows:
        con.executemany(f"insert into {ORIGIN_LINES if lines else ORIGIN} values ({', '.join('?' * len(rows[0]))})",
                        rows)


def _with_origin(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """A select of `table` with the provenance columns, in the table's row order."""
    cols = {r[0] for r in con.execute(f"describe {table}").fetchall()}
    def first(table: str, keys: str) -> str:
        return (f"(select {keys}, _source_file, _source_line from {table} qualify row_number() over "
                f"(partition by {keys} order by _source_file, _source_line) = 1)")
    if {"encounter_id", "line_number"} <= cols:
        return (f"select t.*, coalesce(l._source_file, o._source_file) as _source_file, "
                f"coalesce(l._source_line, o._source_line) as _source_line from {table} t "
                f"left join {first(ORIGIN_LINES, 'encounter_id, line_number')} l "
                f"on l.encounter_id = t.encounter_id and l.line_number = t.line_number "
                f"left join {first(ORIGIN, 'encounter_id')} o on o.encounter_id = t.encounter_id order by t.rowid")
    if "encounter_id" in cols:
        join = f"left join {first(ORIGIN, 'encounter_id')} o on o.encounter_id = t.encounter_id"
    elif "claim_id" in cols:
        join = (f"left join (select claim_id, min(encounter_id) as encounter_id from adjudications group by 1) a "
                f"on a.claim_id = t.claim_id left join {first(ORIGIN, 'encounter_id')} o "
                f"on o.encounter_id = a.encounter_id")
    else:
        return f"select *, cast(null as varchar) as _source_file, cast(null as bigint) as _source_line from {table}"
    return f"select t.*, o._source_file, o._source_line from {table} t {join} order by t.rowid"


@contextlib.contextmanager
def scratch(con: duckdb.DuckDBPyConnection | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection whose default schema holds empty canonical tables.

    With `con` given, the work happens in a temporary schema of that connection (dropped afterwards),
    so its settings (memory_limit, temp_directory, threads) apply; otherwise in a private in-memory DB.
    """
    own = con is None
    c = duckdb.connect(":memory:") if own else con
    try:
        if not own:
            c.execute("drop schema if exists codedash_import cascade; create schema codedash_import; "
                      "set schema = 'codedash_import'")
        c.execute("set preserve_insertion_order = true")
        c.execute(SCHEMA_PATH.read_text(encoding="utf-8"))
        c.execute(f"create table {ORIGIN} (encounter_id varchar, _source_file varchar, _source_line bigint)")
        c.execute(f"create table {ORIGIN_LINES} (encounter_id varchar, line_number integer, _source_file varchar, "
                  "_source_line bigint)")
        yield c
    finally:
        if own:
            c.close()
        else:
            with contextlib.suppress(duckdb.Error):
                c.execute("set schema = 'main'; drop schema if exists codedash_import cascade")


def folder_files(folder: Path) -> list[Path]:
    """A folder's regular files, sorted; a symbolic link loop or broken link in it is an error naming it."""
    from codedash.data.loading.files import folder_files as readable

    files, bad = readable(folder)
    if bad:
        raise ImportFormatError(bad[0][0], None, bad[0][1])
    return files


def listed_files(paths: Iterable[str | Path], suffixes: tuple[str, ...] = (".csv",)) -> list[tuple[Path, bool]]:
    """(file, named explicitly) for each path; a folder expands to its files with one of `suffixes`."""
    out: list[tuple[Path, bool]] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += [(f, False) for f in folder_files(p) if f.suffix.lower() in suffixes]
        else:
            out.append((p, True))
    return out


def header_kinds(paths: Iterable[str | Path], kind_of, suffixes: tuple[str, ...] = (".csv",)) -> list | None:
    """The kind of each file (kind_of(delimiter, header) -> kind or None), or None when a file named
    explicitly is of no known kind (a folder may hold other files)."""
    kinds = []
    for f, explicit in listed_files(paths, suffixes):
        kind = kind_of(*read_header(f)) if f.exists() else None
        if kind is None and explicit:
            return None
        kinds.append(kind)
    return kinds


_LINE_RE = re.compile(r"[Ll]ine:?\s*(\d+)")


def stage(con: duckdb.DuckDBPyConnection, name: str, files: list[tuple[Path, str]]) -> dict[str, int]:
    """Read delimited files (path, delimiter) as text into view `name` with _file and _line (1-based, header = 1).

    Each file is read by DuckDB's CSV reader in strict mode into its own table, so the table's rowid
    is the record's position in the file. Returns data rows per file.
    """
    parts, counts = [], {}
    for i, (path, delim) in enumerate(files):
        table = f"{name}__{i}"
        try:
            con.execute(
                f"create or replace table {table} as select * from read_csv(?, delim = ?, header = true, "
                "all_varchar = true, quote = '\"', escape = '\"', strict_mode = true, null_padding = false, "
                "auto_detect = true, sample_size = -1)", [str(path), delim])
        except duckdb.Error as exc:
            msg = str(exc).split("\n")[0]
            m = _LINE_RE.search(str(exc))
            raise ImportFormatError(path, int(m.group(1)) if m else None, f"not a well-formed delimited file: {msg}") from None
        literal = "'" + str(path).replace("'", "''") + "'"
        parts.append(f"select *, cast({literal} as varchar) as _file, cast(rowid + 2 as bigint) as _line from {table}")
        counts[path.name] = con.execute(f"select count(*) from {table}").fetchone()[0]
    con.execute(f"create or replace view {name} as " + " union all by name ".join(parts))
    return counts


def columns_of(con: duckdb.DuckDBPyConnection, view: str) -> set[str]:
    return {r[0] for r in con.execute(f"describe {view}").fetchall()}


def norm(col: str) -> str:
    """SQL: a code normalised (trimmed, upper case, no dots or spaces), empty -> null."""
    return f"nullif(upper(replace(replace(trim({col}), '.', ''), ' ', '')), '')"


def money(col: str) -> str:
    """SQL: a money text field as DECIMAL(14,2), empty -> null."""
    return f"cast(nullif(trim({col}), '') as decimal(14,2))"


def check_values(con: duckdb.DuckDBPyConnection, view: str, checks: list[tuple[str, str, str]]) -> None:
    """Raise ImportFormatError for the first row where a non-empty value does not parse.

    checks: (column, sql expression using `v` that is null when v does not parse, what it should be).
    """
    have = columns_of(con, view)
    for column, expr, what in checks:
        if column not in have:
            continue
        parse = expr.replace("v", f'trim("{column}")') if expr != "v" else f'trim("{column}")'
        row = con.execute(
            f'select _file, _line, "{column}" from {view} where nullif(trim("{column}"), \'\') is not null '
            f"and ({parse}) is null order by _file, _line limit 1").fetchone()
        if row:
            raise ImportFormatError(row[0], row[1], f"{column} = {row[2]!r} is not {what}")


CLAIMS_SOURCE_EMPTY = {
    "audits": "no audit data in this source (claims carry no coding audits)",
    "audit_findings": "no audit data in this source (claims carry no coding audits)",
    "coders": "no coder data in this source (claims do not say who coded them)",
    "adjustments": "no claim adjustment (CAS) reason/amount pairs in this source",
}


def empty_reasons(written: dict[str, int], specific: dict[str, str]) -> dict[str, str]:
    """Why each empty canonical table is empty: the importer's own reason, else the claims-source default."""
    reasons = {t: r for t, r in {**CLAIMS_SOURCE_EMPTY, **specific}.items() if not written.get(t)}
    return {t: reasons[t] for t in CANONICAL_DATA_TABLES if t in reasons}


def write_tables(con: duckdb.DuckDBPyConnection, out_dir: str | Path, tables: Iterable[str]) -> dict[str, int]:
    """COPY each non-empty canonical table to out_dir/<table>.parquet; returns rows per table written.

    Empty tables get no file (the native loader refuses a file without rows as a probable failed
    export); ImportSummary.empty_reasons says why each is empty.
    """
    out = Path(out_dir)
    counts = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in tables}
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for table, n in counts.items():
        if not n:
            continue
        target = out / f"{table}.parquet"
        con.execute(f"copy ({_with_origin(con, table)}) to '{str(target).replace(chr(39), chr(39) * 2)}' "
                    "(format parquet)")
        written[table] = n
    return written


def insert(con: duckdb.DuckDBPyConnection, table: str, select_sql: str, source: str) -> None:
    """insert into table by name from a select; constraint failures become ImportFormatError."""
    try:
        con.execute(f"insert into {table} by name {select_sql}")
    except duckdb.ConstraintException as exc:
        raise ImportFormatError(source, None, f"cannot build {table}: {str(exc).splitlines()[0]}") from None
    except duckdb.ConversionException as exc:
        raise ImportFormatError(source, None, f"cannot build {table}: {str(exc).splitlines()[0]}") from None


def load_into(con: duckdb.DuckDBPyConnection, out_dir: str | Path) -> dict[str, int]:
    """FOR TESTS ONLY: insert an importer's Parquet files into a canonical database (no validation).

    The real load path is `codedash load`, which validates and publishes atomically.
    """
    counts = {}
    for table in CANONICAL_DATA_TABLES:
        path = Path(out_dir) / f"{table}.parquet"
        if path.exists():
            con.execute(f"insert into {table} by name select * exclude ({', '.join(PROVENANCE)}) "
                        "from read_parquet(?)", [str(path)])
            counts[table] = con.execute(f"select count(*) from {table}").fetchone()[0]
    return counts
