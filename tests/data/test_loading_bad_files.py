"""The corpus of bad native files (tests/data/bad_files): each gives its exact failures and loses nothing.

Each case folder's files replace the same-named table files of data/examples (the valid set). The
load goes into a copy of a database that already holds the examples; a blocked load must leave that
file byte-for-byte unchanged (and every table's checksum with it), a warned load must load and record.
"""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest

from codedash.data.loading import LoadRejected, load_native
from tests.data.loading_support import EXAMPLES, TODAY

BAD = Path(__file__).with_name("bad_files")


def table_checksums(path: Path) -> dict[str, tuple[int, int]]:
    """Row count and an order-independent hash of every row, for every table of the database."""
    con = duckdb.connect(str(path), read_only=True)
    tables = [r[0] for r in con.execute("select table_name from information_schema.tables "
                                        "where table_schema = 'main' order by 1").fetchall()]
    out = {t: con.execute(f"select count(*), coalesce(bit_xor(hash(x)), 0) from {t} x").fetchone() for t in tables}
    con.close()
    return out


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def case_files(case: str, tmp: Path) -> Path:
    files = tmp / "files"
    shutil.copytree(EXAMPLES, files)
    for f in (BAD / case).iterdir():
        for old in files.glob(f.name.split(".")[0] + ".*"):
            old.unlink()
        shutil.copy(f, files / f.name)
    return files


def run_case(case: str, examples_db: Path, tmp_path: Path):
    db = tmp_path / "db.duckdb"
    shutil.copy(examples_db, db)
    before, digest = table_checksums(db), file_digest(db)
    try:
        report = load_native([case_files(case, tmp_path)], db, today=TODAY)
    except LoadRejected as exc:
        assert file_digest(db) == digest, "a rejected load changed the database file"
        assert table_checksums(db) == before
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".db.duckdb")], "temporary files left"
        return "rejected", exc.report, before
    return report.status, report, before


def failures(report) -> list[tuple]:
    return [(f.check_id, Path(f.file).name if f.file else None, f.line, f.column_name, f.value, f.message)
            for f in report.failures]


