"""`codedash load` / `codedash check`: the example set, round trips, append, line numbers, atomicity
(checksums before/after, a load killed with SIGKILL), readers during a load, the CLI, the demo's run."""
from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest

from codedash.data.loading import LoadRejected, load_native
from codedash.data.loading.catalog import catalog
from codedash.data.loading.rules import RULES
from codedash.data.loading.tables import LOADABLE
from tests.data.test_loading_bad_files import EXAMPLES, TODAY, file_digest, table_checksums

ROOT = Path(__file__).resolve().parents[2]
# Checks decided while reading a file (data/loading/files.py, staging.py) rather than by a row rule.
FILE_LEVEL = {"FILE_READABLE", "FILE_NOT_EMPTY", "FILE_IS_CSV", "FILE_GZIP_COMPLETE", "FILE_ENCODING",
              "FILE_CSV_SYNTAX", "FILE_HAS_ROWS", "HEADER_REQUIRED_COLUMNS", "HEADER_DUPLICATE_COLUMN",
              "HEADER_UNKNOWN_COLUMN", "ROW_RAGGED", "VALUE_TYPE", "SOURCE_FORMAT"}


def test_catalog_and_registry_agree():
    ids = set(catalog())
    assert set(RULES) | FILE_LEVEL == ids
    assert not set(RULES) & FILE_LEVEL
    assert {c.severity for c in catalog().values()} == {"block", "warn"}
    assert len(ids) == 42


def test_examples_load_into_a_new_database(tmp_path):
    """No database yet: the schema and reference tables are built, then data/examples loads cleanly."""
    db = tmp_path / "new.duckdb"
    report = load_native([EXAMPLES], db, today=TODAY)
    assert report.status == "loaded"
    assert [r for r in report.results if r.rows_failed] == []
    con = duckdb.connect(str(db), read_only=True)
    counts = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in LOADABLE}
    assert counts == {"facilities": 2, "payers": 2, "providers": 3, "coders": 2, "encounters": 4, "diagnoses": 8,
                      "procedures": 1, "service_lines": 5, "adjudications": 6, "adjustments": 9, "audits": 2,
                      "audit_findings": 4}
    assert con.execute("select count(*) from ref_icd10cm").fetchone()[0] > 90_000
    assert con.execute("select code from diagnoses where encounter_id = 'E1' and sequence = 1").fetchone() == ("I5023",)
    assert con.execute("select kind, mode, status, rows_read, rows_loaded, rows_rejected from dq_runs").fetchall() == [
        ("load", "replace", "loaded", 48, 48, 0)]
    assert con.execute("select count(*) from dq_checks").fetchone()[0] == 42
    assert con.execute("select rows_total, rows_null from dq_completeness where run_id = ? and table_name = "
                       "'encounters' and column_name = 'drg_code'", [report.run_id]).fetchone() == (4, 2)
    assert dict(con.execute("select key, value from dataset_info").fetchall())["source"] == "native"


def _export(src: Path, folder: Path, fmt: str) -> None:
    folder.mkdir()
    con = duckdb.connect(str(src), read_only=True)
    for t in LOADABLE:
        if fmt == "parquet":
            con.execute(f"copy {t} to '{folder / t}.parquet' (format parquet)")
        elif t == "service_lines":
            con.execute(f"copy {t} to '{folder / t}.csv.gz' (header, compression gzip)")
        else:
            con.execute(f"copy {t} to '{folder / t}.csv' (header)")
    con.close()


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_demo_round_trip(small_demo_db, tmp_path, fmt):
    """The small demo exported as native files (CSV with one gzip file, or Parquet) loads back identically."""
    _export(small_demo_db, tmp_path / "files", fmt)
    db = tmp_path / "db.duckdb"
    shutil.copy(small_demo_db, db)
    report = load_native([tmp_path / "files"], db, today=date(2026, 11, 26))
    assert report.status == "loaded"
    before, after = table_checksums(small_demo_db), table_checksums(db)
    assert {t: after[t] for t in LOADABLE} == {t: before[t] for t in LOADABLE}
    assert after["demo_ground_truth"][0] == 0          # replace: the demo's ground truth does not describe this data


@pytest.fixture
def examples_copy(tmp_path, small_demo_db) -> Path:
    db = tmp_path / "db.duckdb"
    shutil.copy(small_demo_db, db)
    load_native([EXAMPLES], db, today=TODAY)
    return db


