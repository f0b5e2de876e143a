"""Reading one native file into staging tables with DuckDB: streaming, memory-bounded, with line numbers.

1. `stage.r_<table>`: the rows as read (CSV: every field as text, fixed RFC 4180 dialect, no sniffing;
   Parquet: as stored). Malformed or ragged records and invalid UTF-8 go to DuckDB's rejects table with
   their line numbers (strict_mode, store_rejects).
2. Header checks (required / duplicate / unknown columns) and type checks (one scan counting values that
   do not cast to their column's type).
3. `stage.t_<table>`: canonical columns, cast and normalised, plus `_row`/`_line` (the physical file line
   where the record starts: header = line 1, quoted line breaks and blank lines counted; for Parquet the
   1-based row number). Row checks (data.loading.rules) run on this table.
"""
from __future__ import annotations

from dataclasses import dataclass

import duckdb

from codedash.data.loading.files import Source, inspect_csv, physical_line
from codedash.data.loading.report import Failure, Report, TableCounts
from codedash.data.loading.tables import CODE_COLUMNS, UPPER_COLUMNS, Table, loadable, quote

TYPE_HINT = {
    "DATE": "not a date (expected YYYY-MM-DD)",
    "TIMESTAMP": "not a timestamp (expected YYYY-MM-DD HH:MM:SS)",
    "DECIMAL(14,2)": "not an amount (a plain decimal number such as 1234.50, at most 12 digits before the point)",
    "DECIMAL(10,2)": "not a number (a plain decimal such as 1.5, at most 8 digits before the point)",
    "SMALLINT": "not a whole number between -32768 and 32767",
    "INTEGER": "not a whole number",
    "BIGINT": "not a whole number",
    "BOOLEAN": "not true or false (lower case)",
}
# Where a row came from, written by importers (data.importers.base.write_tables): not canonical columns,
# carried into stage.t_<table> so that failures name the user's source file and line.
PROVENANCE = ("_source_file", "_source_line")
REJECT_CHECK = {"MISSING COLUMNS": "ROW_RAGGED", "TOO MANY COLUMNS": "ROW_RAGGED", "INVALID ENCODING": "FILE_ENCODING"}


def ident(name: str) -> str:
    """Quote an identifier taken from an input file's header (untrusted)."""
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Staged:
    table: str
    ok: bool                       # structure and types are right: row checks may run
    rows: int = 0


def _reject_message(error_type: str, message: str, n_columns: int) -> str:
    if error_type in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
        found = message.rsplit("Found:", 1)[-1].strip() if "Found:" in message else "?"
        return f"ragged row: {found} fields where the header has {n_columns}"
    if error_type == "INVALID ENCODING":
        return "not UTF-8 (Latin-1 or Windows-1252 bytes?): save the file as UTF-8"
    return f"malformed CSV record ({error_type.lower()}): {message}"


def _read_csv(con, src: Source, names: list[str], report: Report, counts: TableCounts) -> dict[str, str] | None:
    """Stage a CSV; returns canonical column -> staged column, or None when the file cannot be used."""
    t = src.table
    columns = {f"c{i}": "VARCHAR" for i in range(len(names))}
    col_spec = "{" + ", ".join(f"'{k}': 'VARCHAR'" for k in columns) + "}"
    sql = (f"create or replace table stage.r_{t} as select * from read_csv($path, header = true, delim = ',', "
           f"quote = '\"', escape = '\"', columns = {col_spec}, auto_detect = false, strict_mode = true, "
           f"store_rejects = true, rejects_table = 'rej_{t}', rejects_scan = 'rejscan_{t}', "
           f"compression = '{'gzip' if src.gzip else 'none'}', encoding = 'utf-8')")
    try:
        con.execute(sql, {"path": str(src.path)})
    except duckdb.Error as exc:
        text = str(exc).splitlines()[0]
        check = "FILE_GZIP_COMPLETE" if "gzip" in text.lower() else "FILE_CSV_SYNTAX"
        msg = (f"gzip stream is truncated or corrupt ({text})" if check == "FILE_GZIP_COMPLETE"
               else f"cannot parse as CSV: {text}")
        report.fail(Failure(check, t, src.name, None, None, None, msg))
        return None
    rejects = con.execute(f"select line, column_name, error_type, csv_line, error_message from rej_{t} "
                          "order by line, column_idx").fetchall()
    rows = con.execute(f"select count(*) from stage.r_{t}").fetchone()[0]
    bad_lines = {r[0] for r in rejects}
    counts.rows_read = rows + len(bad_lines)
    if rejects:
        by_check: dict[str, list] = {}
        seen: set[tuple[str, int]] = set()
        for line, column, error_type, csv_line, message in rejects:
            check = REJECT_CHECK.get(error_type, "FILE_CSV_SYNTAX")
            if (check, line) in seen:
                continue
            seen.add((check, line))
            col = names[int(column[1:])] if column and column.startswith("c") and column[1:].isdigit() else None
            if check == "ROW_RAGGED":
                col = None                    # the whole row is wrong, not one column
            # DuckDB's record text starts with the blank lines it skipped before the record
            record = csv_line.lstrip("\r\n") if csv_line is not None else None
            by_check.setdefault(check, []).append(Failure(check, t, src.name, physical_line(line, src.spans), col, record,
                                                          _reject_message(error_type, message, len(names))))
        for check, fails in by_check.items():
            report.add(check, t, counts.rows_read, len(fails), fails)
        return None
    return {name: f"c{i}" for i, name in enumerate(names)}


