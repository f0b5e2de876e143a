"""`codedash load` picks the format (native or an importer), converts, validates and loads atomically."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from codedash.dashboard.cli import main, resolve_format
from codedash.queries import settings

SHARED = Path(settings.get("shared_data"))
EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "examples"
TUVA = ["tuva-demo-claims-sample/medical_claim_sample.csv", "tuva-demo-claims-sample/eligibility_sample.csv"]


def _shared():
    if not SHARED.is_dir():
        pytest.skip(f"shared samples not found at {SHARED} (set CODEDASH_SHARED_DATA)")
    return SHARED


def test_native_files_are_recognised_by_name():
    assert resolve_format("auto", [str(EXAMPLES)]) == "native"
    assert resolve_format("tuva", [str(EXAMPLES)]) == "tuva"          # an explicit format is obeyed


@pytest.mark.parametrize("paths, fmt", [
    (TUVA, "tuva"),
    (["x12-linuxforhealth/835_005010X221A1"], "x12-835"),
    (["x12-linuxforhealth/837_005010X223A3"], "x12-837"),
    (["mimic-iv-demo-2.2/hosp"], "mimic-iv"),
    (["desynpuf-etlcms-sample0/DE1_0_2008_to_2010_Inpatient_Claims_Sample_0.csv"], "desynpuf"),
    (["bfd-rif-synthea/rif-synthea"], "cms-rif"),
])
def test_formats_are_detected(paths, fmt):
    root = _shared()
    assert resolve_format("auto", [str(root / p) for p in paths]) == fmt


def test_tuva_load_records_source_and_why_tables_are_empty(tmp_path, capsys):
    root = _shared()
    db = tmp_path / "tuva.duckdb"
    assert main(["load", *[str(root / p) for p in TUVA], "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "format: tuva (detected)" in out
    con = duckdb.connect(str(db), read_only=True)
    info = dict(con.execute("select key, value from dataset_info").fetchall())
    assert info["source"] == "tuva"
    assert info["n_encounters"] == "3106"
    assert info["empty_reason:audits"].startswith("no audit data in this source")
    assert con.execute("select source_format, status from dq_runs").fetchall() == [("tuva", "loaded_with_warnings")]
    assert not list(tmp_path.glob(".tuva.duckdb.import-*")), "the conversion folder is removed"


def test_malformed_import_loads_nothing(tmp_path, capsys):
    root = _shared()
    db = tmp_path / "db.duckdb"
    assert main(["load", str(EXAMPLES), "--db", str(db)]) == 0
    before = db.read_bytes()
    bad = tmp_path / "cut.835"
    text = (root / "x12-linuxforhealth/835_005010X221A1/managed-care.835").read_text()
    bad.write_text(text[: len(text) // 2])
    capsys.readouterr()
    assert main(["load", "--format", "x12-835", str(bad), "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "cannot import" in err and "cut.835" in err and "unchanged" in err
    assert db.read_bytes() == before


def test_unrecognised_files_are_refused(tmp_path, capsys):
    junk = tmp_path / "notes.txt"
    junk.write_text("hello\n")
    assert main(["load", str(junk), "--db", str(tmp_path / "db.duckdb")]) == 2
    assert "could not recognise the format" in capsys.readouterr().err
    assert not (tmp_path / "db.duckdb").exists()


def test_remittances_appended_attach_to_the_claims_they_pay(tmp_path, capsys):
    """837 claim 26463774 (demo.example1.837) is loaded; a copy of managed-care.835 paying it (CLP01 changed,
    SVC code set to the claim's 99214 line) is appended: the payment attaches to that encounter's line 3."""
    root = _shared()
    db = tmp_path / "db.duckdb"
    assert main(["load", str(root / "x12-linuxforhealth/837_005010X222A2/demo.example1.837"), "--db", str(db)]) == 0
    src = (root / "x12-linuxforhealth/835_005010X221A1/managed-care.835").read_text()
    remit = tmp_path / "pays.835"
    remit.write_text(src.replace("CLP*5554555444*", "CLP*26463774*").replace("SVC*HC:99211*", "SVC*HC:99214*"))
    assert main(["load", str(remit), "--mode", "append", "--db", str(db)]) == 0
    assert "1 attached" in capsys.readouterr().out
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select encounter_id, line_number from adjudications where claim_id = '26463774'"
                       ).fetchall() == [("26463774", 3)]
    assert con.execute("select count(*) from encounters where encounter_id = '26463774'").fetchone()[0] == 1
