"""The loading gaps of issue 9, each closed with its exact message: NUL bytes anywhere, booleans as
documented, negative units, physical line numbers, specific reasons under `--format auto` with a
`.rejected` report for every rejection, symlink loops named. Every rejected load leaves the database
byte-for-byte as it was."""
from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from codedash.data.loading import LoadRejected, load_native
from codedash.data.loading.tables import LOADABLE
from tests.data.test_loading_bad_files import EXAMPLES, TODAY, file_digest, table_checksums


@pytest.fixture
def db(examples_db, tmp_path) -> Path:
    path = tmp_path / "db.duckdb"
    shutil.copy(examples_db, path)
    return path


def example_set(tmp_path: Path, replace: dict[str, bytes | str]) -> Path:
    """data/examples with some files replaced (same table: the old file of that table is removed)."""
    files = tmp_path / "files"
    shutil.copytree(EXAMPLES, files)
    for name, content in replace.items():
        for old in files.glob(name.split(".")[0] + ".*"):
            old.unlink()
        data = content.encode("utf-8") if isinstance(content, str) else content
        (files / name).write_bytes(data)
    return files


def rejected(paths, db: Path, **kw):
    """Load, expect a rejection, assert the database is untouched; the report's failures."""
    before, digest = table_checksums(db), file_digest(db)
    with pytest.raises(LoadRejected) as exc:
        load_native(paths, db, today=TODAY, **kw)
    assert file_digest(db) == digest
    assert table_checksums(db) == before
    return [(f.check_id, Path(f.file).name if f.file else None, f.line, f.column_name, f.value, f.message)
            for f in exc.value.report.failures]


# -- 1. NUL bytes anywhere ------------------------------------------------------------------------------

def test_nul_byte_after_the_first_64_kib_is_refused_with_its_line(db, tmp_path):
    rows = "".join(f"P{i:05d},Payer number {i:05d} with a long enough name,commercial\n" for i in range(1500))
    head = "payer_id,payer_name,payer_type\nPA,Example Medicare,medicare\nPB,Example Commercial Plan,commercial\n" + rows
    assert len(head) > 64 * 1024
    content = head.encode() + b"PZ,Bad\x00Name,commercial\n"
    files = example_set(tmp_path, {"payers.csv": content})
    assert rejected([files], db) == [
        ("FILE_IS_CSV", "payers.csv", 1504, None, None,
         f"not a CSV text file: binary content (NUL byte at byte {len(head) + 7:,} of the file)")]


def test_nul_byte_in_a_gzip_file_past_the_head(db, tmp_path):
    import gzip
    head = "payer_id,payer_name,payer_type\nPA,Example Medicare,medicare\nPB,Example Commercial Plan,commercial\n"
    head += "".join(f"P{i:05d},Payer {i:05d} of a plan with a long name,commercial\n" for i in range(2000))
    content = gzip.compress(head.encode() + b"PZ,x\x00,commercial\n")
    files = example_set(tmp_path, {"payers.csv.gz": content})
    assert rejected([files], db) == [
        ("FILE_IS_CSV", "payers.csv.gz", 2004, None, None,
         f"not a CSV text file: binary content (NUL byte at byte {len(head) + 5:,} of the decompressed text)")]


# -- 4. physical line numbers ---------------------------------------------------------------------------

