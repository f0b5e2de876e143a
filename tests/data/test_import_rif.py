"""CMS RIF (pipe-delimited CCW layout) importer on the shared BFD samples (hand-built static samples and the
Synthea RIF export): exact counts computed independently from the raw files with the csv module, PRVDR_SPCLTY as
specialty, the denial signals, malformed input, detection, and the dashboard queries."""
from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from codedash.data.importers import ImportFormatError, cms_rif, detect_format
from tests.data.importer_support import (
    assert_dashboard_queries_run, assert_nothing_written, count, loaded, norm, reference_db, rows, shared,  # noqa: F401
    truncated_copy,
)

STATIC = ("bfd-rif-synthea", "rif-static-samples")
SYNTHEA = ("bfd-rif-synthea", "rif-synthea")
STATIC_FILES = ("sample-a-bcarrier-multiple-lines.txt", "sample-a-inpatient.txt", "sample-a-outpatient.txt",
                "sample-a-beneficiaries.txt")
NOT_DENIED = {"A", "R", "S"}


def _claims(path: Path, line_col: str) -> dict:
    """Per-file expectations: claims, lines, diagnoses (principal + other codes not equal to it), denied lines."""
    _, data = rows(path, "|")
    by_claim: dict[str, list[dict]] = {}
    for r in data:
        by_claim.setdefault(r["CLM_ID"], []).append(r)
    dx = px = denied = 0
    for lines in by_claim.values():
        first = min(lines, key=lambda r: int(r[line_col]))
        principal = norm(first.get("PRNCPAL_DGNS_CD")) or norm(first.get("ICD_DGNS_CD1"))
        others = [norm(first.get(f"ICD_DGNS_CD{n}")) for n in range(1, 26)]
        others += [norm(first.get(f"ICD_DGNS_E_CD{n}")) for n in range(1, 26)]
        dx += bool(principal) + sum(1 for c in others if c and c != principal)
        px += sum(1 for n in range(1, 26) if norm(first.get(f"ICD_PRCDR_CD{n}")))
        for r in lines:
            if "LINE_PRCSG_IND_CD" in r:
                ind = r["LINE_PRCSG_IND_CD"].strip()
                denied += r["CARR_CLM_PMT_DNL_CD"].strip() == "0" or (bool(ind) and ind not in NOT_DENIED)
            else:
                nonpmt = (r.get("CLM_MDCR_NON_PMT_RSN_CD") or "").strip()
                denied += bool(nonpmt) and Decimal(r["CLM_PMT_AMT"] or "0") == 0
    return {"claims": len(by_claim), "lines": len(data), "dx": dx, "px": px, "denied": denied,
            "patients": {r["BENE_ID"] for r in data}, "charges": data}


def _expected(folder: Path, names: dict[str, str]) -> dict:
    car = _claims(folder / names["carrier"], "LINE_NUM")
    ip = _claims(folder / names["inpatient"], "CLM_LINE_NUM")
    op = _claims(folder / names["outpatient"], "CLM_LINE_NUM")
    parts = (car, ip, op)
    return {
        "encounters": sum(p["claims"] for p in parts), "lines": sum(p["lines"] for p in parts),
        "dx": sum(p["dx"] for p in parts), "px": sum(p["px"] for p in parts),
        "denied": sum(p["denied"] for p in parts),
        "patients": len(set().union(*(p["patients"] for p in parts))),
        "carrier_claims": car["claims"], "inpatient_claims": ip["claims"],
        "specialties": {r["PRVDR_SPCLTY"].strip().zfill(2) for r in car["charges"] if r["PRVDR_SPCLTY"].strip()},
        "charge": sum(Decimal(r.get("LINE_SBMTD_CHRG_AMT") or r.get("REV_CNTR_TOT_CHRG_AMT") or "0")
                      for p in parts for r in p["charges"]),
    }


@pytest.fixture(scope="module")
def static(reference_db, tmp_path_factory):  # noqa: F811
    folder = shared(*STATIC)
    out = tmp_path_factory.mktemp("rif_static")
    summary = cms_rif.convert([folder / f for f in STATIC_FILES], out)
    return folder, summary, loaded(reference_db, out)


@pytest.fixture(scope="module")
def synthea(reference_db, tmp_path_factory):  # noqa: F811
    folder = shared(*SYNTHEA)
    out = tmp_path_factory.mktemp("rif_synthea")
    summary = cms_rif.convert([folder], out)
    return folder, summary, loaded(reference_db, out)


