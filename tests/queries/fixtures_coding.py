"""The 9-encounter fixture (tests/fixtures.py) plus coding timestamps, billing times and more audits.

Added here (never in tests/fixtures.py), worked out by hand in tests/queries/test_coding_quality.py:
- audits A4 (E05, C2: 12 correct, 2 revised E119->E1165, 1 added Z794), A5 (E08, C2: 3 correct CPT),
  A6 (E02, C1: 2 correct); DRGs: A1 292->291 (+3900), A3 291->292 (-2600), A6 292->292 (0).
- coding times (start -> completion) and final billing; E00 never coded or billed; E07 billed after the
  period end; E08 not billed.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from tests import fixtures

T = dt.datetime

# encounter: (coding started, coding completed, final billed)
CODING = {
    "E00": (None, None, None),
    "E01": (T(2025, 1, 6, 9), T(2025, 1, 6, 10), T(2025, 1, 8)),
    "E02": (T(2025, 1, 21, 9), T(2025, 1, 21, 9, 30), T(2025, 1, 23)),
    "E03": (T(2025, 1, 16, 8), T(2025, 1, 16, 8, 6), T(2025, 1, 18)),
    "E04": (T(2025, 1, 16, 9), T(2025, 1, 16, 9, 6), T(2025, 1, 18)),
    "E05": (T(2025, 2, 4, 8), T(2025, 2, 4, 8, 12), T(2025, 2, 6)),
    "E06": (T(2025, 2, 11, 10), T(2025, 2, 11, 10, 15), T(2025, 2, 13)),
    "E07": (T(2025, 2, 18, 9), T(2025, 2, 18, 9, 30), T(2025, 3, 5)),
    "E08": (T(2025, 2, 21, 8), T(2025, 2, 21, 8, 6), None),
}
# audit, encounter, coder, [(finding type, system, original, corrected)]
MORE_AUDITS = [
    ("A4", "E05", "C2", [("correct", "ICD10CM", "I10", "I10")] * 12
     + [("revised", "ICD10CM", "E119", "E1165")] * 2 + [("added", "ICD10CM", None, "Z794")]),
    ("A5", "E08", "C2", [("correct", "CPT", "99213", "99213")] * 3),
    ("A6", "E02", "C1", [("correct", "ICD10CM", "I509", "I509")] * 2),
]
DRG = {"A1": ("292", "291", 3900.0), "A3": ("291", "292", -2600.0), "A6": ("292", "292", 0.0)}


def build():
    con = fixtures.build()
    for enc, (start, done, billed) in CODING.items():
        con.execute("update encounters set coding_started_at = ?, coding_completed_at = ?, final_billed_at = ? "
                    "where encounter_id = ?", [start, done, billed, enc])
    dates = {e[0]: e[4] for e in fixtures.ENCOUNTERS}
    audits = pd.DataFrame([{"audit_id": a, "encounter_id": e, "coder_id": c, "auditor_id": "AUD1",
                            "audit_date": dates[e] + dt.timedelta(days=30)} for a, e, c, _ in MORE_AUDITS])
    findings = pd.DataFrame([{"audit_id": a, "finding_seq": i + 1, "code_system": sys_, "original_code": o,
                              "corrected_code": c, "finding_type": ft}
                             for a, _, _, rows in MORE_AUDITS for i, (ft, sys_, o, c) in enumerate(rows)])
    fixtures._insert(con, "audits", audits)
    fixtures._insert(con, "audit_findings", findings)
    for audit, (before, after, impact) in DRG.items():
        con.execute("update audits set drg_before = ?, drg_after = ?, dollar_impact = ? where audit_id = ?",
                    [before, after, impact, audit])
    return fixtures.with_marts(con)
