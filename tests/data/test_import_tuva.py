"""Tuva input-layer importer on the shared Tuva demo sample: exact counts computed independently from the
raw CSV with the csv module, malformed input, detection, and the dashboard queries on the imported data."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest

from codedash.data.importers import ImportFormatError, detect_format, get, tuva
from tests.data.importer_support import (
    assert_dashboard_queries_run, assert_nothing_written, count, loaded, norm, reference_db, rows, shared,  # noqa: F401
    truncated_copy,
)

SAMPLE = ("tuva-demo-claims-sample",)


@pytest.fixture(scope="module")
def sample():
    return shared(*SAMPLE)


@pytest.fixture(scope="module")
def expected(sample):
    """Counts from the raw files, by hand-written rules that mirror data/README.md (Tuva input layer)."""
    _, lines = rows(sample / "medical_claim_sample.csv")
    _, elig = rows(sample / "eligibility_sample.csv")
    claims = {r["claim_id"] for r in lines}
    dx, px = set(), set()
    by_claim = defaultdict(list)
    for r in lines:
        by_claim[r["claim_id"]].append(r)
        for n in range(1, 26):
            if r[f"diagnosis_code_{n}"].strip():
                dx.add((r["claim_id"], n))
            if r[f"procedure_code_{n}"].strip():
                px.add((r["claim_id"], n))
    inpatient = {c for c, ls in by_claim.items()
                 if any(x["claim_type"] == "institutional" and x["bill_type_code"].lstrip("0").startswith("11")
                        for x in ls)}
    first_dx = {}
    for c, ls in by_claim.items():
        ls = sorted(ls, key=lambda x: int(x["claim_line_number"]))
        code = next((x["diagnosis_code_1"] for x in ls if x["diagnosis_code_1"].strip()), None)
        if code:
            first_dx[c] = norm(code)
    return {
        "encounters": len(claims), "diagnoses": len(dx), "procedures": len(px), "service_lines": len(lines),
        "patients": len({r["patient_id"] for r in lines}), "inpatient": len(inpatient),
        "paid": sum(Decimal(r["paid_amount"] or "0") for r in lines),
        "charge": sum(Decimal(r["charge_amount"] or "0") for r in lines),
        "payers": len({r["payer"].strip().lower() for r in elig if r["payer"].strip()}),
        "modifier_1": sum(1 for r in lines if r["hcpcs_modifier_1"].strip()),
        "first_dx": first_dx,
    }


@pytest.fixture(scope="module")
def imported(sample, reference_db, tmp_path_factory):  # noqa: F811
    out = tmp_path_factory.mktemp("tuva_out")
    summary = tuva.convert([sample / "medical_claim_sample.csv", sample / "eligibility_sample.csv"], out)
    return summary, loaded(reference_db, out), out


def test_sample_counts_match_the_raw_file(imported, expected):
    """Shared sample: 3,106 encounters, 6,075 lines, 87 patients (PROVENANCE.txt), dx/px from the raw CSV."""
    summary, con, _ = imported
    assert count(con, "encounters") == expected["encounters"] == 3106
    assert count(con, "service_lines") == expected["service_lines"] == 6075
    assert con.execute("select count(distinct patient_id) from encounters").fetchone()[0] == expected["patients"] == 87
    assert count(con, "diagnoses") == expected["diagnoses"]
    assert count(con, "procedures") == expected["procedures"]
    assert count(con, "adjudications") == 0          # no denial field: nothing adjudicated, nothing denied
    assert count(con, "adjustments") == 0
    assert count(con, "encounters", "encounter_type = 'inpatient'") == expected["inpatient"]
    assert count(con, "payers") == expected["payers"]
    assert count(con, "service_lines", "modifier_1 is not null") == expected["modifier_1"]
    paid, charge = con.execute("select sum(paid_amount), sum(charge_amount) from service_lines").fetchone()
    assert (paid, charge) == (expected["paid"], expected["charge"])
    assert summary.rows_read == {"medical_claim_sample.csv": 6075, "eligibility_sample.csv": 219}
    assert summary.rows_written["encounters"] == 3106
    # empty views can say why they are empty
    assert summary.empty_reasons["audits"].startswith("no audit data in this source")
    assert "paid_amount = 0 is not a denial" in summary.empty_reasons["adjudications"]
    assert "encounters" not in summary.empty_reasons
    principal = dict(con.execute("select encounter_id, code from diagnoses where sequence = 1").fetchall())
    assert principal == expected["first_dx"]


def test_mapping_rules(imported):
    _, con, _ = imported
    # codes normalised, ICD-10-CM, sex/age from eligibility capped at 90, no specialty, DRG only inpatient
    assert count(con, "diagnoses", "code like '%.%' or code <> upper(code) or code_system <> 'ICD10CM'") == 0
    assert count(con, "encounters", "age_years > 90 or age_years < 0") == 0
    assert count(con, "encounters", "sex not in ('F', 'M', 'U')") == 0
    assert count(con, "encounters", "specialty_code is not null") == 0
    assert count(con, "encounters", "drg_code is not null and encounter_type <> 'inpatient'") == 0
    # 2018 discharges predate MS-DRG v41 (FY2024): code kept, version null
    assert count(con, "encounters", "drg_code is not null") == 9
    assert count(con, "encounters", "drg_version is not null") == 0
    assert count(con, "service_lines", "code_system = 'CPT'") > 0
    assert count(con, "service_lines", "code_system = 'HCPCS'") > 0


def test_dashboard_queries_run_on_imported_data(imported):
    assert_dashboard_queries_run(imported[1])


def test_detect():
    sample = shared(*SAMPLE)
    assert tuva.detect([sample]) and tuva.detect([sample / "medical_claim_sample.csv"])
    assert detect_format([sample / "medical_claim_sample.csv"]) == "tuva"
    assert get("tuva") is tuva
    others = [shared("desynpuf-etlcms-sample0"), shared("desynpuf-milwaukee-10k", "1-sample-10000"),
              shared("bfd-rif-synthea", "rif-synthea"), shared("bfd-rif-synthea", "rif-static-samples")]
    for other in others:
        assert not tuva.detect([other]), other
    assert not tuva.detect([sample / "eligibility_sample.csv"])    # no claims, no encounters


def test_truncated_file_fails_and_writes_nothing(tmp_path):
    src = shared(*SAMPLE) / "medical_claim_sample.csv"
    bad = tmp_path / "medical_claim.csv"
    line = truncated_copy(src, bad)
    out = tmp_path / "out"
    with pytest.raises(ImportFormatError, match="truncated") as exc:
        tuva.convert([bad], out)
    assert exc.value.file == str(bad) and exc.value.line == line == 6076
    assert_nothing_written(out)


def test_unknown_header_fails(tmp_path):
    bad = tmp_path / "claims.csv"
    bad.write_text("id,foo,bar\n1,2,3\n")
    out = tmp_path / "out"
    with pytest.raises(ImportFormatError, match="unknown layout") as exc:
        tuva.convert([bad], out)
    assert (exc.value.file, exc.value.line) == (str(bad), 1)
    assert_nothing_written(out)


def test_wrong_layout_version_fails(tmp_path):
    """A medical_claim without claim_line_number (not the input layer) and one coded in an unknown code set."""
    src = shared(*SAMPLE) / "medical_claim_sample.csv"
    header, data = rows(src)
    out = tmp_path / "out"
    no_line = tmp_path / "old_layout.csv"
    no_line.write_text(",".join(h for h in header if h != "claim_line_number") + "\n")
    with pytest.raises(ImportFormatError, match="claim_line_number") as exc:
        tuva.convert([no_line], out)
    assert exc.value.line == 1
    icd11 = tmp_path / "icd11.csv"
    text = src.read_text().splitlines()
    text[3] = text[3].replace("icd-10-cm", "icd-11")
    icd11.write_text("\n".join(text) + "\n")
    with pytest.raises(ImportFormatError, match="icd-11") as exc:
        tuva.convert([icd11], out)
    assert (exc.value.file, exc.value.line) == (str(icd11), 4)
    assert_nothing_written(out)


def test_bad_value_names_file_and_line(tmp_path):
    src = shared(*SAMPLE) / "medical_claim_sample.csv"
    text = src.read_text().splitlines()
    header = text[0].split(",")
    fields = text[10].split(",")
    fields[header.index("claim_start_date")] = "2018-13-45"
    text[10] = ",".join(fields)
    bad = tmp_path / "bad_date.csv"
    bad.write_text("\n".join(text) + "\n")
    with pytest.raises(ImportFormatError, match="claim_start_date") as exc:
        tuva.convert([bad], tmp_path / "out")
    assert exc.value.line == 11
    assert_nothing_written(tmp_path / "out")


def test_convert_on_a_given_connection_leaves_it_clean(tmp_path):
    """With con given, the work happens in a scratch schema of that connection, dropped afterwards."""
    import duckdb

    con = duckdb.connect()
    con.execute("create table mine as select 1 as x")
    summary = tuva.convert([shared(*SAMPLE) / "medical_claim_sample.csv"], tmp_path / "out", con=con)
    assert summary.rows_written["encounters"] == 3106
    assert con.execute("select current_schema()").fetchone()[0] == "main"
    assert con.execute("select count(*) from information_schema.schemata where schema_name = 'codedash_import'"
                       ).fetchone()[0] == 0
    assert con.execute("select x from mine").fetchall() == [(1,)]
    # empty tables get no file (the loader refuses row-less files); empty_reasons says why they are empty
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    # (no eligibility file given here, so no payers either)
    assert written == sorted(f"{t}.parquet" for t in tuva.TABLES if t not in ("adjudications", "adjustments", "payers"))
    assert {"adjudications", "adjustments"} <= set(summary.empty_reasons)
