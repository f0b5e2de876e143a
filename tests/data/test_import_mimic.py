"""MIMIC-IV hosp importer on the MIMIC-IV Clinical Database Demo 2.2 (../shared/data/mimic-iv-demo-2.2/hosp).

Expected counts are computed here from the raw .csv.gz files with gzip + csv (never with the importer's SQL).
"""
from __future__ import annotations

import csv
import gzip
import shutil
from collections import Counter
from pathlib import Path

import pytest

from codedash.data.importers import ImportFormatError, detect_format, get, mimic_iv, x12_835
from tests.data.test_import_x12 import assert_pages_render
from tests.data.importer_support import (
    assert_dashboard_queries_run, assert_nothing_written, count, loaded, reference_db, shared,  # noqa: F401
    truncated_copy,
)

MIMIC = ("mimic-iv-demo-2.2", "hosp")
USED = ("admissions", "patients", "diagnoses_icd", "procedures_icd", "hcpcsevents", "drgcodes", "services")


def raw(table: str) -> list[dict[str, str]]:
    with gzip.open(shared(*MIMIC, f"{table}.csv.gz"), "rt", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_detect():
    hosp = shared(*MIMIC)
    assert mimic_iv.detect([hosp])
    assert mimic_iv.detect([hosp / f"{t}.csv.gz" for t in USED])
    assert not mimic_iv.detect([hosp / "patients.csv.gz"])            # admissions is required
    assert not mimic_iv.detect([shared("x12-linuxforhealth", "835_005010X221A1")])
    assert not x12_835.detect([hosp])
    assert detect_format([hosp]) == "mimic-iv"
    assert get("mimic-iv") is mimic_iv


def test_sample_counts_and_dashboard(tmp_path, reference_db):  # noqa: F811
    adm, pat = raw("admissions"), raw("patients")
    dx, px, hc, drg, svc = raw("diagnoses_icd"), raw("procedures_icd"), raw("hcpcsevents"), raw("drgcodes"), \
        raw("services")
    hadm = {r["hadm_id"] for r in adm}
    assert (len(adm), len(hadm), len({r["subject_id"] for r in adm})) == (275, 275, 100)
    assert (len(dx), len(px), len(hc)) == (4506, 722, 61)
    assert Counter(r["icd_version"] for r in dx) == {"10": 2313, "9": 2193}
    assert Counter(r["icd_version"] for r in px) == {"10": 321, "9": 401}
    assert Counter(r["drg_type"] for r in drg) == {"HCFA": 233, "APR": 221}

    summary = mimic_iv.convert([shared(*MIMIC)], tmp_path / "out")
    con = loaded(reference_db, tmp_path / "out")
    assert count(con, "encounters") == len(hadm)
    assert con.execute("select count(distinct patient_id) from encounters").fetchone()[0] == \
        len({r["subject_id"] for r in adm})
    assert count(con, "diagnoses") == sum(1 for r in dx if r["hadm_id"] in hadm and r["icd_code"].strip())
    assert count(con, "diagnoses", "code_system = 'ICD10CM'") == 2313
    assert count(con, "diagnoses", "code_system = 'ICD9CM'") == 2193
    assert count(con, "procedures", "code_system = 'ICD10PCS'") == 321
    assert count(con, "procedures", "code_system = 'ICD9PCS'") == 401
    assert count(con, "service_lines") == len(hc)
    assert count(con, "service_lines", "charge_amount = 0") == len(hc)          # MIMIC has no charges
    # MS-DRG (HCFA) only in encounters.drg_code; APR-DRGs kept out
    hcfa = {r["hadm_id"]: r["drg_code"].zfill(3) for r in drg if r["drg_type"] == "HCFA"}
    got = dict(con.execute("select encounter_id, drg_code from encounters where drg_code is not null").fetchall())
    assert got == hcfa
    assert any("221 APR-DRG rows" in n for n in summary.notes)
    # payer type from insurance
    assert Counter(r["insurance"] for r in adm) == {"Medicare": 104, "Medicaid": 22, "Other": 149}
    assert dict(con.execute("select payer_type, count(*) from encounters group by 1").fetchall()) == \
        {"medicare": 104, "medicaid": 22, "other": 149}
    # age at admission = anchor_age + (admission year - anchor_year), 90 for 90+; sex from gender
    p = {r["subject_id"]: r for r in pat}
    a = adm[0]
    age = min(90, int(p[a["subject_id"]]["anchor_age"]) + int(a["admittime"][:4]) - int(p[a["subject_id"]]["anchor_year"]))
    assert con.execute("select age_years, sex, cast(admit_date as varchar) from encounters where encounter_id = ?",
                       [a["hadm_id"]]).fetchone() == (age, p[a["subject_id"]]["gender"], a["admittime"][:10])
    # specialty proxy = first service of the stay: hand-mapped for the services present in the demo
    first = {}
    for r in sorted(svc, key=lambda r: r["transfertime"]):
        first.setdefault(r["hadm_id"], r["curr_service"])
    hand_map = {"MED": "11", "CMED": "06", "OMED": "90", "NMED": "13", "SURG": "02", "TRAUM": "02", "CSURG": "78",
                "TSURG": "33", "VSURG": "77", "NSURG": "14", "ORTHO": "20", "GYN": "16", "PSYCH": "26"}
    expected = Counter(hand_map.get(first.get(h)) for h in hadm)
    assert dict(con.execute("select specialty_code, count(*) from encounters group by 1").fetchall()) == expected
    # no claims or remittances in MIMIC: the denial queries run and are empty
    assert count(con, "adjudications") == 0
    assert_dashboard_queries_run(con)
    assert_pages_render(con)


def _fails(tmp_path, paths, line, *fragments):
    out = tmp_path / "out"
    with pytest.raises(ImportFormatError) as info:
        mimic_iv.convert(paths, out)
    for f in fragments:
        assert f in info.value.message, info.value.message
    assert info.value.line == line, str(info.value)
    assert_nothing_written(out)
    return info.value


def _copy_all(tmp_path: Path) -> Path:
    d = tmp_path / "hosp"
    d.mkdir()
    for t in USED:
        shutil.copy(shared(*MIMIC, f"{t}.csv.gz"), d / f"{t}.csv.gz")
    return d


def test_truncated_gzip(tmp_path):
    d = _copy_all(tmp_path)
    data = (d / "diagnoses_icd.csv.gz").read_bytes()
    (d / "diagnoses_icd.csv.gz").write_bytes(data[: len(data) // 2])
    err = _fails(tmp_path, [d], err_line_of_cut_gzip(d / "diagnoses_icd.csv.gz"), "truncated or corrupt file")
    assert err.file.endswith("diagnoses_icd.csv.gz")


def err_line_of_cut_gzip(path: Path) -> int:
    """1 + the number of complete data rows readable before the cut stream ends (independently, with gzip)."""
    n = 0
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            fh.readline()
            for line in fh:
                if line.strip():
                    n += 1
    except EOFError:
        pass
    return n + 1


def test_truncated_csv_mid_record(tmp_path):
    """A plain .csv cut in the middle of its last record (the importer reads .csv as well as .csv.gz)."""
    d = _copy_all(tmp_path)
    plain = tmp_path / "admissions_full.csv"
    with gzip.open(d / "admissions.csv.gz", "rb") as src, open(plain, "wb") as dst:
        shutil.copyfileobj(src, dst)
    (d / "admissions.csv.gz").unlink()
    line = truncated_copy(plain, d / "admissions.csv")
    assert line == 276
    _fails(tmp_path, [d], line, "truncated file")


def test_unknown_layout(tmp_path):
    d = _copy_all(tmp_path)
    with gzip.open(d / "patients.csv.gz", "wt") as fh:
        fh.write("subject_id,sex,age\n1,F,30\n")
    _fails(tmp_path, [d], 1, "unknown patients layout", "gender, anchor_age, anchor_year")
    assert not mimic_iv.detect([d])
    other = tmp_path / "claims.csv"
    other.write_text("a,b\n1,2\n")
    _fails(tmp_path, [other], None, "unknown layout", "not a MIMIC-IV hosp table")
    _fails(tmp_path, [shared(*MIMIC, "patients.csv.gz")], None, "needs admissions")


def test_bad_value_names_file_and_line(tmp_path):
    d = _copy_all(tmp_path)
    rows = raw("diagnoses_icd")
    rows[9]["icd_version"] = "11"
    with gzip.open(d / "diagnoses_icd.csv.gz", "wt", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    err = _fails(tmp_path, [d], 11, "icd_version = '11' is not 9 or 10")
    assert err.file.endswith("diagnoses_icd.csv.gz")
