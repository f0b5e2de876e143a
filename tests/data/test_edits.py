"""NCCI edit files: the CMS layouts read and validated (file, line, field in every error), loaded atomically."""
from __future__ import annotations

import datetime as dt

import pytest

from codedash.data.edits import EditFileError, load_edits, read_edit_file
from tests import fixtures

# As CMS publishes the practitioner PTP file (tab-delimited text; notice lines, then the header).
PTP = (
    "CPT only copyright 2025 American Medical Association. All rights reserved.\n"
    "\n"
    "Column 1\tColumn 2\t*=in existence prior to 1996\tEffective Date\tDeletion Date *=no data\t"
    "Modifier 0=not allowed 1=allowed 9=not applicable\tPTP Edit Rationale\n"
    "93000\t93010\t\t20230101\t*\t0\tMisuse of column two code with column one code\n"
    "17000\t11102\t*\t19960101\t*\t1\tStandards of medical / surgical practice\n"
    "99213\t17000\t\t20200101\t20201231\t9\tDeleted edit\n"
)
# As CMS publishes the practitioner MUE file (CSV; notice line, then the header).
MUE = (
    '"CPT codes, descriptions and other data only are copyright 2025 American Medical Association."\n'
    'HCPCS/CPT Code,Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale\n'
    '97110,4,3 Date of Service Edit: Clinical,Clinical: Data\n'
    '20610,2,1 Line Edit,Anatomic Consideration\n'
)


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_ptp_file_in_the_cms_layout(tmp_path):
    f = read_edit_file(_write(tmp_path, "ccipra-v321r0-f1.txt", PTP))
    assert f.kind == "ptp"
    rows = f.rows.to_dict(orient="records")
    assert [(r["column1_code"], r["column2_code"], r["modifier_indicator"]) for r in rows] == [
        ("93000", "93010", "0"), ("17000", "11102", "1"), ("99213", "17000", "9")]
    assert rows[0]["effective_date"] == dt.date(2023, 1, 1) and rows[0]["deletion_date"] is None
    assert rows[2]["deletion_date"] == dt.date(2020, 12, 31)
    assert {r["release"] for r in rows} == {"v321r0"} and {r["edit_source"] for r in rows} == {"cms"}
    assert {r["source_file"] for r in rows} == {"ccipra-v321r0-f1.txt"}


def test_mue_file_in_the_cms_layout(tmp_path):
    f = read_edit_file(_write(tmp_path, "MCR_MUE_PractitionerServices_Eff_01-01-2026.csv", MUE), release="2026Q1")
    assert f.kind == "mue"
    assert f.rows[["code", "mue_value", "adjudication_indicator", "service_type", "release"]].values.tolist() == [
        ["97110", 4, "3", "practitioner", "2026Q1"], ["20610", 2, "1", "practitioner", "2026Q1"]]


@pytest.mark.parametrize(("name", "text", "message"), [
    ("p.txt", PTP.replace("93000\t93010\t\t20230101", "93000\t93010\t\t2023-01-01"),
     "p.txt: line 4: field Effective Date: '2023-01-01' is not a date YYYYMMDD"),
    ("p.txt", PTP.replace("\t1\tStandards", "\t2\tStandards"), "p.txt: line 5: field Modifier: '2' is not 0, 1 or 9"),
    ("p.txt", PTP.replace("17000\t11102", "17000\t1110"), "p.txt: line 5: field Column 2: '1110' is not a 5-character"),
    ("p.txt", PTP.replace("20200101\t20201231", "20200101\t20191231"), "p.txt: line 6: field Deletion Date"),
    ("m.csv", MUE.replace("97110,4,", "97110,four,"), "m.csv: line 3: field MUE Values: 'four' is not a whole number"),
    ("m.csv", MUE.replace("1 Line Edit", "Line Edit"), "m.csv: line 4: field MUE Adjudication Indicator"),
    ("x.csv", "a,b\n1,2\n", "x.csv: no NCCI header found"),
    ("d.csv", MUE + "97110,5,3 Date of Service Edit: Clinical,again\n", "repeats the key 97110"),
])
def test_invalid_values_name_file_line_and_field(tmp_path, name, text, message):
    with pytest.raises(EditFileError, match=None) as exc:
        read_edit_file(_write(tmp_path, name, text))
    assert message in str(exc.value)


def test_binary_file_is_refused(tmp_path):
    path = tmp_path / "edits.xlsx"
    path.write_bytes(b"PK\x03\x04\x00\x00binary")
    with pytest.raises(EditFileError, match="not a text file"):
        read_edit_file(path)