# (case, outcome, exact failures: check, file, line, column, value, message)
CASES = [
    ("empty_file", "rejected", [
        ("FILE_NOT_EMPTY", "encounters.csv", None, None, None,
         "file is empty (0 bytes): expected a header line with the column names")]),
    ("header_only", "rejected", [
        ("FILE_HAS_ROWS", "audits.csv", None, None, None, "no data rows below the header (a failed export?)")]),
    ("latin1", "rejected", [
        ("FILE_ENCODING", "payers.csv", 3, "payer_name", "PB,Mutuelle Caf??Sant??commercial",
         "not UTF-8 (Latin-1 or Windows-1252 bytes?): save the file as UTF-8")]),
    ("ragged_rows", "rejected", [
        ("ROW_RAGGED", "service_lines.csv", 4, None,
         "E3,1,C3,2026-02-20,,CPT,99213,,,,,1,180.00,95.00,76.00,PR3,EXTRA",
         "ragged row: 17 fields where the header has 16"),
        ("ROW_RAGGED", "service_lines.csv", 6, None, "E4,1,C4,2026-03-05,,CPT,99214,25,,",
         "ragged row: 10 fields where the header has 16")]),
    ("missing_column", "rejected", [
        ("HEADER_REQUIRED_COLUMNS", "encounters.csv", 1, "admit_date", None,
         "required column admit_date is missing from the header")]),
    ("extra_column", "loaded_with_warnings", [
        ("HEADER_UNKNOWN_COLUMN", "facilities.csv", 1, "notes", "notes", "not a column of facilities: ignored")]),
    ("wrong_types", "rejected", [
        ("VALUE_TYPE", "service_lines.csv", 5, "line_number", "two", "not a whole number between -32768 and 32767"),
        ("VALUE_TYPE", "service_lines.csv", 4, "service_date", "02/20/2026", "not a date (expected YYYY-MM-DD)"),
        ("VALUE_TYPE", "service_lines.csv", 2, "charge_amount", "$12000.00",
         "not an amount (a plain decimal number such as 1234.50, at most 12 digits before the point)")]),
    ("invalid_icd", "loaded_with_warnings", [
        ("DX_ICD10CM_EXISTS", "diagnoses.csv", 7, "code", "J06999", "not an ICD-10-CM code"),
        ("DX_ICD10CM_BILLABLE", "diagnoses.csv", 4, "code", "E11", "not billable: category E11 needs more characters")]),
    ("code_year_mismatch", "loaded_with_warnings", [
        ("DX_SYSTEM_FOR_DATE", "diagnoses.csv", 11, "code_system", "ICD9CM",
         "ICD-9-CM code on a discharge of 2026-03-05 (ICD-9-CM is accepted only before 2015-10-01)"),
        ("DX_ICD10CM_VALID_FY", "diagnoses.csv", 10, "code", "B8801",
         "not valid in FY2019 (discharge 2019-05-10); valid from FY2026")]),
    ("future_dates", "loaded_with_warnings", [
        ("DATE_NOT_FUTURE", "encounters.csv", 5, "admit_date", "2031-03-05", "date in the future (after 2026-11-26)"),
        ("DATE_NOT_FUTURE", "encounters.csv", 5, "coding_completed_at", "2031-03-06 14:08:00",
         "date in the future (after 2026-11-26)"),
        ("DATE_NOT_FUTURE", "encounters.csv", 5, "coding_started_at", "2031-03-06 14:00:00",
         "date in the future (after 2026-11-26)"),
        ("DATE_NOT_FUTURE", "encounters.csv", 5, "discharge_date", "2031-03-05",
         "date in the future (after 2026-11-26)")]),
    ("amounts", "loaded_with_warnings", [
        ("AMOUNT_ORDER", "service_lines.csv", 4, "paid_amount", "120.00", "paid above allowed (95.00)"),
        ("AMOUNT_NEGATIVE", "service_lines.csv", 5, "paid_amount", "-3.00", "negative amount: possible reversal"),
        ("AMOUNT_ABSURD", "service_lines.csv", 3, "charge_amount", "45000000.00",
         "implausible amount (more than 10,000,000 dollars)")]),
    ("negative_units", "loaded_with_warnings", [
        ("UNITS_NEGATIVE", "service_lines.csv", 3, "units", "-2.00", "negative units: possible reversal or entry error"),
        ("UNITS_NEGATIVE", "adjustments.csv", 4, "quantity", "-1.00",
         "negative units: possible reversal or entry error")]),
    ("booleans", "rejected", [
        ("VALUE_TYPE", "adjudications.csv", 2, "denied", "yes", "not true or false (lower case)"),
        ("VALUE_TYPE", "adjudications.csv", 3, "denied", "1", "not true or false (lower case)"),
        ("VALUE_TYPE", "adjudications.csv", 4, "denied", "TRUE", "not true or false (lower case)"),
        ("VALUE_TYPE", "adjudications.csv", 5, "appeal_filed", "N", "not true or false (lower case)")]),
    ("blank_lines", "rejected", [
        ("PK_UNIQUE", "payers.csv", 8, "payer_id", "PA", "duplicate primary key (payer_id): first on line 3")]),
    ("nul_late", "rejected", [
        ("FILE_IS_CSV", "payers.csv", 1704, None, None,
         "not a CSV text file: binary content (NUL byte at byte 83,406 of the file)")]),
    ("claim_two_encounters", "rejected", [
        ("CLAIM_ONE_ENCOUNTER", "adjudications.csv", 7, "encounter_id", "E4",
         "claim C3 also has lines of encounter E3: a claim belongs to one encounter")]),
    ("duplicate_keys", "rejected", [
        ("PK_UNIQUE", "diagnoses.csv", 10, "encounter_id, sequence", "E1|2",
         "duplicate primary key (encounter_id, sequence): first on line 3")]),
    ("orphan_lines", "rejected", [
        ("FK_ENCOUNTER", "service_lines.csv", 7, "encounter_id", "E99", "no such encounter (orphan row)")]),
    ("truncated_gzip", "rejected", [
        ("FILE_GZIP_COMPLETE", "service_lines.csv.gz", None, None, None,
         "gzip stream is truncated or corrupt (Compressed file ended before the end-of-stream marker was reached)")]),
    ("not_csv", "rejected", [
        ("FILE_IS_CSV", "encounters.csv", None, None, None, "not a CSV file: this is a PNG image")]),
    ("implausible", "loaded_with_warnings", [
        ("DRG_VALID_FOR_VERSION", "encounters.csv", 3, "drg_code", "015", "not an MS-DRG of grouper version 43"),
        ("ENC_DISCHARGE_AFTER_ADMIT", "encounters.csv", 3, "discharge_date", "2026-01-10",
         "discharge before admission (2026-01-12)"),
        ("AGE_RANGE", "encounters.csv", 4, "age_years", "130", "age outside 0-120: stored as null"),
        ("AGE_TOP_CODED", "encounters.csv", 2, "age_years", "95", "age over 89: stored as 90 (90 or older)"),
        ("SEX_ALLOWED", "encounters.csv", 4, "sex", "X", "sex must be F, M, U"),
        ("CARC_GROUP_VALID", "adjudications.csv", 7, "carc_group", "XX",
         "claim adjustment group must be CO, PR, OA, PI, CR"),
        ("CARC_CODE_VALID", "adjudications.csv", 7, "carc_code", "9999",
         "malformed reason code: 1-3 digits or a letter and 1-2 digits"),
        ("ADJ_NOT_BEFORE_SERVICE", "adjudications.csv", 2, "adjudication_date", "2025-10-01",
         "adjudicated before the service date (2025-11-03)")]),
    ("bom", "loaded", []),
]


