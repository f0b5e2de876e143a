"""The 9-encounter fixture (tests/fixtures.py) plus what the denials page needs, worked out by hand.

Added on top of tests.fixtures.build():
- ref_carc: 45 contractual, 97 coding/bundling (coding-related), 50 medical necessity (coding-related),
  197 authorization; ref_procedure_labels for 99213 and 36415 (test labels).
- E03 line 2 (the CO-97 denial, $50) is CPT 36415; every other line is 99213.
- attending providers: DR1 for specialty 06 (E01 E02 E06 E07), DR2 for 11 (E00 E03 E04 E05 E08).
- CAS adjustments: CO-45 on paid lines E01 200, E03/1 30, E04 20, E05 50, E07 500, E08 40, and on E02's
  second adjudication 200; a PR-2 of 10 on E05 (not contractual); the denials' own CO rows.
- appeals: E02 (CO-197, adjudicated 2025-02-09) appealed 2025-02-19, overturned 2025-03-21, re-adjudicated
  (seq 2) 2025-03-21 paying 1800 (service line final paid 1800); E06 (CO-50, adjudicated 2025-03-02)
  appealed 2025-03-22, upheld 2025-05-01.
- E09: an inpatient stay discharged 2024-12-20 with DRG 291 of version 42 (no weight), no claim.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from tests import fixtures

D = dt.date


def build():
    con = fixtures.build()
    ins = fixtures._insert
    ins(con, "ref_carc", pd.DataFrame([
        ("45", "contractual", "Contractual adjustment", "CO", False),
        ("97", "coding_bundling", "Coding / bundling", "CO", True),
        ("50", "medical_necessity", "Medical necessity", "CO", True),
        ("197", "authorization", "Authorization / referral", "CO", False),
        ("2", "patient_responsibility", "Patient responsibility", "PR", False),
    ], columns=["carc_code", "category", "category_label", "usual_groups", "coding_related"]))
    ins(con, "ref_procedure_labels", pd.DataFrame([
        ("CPT", "99213", "Office visit, established (test label)", "E/M office"),
        ("CPT", "36415", "Blood draw (test label)", "laboratory"),
    ], columns=["code_system", "code", "label", "category"]))
    ins(con, "providers", pd.DataFrame([("DR1", "Dr One", "06", "F1"), ("DR2", "Dr Two", "11", "F1")],
                                       columns=["provider_id", "provider_name", "specialty_code", "facility_id"]))
    con.execute("update encounters set attending_provider_id = case when specialty_code = '06' then 'DR1' else 'DR2' end")
    con.execute("update service_lines set code = '36415' where encounter_id = 'E03' and line_number = 2")
    con.execute("update service_lines set paid_amount = 1800, allowed_amount = 1800 where encounter_id = 'E02'")
    con.execute("""update adjudications set appeal_filed = true, appeal_date = date '2025-02-19',
                   appeal_outcome = 'overturned', appeal_resolved_date = date '2025-03-21' where claim_id = 'CLE02'""")
    con.execute("""update adjudications set appeal_filed = true, appeal_date = date '2025-03-22',
                   appeal_outcome = 'upheld', appeal_resolved_date = date '2025-05-01' where claim_id = 'CLE06'""")
    ins(con, "adjudications", pd.DataFrame([{
        "claim_id": "CLE02", "encounter_id": "E02", "line_number": 1, "adjudication_seq": 2, "payer_id": "PA",
        "adjudication_date": D(2025, 3, 21), "billed_amount": 2000, "allowed_amount": 1800, "paid_amount": 1800,
        "denied": False, "carc_group": "CO", "carc_code": "45", "adjustment_amount": 200,
        "appeal_filed": False}]))
    cas = [("CLE01", 1, 1, 1, "CO", "45", 200), ("CLE03", 1, 1, 1, "CO", "45", 30),
           ("CLE04", 1, 1, 1, "CO", "45", 20), ("CLE05", 1, 1, 1, "CO", "45", 50),
           ("CLE05", 1, 1, 2, "PR", "2", 10), ("CLE07", 1, 1, 1, "CO", "45", 500),
           ("CLE08", 1, 1, 1, "CO", "45", 40), ("CLE02", 1, 2, 1, "CO", "45", 200),
           ("CLE02", 1, 1, 1, "CO", "197", 2000), ("CLE03", 2, 1, 1, "CO", "97", 50),
           ("CLE06", 1, 1, 1, "CO", "50", 500)]
    ins(con, "adjustments", pd.DataFrame(cas, columns=["claim_id", "line_number", "adjudication_seq",
                                                       "adjustment_seq", "carc_group", "carc_code", "amount"]))
    ins(con, "ref_msdrg", pd.DataFrame([(42, "291", "Heart failure and shock with MCC", None)],
                                       columns=["drg_version", "drg_code", "description", "relative_weight"]))
    ins(con, "encounters", pd.DataFrame([{
        "encounter_id": "E09", "patient_id": "P9", "facility_id": "F1", "encounter_type": "inpatient",
        "admit_date": D(2024, 12, 18), "discharge_date": D(2024, 12, 20), "specialty_code": "06",
        "payer_id": "PA", "payer_type": "medicare", "coder_id": "C1", "drg_code": "291", "drg_version": 42,
        "attending_provider_id": "DR1", "age_years": 80, "sex": "M"}]))
    return fixtures.with_marts(con)
