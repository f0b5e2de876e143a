"""Hypothesis strategy for tiny canonical data sets: a few encounters with lines, adjudications and audits.

Small on purpose: with the threshold at 3, most cells are near it, so suppression and complementary
suppression are exercised on every example.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import strategies as st

from codedash.data.database import memory_database
from tests.fixtures import _insert, with_marts

FACILITIES = [("F1", "North Hospital", "WI", "hospital"), ("F2", "South Clinic", "WI", "clinic")]
PAYERS = [("PA", "Medicare", "medicare"), ("PB", "Acme", "commercial"), ("PC", "Bluebird", "commercial")]
CODERS = [("C1", "Coder One"), ("C2", "Coder Two"), ("C3", "Coder Three")]
CARCS = [("11", "coding_bundling", "Coding / bundling", "CO", True),
         ("50", "medical_necessity", "Medical necessity", "CO", True),
         ("197", "authorization", "Authorization", "CO", False)]
TYPES = ("inpatient", "outpatient", "emergency", "office")
FINDINGS = ("correct", "added", "deleted", "revised", "resequenced", "poa", "modifier")
MONTHS = [dt.date(2025, m, 1) for m in (1, 2, 3, 4)]

line = st.tuples(st.integers(50, 900), st.booleans(), st.sampled_from([c[0] for c in CARCS]),
                 st.sampled_from([None, "overturned", "upheld", "pending"]))
audit = st.tuples(st.lists(st.sampled_from(FINDINGS), min_size=1, max_size=4), st.booleans(),
                  st.integers(-500, 500))
encounter = st.tuples(
    st.sampled_from([f[0] for f in FACILITIES]), st.sampled_from(TYPES), st.sampled_from(MONTHS),
    st.integers(0, 27), st.sampled_from([p[0] for p in PAYERS]), st.sampled_from([c[0] for c in CODERS]),
    st.lists(line, min_size=1, max_size=3), st.one_of(st.none(), audit), st.integers(0, 20), st.booleans())
datasets = st.lists(encounter, min_size=1, max_size=40)


def build(rows) -> "duckdb.DuckDBPyConnection":  # noqa: F821
    """An in-memory database holding the generated encounters, with its marts built."""
    con = memory_database()
    _insert(con, "facilities", pd.DataFrame(FACILITIES, columns=["facility_id", "facility_name", "state",
                                                                  "facility_type"]))
    _insert(con, "payers", pd.DataFrame(PAYERS, columns=["payer_id", "payer_name", "payer_type"]))
    _insert(con, "coders", pd.DataFrame(CODERS, columns=["coder_id", "coder_name"]))
    _insert(con, "ref_specialty", pd.DataFrame([("06", "Cardiology"), ("11", "Internal Medicine")],
                                               columns=["specialty_code", "specialty_name"]))
    _insert(con, "ref_msdrg", pd.DataFrame([(43, "291", "Heart failure with MCC", 1.5),
                                            (43, "292", "Heart failure with CC", 0.9)],
                                           columns=["drg_version", "drg_code", "description", "relative_weight"]))
    _insert(con, "ref_carc", pd.DataFrame(CARCS, columns=["carc_code", "category", "category_label", "usual_groups",
                                                          "coding_related"]))
    payer_type = {p[0]: p[2] for p in PAYERS}
    enc, lines, adj, audits, findings = [], [], [], [], []
    for i, (fac, typ, month, day, payer, coder, elines, eaudit, code_days, billed) in enumerate(rows):
        eid = f"E{i:03d}"
        discharge = month + dt.timedelta(days=day)
        inpatient = typ == "inpatient"
        coded = dt.datetime.combine(discharge, dt.time(9)) + dt.timedelta(days=code_days)
        enc.append({"encounter_id": eid, "patient_id": f"P{i % 7}", "facility_id": fac, "encounter_type": typ,
                    "admit_date": discharge, "discharge_date": discharge,
                    "specialty_code": "06" if inpatient else "11", "payer_id": payer,
                    "payer_type": payer_type[payer], "coder_id": coder, "drg_code": "291" if inpatient else None,
                    "drg_version": 43 if inpatient else None, "age_years": 70, "sex": "F",
                    "coding_started_at": coded - dt.timedelta(hours=1), "coding_completed_at": coded,
                    "final_billed_at": coded + dt.timedelta(days=1) if billed else None})
        for n, (charge, denied, carc, appeal) in enumerate(elines, start=1):
            paid = 0 if denied else charge * 0.8
            lines.append({"encounter_id": eid, "line_number": n, "claim_id": "CL" + eid, "service_date": discharge,
                          "code_system": "CPT", "code": "99213", "units": 1, "charge_amount": charge,
                          "allowed_amount": paid, "paid_amount": paid})
            appealed = denied and appeal is not None
            adj.append({"claim_id": "CL" + eid, "encounter_id": eid, "line_number": n, "adjudication_seq": 1,
                        "payer_id": payer, "adjudication_date": discharge + dt.timedelta(days=20),
                        "billed_amount": charge, "allowed_amount": paid, "paid_amount": paid, "denied": denied,
                        "carc_group": "CO" if denied else None, "carc_code": carc if denied else None,
                        "adjustment_amount": charge - paid, "appeal_filed": appealed,
                        "appeal_date": discharge + dt.timedelta(days=30) if appealed else None,
                        "appeal_outcome": appeal if appealed else None,
                        "appeal_resolved_date": discharge + dt.timedelta(days=60)
                        if appealed and appeal in ("overturned", "upheld") else None})
        if eaudit is not None:
            types, drg_changed, impact = eaudit
            aid = "A" + eid
            audits.append({"audit_id": aid, "encounter_id": eid, "coder_id": coder, "auditor_id": "AUD1",
                           "audit_date": discharge + dt.timedelta(days=30),
                           "drg_before": "291" if inpatient else None,
                           "drg_after": ("292" if drg_changed else "291") if inpatient else None,
                           "dollar_impact": impact})
            findings += [{"audit_id": aid, "finding_seq": s + 1, "code_system": "ICD10CM",
                          "original_code": None if ft == "added" else "I10",
                          "corrected_code": None if ft == "deleted" else "I10", "finding_type": ft}
                         for s, ft in enumerate(types)]
    for table, data in (("encounters", enc), ("service_lines", lines), ("adjudications", adj),
                        ("audits", audits), ("audit_findings", findings)):
        if data:
            _insert(con, table, pd.DataFrame(data))
    return with_marts(con)