def _assert_counts(con, exp):
    assert count(con, "encounters") == exp["encounters"]
    assert count(con, "service_lines") == exp["lines"]
    assert count(con, "adjudications") == exp["lines"]
    assert count(con, "adjudications", "denied") == exp["denied"]
    assert count(con, "adjustments") == 0
    assert count(con, "diagnoses") == exp["dx"]
    assert count(con, "procedures") == exp["px"]
    assert con.execute("select count(distinct patient_id) from encounters").fetchone()[0] == exp["patients"]
    assert count(con, "encounters", "encounter_type = 'inpatient'") == exp["inpatient_claims"]
    assert con.execute("select sum(charge_amount) from service_lines").fetchone()[0] == exp["charge"]
    got = {r[0] for r in con.execute("select distinct specialty_code from encounters where specialty_code is not null"
                                     ).fetchall()}
    assert got == exp["specialties"]


def test_static_sample_counts(static):
    """Static samples: 1 carrier claim with 7 lines, 1 inpatient and 1 outpatient claim, 1 beneficiary."""
    folder, summary, con = static
    exp = _expected(folder, {"carrier": STATIC_FILES[0], "inpatient": STATIC_FILES[1], "outpatient": STATIC_FILES[2]})
    assert (exp["encounters"], exp["lines"], exp["patients"]) == (3, 9, 1)
    _assert_counts(con, exp)
    # PRVDR_SPCLTY '41' (optometry) is the carrier encounter's specialty; ICD-10 ('0' version codes)
    assert con.execute("select specialty_code from encounters where encounter_id like 'CAR-%'").fetchall() == [("41",)]
    assert count(con, "diagnoses", "code_system <> 'ICD10CM'") == 0
    # the outpatient revenue line's REV_CNTR_1ST_ANSI_CD 'CO120' is the CARC group and code
    assert con.execute("select carc_group, carc_code from adjudications where carc_code is not null").fetchall() == [
        ("CO", "120")]
    # inpatient: DRG, discharge status, age at admission (born 17-MAR-1981, admitted 15-JAN-2016), sex 1 = M, POA
    assert con.execute("select drg_code, discharge_status, age_years, sex from encounters where encounter_type = "
                       "'inpatient'").fetchall() == [("695", "51", 34, "M")]
    assert con.execute("select poa from diagnoses where encounter_id = 'IP-333333222222' order by sequence"
                       ).fetchall()[:2] == [("Y",), ("N",)]
    assert summary.rows_read["sample-a-bcarrier-multiple-lines.txt"] == 7


def test_synthea_counts(synthea):
    """Synthea RIF export: carrier 221 lines / 37 claims, inpatient 16, outpatient 19 (PROVENANCE.txt)."""
    folder, summary, con = synthea
    exp = _expected(folder, {"carrier": "carrier.csv", "inpatient": "inpatient.csv", "outpatient": "outpatient.csv"})
    assert (exp["carrier_claims"], exp["lines"]) == (37, 221 + 16 + 19)
    _assert_counts(con, exp)
    assert any("snf.csv" in n for n in summary.notes)     # recognised, not imported
    assert count(con, "encounters", "sex = 'U'") == 0     # beneficiary files give sex to every claim


def test_carrier_denial_signals(tmp_path, reference_db):  # noqa: F811
    """Line 2 processing indicator 'D' -> that line denied; claim payment denial code '0' on a second claim."""
    src = shared(*SYNTHEA) / "carrier.csv"
    header, data = rows(src, "|")
    first_claim = data[0]["CLM_ID"]
    data[1]["LINE_PRCSG_IND_CD"] = "D"
    second_claim = next(r["CLM_ID"] for r in data if r["CLM_ID"] != first_claim)
    for r in data:
        if r["CLM_ID"] == second_claim:
            r["CARR_CLM_PMT_DNL_CD"] = "0"
    n_second = sum(1 for r in data if r["CLM_ID"] == second_claim)
    bad = tmp_path / "carrier.csv"
    with open(bad, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header, delimiter="|", lineterminator="\n")
        w.writeheader()
        w.writerows(data)
    out = tmp_path / "out"
    cms_rif.convert([bad], out)
    con = loaded(reference_db, out)
    assert count(con, "adjudications", "denied") == 1 + n_second
    assert count(con, "adjudications", "rarc_code = 'PRCSG-D'") == 1
    assert count(con, "adjudications", "rarc_code = 'CARR-DNL-0'") == n_second
    assert_dashboard_queries_run(con)


