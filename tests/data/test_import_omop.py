"""OMOP CDM v5.4 importer on a hand-built fixture (CSV and Parquet) whose right answers are worked out below.

The fixture: 3 persons, 4 visits, 9 condition rows of which 6 become diagnoses, 4 procedure rows of which 1 is
an ICD-10-PCS procedure and 2 are CPT/HCPCS service lines, 2 payers. Field names are the CDM v5.4 ones
(OHDSI/CommonDataModel inst/csv/OMOP_CDMv5.4_Field_Level.csv).
"""
from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from codedash.dashboard.cli import main
from codedash.data.importers import ImportFormatError, detect_format, get, mimic_iv, omop, tuva
from tests.data.importer_support import (
    assert_dashboard_queries_run, assert_nothing_written, count, loaded, reference_db,  # noqa: F401
)

# table -> (header, rows); only the fields the test needs beyond the CDM-required ones are filled
CDM: dict[str, tuple[list[str], list[list[str]]]] = {
    "cdm_source": (
        ["cdm_source_name", "cdm_source_abbreviation", "cdm_holder", "source_description",
         "source_documentation_reference", "cdm_etl_reference", "source_release_date", "cdm_release_date",
         "cdm_version", "cdm_version_concept_id", "vocabulary_version"],
        [["Fixture", "FIX", "codedash tests", "", "", "", "2024-12-01", "2024-12-01", "5.4", "756265", "v5.0"]]),
    "person": (
        ["person_id", "gender_concept_id", "year_of_birth", "month_of_birth", "day_of_birth", "birth_datetime",
         "race_concept_id", "ethnicity_concept_id", "location_id", "provider_id", "care_site_id",
         "person_source_value", "gender_source_value", "gender_source_concept_id", "race_source_value",
         "race_source_concept_id", "ethnicity_source_value", "ethnicity_source_concept_id"],
        [["1", "8507", "1950", "6", "15", "", "0", "0", "", "", "", "p1", "M", "0", "", "0", "", "0"],
         ["2", "8532", "1980", "", "", "", "0", "0", "", "", "", "p2", "F", "0", "", "0", "", "0"],
         ["3", "8551", "2010", "", "", "", "0", "0", "", "", "", "p3", "", "0", "", "0", "", "0"]]),
    "visit_occurrence": (
        ["visit_occurrence_id", "person_id", "visit_concept_id", "visit_start_date", "visit_start_datetime",
         "visit_end_date", "visit_end_datetime", "visit_type_concept_id", "provider_id", "care_site_id",
         "visit_source_value", "visit_source_concept_id", "admitted_from_concept_id", "admitted_from_source_value",
         "discharged_to_concept_id", "discharged_to_source_value", "preceding_visit_occurrence_id"],
        [["10", "1", "9201", "2023-01-10", "", "2023-01-14", "", "32817", "100", "1", "", "0", "0", "", "8536", "",
          ""],
         ["11", "1", "9202", "2023-03-02", "", "2023-03-02", "", "32817", "101", "", "", "0", "0", "", "0", "", ""],
         ["12", "2", "9203", "2015-09-20", "", "2015-09-20", "", "32817", "", "", "", "0", "0", "", "0", "", ""],
         ["13", "3", "581477", "2024-11-05", "", "2024-11-05", "", "32817", "", "2", "", "0", "0", "", "0", "",
          ""]]),
    "condition_occurrence": (
        ["condition_occurrence_id", "person_id", "condition_concept_id", "condition_start_date",
         "condition_start_datetime", "condition_end_date", "condition_end_datetime", "condition_type_concept_id",
         "condition_status_concept_id", "stop_reason", "provider_id", "visit_occurrence_id", "visit_detail_id",
         "condition_source_value", "condition_source_concept_id", "condition_status_source_value"],
        [["1", "1", "320128", "2023-01-10", "", "", "", "32817", "32908", "", "", "10", "", "I10", "1002", ""],
         ["2", "1", "201826", "2023-01-10", "", "", "", "32817", "32902", "", "", "10", "", "E11.9", "1001", ""],
         ["3", "1", "201826", "2023-01-11", "", "", "", "32817", "32908", "", "", "10", "", "E11.9", "1001", ""],
         ["4", "2", "201826", "2015-09-20", "", "", "", "32817", "0", "", "", "12", "", "250.00", "0", ""],
         ["5", "1", "201826", "2023-03-02", "", "", "", "32817", "0", "", "", "11", "", "44054006", "1004", ""],
         ["6", "1", "320128", "2023-05-01", "", "", "", "32817", "0", "", "", "", "", "I10", "1002", ""],
         ["7", "3", "317009", "2024-11-05", "", "", "", "32817", "0", "", "", "13", "", "J45.909", "0", ""],
         ["8", "2", "0", "2015-09-20", "", "", "", "32817", "0", "", "", "12", "", "V20", "0", ""],
         ["9", "2", "320128", "2015-09-20", "", "", "", "32817", "0", "", "", "12", "", "4019", "1003", ""]]),
    "procedure_occurrence": (
        ["procedure_occurrence_id", "person_id", "procedure_concept_id", "procedure_date", "procedure_datetime",
         "procedure_end_date", "procedure_end_datetime", "procedure_type_concept_id", "modifier_concept_id",
         "quantity", "provider_id", "visit_occurrence_id", "visit_detail_id", "procedure_source_value",
         "procedure_source_concept_id", "modifier_source_value"],
        [["1", "1", "4203771", "2023-01-11", "", "", "", "32817", "0", "", "100", "10", "", "0SRC0J9", "1007", ""],
         ["2", "1", "9202", "2023-03-02", "", "", "", "32817", "0", "1", "101", "11", "", "99213", "1005", "25"],
         ["3", "1", "0", "2023-03-02", "", "", "", "32817", "0", "", "101", "11", "", "G0439", "1006", ""],
         ["4", "3", "4000001", "2024-11-05", "", "", "", "32817", "0", "", "", "13", "", "12345", "1008", ""]]),
    "provider": (
        ["provider_id", "provider_name", "npi", "dea", "specialty_concept_id", "care_site_id", "year_of_birth",
         "gender_concept_id", "provider_source_value", "specialty_source_value", "specialty_source_concept_id",
         "gender_source_value", "gender_source_concept_id"],
        [["100", "Dr A", "1234567893", "", "1009", "1", "", "", "", "", "0", "", "0"],
         ["101", "Dr B", "", "", "0", "2", "", "", "", "", "0", "", "0"]]),
    "care_site": (
        ["care_site_id", "care_site_name", "place_of_service_concept_id", "location_id", "care_site_source_value",
         "place_of_service_source_value"],
        [["1", "General Hospital", "8717", "7", "", ""], ["2", "Main St Clinic", "8940", "", "", ""]]),
    "location": (
        ["location_id", "address_1", "address_2", "city", "state", "zip", "county", "location_source_value",
         "country_concept_id", "country_source_value", "latitude", "longitude"],
        [["7", "", "", "Newark", "NJ", "", "", "", "", "", "", ""]]),
    "payer_plan_period": (
        ["payer_plan_period_id", "person_id", "payer_plan_period_start_date", "payer_plan_period_end_date",
         "payer_concept_id", "payer_source_value", "payer_source_concept_id", "plan_concept_id", "plan_source_value",
         "plan_source_concept_id", "sponsor_concept_id", "sponsor_source_value", "sponsor_source_concept_id",
         "family_source_value", "stop_reason_concept_id", "stop_reason_source_value",
         "stop_reason_source_concept_id"],
        [["1", "1", "2022-01-01", "2023-12-31", "1010", "Medicare Part A", "0", "0", "", "0", "0", "", "0", "", "0",
          "", "0"],
         ["2", "2", "2015-01-01", "2015-12-31", "1011", "Acme Health", "0", "0", "", "0", "0", "", "0", "", "0", "",
          "0"]]),
    "cost": (
        ["cost_id", "cost_event_id", "cost_domain_id", "cost_type_concept_id", "currency_concept_id",
         "total_charge", "total_cost", "total_paid", "paid_by_payer", "paid_by_patient", "paid_patient_copay",
         "paid_patient_coinsurance", "paid_patient_deductible", "paid_by_primary", "paid_ingredient_cost",
         "paid_dispensing_fee", "payer_plan_period_id", "amount_allowed", "revenue_code_concept_id",
         "revenue_code_source_value", "drg_concept_id", "drg_source_value"],
        [["1", "10", "Visit", "32817", "44818668", "", "", "", "", "", "", "", "", "", "", "", "1", "", "0", "",
          "0", "291"],
         ["2", "2", "Procedure", "32817", "44818668", "120.00", "", "64.00", "", "", "", "", "", "", "", "", "1",
          "80.00", "0", "", "0", ""]]),
    "concept": (
        ["concept_id", "concept_name", "domain_id", "vocabulary_id", "concept_class_id", "standard_concept",
         "concept_code", "valid_start_date", "valid_end_date", "invalid_reason"],
        [["1001", "dx one", "Condition", "ICD10CM", "4-char billing code", "", "E11.9", "1970-01-01", "2099-12-31", ""],
         ["1002", "dx two", "Condition", "ICD10CM", "3-char billing code", "", "I10", "1970-01-01", "2099-12-31", ""],
         ["1003", "dx three", "Condition", "ICD9CM", "4-dig nonbill code", "", "401.9", "1970-01-01", "2099-12-31",
          ""],
         ["1004", "finding", "Condition", "SNOMED", "Clinical Finding", "S", "44054006", "1970-01-01", "2099-12-31",
          ""],
         ["1005", "cpt", "Procedure", "CPT4", "CPT4", "S", "99213", "1970-01-01", "2099-12-31", ""],
         ["1006", "hcpcs", "Procedure", "HCPCS", "HCPCS", "S", "G0439", "1970-01-01", "2099-12-31", ""],
         ["1007", "pcs", "Procedure", "ICD10PCS", "ICD10PCS", "S", "0SRC0J9", "1970-01-01", "2099-12-31", ""],
         ["1008", "proc", "Procedure", "SNOMED", "Procedure", "S", "12345", "1970-01-01", "2099-12-31", ""],
         ["1009", "internal medicine", "Provider", "Medicare Specialty", "Physician Specialty", "S", "11",
          "1970-01-01", "2099-12-31", ""],
         ["1010", "medicare", "Payer", "SOPT", "SOPT", "S", "1", "1970-01-01", "2099-12-31", ""],
         ["1011", "private", "Payer", "SOPT", "SOPT", "S", "5", "1970-01-01", "2099-12-31", ""]]),
    "source_to_concept_map": (
        ["source_code", "source_concept_id", "source_vocabulary_id", "source_code_description", "target_concept_id",
         "target_vocabulary_id", "valid_start_date", "valid_end_date", "invalid_reason"],
        [["250.00", "0", "ICD9CM", "", "201826", "SNOMED", "1970-01-01", "2099-12-31", ""],
         ["J45.909", "0", "ICD10CM", "", "317009", "SNOMED", "1970-01-01", "2099-12-31", ""],
         ["V20", "0", "ICD9CM", "", "0", "None", "1970-01-01", "2099-12-31", ""],
         ["V20", "0", "ICD10CM", "", "0", "None", "1970-01-01", "2099-12-31", ""]]),
}

