"""The loading gaps of issue 9, each closed with its exact message: NUL bytes anywhere, booleans as
documented, negative units, physical line numbers, specific reasons under `--format auto` with a
`.rejected` report for every rejection, symlink loops named. Every rejected load leaves the database
byte-for-byte as it was."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from data.loading import LoadRejected, load_native
from tests.data.test_loading_bad_files import EXAMPLES, TODAY, file_digest, table_checksums


@pytest.fixture(scope="module")
def examples_db(small_demo_db, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("gaps") / "examples.duckdb"
    shutil.copy(small_demo_db, path)
    load_native([EXAMPLES], path, today=TODAY)
    return path


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