def test_dashboard_queries_run_on_imported_data(static, synthea):
    assert_dashboard_queries_run(static[2])
    assert_dashboard_queries_run(synthea[2])


def test_detect():
    assert cms_rif.detect([shared(*SYNTHEA)]) and cms_rif.detect([shared(*STATIC)])
    assert detect_format([shared(*SYNTHEA) / "carrier.csv"]) == "cms-rif"
    for other in [shared("tuva-demo-claims-sample"), shared("desynpuf-etlcms-sample0"),
                  shared("desynpuf-milwaukee-10k", "1-sample-10000")]:
        assert not cms_rif.detect([other]), other


def test_same_claim_line_in_two_files_fails(tmp_path):
    """The static folder holds claim 9991831999 line 6 twice (bcarrier and bcarrier-multiple-lines)."""
    out = tmp_path / "out"
    with pytest.raises(ImportFormatError, match="claim 9991831999 line 6 appears more than once"):
        cms_rif.convert([shared(*STATIC)], out)
    assert_nothing_written(out)


def test_truncated_file_fails_and_writes_nothing(tmp_path):
    src = shared(*SYNTHEA) / "carrier.csv"
    bad = tmp_path / "carrier.csv"
    line = truncated_copy(src, bad)
    out = tmp_path / "out"
    with pytest.raises(ImportFormatError, match="truncated") as exc:
        cms_rif.convert([bad], out)
    assert (exc.value.file, exc.value.line) == (str(bad), line) and line == 222
    assert_nothing_written(out)


def test_unknown_header_and_unknown_layout_fail(tmp_path):
    out = tmp_path / "out"
    unknown = tmp_path / "claims.txt"
    unknown.write_text("A|B|C\n1|2|3\n")
    with pytest.raises(ImportFormatError, match="unknown RIF layout") as exc:
        cms_rif.convert([unknown], out)
    assert (exc.value.file, exc.value.line) == (str(unknown), 1)
    # a comma-delimited copy of a RIF header is not the RIF layout
    header = shared(*SYNTHEA, "carrier.csv").read_text().splitlines()[0]
    commas = tmp_path / "carrier_commas.csv"
    commas.write_text(header.replace("|", ",") + "\n")
    with pytest.raises(ImportFormatError, match="not a pipe-delimited RIF file"):
        cms_rif.convert([commas], out)
    # a carrier layout lacking PRVDR_SPCLTY and LINE_PRCSG_IND_CD (another RIF version) names what is missing
    old = tmp_path / "old_carrier.txt"
    old.write_text("|".join(h for h in header.split("|") if h not in ("PRVDR_SPCLTY", "LINE_PRCSG_IND_CD")) + "\n")
    with pytest.raises(ImportFormatError, match="closest is carrier.*PRVDR_SPCLTY, LINE_PRCSG_IND_CD"):
        cms_rif.convert([old], out)
    # RIF files we recognise but do not import, named explicitly
    with pytest.raises(ImportFormatError, match="RIF dme claims are not imported"):
        cms_rif.convert([shared(*SYNTHEA, "dme.csv")], out)
    # a DE-SynPUF file says which format it is
    with pytest.raises(ImportFormatError, match="desynpuf"):
        cms_rif.convert([shared("desynpuf-etlcms-sample0", "DE1_0_2008_to_2010_Carrier_Claims_Sample_0A.csv")], out)
    assert_nothing_written(out)


def test_bad_date_names_file_and_line(tmp_path):
    src = shared(*SYNTHEA) / "inpatient.csv"
    text = src.read_text().splitlines()
    header = text[0].split("|")
    fields = text[5].split("|")
    fields[header.index("CLM_FROM_DT")] = "2015/03/28"
    text[5] = "|".join(fields)
    bad = tmp_path / "inpatient.csv"
    bad.write_text("\n".join(text) + "\n")
    with pytest.raises(ImportFormatError, match="CLM_FROM_DT.*DD-MON-YYYY") as exc:
        cms_rif.convert([bad], tmp_path / "out")
    assert (exc.value.file, exc.value.line) == (str(bad), 6)
    assert_nothing_written(tmp_path / "out")