# Worked out by hand from CDM above.
ENCOUNTERS = {
    # id: (patient, facility, type, admit, discharge, status, attending, specialty, pos, payer, payer type,
    #      drg, age, sex)
    "10": ("1", "1", "inpatient", "2023-01-10", "2023-01-14", "01", "100", "11", "21", "Medicare Part A",
           "medicare", "291", 72, "M"),
    "11": ("1", "2", "outpatient", "2023-03-02", "2023-03-02", None, "101", None, None, "Medicare Part A",
           "medicare", None, 72, "M"),
    "12": ("2", "OMOP_UNKNOWN", "emergency", "2015-09-20", "2015-09-20", None, None, None, "23", "Acme Health",
           "commercial", None, 35, "F"),
    "13": ("3", "2", "office", "2024-11-05", "2024-11-05", None, None, None, "11", None, None, None, 14, "U"),
}
DIAGNOSES = [  # primary (32902) first; the repeated E11.9 once; SNOMED and visit-less rows left out
    ("10", 1, "ICD10CM", "E119", "FY2023"), ("10", 2, "ICD10CM", "I10", "FY2023"),
    ("12", 1, "ICD9CM", "25000", "FY2015"), ("12", 2, "ICD9CM", "V20", "FY2015"),   # V20: both vocabularies, 2015-09
    ("12", 3, "ICD9CM", "4019", "FY2015"),                                          # ICD9CM by concept.vocabulary_id
    ("13", 1, "ICD10CM", "J45909", "FY2025"),
]