@pytest.mark.parametrize("eol", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_line_numbers_are_physical_after_blank_lines_and_quoted_line_breaks(db, tmp_path, eol):
    """Line 1 header; 2-3 a record with a quoted line break (reported at its first line, 2); 4 blank;
    5 PB; 6-8 a record whose quoted field holds an empty line (not a blank line); 9 and 10 blank;
    11 the duplicate of PA."""
    content = ('payer_id,payer_name,payer_type\nPA,"Example\nMedicare",medicare\n\nPB,Example Commercial,commercial\n'
               'PC,"Two\n\nparts",commercial\n\n\nPA,Again,medicare\n').replace("\n", eol)
    files = example_set(tmp_path, {"payers.csv": content})
    assert rejected([files], db) == [
        ("PK_UNIQUE", "payers.csv", 11, "payer_id", "PA", "duplicate primary key (payer_id): first on line 2")]


def test_type_errors_and_ragged_rows_after_blank_lines(db, tmp_path):
    header = (EXAMPLES / "encounters.csv").read_text().splitlines()
    typed = "\n".join([header[0], header[1], "", "", header[2].replace("2026-01-12", "12/01/2026", 1), *header[3:]])
    files = example_set(tmp_path, {"encounters.csv": typed + "\n"})
    got = rejected([files], db)
    assert got == [("VALUE_TYPE", "encounters.csv", 5, "admit_date", "12/01/2026", "not a date (expected YYYY-MM-DD)")]
    lines = (EXAMPLES / "payers.csv").read_text().splitlines()
    files = example_set(tmp_path / "b", {"payers.csv": "\n".join([lines[0], "", lines[1], "", "", "PC,Short"]) + "\n"})
    assert rejected([files], db) == [
        ("ROW_RAGGED", "payers.csv", 6, None, "PC,Short", "ragged row: 2 fields where the header has 3")]


def test_quoted_line_breaks_in_an_ignored_column_count_too(db, tmp_path):
    content = ('payer_id,payer_name,payer_type,notes\nPA,Example Medicare,medicare,"two\nlines"\n'
               'PB,Example Commercial,commercial,\nPA,Again,medicare,\n')
    files = example_set(tmp_path, {"payers.csv": content})
    assert rejected([files], db) == [
        ("HEADER_UNKNOWN_COLUMN", "payers.csv", 1, "notes", "notes", "not a column of payers: ignored"),
        ("PK_UNIQUE", "payers.csv", 5, "payer_id", "PA", "duplicate primary key (payer_id): first on line 2")]


def test_ragged_and_non_utf8_rows_after_records_with_quoted_line_breaks(db, tmp_path):
    """DuckDB numbers a multi-line record as one line: its rejects are moved to their physical line."""
    content = (b'payer_id,payer_name,payer_type\nPA,"Example\nMedicare\nPlan",medicare\n\nPB,"Two\nlines",commercial\n'
               b'PC,Short\nPD,Caf\xe9,commercial\n')
    files = example_set(tmp_path, {"payers.csv": content})
    assert rejected([files], db) == [
        ("ROW_RAGGED", "payers.csv", 8, None, "PC,Short", "ragged row: 2 fields where the header has 3"),
        ("FILE_ENCODING", "payers.csv", 9, "payer_name", "PD,Caf??commercial",
         "not UTF-8 (Latin-1 or Windows-1252 bytes?): save the file as UTF-8")]


# -- 2. booleans as documented --------------------------------------------------------------------------

def test_booleans_accept_exactly_true_and_false(db, tmp_path):
    lines = (EXAMPLES / "adjudications.csv").read_text().splitlines()
    header = lines[0].split(",")
    denied = header.index("denied")
    spelled = ["yes", "y", "t", "1", "TRUE", "false"]
    rows = []
    for line, word in zip(lines[1:], spelled):
        fields = line.split(",")
        fields[denied] = word
        rows.append(",".join(fields))
    files = example_set(tmp_path, {"adjudications.csv": "\n".join([lines[0], *rows]) + "\n"})
    assert rejected([files], db) == [
        ("VALUE_TYPE", "adjudications.csv", line, "denied", word, "not true or false (lower case)")
        for line, word in zip(range(2, 7), spelled[:5])]


def test_boolean_strings_in_parquet_are_held_to_the_same_form(db, tmp_path):
    import duckdb
    files = example_set(tmp_path, {})
    (files / "adjudications.csv").unlink()
    con = duckdb.connect()
    con.execute("copy (select * replace (case when claim_id = 'C1' then 'Yes' else cast(denied as varchar) end "
                "as denied) from read_csv($p, all_varchar = true)) to $o (format parquet)",
                {"p": str(EXAMPLES / "adjudications.csv"), "o": str(files / "adjudications.parquet")})
    con.close()
    assert rejected([files], db) == [
        ("VALUE_TYPE", "adjudications.parquet", 1, "denied", "Yes", "not true or false (lower case)")]


# -- 5. the specific reason under --format auto, and a .rejected report for every rejection -----------

EXPECTED = ", ".join(f"{t}.csv" for t in LOADABLE)


def cli_rejected(args: list[str], db: Path, capsys) -> tuple[str, list[tuple]]:
    """`codedash load ARGS --db DB` refused: stderr, and the failures of the one `.rejected` report."""
    from codedash.dashboard.cli import main

    digest = file_digest(db) if db.exists() else None
    capsys.readouterr()
    assert main(["load", *args, "--db", str(db)]) == 2
    assert (file_digest(db) if db.exists() else None) == digest
    err = capsys.readouterr().err
    reports = list(Path(f"{db}.rejected").glob("*-load.json"))
    assert len(reports) == 1
    assert f"Report: {reports[0]}" in err
    data = json.loads(reports[0].read_text())
    assert data["status"] == "rejected"
    return err, [(f["check_id"], f["file"], f["line"], f["message"]) for f in data["failures"]]


def test_auto_reports_a_table_given_twice(db, tmp_path, capsys):
    files = example_set(tmp_path, {})
    shutil.copy(files / "payers.csv", files / "payers.csv.gz")
    err, got = cli_rejected([str(files)], db, capsys)
    message = f"table payers is given twice ({files / 'payers.csv'} and {files / 'payers.csv.gz'})"
    assert got == [("FILE_READABLE", str(files / "payers.csv.gz"), None, message)]
    assert message in err and "could not recognise the format of these files as an importer's either" in err


def test_auto_reports_a_folder_of_non_canonical_names(db, tmp_path, capsys):
    folder = tmp_path / "export"
    folder.mkdir()
    shutil.copy(EXAMPLES / "encounters.csv", folder / "Encounters_2026.csv")
    err, got = cli_rejected([str(folder)], db, capsys)
    message = (f"no native files in this folder: Encounters_2026.csv is not named after a canonical table "
               f"(expected {EXPECTED}, or .csv.gz / .parquet)")
    assert got == [("FILE_READABLE", str(folder), None, message)]
    assert message in err


def test_auto_reports_an_empty_folder_and_a_missing_file(db, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    err, got = cli_rejected([str(empty), str(tmp_path / "gone.csv")], db, capsys)
    assert "as an importer's either" not in err        # a missing file: no format detection was tried
    assert got == [("FILE_READABLE", str(empty), None, f"the folder is empty (expected native files: {EXPECTED}, ...)"),
                   ("FILE_READABLE", str(tmp_path / "gone.csv"), None, "file not found")]


def test_native_rejections_write_the_report_too(db, tmp_path, capsys):
    _, got = cli_rejected(["--format", "native", str(tmp_path / "claims.csv")], db, capsys)
    assert got == [("FILE_READABLE", str(tmp_path / "claims.csv"), None, "file not found")]


def test_an_importer_rejection_writes_the_report_with_the_source_segment(db, tmp_path, capsys):
    bad = tmp_path / "cut.835"
    bad.write_text("ISA*00*          *00*")
    err, got = cli_rejected(["--format", "x12-835", str(bad)], db, capsys)
    assert got == [("SOURCE_FORMAT", str(bad), 1, "X12 segment 1: truncated file: the ISA header is shorter than "
                                                "its fixed 106 characters")]
    assert f"cannot import: {bad}, segment 1: truncated file" in err


# -- 6. symbolic link loops are named -------------------------------------------------------------------

def test_a_symlink_loop_in_a_folder_is_named(db, tmp_path, capsys):
    files = example_set(tmp_path, {})
    (files / "audits.csv").unlink()
    (files / "audits.csv").symlink_to("audits.csv")
    message = "symbolic link loop (-> audits.csv): the link leads back to itself, so the file cannot be read"
    assert rejected([files], db) == [("FILE_READABLE", "audits.csv", None, None, None, message)]
    _, got = cli_rejected([str(files)], db, capsys)               # auto: the same reason
    assert got == [("FILE_READABLE", str(files / "audits.csv"), None, message)]


def test_importers_name_a_symlink_loop_in_a_folder(tmp_path):
    from codedash.data.importers import ImportFormatError, base

    (tmp_path / "claims.csv").write_text("a,b\n1,2\n")
    (tmp_path / "loop.csv").symlink_to(tmp_path / "loop.csv")
    with pytest.raises(ImportFormatError) as exc:
        base.listed_files([tmp_path])
    assert str(exc.value) == (f"{tmp_path / 'loop.csv'}: symbolic link loop (-> {tmp_path / 'loop.csv'}): "
                              "the link leads back to itself, so the file cannot be read")


# -- 7. importer loads name the user's source file and line or X12 segment ------------------------------

def _cli_load(args: list[str], db: Path, capsys) -> dict:
    from codedash.dashboard.cli import main

    assert main(["load", *args, "--db", str(db)]) == 0
    capsys.readouterr()
    import duckdb
    con = duckdb.connect(str(db), read_only=True)
    run = con.execute("select run_id, sources from dq_runs order by started_at desc limit 1").fetchone()
    failures = con.execute("select check_id, file, line, column_name, value, message from dq_failures "
                           "where run_id = ? order by rowid", [run[0]]).fetchall()
    con.close()
    return {"sources": run[1], "failures": failures}


def test_tuva_warnings_name_the_source_file_and_line(db, tmp_path, capsys):
    import csv

    from tests.data.importer_support import shared

    sample = shared("tuva-demo-claims-sample", "medical_claim_sample.csv")
    with open(sample, newline="") as f:
        reader = csv.DictReader(f)
        header, rows = reader.fieldnames, list(reader)
    claims = list(dict.fromkeys(r["claim_id"] for r in rows))[:3]
    keep = [r for r in rows if r["claim_id"] in claims]
    # the claim's first line in the file is line 2 (its encounter and diagnoses are reported there);
    # its claim line 1, further down, is a service line reported at its own line
    first = keep[0]["claim_id"]
    line_one = next(r for r in keep if r["claim_id"] == first and r["claim_line_number"] == "1")
    line_one["diagnosis_code_1"] = "ZZZ99"
    line_one["service_unit_quantity"] = "-2"
    physical = keep.index(line_one) + 2                      # header = line 1
    assert physical > 2
    for r in keep:
        if r["claim_id"] == first:
            r["claim_end_date"] = r["discharge_date"] = "2031-01-01"
    src = tmp_path / "claims.csv"
    with open(src, "w", newline="") as f:
        w = csv.DictWriter(f, header)
        w.writeheader()
        w.writerows(keep)
    got = _cli_load(["--format", "tuva", str(src)], db, capsys)
    assert got["sources"] == str(src)
    assert got["failures"] == [
        ("DATE_NOT_FUTURE", str(src), 2, "discharge_date", "2031-01-01", f"date in the future (after {date.today()})"),
        ("DX_ICD10CM_EXISTS", str(src), 2, "code", "ZZZ99", "not an ICD-10-CM code"),
        ("UNITS_NEGATIVE", str(src), physical, "units", "-2.00", "negative units: possible reversal or entry error")]


def test_x12_warnings_name_the_source_file_and_segment(db, tmp_path, capsys):
    from tests.data.importer_support import shared

    sample = shared("x12-linuxforhealth", "837_005010X222A2", "demo.example1.837").read_text()
    src = tmp_path / "claims.837"
    src.write_text(sample.replace("HI*BK:0340*", "HI*BK:03X0*"))
    clm = [s.strip() for s in sample.split("~")].index("CLM*26463774*100.00***11:B:1*Y*A*Y*I") + 1
    got = _cli_load([str(src)], db, capsys)
    assert got["sources"] == str(src)
    assert got["failures"] == [("DX_ICD9CM_FORMAT", str(src), clm, "code", "03X0",
                                f"not a well-formed ICD-9-CM diagnosis code (X12 segment {clm})")]


def test_x12_service_line_warnings_name_their_lx_segment(db, tmp_path, capsys):
    from tests.data.importer_support import shared

    sample = shared("x12-linuxforhealth", "837_005010X222A2", "demo.example1.837").read_text()
    src = tmp_path / "claims.837"
    src.write_text(sample.replace("SV1*HC:87070*", "SV1*HC:8707*"))
    lx2 = [s.strip() for s in sample.split("~")].index("LX*2") + 1
    got = _cli_load([str(src)], db, capsys)
    assert got["failures"] == [("SL_CODE_FORMAT", str(src), lx2, "code", "8707",
                                f"not a HCPCS Level II code: a letter A-V and 4 digits (X12 segment {lx2})")]


def test_converted_rows_are_reported_at_their_source_rows(db, tmp_path):
    """An importer's Parquet (here written by hand) with _source_file/_source_line: the duplicate key
    names both source rows; a row without provenance names the source files and no line."""
    import duckdb

    files = example_set(tmp_path, {})
    (files / "payers.csv").unlink()
    con = duckdb.connect()
    con.execute("""copy (select * from (values
        ('PA', 'Example Medicare', 'medicare', 'a.txt', 10), ('PB', 'Plan B', 'commercial', 'b.txt', 4),
        ('PA', 'Again', 'medicare', 'a.txt', 30), ('PB', 'Plan B again', 'commercial', 'b.txt', 9),
        ('PB', 'Plan B thrice', 'commercial', null, null))
        t(payer_id, payer_name, payer_type, _source_file, _source_line)) to $o (format parquet)""",
                {"o": str(files / "payers.parquet")})
    con.close()
    got = rejected([files], db, source_files=["a.txt", "b.txt"], source_format="tuva")
    assert [(c, f, line, v, m) for c, f, line, _, v, m in got] == [
        ("PK_UNIQUE", "a.txt", 30, "PA", "duplicate primary key (payer_id): first on line 10"),
        ("PK_UNIQUE", "b.txt", 9, "PB", "duplicate primary key (payer_id): first on line 4"),
        ("PK_UNIQUE", "a.txt, b.txt", None, "PB", "duplicate primary key (payer_id): first on b.txt, line 4")]
