"""X12 835 and 837P/837I importers on the LinuxForHealth samples (../shared/data/x12-linuxforhealth).

Expected counts are computed in this file from the raw text with plain string splitting (never with the
importer's parser): segments split on '~', elements on '*', composites on ':' or '>'.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from codedash.data.importers import ImportFormatError, detect_format, get, x12_835, x12_837
from tests.data.importer_support import (
    assert_dashboard_queries_run, assert_nothing_written, count, loaded, reference_db, shared,  # noqa: F401
)

X12 = "x12-linuxforhealth"


def assert_pages_render(con) -> None:
    """Every page's pure render/body function (con, raw_filters[, selection]) runs on the imported data;
    empty panels return an empty state rather than raising."""
    import importlib
    import inspect

    from codedash.dashboard.pages import registry

    called = 0
    for module_name in sorted({p.module for p in registry.PAGES if getattr(p, "module", None)}):
        module = importlib.import_module(module_name)
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module.__name__ or not name.startswith(("render", "body_")):
                continue
            params = inspect.signature(fn).parameters
            if list(params)[:2] != ["con", "raw_filters"]:
                continue
            extra = [None for p in list(params.values())[2:] if p.default is inspect.Parameter.empty]
            fn(con, {}, *extra)
            called += 1
    assert called >= 1


def segments(path: Path) -> list[list[str]]:
    text = path.read_text(encoding="latin-1")
    return [s.strip().split("*") for s in text.split("~") if s.strip()]


def el(seg: list[str], i: int) -> str:
    return seg[i] if i < len(seg) else ""


def comps(value: str) -> list[str]:
    return re.split(r"[:>]", value)


def files_835() -> list[Path]:
    return sorted(shared(X12, "835_005010X221A1").glob("*.835"))


def files_837() -> list[Path]:
    return sorted(shared(X12, "837_005010X222A2").glob("*.837")) + \
        sorted(shared(X12, "837_005010X223A3").glob("*.837i"))


# ---------------------------------------------------------------------------------------------
# Independent counts from the raw files
# ---------------------------------------------------------------------------------------------

def raw_835(paths: list[Path]) -> dict:
    claims, patients = [], set()
    lines = cas_triplets = denied_claims = no_svc = 0
    for p in paths:
        segs = segments(p)
        for i, s in enumerate(segs):
            if s[0] == "CLP":
                claims.append(s[1])
                denied_claims += s[2] == "4"
                # claim without SVC before the next CLP / SE
                j = i + 1
                while segs[j][0] not in ("CLP", "SE", "LX") and segs[j][0] != "SVC":
                    j += 1
                no_svc += segs[j][0] != "SVC"
            elif s[0] == "SVC":
                lines += 1
            elif s[0] == "CAS":
                cas_triplets += sum(1 for k in range(2, 20, 3) if el(s, k))
            elif s[0] == "NM1" and s[1] == "QC":
                patients.add(el(s, 9))
    return {"claims": claims, "lines": lines, "adjudications": lines + no_svc, "adjustments": cas_triplets,
            "patients": len(patients), "denied_claims": denied_claims}


def raw_837(paths: list[Path]) -> dict:
    """First occurrence of each CLM01 is kept; patient = patient loop (HL 23) or subscriber: last, first, DOB."""
    seen, patients = set(), set()
    dx = lines = 0
    for p in paths:
        segs = segments(p)
        person = None
        keep = False
        in_claim = False
        for s in segs:
            if s[0] == "HL":
                in_claim = False
            elif s[0] == "NM1" and s[1] in ("IL", "QC") and not in_claim:
                person = [s[3], el(s, 4), ""]
            elif s[0] == "DMG" and not in_claim:
                person[2] = s[2]
            elif s[0] == "CLM":
                in_claim = True
                keep = s[1] not in seen
                seen.add(s[1])
                if keep:
                    patients.add(tuple(person))
            elif s[0] == "HI" and keep:
                dx += sum(1 for v in s[1:] if comps(v)[0] in ("ABK", "ABF", "BK", "BF", "ABN", "BN"))
            elif s[0] == "LX" and keep:
                lines += 1
    return {"claims": len(seen), "diagnoses": dx, "lines": lines, "patients": len(patients)}


# ---------------------------------------------------------------------------------------------
# 835
# ---------------------------------------------------------------------------------------------

def test_835_detect_and_registry():
    assert x12_835.detect(files_835())
    assert x12_835.detect([shared(X12, "835_005010X221A1")])          # a folder
    assert not x12_835.detect(files_837())
    assert not x12_837.detect(files_835())
    assert not x12_835.detect([shared("mimic-iv-demo-2.2", "hosp", "admissions.csv.gz")])
    assert detect_format(files_835()) == "x12-835"
    assert get("x12-835") is x12_835


def test_835_sample_counts_and_dashboard(tmp_path, reference_db):  # noqa: F811
    paths = files_835()
    raw = raw_835(paths)
    assert raw == {"claims": ["0001000055", "5554555444", "8765432112", "666123", "777777"], "lines": 3,
                   "adjudications": 5, "adjustments": 9, "patients": 5, "denied_claims": 0}
    summary = x12_835.convert(paths, tmp_path / "out")
    con = loaded(reference_db, tmp_path / "out")
    assert count(con, "encounters") == len(set(raw["claims"]))
    assert count(con, "adjudications") == raw["adjudications"]
    assert count(con, "adjustments") == raw["adjustments"]
    assert count(con, "adjustments", "line_number is null") == 4    # CLP-level CAS: 2 in managed-care, 2 part A
    assert con.execute("select count(distinct patient_id) from encounters").fetchone()[0] == raw["patients"]
    assert count(con, "diagnoses") == 0
    assert summary.rows_written["adjustments"] == raw["adjustments"]
    # money exactly as in the file: CLP03 billed, CLP04 paid per claim
    got = dict(con.execute("select claim_id, sum(paid_amount) from adjudications group by 1").fetchall())
    assert {k: str(v) for k, v in got.items()} == {"0001000055": "34.00", "5554555444": "500.00",
                                                   "8765432112": "550.00", "666123": "138018.40",
                                                   "777777": "11980.33"}
    # CAS of the COB sample: OA-23 516.00 and a negative OA-94 -9.00 (reversal), both kept with their group
    assert con.execute("select carc_group, carc_code, cast(amount as varchar) from adjustments "
                       "where claim_id = '0001000055' order by adjustment_seq").fetchall() == \
        [("OA", "23", "516.00"), ("OA", "94", "-9.00")]
    # SVC01 'HC>55669' although ISA16 is ':' (a quirk of the sample) is still read as CPT 55669
    assert con.execute("select code_system, code from service_lines where claim_id = '0001000055'").fetchall() == \
        [("CPT", "55669")]
    assert con.execute("select rarc_code from adjudications where claim_id = '777777'").fetchone()[0] == "MA02"
    assert count(con, "adjudications", "denied") == 0   # no denial in these samples (checked below on a copy)
    assert_dashboard_queries_run(con)
    assert_pages_render(con)


def sample_text(*parts: str) -> str:
    """A sample's text with the line breaks after segment terminators removed, so edits can match 'A~B'."""
    return "~".join(seg.strip() for seg in shared(X12, *parts).read_text(encoding="latin-1").split("~"))


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="latin-1")
    return p