def _db(tmp_path):
    path = tmp_path / "db.duckdb"
    fixtures.build_file(path)
    return path


def _rows(path, sql):
    import duckdb
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_load_replaces_the_edits_and_keeps_the_data(tmp_path):
    db = _db(tmp_path)
    before = _rows(db, "select count(*) from encounters")
    counts = load_edits(db, [_write(tmp_path, "ptp-v321r0.txt", PTP), _write(tmp_path, "mue.csv", MUE)])
    assert counts == {"ncci_ptp": 3, "ncci_mue": 2}
    assert _rows(db, "select count(*) from encounters") == before
    assert _rows(db, "select count(*), min(edit_source) from ncci_ptp") == [(3, "cms")]
    # marts were rebuilt in the same file
    assert _rows(db, "select count(*) from mart_compliance_events where measure_id = 'NCCI_MUE_PROV'") == [(0,)]
    # a second load of only a PTP file replaces PTP rows and leaves MUE rows
    load_edits(db, [_write(tmp_path, "ptp2.txt", PTP.split("17000")[0])])
    assert _rows(db, "select count(*) from ncci_ptp") == [(1,)]
    assert _rows(db, "select count(*) from ncci_mue") == [(2,)]


def test_a_bad_file_loads_nothing(tmp_path):
    db = _db(tmp_path)
    load_edits(db, [_write(tmp_path, "mue.csv", MUE)])
    stamp = _rows(db, "select build_id from build_info")
    bad = _write(tmp_path, "bad.txt", PTP.replace("\t0\tMisuse", "\tX\tMisuse"))
    with pytest.raises(EditFileError, match="bad.txt: line 4: field Modifier"):
        load_edits(db, [_write(tmp_path, "good.txt", PTP), bad])
    assert _rows(db, "select build_id from build_info") == stamp          # the file was not replaced
    assert _rows(db, "select count(*) from ncci_ptp") == [(0,)]


def test_cli_load_edits(tmp_path, capsys):
    from codedash.dashboard.cli import main
    db = _db(tmp_path)
    assert main(["load-edits", "--db", str(db), str(_write(tmp_path, "p.txt", PTP)), "--release", "2026Q1"]) == 0
    assert "ncci_ptp: 3 edits loaded" in capsys.readouterr().out
    assert _rows(db, "select distinct release from ncci_ptp") == [("2026Q1",)]
    assert main(["load-edits", "--db", str(db), str(_write(tmp_path, "q.txt", "nothing here\n"))]) == 2
    err = capsys.readouterr().err
    assert "no NCCI header found" in err and "nothing was loaded" in err


def test_the_demo_set_is_labelled_a_demonstration_set():
    from codedash.data.demo.edits import DEMO_RELEASE, edit_rows
    ptp, mue = edit_rows()
    assert set(ptp["edit_source"]) == {"demo"} and set(mue["edit_source"]) == {"demo"}
    assert DEMO_RELEASE == "demonstration set — not CMS's"
    assert set(ptp["release"]) == {DEMO_RELEASE}


def test_small_demo_carries_the_demo_set_and_planted_violations(small_demo_db):
    rows = _rows(small_demo_db, "select pattern_id, pattern from demo_ground_truth where pattern_id in ('GT08', 'GT09') "
                                "order by 1")
    assert rows == [("GT08", "ncci_ptp"), ("GT09", "ncci_mue")]
    assert _rows(small_demo_db, "select distinct edit_source from ncci_ptp") == [("demo",)]
    # 93010 is billed only by the planted provider (the pair 93000/93010)
    assert _rows(small_demo_db, """select count(distinct e.attending_provider_id) from service_lines s
                                   join encounters e using (encounter_id) where s.code = '93010'""") == [(1,)]


def test_a_replace_load_keeps_cms_edits_and_drops_the_demo_set(small_demo_db, tmp_path):
    import shutil

    from codedash.data.loading import load_native
    from tests.data.loading_support import EXAMPLES, TODAY
    db = tmp_path / "demo-copy.duckdb"
    shutil.copy(small_demo_db, db)
    load_edits(db, [_write(tmp_path, "mue.csv", MUE)])                  # CMS MUE replaces the demo's; PTP stays demo
    assert _rows(db, "select distinct edit_source from ncci_ptp") == [("demo",)]
    load_native([EXAMPLES], db, today=TODAY)                            # replace mode: the data becomes the examples
    assert _rows(db, "select count(*) from ncci_ptp") == [(0,)]
    assert _rows(db, "select count(*), min(edit_source) from ncci_mue") == [(2, "cms")]