def write_csv(folder: Path, tables: dict | None = None, upper: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, (header, rows) in (tables or CDM).items():
        with open(folder / f"{name.upper() if upper else name}.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(rows)
    return folder


def write_parquet(folder: Path, tables: dict | None = None) -> Path:
    """The same tables as typed Parquet (ids as integers, dates as DATE), as an OMOP database export writes them."""
    csv_dir = write_csv(folder.parent / f"{folder.name}_csv", tables)
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    for f in sorted(csv_dir.glob("*.csv")):
        con.execute(f"copy (select * from read_csv('{f}', header = true)) to '{folder / (f.stem + '.parquet')}' "
                    "(format parquet)")
    con.close()
    return folder


def edited(table: str, header=None, rows=None) -> dict:
    out = dict(CDM)
    h, r = CDM[table]
    out[table] = (header if header is not None else h, rows if rows is not None else r)
    return out


def test_detect(tmp_path):
    folder = write_csv(tmp_path / "cdm")
    assert omop.detect([folder])
    assert omop.detect([folder / "person.csv", folder / "visit_occurrence.csv"])
    assert not omop.detect([folder / "person.csv"])                         # visit_occurrence is required
    assert omop.detect([write_parquet(tmp_path / "pq")])
    assert omop.detect([write_csv(tmp_path / "upper", upper=True)])        # PERSON.csv as some exports name it
    (folder / "README.csv").write_text("a,b\n1,2\n")
    assert omop.detect([folder])                                             # a folder may hold other files
    assert not omop.detect([folder / "person.csv", folder / "visit_occurrence.csv", folder / "README.csv"])
    assert detect_format([folder]) == "omop"
    assert not mimic_iv.detect([folder]) and not tuva.detect([folder])
    assert get("omop") is omop


@pytest.mark.parametrize("variant", ["csv", "parquet"])
def test_fixture_counts(tmp_path, reference_db, variant):  # noqa: F811
    folder = write_csv(tmp_path / "cdm") if variant == "csv" else write_parquet(tmp_path / "cdm")
    summary = omop.convert([folder], tmp_path / "out")
    con = loaded(reference_db, tmp_path / "out")
    assert summary.rows_written == {"facilities": 3, "payers": 2, "providers": 2, "encounters": 4, "diagnoses": 6,
                                    "procedures": 1, "service_lines": 2}
    got = {r[0]: tuple(r[1:]) for r in con.execute("""
        select encounter_id, patient_id, facility_id, encounter_type, cast(admit_date as varchar),
               cast(discharge_date as varchar), discharge_status, attending_provider_id, specialty_code,
               place_of_service, payer_id, payer_type, drg_code, age_years, sex from encounters""").fetchall()}
    assert got == ENCOUNTERS
    assert con.execute("select count(distinct patient_id) from encounters").fetchone()[0] == 3
    assert con.execute("select encounter_id, sequence, code_system, code, code_version from diagnoses "
                       "order by 1, 2").fetchall() == DIAGNOSES
    assert count(con, "diagnoses", "code_system = 'ICD10CM'") == 3
    assert count(con, "diagnoses", "code_system = 'ICD9CM'") == 3
    assert con.execute("select encounter_id, sequence, code_system, code, cast(procedure_date as varchar), "
                       "provider_id from procedures").fetchall() == [("10", 1, "ICD10PCS", "0SRC0J9", "2023-01-11",
                                                                      "100")]
    assert con.execute("""select encounter_id, line_number, claim_id, cast(service_date as varchar), code_system, code,
                                 modifier_1, cast(units as double), cast(charge_amount as double),
                                 cast(allowed_amount as double), cast(paid_amount as double), rendering_provider_id
                          from service_lines order by 2""").fetchall() == [
        ("11", 1, "11", "2023-03-02", "CPT", "99213", "25", 1.0, 120.0, 80.0, 64.0, "101"),
        ("11", 2, "11", "2023-03-02", "HCPCS", "G0439", None, 1.0, 0.0, None, None, "101")]
    assert con.execute("select payer_id, payer_name, payer_type from payers order by 1").fetchall() == [
        ("Acme Health", "Acme Health", "commercial"), ("Medicare Part A", "Medicare Part A", "medicare")]
    assert con.execute("select facility_id, facility_name, state, facility_type from facilities order by 1"
                       ).fetchall() == [("1", "General Hospital", "NJ", "hospital"), ("2", "Main St Clinic", None,
                                                                                       "clinic"),
                                        ("OMOP_UNKNOWN", "Unknown care site (visit without care_site_id)", None, None)]
    assert con.execute("select provider_id, provider_name, specialty_code, facility_id, npi from providers "
                       "order by 1").fetchall() == [("100", "Dr A", "11", "1", "1234567893"),
                                                    ("101", "Dr B", None, "2", None)]
    notes = "\n".join(summary.notes)
    assert "1 SNOMED" in notes                                      # condition 5
    assert "1 ICD condition rows without a visit_occurrence_id" in notes        # condition 6
    assert "1 repeated ICD codes within a visit stored once" in notes         # condition 3
    assert "1 procedure_occurrence rows whose source code is not" in notes    # procedure 4
    assert summary.empty_reasons["audits"].startswith("no audit data")
    assert_dashboard_queries_run(con)


def test_athena_tab_delimited_vocabulary(tmp_path):
    """concept.csv as Athena ships it: tab-delimited, unquoted, so a '"' inside a concept name is plain text."""
    folder = write_csv(tmp_path / "cdm")
    header, rows = CDM["concept"]
    rows = [list(r) for r in rows]
    rows[0][header.index("concept_name")] = 'Type 2 diabetes "without" complications'
    (folder / "concept.csv").write_text("\n".join("\t".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    summary = omop.convert([folder], tmp_path / "out")
    assert summary.rows_read["concept.csv (concepts referenced)"] == len(rows)      # each is referenced
    assert summary.rows_written["diagnoses"] == len(DIAGNOSES)


def test_upper_case_file_and_field_names(tmp_path):
    """PERSON.csv with PERSON_ID, as some database exports write the CDM: the same result."""
    upper = {t: ([c.upper() for c in h], r) for t, (h, r) in CDM.items()}
    for folder in (write_csv(tmp_path / "csv", upper, upper=True), write_parquet(tmp_path / "pq", upper)):
        assert omop.detect([folder])
        summary = omop.convert([folder], tmp_path / f"out_{folder.name}")
        assert (summary.rows_written["encounters"], summary.rows_written["diagnoses"]) == (4, len(DIAGNOSES))


def test_load_detects_and_loads_atomically(tmp_path, capsys):
    folder = write_csv(tmp_path / "cdm")
    db = tmp_path / "omop.duckdb"
    assert main(["load", str(folder), "--db", str(db)]) == 0
    assert "format: omop (detected)" in capsys.readouterr().out
    con = duckdb.connect(str(db), read_only=True)
    info = dict(con.execute("select key, value from dataset_info").fetchall())
    assert (info["source"], info["n_encounters"]) == ("omop", "4")
    assert con.execute("select count(*) from diagnoses").fetchone()[0] == 6
    con.close()
    assert not list(tmp_path.glob(".omop.duckdb.import-*")), "the conversion folder is removed"


@pytest.fixture(scope="module")
def loaded_db(tmp_path_factory):
    """A database loaded from the good fixture once (a first load builds the reference tables: ~30 s)."""
    tmp = tmp_path_factory.mktemp("omop_db")
    db = tmp / "db.duckdb"
    assert main(["load", str(write_csv(tmp / "good")), "--db", str(db)]) == 0
    return db


def _rejected(tmp_path, capsys, loaded_db: Path, folder: Path) -> str:
    """Load a bad input over a loaded database: exit 2, the database byte for byte unchanged, a report beside
    it; returns the error text."""
    db = tmp_path / "db.duckdb"
    shutil.copyfile(loaded_db, db)
    before = db.read_bytes()
    capsys.readouterr()
    assert main(["load", "--format", "omop", str(folder), "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "cannot import" in err and "unchanged" in err
    assert db.read_bytes() == before
    assert list((tmp_path / "db.duckdb.rejected").glob("*.json")), "the rejected load's report is written"
    return err


def test_missing_person_table(tmp_path, capsys, loaded_db):
    folder = write_csv(tmp_path / "bad")
    (folder / "person.csv").unlink()
    err = _rejected(tmp_path, capsys, loaded_db, folder)
    assert "needs the person table" in err
    with pytest.raises(ImportFormatError, match="needs the person table"):
        omop.convert([folder], tmp_path / "out")
    assert_nothing_written(tmp_path / "out")


def test_unknown_cdm_version(tmp_path, capsys, loaded_db):
    h, rows = CDM["cdm_source"]
    row = list(rows[0])
    row[h.index("cdm_version")] = "5.3.1"
    folder = write_csv(tmp_path / "bad", edited("cdm_source", rows=[row]))
    err = _rejected(tmp_path, capsys, loaded_db, folder)
    assert "cdm_source.csv, line 2: cdm_version = '5.3.1': unknown CDM version" in err
    # no cdm_version, and a concept id that is not CDM v5.4
    row[h.index("cdm_version")], row[h.index("cdm_version_concept_id")] = "", "1147638"
    folder = write_csv(tmp_path / "bad2", edited("cdm_source", rows=[row]))
    with pytest.raises(ImportFormatError, match="cdm_version_concept_id = '1147638' is not 756265") as exc:
        omop.convert([folder], tmp_path / "out")
    assert (Path(exc.value.file).name, exc.value.line) == ("cdm_source.csv", 2)
    assert_nothing_written(tmp_path / "out")
    # an empty cdm_source (ETLs often leave it so) states no version: read as v5.4, with a note
    folder = write_csv(tmp_path / "empty_source", edited("cdm_source", rows=[]))
    summary = omop.convert([folder], tmp_path / "out3")
    assert summary.rows_written["encounters"] == 4
    assert any(n.startswith("no cdm_source row: the CDM version is not stated") for n in summary.notes)


def test_v53_field_names_are_refused(tmp_path):
    h, rows = CDM["visit_occurrence"]
    old = [{"discharged_to_concept_id": "discharge_to_concept_id",
            "admitted_from_concept_id": "admitting_source_concept_id"}.get(c, c) for c in h]
    folder = write_csv(tmp_path / "v53", edited("visit_occurrence", header=old))
    with pytest.raises(ImportFormatError, match="unknown CDM version: admitting_source_concept_id, "
                                                "discharge_to_concept_id is a CDM v5.3 field name") as exc:
        omop.convert([folder], tmp_path / "out")
    assert (Path(exc.value.file).name, exc.value.line) == ("visit_occurrence.csv", 1)


def test_missing_required_field(tmp_path, capsys, loaded_db):
    h, rows = CDM["visit_occurrence"]
    i = h.index("visit_type_concept_id")
    folder = write_csv(tmp_path / "bad", edited("visit_occurrence", header=h[:i] + h[i + 1:],
                                                rows=[r[:i] + r[i + 1:] for r in rows]))
    err = _rejected(tmp_path, capsys, loaded_db, folder)
    assert "visit_occurrence.csv, line 1: not a CDM v5.4 visit_occurrence table: lacks required field(s) " \
           "visit_type_concept_id" in err


def test_bad_date_names_file_line_and_field(tmp_path, capsys, loaded_db):
    h, rows = CDM["visit_occurrence"]
    bad = [list(r) for r in rows]
    bad[2][h.index("visit_start_date")] = "2015-02-30"
    folder = write_csv(tmp_path / "bad", edited("visit_occurrence", rows=bad))
    err = _rejected(tmp_path, capsys, loaded_db, folder)
    assert "visit_occurrence.csv, line 4: visit_start_date = '2015-02-30' is not a date (YYYY-MM-DD)" in err
    report = json.loads(next((tmp_path / "db.duckdb.rejected").glob("*.json")).read_text())
    assert [(Path(f["file"]).name, f["line"], f["column_name"], f["value"]) for f in report["failures"]] == [
        ("visit_occurrence.csv", 4, "visit_start_date", "2015-02-30")]


def test_bad_value_in_parquet_names_the_row(tmp_path, capsys, loaded_db):
    h, rows = CDM["procedure_occurrence"]
    bad = [list(r) for r in rows]
    bad[1][h.index("quantity")] = "two"
    folder = write_parquet(tmp_path / "badpq", edited("procedure_occurrence", rows=bad))
    with pytest.raises(omop.ParquetRowError) as exc:
        omop.convert([folder], tmp_path / "out")
    assert (Path(exc.value.file).name, exc.value.line) == ("procedure_occurrence.parquet", 2)
    assert str(exc.value).endswith("procedure_occurrence.parquet, row 2: quantity = 'two' is not a number")
    err = _rejected(tmp_path, capsys, loaded_db, folder)
    assert "procedure_occurrence.parquet, row 2: quantity = 'two' is not a number" in err


def test_visit_of_unknown_person_and_duplicate_key(tmp_path):
    h, rows = CDM["visit_occurrence"]
    bad = [list(r) for r in rows]
    bad[3][h.index("person_id")] = "99"
    with pytest.raises(ImportFormatError, match="line 5: person_id 99 is not in person"):
        omop.convert([write_csv(tmp_path / "a", edited("visit_occurrence", rows=bad))], tmp_path / "out")
    with pytest.raises(ImportFormatError, match="line 6: visit_occurrence_id 13 appears twice"):
        omop.convert([write_csv(tmp_path / "b", edited("visit_occurrence", rows=rows + [rows[3]]))], tmp_path / "out")
    assert_nothing_written(tmp_path / "out")


def test_truncated_csv_and_conditions_without_vocabulary(tmp_path):
    folder = write_csv(tmp_path / "cut")
    data = (folder / "condition_occurrence.csv").read_bytes()
    (folder / "condition_occurrence.csv").write_bytes(data[: len(data) - 30])
    with pytest.raises(ImportFormatError, match="truncated file") as exc:
        omop.convert([folder], tmp_path / "out")
    assert (Path(exc.value.file).name, exc.value.line) == ("condition_occurrence.csv", 10)
    folder = write_csv(tmp_path / "novocab")
    (folder / "concept.csv").unlink()
    (folder / "source_to_concept_map.csv").unlink()
    with pytest.raises(ImportFormatError, match="needs concept"):
        omop.convert([folder], tmp_path / "out")
    assert_nothing_written(tmp_path / "out")


@pytest.mark.parametrize("variant", ["csv", "parquet"])
def test_warnings_name_the_omop_source_line(tmp_path, capsys, loaded_db, variant):
    """A loader warning on a converted row names the user's visit_occurrence file and line (Parquet: row),
    never the converted Parquet file in the temporary folder."""
    h, rows = CDM["visit_occurrence"]
    bad = [list(r) for r in rows]
    bad[1][h.index("visit_end_date")] = "2023-03-01"           # visit 11 (line 3, row 2) ends before it starts
    tables = edited("visit_occurrence", rows=bad)
    folder = write_csv(tmp_path / "warn", tables) if variant == "csv" else write_parquet(tmp_path / "warn", tables)
    db = tmp_path / "w.duckdb"
    shutil.copyfile(loaded_db, db)
    assert main(["load", str(folder), "--db", str(db)]) == 0
    con = duckdb.connect(str(db), read_only=True)
    fails = {(c, Path(f).name, line, e, m) for c, f, line, e, m in con.execute(
        "select check_id, file, line, encounter_id, message from dq_failures where run_id = "
        "(select max(run_id) from dq_runs)").fetchall()}
    con.close()
    name, first = (f"visit_occurrence.{variant}", 2 if variant == "csv" else 1)
    row = "" if variant == "csv" else " (Parquet row {})"
    # DRG 291 of visit 10 (line 2, row 1), discharged in FY2023, has no grouper version codedash knows
    assert {f[:4] for f in fails} == {("ENC_DISCHARGE_AFTER_ADMIT", name, first + 1, "11"),
                                      ("DRG_VALID_FOR_VERSION", name, first, "10")}
    assert all(m.endswith(row.format(line)) for _, _, line, _, m in fails)


# ---------------------------------------------------------------------------------------------
# A public OMOP CDM v5.4 sample: OHDSI EunomiaDatasets Synthea27Nj (Apache-2.0), read from outside the project
# ---------------------------------------------------------------------------------------------

def _eunomia(tmp: Path) -> Path:
    """The unzipped Synthea27Nj_5.4 CSV folder, or its zip (extracted into tmp), named by CODEDASH_OMOP_SAMPLE
    or found at ../shared/data/eunomia-synthea27nj; skips when there is none."""
    import zipfile

    from codedash.queries import settings

    candidates = [os.environ.get("CODEDASH_OMOP_SAMPLE"), str(Path(settings.get("shared_data")) / "eunomia-synthea27nj")]
    for c in map(Path, filter(None, candidates)):
        if c.is_file() and zipfile.is_zipfile(c):
            with zipfile.ZipFile(c) as z:
                z.extractall(tmp / "eunomia")
            c = tmp / "eunomia"
        for folder in (c, *(c.iterdir() if c.is_dir() else ())):
            if (folder / "PERSON.csv").exists() or (folder / "person.csv").exists():
                return folder
    pytest.skip("no public OMOP sample: set CODEDASH_OMOP_SAMPLE to EunomiaDatasets' "
                "datasets/Synthea27Nj/Synthea27Nj_5.4.zip or its unzipped folder (github.com/OHDSI/EunomiaDatasets)")


def test_eunomia_synthea_sample(tmp_path, reference_db):  # noqa: F811
    folder = _eunomia(tmp_path)
    name = {p.stem.lower(): p for p in folder.iterdir()}

    def raw(table: str) -> list[dict[str, str]]:
        with open(name[table], newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))

    visits, persons = raw("visit_occurrence"), raw("person")
    assert detect_format([folder]) == "omop"
    summary = omop.convert([folder], tmp_path / "out")
    con = loaded(reference_db, tmp_path / "out")
    assert count(con, "encounters") == len(visits)
    assert con.execute("select count(distinct patient_id) from encounters").fetchone()[0] == \
        len({v["person_id"] for v in visits})
    assert len({p["person_id"] for p in persons}) >= len({v["person_id"] for v in visits})
    types = {"9201": "inpatient", "9202": "outpatient", "9203": "emergency"}
    from collections import Counter
    assert dict(con.execute("select encounter_type, count(*) from encounters group by 1").fetchall()) == \
        dict(Counter(types.get(v["visit_concept_id"], "outpatient") for v in visits))
    # Synthea codes conditions in SNOMED (no ICD source codes): no diagnoses, and the summary says why
    assert count(con, "diagnoses") == 0
    assert "no ICD-10-CM or ICD-9-CM" in summary.empty_reasons["diagnoses"]
    # Every catalog query runs on it. (Not overview_kpis without a period: its visits span 1955-2022, so the
    # "previous period of equal length" starts in 1887, before the earliest date a query accepts: a
    # queries/periods.py limit reported to its owner; the browser test renders the pages with their default.)
    from codedash.queries.params import ParameterError
    from codedash.queries.runner import catalog, run
    ran = 0
    for q in catalog():
        try:
            run(con, q.name, {})
        except ParameterError:
            continue
        ran += 1
    assert ran >= 20


# ---------------------------------------------------------------------------------------------
# Property: for any mix of conditions, the diagnoses are exactly the distinct ICD source codes per loaded visit,
# numbered 1..n with a primary diagnosis first, and never mix in a code of another vocabulary
# ---------------------------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

# source concept -> its ICD code; 1004 is a SNOMED concept (decides: not ICD, whatever the source value), 0 none
SOURCE = {"1001": ("ICD10CM", "E119"), "1002": ("ICD10CM", "I10"), "1004": None, "0": None}
condition_rows = st.lists(st.tuples(st.sampled_from(["10", "11", "12", "13", "", "99"]),    # 99: no such visit
                                    st.sampled_from(list(SOURCE)),
                                    st.sampled_from(["32902", "32908", "0"]),
                                    st.sampled_from(["", "250.00", "J45.909", "V20", "X1"])),
                          max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(conditions=condition_rows)
def test_diagnoses_are_the_distinct_icd_source_codes_of_each_visit(tmp_path_factory, conditions):
    h, _ = CDM["condition_occurrence"]
    rows = []
    for i, (visit, concept, status, value) in enumerate(conditions, start=1):
        r = dict.fromkeys(h, "")
        r.update(condition_occurrence_id=str(i), person_id="1", condition_concept_id="0",
                 condition_start_date="2015-09-20" if visit == "12" else "2023-01-10", condition_type_concept_id="32817",
                 condition_status_concept_id=status, visit_occurrence_id=visit, condition_source_value=value,
                 condition_source_concept_id=concept)
        rows.append([r[c] for c in h])
    tmp = tmp_path_factory.mktemp("prop")
    summary = omop.convert([write_csv(tmp / "cdm", edited("condition_occurrence", rows=rows))], tmp / "out")
    # the expected answer, from the rules written in data/README.md
    stcm = {"25000": {"ICD9CM"}, "J45909": {"ICD10CM"}, "V20": {"ICD9CM", "ICD10CM"}}
    expected: dict[str, list[tuple[int, int, str, str]]] = {}
    for i, (visit, concept, status, value) in enumerate(conditions, start=1):
        if visit not in ENCOUNTERS:
            continue
        code = SOURCE[concept]
        if concept == "0":            # no source concept: the source value through source_to_concept_map
            assert code is None
            systems = set(stcm.get(value.replace(".", ""), ()))
            if len(systems) == 2:
                systems = {"ICD9CM" if visit == "12" else "ICD10CM"}
            code = (systems.pop(), value.replace(".", "")) if systems else None
        if code is not None:
            expected.setdefault(visit, []).append((0 if status == "32902" else 1, i, *code))
    want = []
    for visit, found in expected.items():
        seen, kept = set(), []
        for rank, i, system, code in sorted(found):
            if (system, code) not in seen:
                seen.add((system, code))
                kept.append((system, code))
        want += [(visit, n, system, code) for n, (system, code) in enumerate(kept, start=1)]
    out = tmp / "out" / "diagnoses.parquet"
    got = [] if not out.exists() else duckdb.execute(
        f"select encounter_id, sequence, code_system, code from read_parquet('{out}')").fetchall()
    assert sorted(got) == sorted(want)
    assert summary.rows_written.get("diagnoses", 0) == len(want)


def test_payer_types_from_sopt_or_the_payer_name(tmp_path):
    h, rows = CDM["payer_plan_period"]
    base_row = dict(zip(h, rows[0]))

    def plan(i: int, concept: str, name: str) -> list[str]:
        r = {**base_row, "payer_plan_period_id": str(i), "payer_concept_id": concept, "payer_source_value": name}
        return [r[c] for c in h]

    ch, crows = CDM["concept"]
    sopt = [["2001", "medicare hmo", "Payer", "SOPT", "SOPT", "S", "111", "1970-01-01", "2099-12-31", ""],
            ["2002", "self-pay", "Payer", "SOPT", "SOPT", "S", "81", "1970-01-01", "2099-12-31", ""]]
    tables = {**edited("payer_plan_period", rows=[
        plan(1, "2001", "Plan H"), plan(2, "2002", ""), plan(3, "0", "State Medicaid Plan"),
        plan(4, "0", "Medicare Advantage Gold"), plan(5, "0", "uninsured"), plan(6, "0", "Acme")]),
        "concept": (ch, crows + sopt)}
    omop.convert([write_csv(tmp_path / "cdm", tables)], tmp_path / "out")
    got = duckdb.execute(f"select payer_id, payer_name, payer_type from read_parquet('{tmp_path / 'out'}/payers.parquet') "
                         "order by 1").fetchall()
    assert got == [("Acme", "Acme", "other"), ("Medicare Advantage Gold", "Medicare Advantage Gold", "medicare_advantage"),
                   ("Plan H", "Plan H", "medicare_advantage"), ("State Medicaid Plan", "State Medicaid Plan", "medicaid"),
                   ("payer concept 2002", "self-pay", "self_pay"), ("uninsured", "uninsured", "self_pay")]
