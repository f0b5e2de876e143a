"""Promises of the native loader that must hold for every input (hypothesis):

- any bytes or rows in a CSV give a clean outcome (loaded, loaded with warnings, or rejected with
  failures naming the file), never an exception, and a rejected load never changes the target file;
- a NUL byte anywhere is refused at its physical line;
- the blank lines found by the scan are exactly the empty lines outside quoted fields, and reported
  line numbers are the physical line where a record starts;
- booleans parse exactly when they are `true` or `false`.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codedash.data.loading import LoadRejected, load_native
from codedash.data.loading.files import Source, inspect_csv, scan
from codedash.data.loading.staging import parsed
from tests.data.test_loading_bad_files import EXAMPLES, TODAY, file_digest

FAST = settings(max_examples=200, deadline=None)
SLOW = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                      HealthCheck.too_slow])

# field text that stresses CSV: separators, quotes, line breaks, NUL, non-ASCII, spaces
FIELD = st.one_of(st.text(alphabet=list('ab1-.,"\n\r \t\x00é€'), max_size=12),
                  st.sampled_from(["true", "false", "E1", "PA", "2026-01-12", "12.50", "-3"]))
ROWS = st.lists(st.lists(FIELD, min_size=0, max_size=5), max_size=8)


def csv_text(header: str, rows: list[list[str]], quote: list[bool]) -> str:
    def cell(v: str, q: bool) -> str:
        return '"' + v.replace('"', '""') + '"' if q or any(c in v for c in ',"\n\r') else v
    return header + "\n" + "".join(",".join(cell(v, q) for v, q in zip(r, quote * 5)) + "\n" for r in rows)


def load_clean(examples_db: Path, name: str, content: bytes) -> None:
    """Load data/examples with `name` replaced by `content`: a clean outcome, the target unchanged if rejected."""
    with tempfile.TemporaryDirectory() as tmp:
        files = Path(tmp) / "files"
        shutil.copytree(EXAMPLES, files)
        for old in files.glob(name.split(".")[0] + ".*"):
            old.unlink()
        (files / name).write_bytes(content)
        db = Path(tmp) / "db.duckdb"
        shutil.copy(examples_db, db)
        digest = file_digest(db)
        try:
            report = load_native([files], db, today=TODAY)
        except LoadRejected as exc:
            assert file_digest(db) == digest, "a rejected load changed the database file"
            assert exc.report.status == "rejected"
            assert exc.report.failures, "a rejection without a failure to show"
            assert all(f.file is not None and Path(f.file).parent == files for f in exc.report.failures)
            assert not [p for p in Path(tmp).iterdir() if p.name.startswith(".db.duckdb")], "temporary files left"
            return
        assert report.status in ("loaded", "loaded_with_warnings")


@SLOW
@given(content=st.binary(max_size=300))
def test_random_bytes_never_crash_the_loader(examples_db, content):
    load_clean(examples_db, "payers.csv", content)


@SLOW
@given(table=st.sampled_from(["payers", "encounters", "adjudications"]), rows=ROWS,
       quote=st.lists(st.booleans(), min_size=1, max_size=3), gz=st.booleans())
def test_random_rows_never_crash_the_loader(examples_db, table, rows, quote, gz):
    import gzip
    header = (EXAMPLES / f"{table}.csv").read_text().splitlines()[0]
    text = csv_text(header, rows, quote).encode("utf-8")
    load_clean(examples_db, f"{table}.csv.gz" if gz else f"{table}.csv", gzip.compress(text) if gz else text)


def _source(tmp: str, content: bytes) -> Source:
    path = Path(tmp) / "payers.csv"
    path.write_bytes(content)
    return Source("payers", path, "csv")


@FAST
@given(rows=ROWS, quote=st.lists(st.booleans(), min_size=1, max_size=3), where=st.floats(0, 1),
       pad=st.integers(0, 70_000))
def test_a_nul_byte_anywhere_is_refused_at_its_line(rows, quote, where, pad):
    text = csv_text("payer_id,payer_name,payer_type", rows, quote).replace("\x00", "")
    text += "PA,x,commercial\n" * (pad // 16)               # pushes the NUL past the first 64 KiB at times
    data = text.encode("utf-8")
    at = len(data.split(b"\n", 1)[0]) + 1 + int(where * (len(data) - len(data.split(b"\n", 1)[0]) - 1))
    content = data[:at] + b"\x00" + data[at:]
    with tempfile.TemporaryDirectory() as tmp:
        names, failure = inspect_csv(_source(tmp, content))
    assert names is None
    assert (failure.check_id, failure.line) == ("FILE_IS_CSV", content[:at].count(b"\n") + 1)
    assert failure.message == f"not a CSV text file: binary content (NUL byte at byte {at + 1:,} of the file)"


def blank_lines_by_hand(data: bytes) -> list[int]:
    """Reference: walk the bytes with a quote state; an empty line (or only '\\r') outside quotes is blank."""
    out, line, inside, start = [], 1, False, 0
    for i, b in enumerate(data):
        if b == ord('"'):
            inside = not inside
        elif b == ord("\n"):
            if not inside and data[start:i] in (b"", b"\r") and line > 1:
                out.append(line)
            line, start = line + 1, i + 1
    return out


def spans_by_hand(data: bytes) -> list[tuple[int, int]]:
    """Reference: first and last line of each run of line breaks inside quotes."""
    out, line, inside = [], 1, False
    for b in data:
        if b == ord('"'):
            inside = not inside
        elif b == ord("\n"):
            if inside:
                if out and out[-1][1] == line:
                    out[-1] = (out[-1][0], line + 1)
                else:
                    out.append((line, line + 1))
            line += 1
    return out


@FAST
@given(rows=ROWS, quote=st.lists(st.booleans(), min_size=1, max_size=3),
       blanks=st.lists(st.integers(0, 20), max_size=6), crlf=st.booleans(), chunk=st.sampled_from([2, 3, 7, 1 << 20]))
def test_scan_finds_blank_lines_and_multi_line_records(rows, quote, blanks, crlf, chunk):
    import codedash.data.loading.files as files

    lines = csv_text("payer_id,payer_name,payer_type", rows, quote).replace("\x00", "").split("\n")
    for b in sorted(blanks, reverse=True):
        lines.insert(min(b, len(lines) - 1) + 1, "")
    data = "\n".join(lines).encode("utf-8")
    if crlf:
        data = data.replace(b"\n", b"\r\n")
    saved, files.SCAN_CHUNK = files.SCAN_CHUNK, chunk
    try:
        with tempfile.TemporaryDirectory() as tmp:
            found = scan(_source(tmp, data))
    finally:
        files.SCAN_CHUNK = saved
    assert found.nul is None
    assert found.blank_lines == blank_lines_by_hand(data)
    assert found.spans == spans_by_hand(data)


@SLOW
@given(names=st.lists(st.text(alphabet="ab \n,\"", max_size=8), min_size=1, max_size=6),
       blanks=st.lists(st.integers(0, 6), max_size=4))
def test_reported_lines_are_physical_lines(examples_db, names, blanks):
    """Rows P0..Pn (names with quotes and line breaks), blank lines between them, then P0 again: the
    duplicate is reported at its physical line and the first P0 at the line where its record starts."""
    def cell(v: str) -> str:
        return '"' + v.replace('"', '""') + '"'
    records = [f"P{i},{cell('n' + n)},commercial" for i, n in enumerate(names)] + ["P0,again,commercial"]
    lines = ["payer_id,payer_name,payer_type"]
    starts = []
    for i, rec in enumerate(records):
        lines += [""] * blanks.count(i)
        starts.append(sum(part.count("\n") + 1 for part in lines) + 1)
        lines.append(rec)
    with tempfile.TemporaryDirectory() as tmp:
        files = Path(tmp) / "files"
        shutil.copytree(EXAMPLES, files)
        (files / "payers.csv").write_text("\n".join(lines) + "\n")
        # the examples refer to PA and PB: keep them so only the duplicate fails
        with open(files / "payers.csv", "a") as f:
            f.write("PA,Example Medicare,medicare\nPB,Example Commercial Plan,commercial\n")
        db = Path(tmp) / "db.duckdb"
        shutil.copy(examples_db, db)
        with pytest.raises(LoadRejected) as exc:
            load_native([files], db, today=TODAY)
    assert [(f.check_id, f.line, f.message) for f in exc.value.report.failures] == [
        ("PK_UNIQUE", starts[-1], f"duplicate primary key (payer_id): first on line {starts[0]}")]


@FAST
@given(text=st.one_of(st.text(max_size=8), st.sampled_from(["true", "false", " true ", "TRUE", "yes", "1", "t",
                                                            "on", "False"])))
def test_booleans_parse_exactly_when_true_or_false(text):
    con = duckdb.connect()
    value = con.execute(f"select {parsed('BOOLEAN', '$t')}", {"t": text}).fetchone()[0]
    con.close()
    assert value == {"true": True, "false": False}.get(text)