def test_835_denied_lines_and_rarc(tmp_path, reference_db):  # noqa: F811
    """A copy of managed-care.835 whose second line is denied (paid 0, CO-50 + LQ*HE*N115) and whose first
    claim has status 4: both claims are denied; CO-45/PR-1 alone would not have been."""
    src = sample_text("835_005010X221A1", "managed-care.835")
    text = (src.replace("CLP*5554555444*1*", "CLP*5554555444*4*")
            .replace("SVC*HC:93555*1200.00*550.00~", "SVC*HC:93555*1200.00*0~")
            .replace("CAS*PR*1*600.00~CAS*CO*45*50.00~", "CAS*CO*50*1150.00*1~CAS*CO*45*50.00~LQ*HE*N115~")
            .replace("SE*26*", "SE*27*"))
    p = _write(tmp_path, "denied.835", text)
    x12_835.convert([p], tmp_path / "out")
    con = loaded(reference_db, tmp_path / "out")
    assert con.execute("select claim_id, denied, carc_group, carc_code, rarc_code from adjudications "
                       "order by claim_id").fetchall() == [
        ("5554555444", True, "PR", "1", None), ("8765432112", True, "CO", "50", "N115")]
    assert con.execute("select cast(quantity as varchar) from adjustments where carc_code = '50'").fetchone()[0] == "1.00"


