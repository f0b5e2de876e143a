"""A tiny database for audit worklists: 24 encounters in three strata and four audits around a draw date.

Encounters W01-W12 are office visits, W13-W20 inpatient stays, W21-W24 emergency visits (12 / 8 / 4).
The worklist tests draw on 2026-03-01 (`DRAWN`); audits:
  AU1 on W02, 2026-03-10 (after the draw): findings correct, revised, added; DRG unchanged (office)
  AU2 on W14, 2026-02-01 (before the draw): correct
  AU3 on W14, 2026-03-15 (after): correct, correct; DRG 291 -> 292, dollar impact -1200.00
  AU4 on W21, 2026-03-02 (after): correct only -> 'no change'
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from codedash.data.database import memory_database
from tests.fixtures import _insert, with_marts

D = dt.date
DRAWN = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
TYPES = ["office"] * 12 + ["inpatient"] * 8 + ["emergency"] * 4
ENCOUNTER_IDS = [f"W{i:02d}" for i in range(1, 25)]


def encounters() -> pd.DataFrame:
    rows = []
    for i, (eid, kind) in enumerate(zip(ENCOUNTER_IDS, TYPES, strict=True)):
        day = D(2026, 1, 1) + dt.timedelta(days=i)
        rows.append({"encounter_id": eid, "patient_id": f"P{i % 7}", "facility_id": "F1" if i % 2 else "F2",
                     "encounter_type": kind, "admit_date": day, "discharge_date": day,
                     "attending_provider_id": "PR1", "specialty_code": "11", "payer_id": "PA",
                     "payer_type": "medicare", "drg_code": "291" if kind == "inpatient" else None,
                     "coder_id": "C1"})
    return pd.DataFrame(rows)


AUDITS = pd.DataFrame([
    ("AU1", "W02", "C1", "X1", D(2026, 3, 10), "focused", None, None, 0.0),
    ("AU2", "W14", "C1", "X1", D(2026, 2, 1), "random", "291", "291", 0.0),
    ("AU3", "W14", "C1", "X2", D(2026, 3, 15), "focused", "291", "292", -1200.0),
    ("AU4", "W21", "C1", "X1", D(2026, 3, 2), "focused", None, None, 0.0),
], columns=["audit_id", "encounter_id", "coder_id", "auditor_id", "audit_date", "audit_type", "drg_before",
            "drg_after", "dollar_impact"])
FINDINGS = pd.DataFrame([
    ("AU1", 1, "ICD10CM", "E119", "E119", "correct"),
    ("AU1", 2, "ICD10CM", "E119", "E1165", "revised"),
    ("AU1", 3, "ICD10CM", None, "I10", "added"),
    ("AU2", 1, "ICD10CM", "I509", "I509", "correct"),
    ("AU3", 1, "ICD10CM", "I5023", "I5023", "correct"),
    ("AU3", 2, "ICD10PCS", "02HV33Z", "02HV33Z", "correct"),
    ("AU4", 1, "CPT", "99284", "99284", "correct"),
], columns=["audit_id", "finding_seq", "code_system", "original_code", "corrected_code", "finding_type"])


def fill(con):
    _insert(con, "encounters", encounters())
    _insert(con, "audits", AUDITS)
    _insert(con, "audit_findings", FINDINGS)
    return con


def build():
    return with_marts(fill(memory_database()))