def test_append_adds_rows_and_refuses_keys_already_loaded(examples_copy, tmp_path):
    more = tmp_path / "more"
    more.mkdir()
    (more / "encounters.csv").write_text(
        "encounter_id,patient_id,facility_id,encounter_type,admit_date,discharge_date\n"
        "E9,PT9,F02,office,2026-04-01,2026-04-01\n")
    (more / "service_lines.csv").write_text(
        "encounter_id,line_number,claim_id,service_date,code_system,code,charge_amount\n"
        "E9,1,C9,2026-04-01,CPT,99212,90.00\nE1,2,C1,2025-11-04,,,100.00\n")
    report = load_native([more], examples_copy, mode="append", today=TODAY)
    assert report.status == "loaded"
    con = duckdb.connect(str(examples_copy), read_only=True)
    assert con.execute("select count(*) from encounters").fetchone()[0] == 5
    assert con.execute("select count(*), sum(units) from service_lines").fetchone() == (7, 10)   # units default 1
    assert con.execute("select count(*) from diagnoses").fetchone()[0] == 8                       # untouched
    assert [r for r in con.execute("select kind, mode from dq_runs order by started_at").fetchall()] == [
        ("demo", None), ("load", "replace"), ("load", "append")]          # the report history is kept
    con.close()
    digest = file_digest(examples_copy)
    with pytest.raises(LoadRejected) as exc:
        load_native([more / "encounters.csv"], examples_copy, mode="append", today=TODAY)
    assert [(f.check_id, f.line, f.value, f.message) for f in exc.value.report.failures] == [
        ("PK_UNIQUE", 2, "E9", "primary key (encounter_id) is already loaded (append mode)")]
    assert file_digest(examples_copy) == digest


def test_line_numbers_count_quoted_line_breaks(examples_copy, tmp_path):
    """A record spanning 3 lines shifts the next record to line 5 (header = line 1)."""
    files = tmp_path / "files"
    files.mkdir()
    (files / "payers.csv").write_text('payer_id,payer_name,payer_type\nPA,"Example\nMedicare\nPlan",medicare\n'
                                      'PB,Example Commercial,commercial\nPA,Again,medicare\n')
    with pytest.raises(LoadRejected) as exc:
        load_native([files], examples_copy, today=TODAY)
    assert [(f.check_id, f.line, f.value) for f in exc.value.report.failures] == [("PK_UNIQUE", 6, "PA")]


def test_unknown_file_name_and_missing_path(examples_copy, tmp_path):
    bad = tmp_path / "claims.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(LoadRejected) as exc:
        load_native([bad, tmp_path / "nope.csv"], examples_copy)
    msgs = [(f.check_id, Path(f.file).name, f.message) for f in exc.value.report.failures]
    assert msgs[0][:2] == ("FILE_READABLE", "claims.csv")
    assert msgs[0][2].startswith("file name is not a canonical table: expected one of facilities.csv, payers.csv")
    assert msgs[1] == ("FILE_READABLE", "nope.csv", "file not found")


def test_a_load_killed_mid_way_leaves_the_database_unchanged(small_demo_db, tmp_path):
    """SIGKILL during a load of the small demo's files: same bytes, same tables, no temp file served;
    the next load clears the dead process's leftovers and succeeds."""
    _export(small_demo_db, tmp_path / "files", "csv")
    db = tmp_path / "db.duckdb"
    shutil.copy(small_demo_db, db)
    before, digest = table_checksums(db), file_digest(db)
    code = ("import sys; from codedash.data.loading import load_native; "
            "load_native([sys.argv[1]], sys.argv[2], progress=lambda w, i, n: print(i, flush=True))")
    child = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "files"), str(db)], cwd=ROOT,
                             stdout=subprocess.PIPE, text=True)
    for line in child.stdout:                        # kill it once it is reading files (past the copy)
        if int(line) >= 4:
            break
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL
    assert file_digest(db) == digest
    assert table_checksums(db) == before
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".db.duckdb")]
    assert leftovers, "the killed build should have left its temporary file (it is never served)"
    load_native([EXAMPLES], db, today=TODAY)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".db.duckdb")] == []


