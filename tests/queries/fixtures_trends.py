"""The overview fixture's 9 encounters (tests/fixtures.py) with diagnoses and a few ICD-10-CM reference rows.

    encounter patient month    payer (type)        diagnoses (sequence order)
    E00       P8      2024-12  PA medicare         J189, I10
    E01       P1      2025-01  PA medicare         J189, J101, I10
    E02       P2      2025-01  PA medicare         I10, J189
    E03       P3      2025-01  PB commercial       E119, I10          (P3 is 10 years old)
    E04       P1      2025-01  PB commercial       J101
    E05       P4      2025-02  PA medicare         E119, E785
    E06       P5      2025-02  PB commercial       J189
    E07       P6      2025-02  PB commercial       I10, E119
    E08       P7      2025-02  PA medicare         E785
P1 and P5 are male, everyone else female; everyone but P3 is 70. Hierarchy: J189 < J18, J101 < J10, both in
block J09-J18 of chapter 10; I10 (a billable category) in I10-I1A of chapter 9; E119 < E11 in E08-E13 and
E785 < E78 in E70-E88, both chapter 4. The reference rows are test values shaped like ref_icd10cm.
"""
from __future__ import annotations

import pandas as pd

from tests.fixtures import _insert, build as build_base, with_marts

DIAGNOSES = {"E00": ["J189", "I10"], "E01": ["J189", "J101", "I10"], "E02": ["I10", "J189"],
             "E03": ["E119", "I10"], "E04": ["J101"], "E05": ["E119", "E785"], "E06": ["J189"],
             "E07": ["I10", "E119"], "E08": ["E785"]}
# code, dotted, description, billable, level, category, block, block title, chapter, chapter title
REF = [
    ("J18", "J18", "Pneumonia, unspecified organism", False, "category", "J18", "J09-J18", "Influenza and pneumonia (J09-J18)", "10", "Diseases of the respiratory system (J00-J99)"),
    ("J189", "J18.9", "Pneumonia, unspecified organism", True, "code", "J18", "J09-J18", "Influenza and pneumonia (J09-J18)", "10", "Diseases of the respiratory system (J00-J99)"),
    ("J10", "J10", "Influenza due to other identified influenza virus", False, "category", "J10", "J09-J18", "Influenza and pneumonia (J09-J18)", "10", "Diseases of the respiratory system (J00-J99)"),
    ("J101", "J10.1", "Influenza with other respiratory manifestations", False, "subcategory", "J10", "J09-J18", "Influenza and pneumonia (J09-J18)", "10", "Diseases of the respiratory system (J00-J99)"),
    ("I10", "I10", "Essential (primary) hypertension", True, "category", "I10", "I10-I1A", "Hypertensive diseases (I10-I1A)", "9", "Diseases of the circulatory system (I00-I99)"),
    ("E11", "E11", "Type 2 diabetes mellitus", False, "category", "E11", "E08-E13", "Diabetes mellitus (E08-E13)", "4", "Endocrine, nutritional and metabolic diseases (E00-E89)"),
    ("E119", "E11.9", "Type 2 diabetes mellitus without complications", True, "code", "E11", "E08-E13", "Diabetes mellitus (E08-E13)", "4", "Endocrine, nutritional and metabolic diseases (E00-E89)"),
    ("E78", "E78", "Disorders of lipoprotein metabolism and other lipidemias", False, "category", "E78", "E70-E88", "Metabolic disorders (E70-E88)", "4", "Endocrine, nutritional and metabolic diseases (E00-E89)"),
    ("E785", "E78.5", "Hyperlipidemia, unspecified", True, "code", "E78", "E70-E88", "Metabolic disorders (E70-E88)", "4", "Endocrine, nutritional and metabolic diseases (E00-E89)"),
]


def build():
    con = build_base()
    con.execute("delete from diagnoses")
    _insert(con, "diagnoses", pd.DataFrame([
        {"encounter_id": e, "sequence": i + 1, "code_system": "ICD10CM", "code": c, "code_version": "FY2025"}
        for e, codes in DIAGNOSES.items() for i, c in enumerate(codes)]))
    _insert(con, "ref_icd10cm", pd.DataFrame(REF, columns=[
        "code", "code_dotted", "description", "billable", "level", "category", "block", "block_description",
        "chapter", "chapter_description"]).assign(unspecified=False))
    # E11.9 maps to CMS-HCC V28 HCC38 (diabetes); no other fixture code maps to an HCC
    con.execute("insert into ref_hcc values ('V28', 2026, 'E119', 'HCC38', 'Diabetes with Glycemic, Unspecified, or No Complications')")
    con.execute("update encounters set sex = 'M' where patient_id in ('P1', 'P5')")
    con.execute("update encounters set age_years = 10 where patient_id = 'P3'")
    return with_marts(con)