def test_835_several_transactions_in_one_file(tmp_path, reference_db):  # noqa: F811
    """Two ST/SE transactions (managed-care and medicare-part-a bodies) in one GS/GE group."""
    a = sample_text("835_005010X221A1", "managed-care.835")
    b = sample_text("835_005010X221A1", "medicare-part-a.835")
    body_a = a[a.index("ST*"):a.index("GE*")]
    body_b = b[b.index("ST*"):b.index("GE*")].replace("ST*835*1234~", "ST*835*1235~").replace("SE*28*1234~",
                                                                                              "SE*28*1235~")
    text = a[:a.index("ST*")] + body_a + body_b + "GE*2*1~IEA*1*000000907~"
    p = _write(tmp_path, "two.835", text)
    summary = x12_835.convert([p], tmp_path / "out")
    assert summary.rows_read == {"two.835": 4}
    con = loaded(reference_db, tmp_path / "out")
    assert count(con, "encounters") == 4
    assert count(con, "payers") == 2
    assert count(con, "adjustments") == 7


def test_835_attaches_to_837_claims(tmp_path, reference_db):  # noqa: F811
    """The samples' control numbers do not match (835 CLP01s 0001000055, 5554555444, 8765432112, 666123, 777777;
    no 837 CLM01 among them), so a copy of managed-care.835 pays 837 claim 26463774 (demo.example1.837) on
    its 99214 line: the adjudication attaches to that encounter and its line 3, no encounter is duplicated."""
    con = loaded(reference_db, tmp_path / "none")
    x12_837.convert([shared(X12, "837_005010X222A2", "demo.example1.837")], tmp_path / "a")
    from codedash.data.importers.base import load_into
    load_into(con, tmp_path / "a")
    src = sample_text("835_005010X221A1", "managed-care.835")
    p = _write(tmp_path, "pays-837.835", src.replace("CLP*5554555444*", "CLP*26463774*")
               .replace("SVC*HC:99211*", "SVC*HC:99214*"))
    summary = x12_835.convert([p], tmp_path / "b", con=con)
    assert "1 attached" in summary.notes[0]
    load_into(con, tmp_path / "b")
    assert con.execute("select encounter_id, line_number from adjudications where claim_id = '26463774'"
                       ).fetchall() == [("26463774", 3)]
    assert con.execute("select code from service_lines where encounter_id = '26463774' and line_number = 3"
                       ).fetchone()[0] == "99214"
    assert count(con, "encounters") == 2          # the 837 claim + the other (unmatched) remittance claim
    assert count(con, "diagnoses", "encounter_id = '26463774'") == 2


# ---------------------------------------------------------------------------------------------
# 837
# ---------------------------------------------------------------------------------------------

def test_837_detect():
    assert x12_837.detect(files_837())
    assert x12_837.detect([shared(X12, "837_005010X223A3")])
    assert not x12_837.detect([shared("mimic-iv-demo-2.2", "hosp", "admissions.csv.gz")])
    assert detect_format(files_837()) == "x12-837"