def _read_parquet(con, src: Source, report: Report, counts: TableCounts) -> dict[str, str] | None:
    """Parquet is read in place (a temporary view; columnar, typed): name -> DuckDB type."""
    t = src.table
    try:
        types = {r[0]: r[1] for r in con.execute("describe select * from read_parquet($path)",
                                                 {"path": str(src.path)}).fetchall()}
        counts.rows_read = con.execute("select count(*) from read_parquet($path)", {"path": str(src.path)}).fetchone()[0]
        path_lit = "'" + str(src.path).replace("'", "''") + "'"
        con.execute(f"create or replace temp view r_{t} as select * from read_parquet({path_lit}, file_row_number = true)")
    except duckdb.Error as exc:
        report.fail(Failure("FILE_IS_CSV", t, src.name, None, None, None,
                            f"not a readable Parquet file: {str(exc).splitlines()[0]}"))
        return None
    return types


def _header_checks(src: Source, table: Table, names: list[str], report: Report) -> tuple[dict[str, str], bool]:
    """Check the header; returns canonical column -> index in `names` and whether loading may go on."""
    known = set(table.column_names)
    index: dict[str, int] = {}
    dups, unknown = [], []
    for i, n in enumerate(names):
        if n in PROVENANCE:
            continue
        if n in index:
            dups.append(Failure("HEADER_DUPLICATE_COLUMN", table.name, src.name, 1, n, n,
                                f"column {n} appears twice in the header"))
        elif n not in known:
            unknown.append(Failure("HEADER_UNKNOWN_COLUMN", table.name, src.name, 1, n, n,
                                   f"not a column of {table.name}: ignored"))
        else:
            index[n] = i
    required = [c.name for c in table.columns if c.required]
    missing = [Failure("HEADER_REQUIRED_COLUMNS", table.name, src.name, 1, c, None,
                       f"required column {c} is missing from the header") for c in required if c not in index]
    report.add("HEADER_REQUIRED_COLUMNS", table.name, len(required), len(missing), missing)
    report.add("HEADER_DUPLICATE_COLUMN", table.name, len(names), len(dups), dups)
    report.add("HEADER_UNKNOWN_COLUMN", table.name, len(names), len(unknown), unknown)
    return index, not missing and not dups


def parsed(sql_type: str, text: str) -> str:
    """SQL: the text parsed as the column type, null when it does not parse. Booleans accept exactly the
    documented `true`/`false` (DuckDB's cast would also take yes, y, t, 1, on and any case)."""
    if sql_type == "BOOLEAN":
        return f"(case {text} when 'true' then true when 'false' then false end)"
    return f"try_cast({text} as {sql_type})"


def _line_map(con, t: str, src: Source) -> bool:
    """stage.ln_<table>: rowid -> physical line where the record starts, when blank lines or records with
    quoted line breaks (found by the scan, in any column, known or not) move records down.

    The lines that start no record (blank lines, continuation lines of multi-line records) E_1 < E_2 < ...
    move a record numbered n = rowid + 2 without them down by #{j : E_j - j + 1 <= n}; an ASOF join finds
    that count for every row in one pass."""
    skipped = sorted({*src.blank_lines, *(n for first, last in src.spans for n in range(first + 1, last + 1))})
    if not skipped:
        return False
    steps: dict[int, int] = {}
    for j, line in enumerate(skipped):
        steps[line - j] = j + 1                 # thresholds never decrease: keep the last count of each
    con.execute(f"create or replace table stage.th_{t} as select unnest($t)::bigint as t, unnest($k)::bigint as k",
                {"t": list(steps), "k": list(steps.values())})
    con.execute(f"""create or replace table stage.ln_{t} as
        select r.rowid as rid, r.rowid + 2 + coalesce(b.k, 0) as line
        from stage.r_{t} r asof left join stage.th_{t} b on r.rowid + 2 >= b.t""")
    return True


