"""A tiny database for the HFMA three-month denominator, run-out and default-period tests (worked by hand).

One office claim per encounter (claim CL<encounter>), payer PA, facility F1, coder C1.

    enc  discharged   final billed  lines (charge, denied)   first adjudication
    E01  2024-12-10   2025-01-05    100                      2025-01-20 paid
    E02  2024-12-10   2025-01-05    200 denied               2025-02-10 DENIED
    E03  2024-12-10   2025-01-05    300                      2025-01-25 paid
    E04..E09 2025-01-15 2025-02-03  400 500* 600 100 200 300 2025-03-01..06 (E05 DENIED)
    E10  2025-02-12   2025-03-10    900, 100 denied          2025-04-05 DENIED in part
    E11  2025-02-12   2025-03-10    50 denied                2025-04-08 DENIED
    E12  2025-03-05   2025-03-10    150                      2025-04-20 paid
    E13  2025-03-05   2025-04-25    250                      none yet (run-out)

Submitted: Jan 3 claims ($600), Feb 6 ($2,100), Mar 3 ($1,200), Apr 1 ($250).
April (reporting month): initially denied E10, E11 = 2 claims, gross charges $1,000 + $50 = $1,050;
denominator = mean of Jan-Mar = (3 + 6 + 3) / 3 = 4 claims and ($600 + $2,100 + $1,200) / 3 = $1,300:
HFMA rate 2 / 4 = 50% of claims, $1,050 / $1,300 = 80.77% of dollars (the line-level dollar form would
count only E10's denied $100 line: $150 denied).
March: E05 denied; its three prior months (Dec-Feb) start before the first submission (Jan): no rate.
Run-out by discharge month: Dec 3/3, Jan 6/6, Feb 2/2 adjudicated; Mar 1 of 2 (50%): incomplete at 0.9.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from codedash.data.database import memory_database
from tests.fixtures import _insert, with_marts

D = dt.date
# encounter, discharge, billed, [(charge, denied)], first adjudication date or None
CLAIMS = [
    ("E01", D(2024, 12, 10), D(2025, 1, 5), [(100, False)], D(2025, 1, 20)),
    ("E02", D(2024, 12, 10), D(2025, 1, 5), [(200, True)], D(2025, 2, 10)),
    ("E03", D(2024, 12, 10), D(2025, 1, 5), [(300, False)], D(2025, 1, 25)),
    *[(f"E0{i}", D(2025, 1, 15), D(2025, 2, 3), [(ch, i == 5)], D(2025, 3, i - 3))
      for i, ch in zip(range(4, 10), (400, 500, 600, 100, 200, 300))],
    ("E10", D(2025, 2, 12), D(2025, 3, 10), [(900, False), (100, True)], D(2025, 4, 5)),
    ("E11", D(2025, 2, 12), D(2025, 3, 10), [(50, True)], D(2025, 4, 8)),
    ("E12", D(2025, 3, 5), D(2025, 3, 10), [(150, False)], D(2025, 4, 20)),
    ("E13", D(2025, 3, 5), D(2025, 4, 25), [(250, False)], None),
]


def build():
    con = memory_database()
    _insert(con, "facilities", pd.DataFrame([("F1", "North Hospital", "WI", "hospital")],
                                            columns=["facility_id", "facility_name", "state", "facility_type"]))
    _insert(con, "payers", pd.DataFrame([("PA", "Medicare Part A/B", "medicare")],
                                        columns=["payer_id", "payer_name", "payer_type"]))
    _insert(con, "encounters", pd.DataFrame([{
        "encounter_id": e, "patient_id": "P" + e, "facility_id": "F1", "encounter_type": "office",
        "admit_date": d, "discharge_date": d, "specialty_code": "11", "payer_id": "PA", "payer_type": "medicare",
        "coder_id": "C1", "final_billed_at": dt.datetime.combine(b, dt.time(12)), "age_years": 70, "sex": "F",
    } for e, d, b, _, _ in CLAIMS]))
    _insert(con, "service_lines", pd.DataFrame([{
        "encounter_id": e, "line_number": n + 1, "claim_id": "CL" + e, "service_date": d, "code_system": "CPT",
        "code": "99213", "units": 1, "charge_amount": ch,
    } for e, d, _, lines, _ in CLAIMS for n, (ch, _den) in enumerate(lines)]))
    _insert(con, "adjudications", pd.DataFrame([{
        "claim_id": "CL" + e, "encounter_id": e, "line_number": n + 1, "adjudication_seq": 1, "payer_id": "PA",
        "adjudication_date": a, "billed_amount": ch, "allowed_amount": 0 if den else ch,
        "paid_amount": 0 if den else ch, "denied": den, "carc_group": "CO" if den else None,
        "carc_code": "16" if den else None, "adjustment_amount": ch if den else 0,
    } for e, _, _, lines, a in CLAIMS if a is not None for n, (ch, den) in enumerate(lines)]))
    return with_marts(con)