def test_corpus_has_a_case_for_every_folder():
    assert sorted(p.name for p in BAD.iterdir() if p.is_dir()) == sorted(c[0] for c in CASES)


@pytest.mark.parametrize(("case", "outcome", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bad_file(case, outcome, expected, examples_db, tmp_path):
    status, report, before = run_case(case, examples_db, tmp_path)
    assert (status, failures(report)) == (outcome, expected)
    if outcome == "rejected":
        assert report.status == "rejected"
        assert any(r.status == "fail" for r in report.results)
    else:
        db = tmp_path / "db.duckdb"
        con = duckdb.connect(str(db), read_only=True)
        saved = con.execute("select check_id, line, column_name, value, message from dq_failures where run_id = ? "
                            "order by rowid", [report.run_id]).fetchall()
        assert saved == [(c, line, col, v, m) for c, _, line, col, v, m in expected]
        assert con.execute("select status from dq_runs where run_id = ?", [report.run_id]).fetchone()[0] == outcome
        con.close()


def test_counts_and_percentages(examples_db, tmp_path):
    """amounts: 1 of 5 service lines fails each amount check -> 20%; warn severity, status 'warn'."""
    _, report, _ = run_case("amounts", examples_db, tmp_path)
    got = {(r.check_id, r.table_name): (r.rows_checked, r.rows_failed, r.pct_failed, r.status)
           for r in report.results if r.rows_failed}
    assert got == {("AMOUNT_ORDER", "service_lines"): (5, 1, 0.2, "warn"),
                   ("AMOUNT_NEGATIVE", "service_lines"): (5, 1, 0.2, "warn"),
                   ("AMOUNT_ABSURD", "service_lines"): (5, 1, 0.2, "warn")}


def test_rejected_report_written_beside_the_database(examples_db, tmp_path):
    from codedash.dashboard.cli import main

    db = tmp_path / "db.duckdb"
    shutil.copy(examples_db, db)
    digest = file_digest(db)
    assert main(["load", str(case_files("orphan_lines", tmp_path)), "--db", str(db)]) == 2
    assert file_digest(db) == digest
    reports = list((tmp_path / "db.duckdb.rejected").glob("*-load.json"))
    assert len(reports) == 1
    import json
    data = json.loads(reports[0].read_text())
    assert data["status"] == "rejected"
    assert [(f["check_id"], f["line"], f["value"]) for f in data["failures"]] == [("FK_ENCOUNTER", 7, "E99")]
    assert data["tables"]["service_lines"] == {"file": str(tmp_path / "files" / "service_lines.csv"),
                                               "rows_read": 6, "rows_loaded": 0, "rows_rejected": 6}