def test_interrupt_inside_a_load_leaves_the_database_unchanged(examples_copy, monkeypatch):
    """Ctrl-C (KeyboardInterrupt) or a disk-full OSError raised mid-load: nothing changes."""
    import codedash.data.loading.loader as loader

    before, digest = table_checksums(examples_copy), file_digest(examples_copy)
    for exc in (KeyboardInterrupt(), OSError(28, "No space left on device")):
        def boom(*a, exc=exc, **k):
            raise exc
        monkeypatch.setattr(loader, "completeness", boom)
        with pytest.raises(type(exc)):
            load_native([EXAMPLES], examples_copy, today=TODAY)
        assert file_digest(examples_copy) == digest
        assert table_checksums(examples_copy) == before
    assert [p.name for p in examples_copy.parent.iterdir() if p.name.startswith(".db.duckdb")] == []


def test_readers_keep_answering_during_a_load_and_then_see_new_data(small_demo_db, tmp_path):
    from codedash.dashboard.db import ReadOnlyDatabase

    db = tmp_path / "db.duckdb"
    shutil.copy(small_demo_db, db)
    reader = ReadOnlyDatabase(db)
    assert reader.cursor().execute("select count(*) from encounters").fetchone()[0] == 5000
    code = "import sys; from codedash.data.loading import load_native; load_native([sys.argv[1]], sys.argv[2])"
    child = subprocess.Popen([sys.executable, "-c", code, str(EXAMPLES), str(db)], cwd=ROOT)
    seen = []
    while child.poll() is None:
        seen.append(reader.cursor().execute("select count(*) from encounters").fetchone()[0])
        time.sleep(0.05)
    assert child.returncode == 0
    assert len(seen) > 3 and seen[0] == 5000
    # the old data until the new file is complete, then the new data, never a mix or a step back
    assert set(seen) <= {5000, 4} and seen == sorted(seen, reverse=True)
    assert reader.cursor().execute("select count(*) from encounters").fetchone()[0] == 4
    fresh = subprocess.run([sys.executable, "-c", "import sys; from codedash.dashboard.db import ReadOnlyDatabase; "
                            "print(ReadOnlyDatabase(sys.argv[1]).cursor().execute("
                            "'select count(*) from encounters').fetchone()[0])", str(db)],
                           cwd=ROOT, capture_output=True, text=True, check=True)
    assert fresh.stdout.strip() == "4"                     # a reader opening now sees the new data


def test_a_running_reader_sees_the_new_data_after_a_load(small_demo_db, tmp_path):
    from codedash.dashboard.db import ReadOnlyDatabase

    db = tmp_path / "db.duckdb"
    shutil.copy(small_demo_db, db)
    reader = ReadOnlyDatabase(db)
    assert reader.cursor().execute("select count(*) from encounters").fetchone()[0] == 5000
    load_native([EXAMPLES], db, today=TODAY)
    assert reader.cursor().execute("select count(*) from encounters").fetchone()[0] == 4


def test_cli_load_and_check(small_demo_db, tmp_path, capsys):
    from codedash.dashboard.cli import main

    db = tmp_path / "db.duckdb"
    shutil.copy(small_demo_db, db)
    assert main(["load", str(EXAMPLES), "--db", str(db), "--mode", "replace"]) == 0
    out = capsys.readouterr().out
    assert ["encounters", "4", "4", "0"] in [line.split() for line in out.splitlines()]
    assert out.strip().endswith("(loaded)")
    assert main(["check", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("run ") and "-load: loaded" in out.splitlines()[0]
    assert main(["check", "--db", str(db), "--rerun"]) == 0
    assert "all 73 checks passed" in capsys.readouterr().out
    assert main(["load", str(tmp_path / "missing"), "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "file not found" in err and "unchanged" in err
    with pytest.raises(SystemExit) as exc:
        main(["load", str(EXAMPLES), "--db", str(db), "--mode", "merge"])
    assert exc.value.code == 2
    assert main(["check", "--db", str(tmp_path / "none.duckdb")]) == 2


def test_demo_database_records_a_data_quality_run(small_demo_db):
    con = duckdb.connect(str(small_demo_db), read_only=True)
    runs = con.execute("select kind, source_format, status from dq_runs").fetchall()
    assert runs == [("demo", "demo", "checked")]
    results = con.execute("select count(*), sum(rows_failed) from dq_results").fetchone()
    assert results == (73, 0)         # 70 + UNITS_NEGATIVE on service_lines and adjustments + CLAIM_ONE_ENCOUNTER
    assert con.execute("select count(*) from dq_completeness").fetchone()[0] == sum(
        len(con.execute(f"describe {t}").fetchall()) for t in LOADABLE)
    con.close()
