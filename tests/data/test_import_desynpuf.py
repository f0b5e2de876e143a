"""DE-SynPUF importer on the shared samples (Milwaukee 10k inpatient + beneficiaries; OHDSI ETL-CMS sample 0 with
all five file types): exact counts computed independently from the raw CSVs with the csv module, the carrier
processing indicator as denial signal, malformed input, detection, and the dashboard queries."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from codedash.data.importers import ImportFormatError, desynpuf, detect_format
from tests.data.importer_support import (
    assert_dashboard_queries_run, assert_nothing_written, count, loaded, norm, reference_db, rows, shared,  # noqa: F401
    truncated_copy,
)

MILWAUKEE = ("desynpuf-milwaukee-10k", "1-sample-10000")
ETLCMS = ("desynpuf-etlcms-sample0",)
NOT_DENIED = {"A", "R", "S"}


def _institutional(path: Path, n_dx: int = 10, n_px: int = 6, n_hcpcs: int = 0) -> dict:
    """Claims, (claim, position) diagnosis/procedure pairs over all segments, HCPCS pairs, patients, payment."""
    header, data = rows(path)
    claims, dx, px, hc = set(), set(), set(), set()
    for r in data:
        c = r["CLM_ID"]
        claims.add(c)
        dx |= {(c, n) for n in range(1, n_dx + 1) if r.get(f"ICD9_DGNS_CD_{n}", "").strip()}
        px |= {(c, n) for n in range(1, n_px + 1) if r.get(f"ICD9_PRCDR_CD_{n}", "").strip()}
        hc |= {(c, n) for n in range(1, n_hcpcs + 1) if r.get(f"HCPCS_CD_{n}", "").strip()}
    return {"claims": len(claims), "dx": len(dx), "px": len(px), "hcpcs": len(hc), "rows": len(data),
            "patients": {r["DESYNPUF_ID"] for r in data},
            "paid": sum(Decimal(r["CLM_PMT_AMT"] or "0") for r in data)}


def _carrier(paths: list[Path]) -> dict:
    claims, dx, lines, denied, patients = 0, 0, 0, 0, set()
    indicators = defaultdict(int)
    for path in paths:
        for r in rows(path)[1]:
            claims += 1
            patients.add(r["DESYNPUF_ID"])
            dx += sum(1 for n in range(1, 9) if r[f"ICD9_DGNS_CD_{n}"].strip())
            for n in range(1, 14):
                ind = r[f"LINE_PRCSG_IND_CD_{n}"].strip()
                if r[f"HCPCS_CD_{n}"].strip() or ind:
                    lines += 1
                    denied += bool(ind) and ind not in NOT_DENIED
                    indicators[ind] += 1
    return {"claims": claims, "dx": dx, "lines": lines, "denied": denied, "patients": patients}


@pytest.fixture(scope="module")
def milwaukee(reference_db, tmp_path_factory):  # noqa: F811
    folder = shared(*MILWAUKEE)
    out = tmp_path_factory.mktemp("desynpuf_milwaukee")
    summary = desynpuf.convert([folder], out)
    return folder, summary, loaded(reference_db, out)


@pytest.fixture(scope="module")
def etlcms(reference_db, tmp_path_factory):  # noqa: F811
    folder = shared(*ETLCMS)
    out = tmp_path_factory.mktemp("desynpuf_etlcms")
    summary = desynpuf.convert([folder], out)
    return folder, summary, loaded(reference_db, out)


def test_milwaukee_inpatient_counts(milwaukee):
    """5,775 inpatient rows = 5,768 claims (7 claims have a second SEGMENT row, combined into one encounter)."""
    folder, summary, con = milwaukee
    ip = _institutional(folder / "DE1_0_2008_to_2010_Inpatient_Claims_Sample_1.csv")
    assert ip["rows"] == 5775
    assert count(con, "encounters") == ip["claims"] == 5768
    assert count(con, "diagnoses") == ip["dx"]
    assert count(con, "procedures") == ip["px"]
    assert count(con, "service_lines") == ip["claims"]        # one claim-level line per institutional claim
    assert count(con, "adjudications") == 0                   # no denial signal on institutional claims
    assert count(con, "adjustments") == 0
    assert con.execute("select count(distinct patient_id) from encounters").fetchone()[0] == len(ip["patients"])
    assert con.execute("select sum(paid_amount) from service_lines").fetchone()[0] == ip["paid"]
    assert count(con, "diagnoses", "code_system <> 'ICD9CM'") == 0
    assert count(con, "procedures", "code_system <> 'ICD9PCS'") == 0
    assert count(con, "encounters", "drg_version is not null") == 0          # 2008-2010: MS-DRG v25-v28
    assert summary.rows_read["DE1_0_2008_Beneficiary_Summary_File_Sample_1.csv"] == 10000
    assert set(summary.empty_reasons) == {"coders", "adjudications", "adjustments", "audits", "audit_findings"}


def test_milwaukee_age_and_sex_from_beneficiary_summary(milwaukee):
    folder, _, con = milwaukee
    _, bene = rows(folder / "DE1_0_2010_Beneficiary_Summary_File_Sample_1.csv")
    sex = {r["DESYNPUF_ID"]: {"1": "M", "2": "F"}.get(r["BENE_SEX_IDENT_CD"], "U") for r in bene}
    got = dict(con.execute("select patient_id, any_value(sex) from encounters group by 1").fetchall())
    shared_ids = set(got) & set(sex)
    assert shared_ids and all(got[p] == sex[p] for p in shared_ids)
    assert count(con, "encounters", "age_years is null or age_years > 90 or age_years < 0") == 0


def test_etlcms_all_file_types(etlcms):
    folder, summary, con = etlcms
    ip = _institutional(folder / "DE1_0_2008_to_2010_Inpatient_Claims_Sample_0.csv")
    op = _institutional(folder / "DE1_0_2008_to_2010_Outpatient_Claims_Sample_0.csv", n_hcpcs=45)
    car = _carrier(sorted(folder.glob("*Carrier_Claims*.csv")))
    assert count(con, "encounters") == ip["claims"] + op["claims"] + car["claims"] == 6
    assert count(con, "diagnoses") == ip["dx"] + op["dx"] + car["dx"]
    assert count(con, "procedures") == ip["px"] + op["px"]
    assert count(con, "service_lines") == ip["claims"] + op["claims"] + op["hcpcs"] + car["lines"]
    assert count(con, "adjudications") == car["lines"] == 4
    assert count(con, "adjudications", "denied") == car["denied"] == 0
    assert count(con, "adjustments") == 0
    patients = ip["patients"] | op["patients"] | car["patients"]
    assert con.execute("select count(distinct patient_id) from encounters").fetchone()[0] == len(patients) == 2
    assert count(con, "encounters", "encounter_type = 'inpatient'") == ip["claims"]
    assert count(con, "payers", "payer_type = 'medicare'") == count(con, "payers") == 1
    assert any("Prescription_Drug_Events" in n for n in summary.notes)
    # the OP claim billed 99282 (ED visit) is an emergency encounter
    assert count(con, "encounters", "encounter_type = 'emergency'") == 1


def test_carrier_processing_indicator_is_the_denial_signal(tmp_path, reference_db):  # noqa: F811
    """Line 2 of claim 436463304724170 set to 'D' (denied) and line 3 to 'R' (reprocessed, not a denial)."""
    src = shared(*ETLCMS) / "DE1_0_2008_to_2010_Carrier_Claims_Sample_0B.csv"
    header, data = rows(src)
    data[0]["LINE_PRCSG_IND_CD_2"], data[0]["LINE_PRCSG_IND_CD_3"] = "D", "R"
    import csv
    bad = tmp_path / "DE1_0_2008_to_2010_Carrier_Claims_Sample_0B.csv"
    with open(bad, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header, quoting=csv.QUOTE_MINIMAL)
        w.writeheader()
        w.writerows(data)
    out = tmp_path / "out"
    desynpuf.convert([bad], out)
    con = loaded(reference_db, out)
    assert con.execute("select line_number, rarc_code, carc_code, paid_amount from adjudications where denied"
                       ).fetchall() == [(2, "PRCSG-D", None, Decimal("10.00"))]
    assert count(con, "adjudications") == _carrier([bad])["lines"] == 3
    assert_dashboard_queries_run(con)


def test_dashboard_queries_run_on_imported_data(milwaukee, etlcms):
    assert_dashboard_queries_run(milwaukee[2])
    assert_dashboard_queries_run(etlcms[2])


def test_detect():
    assert desynpuf.detect([shared(*MILWAUKEE)]) and desynpuf.detect([shared(*ETLCMS)])
    assert detect_format([shared(*ETLCMS)]) == "desynpuf"
    for other in [shared("tuva-demo-claims-sample"), shared("bfd-rif-synthea", "rif-synthea"),
                  shared("bfd-rif-synthea", "rif-static-samples")]:
        assert not desynpuf.detect([other]), other
    # beneficiary files alone have no claims
    assert not desynpuf.detect([shared(*MILWAUKEE) / "DE1_0_2008_Beneficiary_Summary_File_Sample_1.csv"])


def test_truncated_file_fails_and_writes_nothing(tmp_path):
    src = shared(*MILWAUKEE) / "DE1_0_2008_to_2010_Inpatient_Claims_Sample_1.csv"
    bad = tmp_path / src.name
    line = truncated_copy(src, bad)
    out = tmp_path / "out"
    with pytest.raises(ImportFormatError, match="truncated") as exc:
        desynpuf.convert([bad], out)
    assert (exc.value.file, exc.value.line) == (str(bad), line) and line == 5776
    assert_nothing_written(out)


def test_unknown_header_and_wrong_layout_fail(tmp_path):
    out = tmp_path / "out"
    unknown = tmp_path / "unknown.csv"
    unknown.write_text('"A","B"\n1,2\n')
    with pytest.raises(ImportFormatError, match="not a DE-SynPUF") as exc:
        desynpuf.convert([unknown], out)
    assert (exc.value.file, exc.value.line) == (str(unknown), 1)
    # a DE-SynPUF inpatient file without its ICD-9 procedure columns: not the 2008-2010 DE1.0 layout
    src = shared(*MILWAUKEE) / "DE1_0_2008_to_2010_Inpatient_Claims_Sample_1.csv"
    header, _ = rows(src)
    other = tmp_path / "DE2_Inpatient.csv"
    other.write_text(",".join(f'"{h}"' for h in header if not h.startswith("ICD9_PRCDR")) + "\n")
    with pytest.raises(ImportFormatError, match="unknown DE-SynPUF layout.*ICD9_PRCDR_CD_1") as exc:
        desynpuf.convert([other], out)
    assert exc.value.line == 1
    # a RIF file handed to the DE-SynPUF importer says which format it is
    rif = shared("bfd-rif-synthea", "rif-synthea", "carrier.csv")
    with pytest.raises(ImportFormatError, match="cms-rif"):
        desynpuf.convert([rif], out)
    assert_nothing_written(out)


def test_bad_date_names_file_and_line(tmp_path):
    src = shared(*ETLCMS) / "DE1_0_2008_to_2010_Inpatient_Claims_Sample_0.csv"
    text = src.read_text().splitlines()
    text[2] = text[2].replace("20100807", "2010-08-07", 1)
    bad = tmp_path / src.name
    bad.write_text("\n".join(text) + "\n")
    with pytest.raises(ImportFormatError, match="YYYYMMDD") as exc:
        desynpuf.convert([bad], tmp_path / "out")
    assert (exc.value.file, exc.value.line) == (str(bad), 3)
    assert_nothing_written(tmp_path / "out")