def test_837_sample_counts_and_dashboard(tmp_path, reference_db):  # noqa: F811
    paths = files_837()
    raw = raw_837(paths)
    assert raw == {"claims": 17, "diagnoses": 33, "lines": 34, "patients": 16}
    summary = x12_837.convert(paths, tmp_path / "out")
    con = loaded(reference_db, tmp_path / "out")
    assert count(con, "encounters") == raw["claims"]
    assert count(con, "diagnoses") == raw["diagnoses"]
    assert count(con, "service_lines") == raw["lines"]
    assert con.execute("select count(distinct patient_id) from encounters").fetchone()[0] == raw["patients"]
    assert any("6 claims skipped" in n for n in summary.notes)      # COB copies / repeated CLM01 in the samples
    # 837I: revenue code + HCPCS, units, charge; institutional claim 756048Q
    assert con.execute("select line_number, revenue_code, code_system, code, cast(units as varchar), "
                       "cast(charge_amount as varchar) from service_lines where claim_id = '756048Q' order by 1"
                       ).fetchall() == [(1, "0305", "CPT", "85025", "1.00", "13.39"),
                                        (2, "0730", "CPT", "93005", "3.00", "76.54")]
    # 837P: modifiers, HCPCS level II, anesthesia minutes as units
    assert con.execute("select code_system, modifier_1, modifier_2, modifier_3 from service_lines "
                       "where claim_id = 'SMI123'").fetchone() == ("HCPCS", "RR", "KH", "BR")
    assert con.execute("select cast(units as varchar) from service_lines where claim_id = '153829140'"
                       ).fetchone()[0] == "61.00"
    # providers by NPI, payer type from SBR09, age/sex from DMG
    assert con.execute("select attending_provider_id, payer_type, sex, age_years, encounter_type, place_of_service "
                       "from encounters where encounter_id = 'TS234H3'").fetchone() == \
        ("1112223336", "commercial", "M", 8, "emergency", "23")
    assert con.execute("select npi from providers where provider_id = '1112223336'").fetchone()[0] == "1112223336"
    assert con.execute("select code_system, code from diagnoses where encounter_id = '26463774' order by sequence"
                       ).fetchall() == [("ICD9CM", "0340"), ("ICD9CM", "V7389")]
    # a claim in an 837 has been billed: final_billed_at = BHT04 date + BHT05 time (not DNFB)
    assert con.execute("select cast(final_billed_at as varchar) from encounters where encounter_id = '26463774'"
                       ).fetchone()[0] == "2006-10-15 10:23:00"
    assert count(con, "encounters", "final_billed_at is null") == 0
    assert_dashboard_queries_run(con)
    assert_pages_render(con)


def test_837_institutional_procedures_and_drg(tmp_path, reference_db):  # noqa: F811
    """The samples carry no ICD procedure or DRG: a copy of institutional-claim.837i adds
    HI*BBR (principal ICD-10-PCS), BBQ, ABK/ABF ICD-10-CM with POA, ABJ admitting (kept out) and DR."""
    src = sample_text("837_005010X223A3", "institutional-claim.837i")
    text = (src.replace("HI*BK:3669~HI*BF:4019*BF:79431~",
                        "HI*ABK:I10:::::::Y*ABJ:R079~HI*ABF:E11.65:::::::N~HI*BBR:0SRC0J9:D8:19960911*BBQ:0JH60DZ~"
                        "HI*DR:470~")
            .replace("CLM*756048Q*89.93***14:A:1", "CLM*756048Q*89.93***11:A:1")
            .replace("SE*42*", "SE*44*"))
    p = _write(tmp_path, "ip.837i", text)
    x12_837.convert([p], tmp_path / "out")
    con = loaded(reference_db, tmp_path / "out")
    assert con.execute("select sequence, code_system, code, poa, code_version from diagnoses order by 1").fetchall() \
        == [(1, "ICD10CM", "I10", "Y", "FY1996"), (2, "ICD10CM", "E1165", "N", "FY1996")]
    assert con.execute("select sequence, code_system, code, cast(procedure_date as varchar) from procedures "
                       "order by 1").fetchall() == [(1, "ICD10PCS", "0SRC0J9", "1996-09-11"),
                                                    (2, "ICD10PCS", "0JH60DZ", None)]
    assert con.execute("select drg_code, encounter_type from encounters").fetchone() == ("470", "inpatient")


# ---------------------------------------------------------------------------------------------
# Malformed input: a clear message, the file and segment number, nothing written
# ---------------------------------------------------------------------------------------------