def _value_expr(table: Table, col: str, raw: str | None, same_type: bool = False) -> str:
    c = table.column(col)
    if same_type and c.type != "VARCHAR":
        expr = raw                          # Parquet column already of the canonical type
        return f"coalesce({expr}, cast({c.default} as {c.type}))" if c.default is not None else expr
    if raw is None:
        return f"cast({c.default} as {c.type})" if c.default is not None else f"cast(null as {c.type})"
    if c.type == "VARCHAR":
        text = f"cast({raw} as varchar)"
        if (table.name, col) in CODE_COLUMNS:
            expr = f"nullif(upper(regexp_replace({text}, '[\\s.]', '', 'g')), '')"
        elif (table.name, col) in UPPER_COLUMNS:
            expr = f"nullif(upper(trim({text})), '')"
        elif col == "drg_code":
            expr = (f"case when regexp_full_match(trim({text}), '[0-9]{{1,2}}') then lpad(trim({text}), 3, '0') "
                    f"else nullif(trim({text}), '') end")
        else:
            expr = f"nullif(trim({text}), '')"
    else:
        expr = parsed(c.type, f"nullif(trim(cast({raw} as varchar)), '')")
    if c.default is not None:
        expr = f"coalesce({expr}, cast({c.default} as {c.type}))"
    return expr


def stage(con, src: Source, report: Report) -> Staged:
    """Stage one file; records file, header and type failures in the report."""
    table = loadable()[src.table]
    counts = report.tables.setdefault(src.table, TableCounts(file=src.name))
    if src.kind == "csv":
        names, failure = inspect_csv(src)
        if failure is not None:
            report.fail(failure)
            return Staged(src.table, False)
        canon_idx, ok = _header_checks(src, table, names, report)
        raw_by_index = _read_csv(con, src, names, report, counts)
        if raw_by_index is None:
            return Staged(src.table, False)
        raw_cols = {col: f"c{i}" for col, i in canon_idx.items()}
        provenance = {n: f"c{i}" for i, n in enumerate(names) if n in PROVENANCE}
        same_type: set[str] = set()
        line_base = "r.rowid + 2"
    else:
        source_types = _read_parquet(con, src, report, counts)
        if source_types is None:
            return Staged(src.table, False)
        names = list(source_types)
        lowered = [n.strip().lower() for n in names]
        canon_idx, ok = _header_checks(src, table, lowered, report)
        raw_cols = {col: ident(names[i]) for col, i in canon_idx.items()}
        provenance = {n: ident(names[i]) for i, n in enumerate(lowered) if n in PROVENANCE}
        same_type = {col for col, i in canon_idx.items() if source_types[names[i]] == table.column(col).type}
        line_base = "r.file_row_number + 1"
    raw_rel = f"stage.r_{src.table}" if src.kind == "csv" else f"r_{src.table}"
    t = src.table
    report.add("FILE_HAS_ROWS", t, 1, 0 if counts.rows_read else 1,
               [] if counts.rows_read else [Failure("FILE_HAS_ROWS", t, src.name, None, None, None,
                                                    "no data rows below the header (a failed export?)")])
    if not ok:
        return Staged(t, False, counts.rows_read)

    join, line_expr = "", line_base
    if src.kind == "csv" and _line_map(con, t, src):
        join, line_expr = f"left join stage.ln_{t} m on m.rid = r.rowid", "m.line"

    # type checks: one scan counting values that do not cast
    typed = [c for c in table.columns if c.type != "VARCHAR" and c.name in raw_cols and c.name not in same_type]
    type_ok = True
    if typed:
        def bad(c) -> str:
            text = f"nullif(trim(cast(r.{raw_cols[c.name]} as varchar)), '')"
            return f"({parsed(c.type, text)} is null and {text} is not null)"
        counts_row = con.execute("select " + ", ".join(f"count_if({bad(c)})" for c in typed)
                                 + f" from {raw_rel} r").fetchone()
        for c, n_bad in zip(typed, counts_row):
            if not n_bad:
                report.add("VALUE_TYPE", t, counts.rows_read, 0)
                continue
            type_ok = False
            examples = con.execute(
                f"select {line_expr}, cast(r.{raw_cols[c.name]} as varchar) from {raw_rel} r {join} "
                f"where {bad(c)} order by {line_base} limit {report.max_examples}").fetchall()
            report.add("VALUE_TYPE", t, counts.rows_read, n_bad,
                       [Failure("VALUE_TYPE", t, src.name, line, c.name, value, TYPE_HINT.get(c.type, f"not a {c.type}"))
                        for line, value in examples])
    else:
        report.add("VALUE_TYPE", t, counts.rows_read, 0)
    if not type_ok:
        return Staged(t, False, counts.rows_read)

    select = ", ".join(f"{_value_expr(table, c, raw_cols.get(c), c in same_type)} as {quote(c)}"
                       for c in table.column_names)
    if len(provenance) == len(PROVENANCE):
        select += (f", cast(r.{provenance['_source_file']} as varchar) as _source_file, "
                   f"try_cast(r.{provenance['_source_line']} as bigint) as _source_line")
    con.execute(f"create or replace table stage.t_{t} as select {line_expr} as _row, {line_expr} as _line, {select} "
                f"from {raw_rel} r {join}")
    con.execute(f"drop table stage.r_{t}" if src.kind == "csv" else f"drop view r_{t}")
    return Staged(t, True, counts.rows_read)
