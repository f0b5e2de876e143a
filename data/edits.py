"""NCCI edit tables: read CMS procedure-to-procedure (PTP) and medically unlikely edit (MUE) files, validated.

    from codedash.data.edits import read_edit_file, load_edits
    load_edits(db_path, ["ccipra-v321r0-f1.txt", "MCR_MUE_PractitionerServices.csv"], release="2026Q1")

CMS layouts (https://www.cms.gov/medicare/coding-billing/national-correct-coding-initiative-ncci-edits):
- PTP files (practitioner / hospital, tab-delimited text or CSV as published): a few notice lines, then a
  header naming `Column 1`, `Column 2`, `*=in existence prior to 1996`, `Effective Date`, `Deletion Date`
  (`*` = no deletion), `Modifier 0=not allowed 1=allowed 9=not applicable` and `PTP Edit Rationale`.
  Dates are YYYYMMDD.
- MUE files (practitioner, outpatient hospital, DME; CSV as published): notice lines, then a header naming
  `HCPCS/CPT Code`, `<service type> MUE Values`, `MUE Adjudication Indicator` (text starting with the
  indicator digit: `1 Line Edit`, `2 Date of Service Edit: Policy`, `3 Date of Service Edit: Clinical`)
  and `MUE Rationale`.

Columns are found by their header names (case and spacing ignored), so column order and extra columns do
not matter. A file is read whole and every row checked before anything is written; the first problem
raises EditFileError naming the file, line and field, and the database is left untouched. Loading goes
through data.database.building(): the previous file's tables are copied into a new file, the loaded kind
of edit (PTP and/or MUE) is replaced, marts are rebuilt and the new file replaces the old atomically.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

PTP_COLUMNS = ["column1_code", "column2_code", "effective_date", "deletion_date", "modifier_indicator",
               "edit_source", "source_file", "release"]
MUE_COLUMNS = ["code", "mue_value", "adjudication_indicator", "service_type", "edit_source", "source_file",
               "release"]
_CODE_RE = re.compile(r"^[0-9A-Z]{4}[0-9A-Z]$")
_RELEASE_RE = re.compile(r"(v\d{3,4}r\d|20\d\d[-_ ]?q[1-4])", re.IGNORECASE)


class EditFileError(Exception):
    """An edit file cannot be read or has an invalid value (the message names file, line and field)."""


@dataclass
class EditFile:
    kind: str                      # 'ptp' | 'mue'
    path: Path
    rows: pd.DataFrame = field(default_factory=pd.DataFrame)


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", (text or "").lower())


def _read_lines(path: Path) -> list[list[str]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise EditFileError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    if b"\x00" in raw[:4096]:
        raise EditFileError(f"{path}: not a text file (CMS publishes PTP as tab-delimited text and MUE as CSV; "
                            "save a spreadsheet as CSV first)")
    text = raw.decode("utf-8-sig", errors="replace")
    sample = "\n".join(text.splitlines()[:40])
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def _find_header(path: Path, lines: list[list[str]]) -> tuple[str, int, dict[str, int]]:
    """(kind, index of the header line, field -> column index)."""
    for i, cells in enumerate(lines[:60]):
        names = [_norm(c) for c in cells]
        if "column1" in names and "column2" in names:
            cols = {"column1": names.index("column1"), "column2": names.index("column2")}
            for j, n in enumerate(names):
                if n.startswith("effective"):
                    cols.setdefault("effective", j)
                elif n.startswith("deletion"):
                    cols.setdefault("deletion", j)
                elif n.startswith("modifier"):
                    cols.setdefault("modifier", j)
            missing = [k for k in ("effective", "deletion", "modifier") if k not in cols]
            if missing:
                raise EditFileError(f"{path}: line {i + 1}: PTP header lacks the column(s) "
                                    + ", ".join({"effective": "Effective Date", "deletion": "Deletion Date",
                                                 "modifier": "Modifier"}[m] for m in missing))
            return "ptp", i, cols
        if any(n.startswith("hcpcs") or n.endswith("cptcode") for n in names) and any("mue" in n for n in names):
            cols = {}
            for j, n in enumerate(names):
                if (n.startswith("hcpcs") or n.endswith("cptcode")) and "code" not in cols:
                    cols["code"] = j
                elif "adjudication" in n or n.startswith("mai"):
                    cols.setdefault("mai", j)
                elif "mue" in n and "value" in n:
                    cols.setdefault("value", j)
            missing = [k for k in ("value", "mai") if k not in cols]
            if missing:
                raise EditFileError(f"{path}: line {i + 1}: MUE header lacks the column(s) "
                                    + ", ".join({"value": "MUE Values", "mai": "MUE Adjudication Indicator"}[m]
                                                for m in missing))
            value_name = _norm(lines[i][cols["value"]])
            cols["service_type"] = ("outpatient" if "outpatient" in value_name or "facility" in value_name
                                    else "dme" if "dme" in value_name else "practitioner")
            return "mue", i, cols
    raise EditFileError(f"{path}: no NCCI header found in the first 60 lines (a PTP file names 'Column 1' and "
                        "'Column 2'; an MUE file names 'HCPCS/CPT Code' and 'MUE Values')")


def _date(path: Path, line: int, name: str, value: str, *, optional: bool) -> dt.date | None:
    v = value.strip()
    if optional and v in ("", "*"):
        return None
    try:
        return dt.datetime.strptime(v, "%Y%m%d").date()
    except ValueError:
        raise EditFileError(f"{path}: line {line}: field {name}: {v[:20]!r} is not a date YYYYMMDD"
                            + (" or '*'" if optional else "")) from None


def _code(path: Path, line: int, name: str, value: str) -> str:
    v = value.strip().upper()
    if not _CODE_RE.match(v):
        raise EditFileError(f"{path}: line {line}: field {name}: {v[:20]!r} is not a 5-character CPT/HCPCS code")
    return v


def read_edit_file(path: str | Path, release: str | None = None, edit_source: str = "cms") -> EditFile:
    """Parse and validate one PTP or MUE file; raises EditFileError at the first invalid value."""
    p = Path(path)
    lines = _read_lines(p)
    kind, head, cols = _find_header(p, lines)
    release = release or (m.group(1) if (m := _RELEASE_RE.search(p.name)) else None)
    out = []
    width = max(cols[k] for k in cols if k != "service_type") + 1
    for i, cells in enumerate(lines[head + 1:], start=head + 2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) < width:
            if kind == "ptp" and len(cells) == 1:          # a trailing notice line
                continue
            raise EditFileError(f"{p}: line {i}: expected at least {width} fields, found {len(cells)}")
        if kind == "ptp":
            c1 = _code(p, i, "Column 1", cells[cols["column1"]])
            c2 = _code(p, i, "Column 2", cells[cols["column2"]])
            eff = _date(p, i, "Effective Date", cells[cols["effective"]], optional=False)
            dele = _date(p, i, "Deletion Date", cells[cols["deletion"]], optional=True)
            mod = cells[cols["modifier"]].strip()
            if mod not in ("0", "1", "9"):
                raise EditFileError(f"{p}: line {i}: field Modifier: {mod[:20]!r} is not 0, 1 or 9")
            if dele is not None and dele < eff:
                raise EditFileError(f"{p}: line {i}: field Deletion Date: {dele:%Y%m%d} is before the "
                                    f"effective date {eff:%Y%m%d}")
            out.append((c1, c2, eff, dele, mod, edit_source, p.name, release))
        else:
            code = _code(p, i, "HCPCS/CPT Code", cells[cols["code"]])
            raw_value = cells[cols["value"]].strip()
            if not raw_value.isdigit():
                raise EditFileError(f"{p}: line {i}: field MUE Values: {raw_value[:20]!r} is not a whole number")
            mai = cells[cols["mai"]].strip()[:1]
            if mai not in ("1", "2", "3"):
                raise EditFileError(f"{p}: line {i}: field MUE Adjudication Indicator: "
                                    f"{cells[cols['mai']].strip()[:30]!r} does not start with 1, 2 or 3")
            out.append((code, int(raw_value), mai, cols["service_type"], edit_source, p.name, release))
    if not out:
        raise EditFileError(f"{p}: the file has a {kind.upper()} header but no edit rows")
    frame = pd.DataFrame(out, columns=PTP_COLUMNS if kind == "ptp" else MUE_COLUMNS)
    key = ["column1_code", "column2_code", "effective_date"] if kind == "ptp" else ["code", "service_type"]
    dup = frame.duplicated(key, keep="first")
    if dup.any():
        first = int(dup.to_numpy().nonzero()[0][0])
        raise EditFileError(f"{p}: edit row {first + 1} repeats the key {', '.join(str(frame.iloc[first][k]) for k in key)}")
    return EditFile(kind, p, frame)


def replace_edits(con: duckdb.DuckDBPyConnection, files: list[EditFile]) -> dict[str, int]:
    """Replace the ncci_ptp and/or ncci_mue rows of `con` with the files' rows (of the kinds given)."""
    counts: dict[str, int] = {}
    for kind, table in (("ptp", "ncci_ptp"), ("mue", "ncci_mue")):
        frames = [f.rows for f in files if f.kind == kind]
        if not frames:
            continue
        rows = pd.concat(frames, ignore_index=True)
        key = ["column1_code", "column2_code", "effective_date"] if kind == "ptp" else ["code", "service_type"]
        if rows.duplicated(key).any():
            raise EditFileError(f"two {kind.upper()} files give the same edit "
                                f"({', '.join(str(v) for v in rows[rows.duplicated(key)].iloc[0][key])})")
        con.execute(f"delete from {table}")            # table: one of two literals above
        con.register("_edit_rows", rows)
        con.execute(f"insert into {table} by name select * from _edit_rows")
        con.unregister("_edit_rows")
        counts[table] = len(rows)
    return counts


def load_edits(db_path: str | Path, paths: list[str | Path], release: str | None = None) -> dict[str, int]:
    """Validate every file, then rebuild `db_path` with its tables plus the new edits, atomically."""
    from codedash.data.database import DatabaseError, building

    files = [read_edit_file(p, release=release) for p in paths]      # all validated before any write
    target = Path(db_path)
    if not target.exists():
        raise DatabaseError(f"database not found: {target} (build it with `codedash demo` or `codedash load` first)")
    with building(target) as con:
        con.execute("attach $p as old (read_only)", {"p": str(target)})
        new_tables = {r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_catalog = current_database() "
            "and table_schema = 'main'").fetchall()}
        old_tables = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_catalog = 'old' "
            "and table_schema = 'main'").fetchall()]
        for table in old_tables:
            if table in new_tables and table != "build_info" and re.fullmatch(r"[a-z_][a-z0-9_]*", table):
                con.execute(f"insert into main.{table} by name select * from old.main.{table}")
        con.execute("detach old")
        return replace_edits(con, files)
