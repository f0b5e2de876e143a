"""Facts about the reference tables, each checked by hand against the source packages / CMS lists."""
import pytest

from codedash.data.database import memory_database
from codedash.data.reference import REF_TABLES, build_reference


@pytest.fixture(scope="module")
def con():
    c = memory_database()
    steps = []
    counts = build_reference(c, progress=steps.append)
    yield c, counts, steps
    c.close()


def one(con, sql, *params):
    return con[0].execute(sql, list(params)).fetchone()


def test_every_ref_table_filled_and_sourced(con):
    c, counts, steps = con
    assert steps == list(REF_TABLES)
    for table in REF_TABLES:
        assert c.execute(f"select count(*) from {table}").fetchone()[0] > 0, table
    assert sorted(r[0] for r in c.execute("select table_name from ref_sources").fetchall()) == sorted(REF_TABLES)


def test_build_is_idempotent(con):
    c, counts, _ = con
    again = build_reference(c)
    assert again == counts


def test_icd10cm_code_and_category(con):
    assert one(con, "select code_dotted, billable, level, category, block, chapter, unspecified, valid_to_fy "
                    "from ref_icd10cm where code = 'E1165'") == ("E11.65", True, "code", "E11", "E08-E13", "4", False, None)
    assert one(con, "select billable, level, chapter_description from ref_icd10cm where code = 'E11'") == (
        False, "category", "Endocrine, nutritional and metabolic diseases (E00-E89)")
    assert one(con, "select billable, level from ref_icd10cm where code = 'I10'") == (True, "category")
    assert one(con, "select unspecified from ref_icd10cm where code = 'I509'") == (True,)  # Heart failure, unspecified
    # no chapters or blocks as rows
    assert one(con, "select count(*) from ref_icd10cm where code in ('4', 'E08-E13')") == (0,)


def test_icd10cm_validity_years(con):
    # C50.A0 (inflammatory breast cancer) is new in FY2026: absent from the v42 tables, present in v43
    assert one(con, "select valid_from_fy, valid_to_fy from ref_icd10cm where code = 'C50A0'") == (2026, None)
    # T78.07XA was subdivided in FY2026: kept with its FY2025 description and valid_to_fy 2025
    assert one(con, "select billable, valid_to_fy from ref_icd10cm where code = 'T7807XA'") == (True, 2025)
    # an old code gets no valid_from_fy (already in the FY2023 baseline table)
    assert one(con, "select valid_from_fy from ref_icd10cm where code = 'E1165'") == (None,)


def test_icd10pcs(con):
    assert one(con, "select section, body_system, root_operation, section_label, root_operation_label "
                    "from ref_icd10pcs where code = '0DTJ4ZZ'") == ("0", "D", "T", "Medical and Surgical", "Resection")
    assert one(con, "select description from ref_icd10pcs where code = '0DTJ4ZZ'") == (
        "Resection of Appendix, Percutaneous Endoscopic Approach",)


def test_msdrg(con):
    assert one(con, "select description, mdc, drg_type, severity, base_drg from ref_msdrg "
                    "where drg_version = 43 and drg_code = '291'") == (
        "Heart Failure and Shock with MCC", "05", "MED", "MCC", "291")
    assert one(con, "select severity, base_drg from ref_msdrg where drg_version = 43 and drg_code = '293'") == ("NONE", "291")
    assert one(con, "select severity from ref_msdrg where drg_version = 43 and drg_code = '016'") == ("CC/MCC",)
    assert one(con, "select mdc from ref_msdrg where drg_version = 41 and drg_code = '001'") == ("PRE",)
    # FY2026 Table 5 (drg package): DRG 001 weight 28.0239, GMLOS 25.8, AMLOS 36.2; none for v41
    assert one(con, "select relative_weight, gmlos, amlos from ref_msdrg where drg_version = 43 and drg_code = '001'") == (
        28.0239, 25.8, 36.2)
    assert one(con, "select count(relative_weight) from ref_msdrg where drg_version = 41") == (0,)


def test_cc_mcc(con):
    assert one(con, "select level from ref_cc_mcc where drg_version = 42 and code = 'I5021'") == ("MCC",)
    assert one(con, "select count(*) from ref_cc_mcc where drg_version = 42 and code = 'E1165'") == (0,)


def test_hcc_v28(con):
    assert one(con, "select hcc, hcc_label from ref_hcc where model = 'V28' and payment_year = 2026 and code = 'E1165'") == (
        "HCC38", "Diabetes with Glycemic, Unspecified, or No Complications")


def test_carc(con):
    cols = [r[0] for r in con[0].execute("select column_name from information_schema.columns "
                                         "where table_name = 'ref_carc' order by ordinal_position").fetchall()]
    assert cols == ["carc_code", "category", "category_label", "usual_groups", "coding_related"]
    assert one(con, "select category, usual_groups, coding_related from ref_carc where carc_code = '45'") == (
        "contractual", "CO", False)
    assert one(con, "select category, category_label, coding_related from ref_carc where carc_code = '97'") == (
        "coding_bundling", "Coding / bundling", True)
    assert one(con, "select category, usual_groups from ref_carc where carc_code = '1'") == ("patient_responsibility", "PR")


def test_specialty_and_pos(con):
    assert one(con, "select specialty_name from ref_specialty where specialty_code = '06'") == ("Cardiology",)
    assert one(con, "select specialty_name from ref_specialty where specialty_code = 'C0'") == ("Sleep Medicine",)
    assert one(con, "select pos_name from ref_pos where pos_code = '11'") == ("Office",)
    assert one(con, "select count(*) from ref_pos") == (99,)


def test_procedure_labels(con):
    assert one(con, "select code_system, label, em_level, em_family from ref_procedure_labels where code = '99214'") == (
        "CPT", "Office visit, established, level 4", 4, "office_established")
    assert one(con, "select em_level, em_family from ref_procedure_labels where code = '99223'") == (3, "inpatient_initial")
    assert one(con, "select code_system, em_level from ref_procedure_labels where code = 'G0439'") == ("HCPCS", None)