def _fails(tmp_path, module, path: Path, line: int | None, *fragments: str) -> None:
    out = tmp_path / "out"
    with pytest.raises(ImportFormatError) as info:
        module.convert([path], out)
    err = info.value
    assert err.file == str(path)
    assert err.line == line, str(err)
    for f in fragments:
        assert f in err.message, err.message
    assert_nothing_written(out)


def test_835_truncated(tmp_path):
    src = sample_text("835_005010X221A1", "managed-care.835")
    p = _write(tmp_path, "cut.835", src[: len(src) // 2])
    n = len([s for s in p.read_text().split("~")])
    _fails(tmp_path, x12_835, p, n, "truncated")
    q = _write(tmp_path, "cut2.835", src[: src.index("SE*")])      # cut exactly after a segment: no SE
    _fails(tmp_path, x12_835, q, 27, "no SE trailer")


def test_835_version_4010(tmp_path):
    src = sample_text("835_005010X221A1", "managed-care.835")
    p = _write(tmp_path, "old.835", src.replace("*00501*", "*00401*").replace("005010X221A1", "004010X091A1"))
    _fails(tmp_path, x12_835, p, 1, "X12 version 004010 is not supported; codedash reads 5010 (005010X221A1)")
    q = _write(tmp_path, "old-gs.835", src.replace("005010X221A1", "004010X091A1"))
    _fails(tmp_path, x12_835, q, 2, "X12 version 004010 is not supported")


@pytest.mark.parametrize("old,new,line,fragment", [
    ("IEA*1*000000907", "IEA*1*000000908", 30, "IEA02 '000000908' != ISA13 '000000907'"),
    ("GE*1*1~", "GE*1*2~", 29, "GE02 '2' != GS06 '1'"),
    ("SE*26*112233", "SE*26*112234", 28, "SE02 '112234' != ST02 '112233'"),
    ("SE*26*112233", "SE*25*112233", 28, "SE01 says 25 segments, the transaction has 26"),
    ("GE*1*1~", "GE*2*1~", 29, "GE01 says 2 transaction sets"),
])
def test_835_control_numbers(tmp_path, old, new, line, fragment):
    src = sample_text("835_005010X221A1", "managed-care.835")
    assert old in src
    p = _write(tmp_path, "bad.835", src.replace(old, new))
    _fails(tmp_path, x12_835, p, line, fragment)


def test_unknown_layout_and_wrong_transaction(tmp_path):
    p = _write(tmp_path, "claims.csv", "claim_id,amount\n1,2\n")
    _fails(tmp_path, x12_835, p, 1, "not an X12 interchange")
    _fails(tmp_path, x12_837, p, 1, "not an X12 interchange")
    _fails(tmp_path, x12_835, shared(X12, "837_005010X222A2", "demo.example1.837"), 2,
           "unsupported implementation guide '005010X222A2'")
    _fails(tmp_path, x12_837, shared(X12, "835_005010X221A1", "managed-care.835"), 2,
           "unsupported implementation guide '005010X221A1'")


def test_837_truncated_and_4010(tmp_path):
    src = sample_text("837_005010X222A2", "demo.example1.837")
    p = _write(tmp_path, "cut.837", src[: len(src) * 2 // 3])
    n = len(p.read_text().split("~"))
    _fails(tmp_path, x12_837, p, n, "truncated")
    q = _write(tmp_path, "old.837", src.replace("*00501*", "*00401*").replace("005010X222A2", "004010X098A1"))
    _fails(tmp_path, x12_837, q, 1, "X12 version 004010 is not supported")
    r = _write(tmp_path, "bad.837", src.replace("SE*40*0021", "SE*40*0022"))
    _fails(tmp_path, x12_837, r, 42, "control number mismatch")


def test_error_in_second_file_writes_nothing(tmp_path):
    """All-or-nothing across files: a good file followed by a bad one writes no Parquet at all."""
    src = sample_text("835_005010X221A1", "managed-care.835")
    bad = _write(tmp_path, "z.835", src.replace("IEA*1*000000907", "IEA*1*1"))
    out = tmp_path / "out"
    with pytest.raises(ImportFormatError):
        x12_835.convert([shared(X12, "835_005010X221A1", "cob-contractural-adjustment.835"), bad], out)
    assert_nothing_written(out)
