"""Data-quality runs on top of tests.fixtures.build(): two runs whose right answers are worked out by hand.

Run R1 (demo build, 1 Mar 2025): every check passes.
Run R2 (a load, 10 Mar 2025): 1 check fails, 3 warn, 2 pass (ROW_COLUMNS on two tables).

| check (R2)                 | table        | checked | failed | status | example encounters |
|----------------------------|--------------|---------|--------|--------|--------------------|
| DX_CODE_VALID              | diagnoses    |     500 |     12 | fail   | 12 (E01..E12)      |
| ENC_DISCHARGE_AFTER_ADMIT  | encounters   |     120 |      3 | warn   | 3 (E02, E05, E07)  |
| ENC_PATIENT_ID_FORMAT      | encounters   |     120 |      1 | warn   | 1 (E03)            |
| FAC_STATE_VALID            | facilities   |       4 |      1 | warn   | 0 (no encounter)   |
| ROW_COLUMNS                | diagnoses    |     500 |      0 | pass   | —                  |
| ROW_COLUMNS                | encounters   |     120 |      0 | pass   | —                  |

Under the CMS rule (1..10 suppressed): ENC_DISCHARGE_AFTER_ADMIT (3) and ENC_PATIENT_ID_FORMAT (1) lose
rows_failed and pct_failed (encounter-level table); FAC_STATE_VALID keeps its 1 (facilities are not
patients); DX_CODE_VALID keeps 12. Drill-down: DX shows its 12 encounter ids; ENC_DISCHARGE (3 encounters)
and ENC_PATIENT (1) hide them; the patient_id value and the message quoting it are never returned.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from tests.fixtures import _insert, build, with_marts

R1 = "20250301T090000-demo"
R2 = "20250310T120000-load"

CHECKS = [
    ("DX_CODE_VALID", "diagnoses", "code", "Diagnosis code is a valid ICD-10-CM code", "warn", 0.01),
    ("ENC_DISCHARGE_AFTER_ADMIT", "encounters", "discharge_date", "Discharge is on or after admission", "warn", 0.0),
    ("ENC_PATIENT_ID_FORMAT", "encounters", "patient_id", "Patient id has no spaces", "warn", 0.0),
    ("FAC_STATE_VALID", "facilities", "state", "State is a US state code", "warn", 0.0),
    ("ROW_COLUMNS", "*", None, "Every row has the header's number of columns", "block", 0.0),
]
RUNS = [
    (R1, "demo", None, "demo", "demo generator", dt.datetime(2025, 3, 1, 9, 0), dt.datetime(2025, 3, 1, 9, 1),
     "loaded", 1000, 1000, 0),
    (R2, "load", "replace", "native", "encounters.csv,diagnoses.csv,facilities.csv",
     dt.datetime(2025, 3, 10, 12, 0), dt.datetime(2025, 3, 10, 12, 2), "loaded_with_warnings", 1200, 1195, 5),
]
# run, check, table, checked, failed, status
RESULTS = [
    (R1, "DX_CODE_VALID", "diagnoses", 400, 0, "pass"),
    (R1, "ENC_DISCHARGE_AFTER_ADMIT", "encounters", 100, 0, "pass"),
    (R1, "FAC_STATE_VALID", "facilities", 2, 0, "pass"),
    (R1, "ROW_COLUMNS", "diagnoses", 400, 0, "pass"),
    (R1, "ROW_COLUMNS", "encounters", 100, 0, "pass"),
    (R2, "DX_CODE_VALID", "diagnoses", 500, 12, "fail"),
    (R2, "ENC_DISCHARGE_AFTER_ADMIT", "encounters", 120, 3, "warn"),
    (R2, "ENC_PATIENT_ID_FORMAT", "encounters", 120, 1, "warn"),
    (R2, "FAC_STATE_VALID", "facilities", 4, 1, "warn"),
    (R2, "ROW_COLUMNS", "diagnoses", 500, 0, "pass"),
    (R2, "ROW_COLUMNS", "encounters", 120, 0, "pass"),
]
# run, check, table, file, line, column, value, message, encounter
FAILURES = [
    *[(R2, "DX_CODE_VALID", "diagnoses", "diagnoses.csv", i + 1, "code", f"XX{i:02d}",
       "not an ICD-10-CM code valid in FY2025", f"E{i:02d}") for i in range(1, 13)],
    (R2, "ENC_DISCHARGE_AFTER_ADMIT", "encounters", "encounters.csv", 3, "discharge_date", "2025-01-01",
     "discharge 2025-01-01 is before admission 2025-01-04", "E02"),
    (R2, "ENC_DISCHARGE_AFTER_ADMIT", "encounters", "encounters.csv", 6, "discharge_date", "2025-01-31",
     "discharge 2025-01-31 is before admission 2025-02-02", "E05"),
    (R2, "ENC_DISCHARGE_AFTER_ADMIT", "encounters", "encounters.csv", 8, "discharge_date", "2025-02-01",
     "discharge 2025-02-01 is before admission 2025-02-09", "E07"),
    (R2, "ENC_PATIENT_ID_FORMAT", "encounters", "encounters.csv", 4, "patient_id", "P 99",
     "patient_id 'P 99' contains a space", "E03"),
    (R2, "FAC_STATE_VALID", "facilities", "facilities.csv", 3, "state", "XX", "'XX' is not a US state code", None),
]
# run, table, column, total, null
COMPLETENESS = [
    (R1, "diagnoses", "poa", 400, 100),
    (R1, "encounters", "discharge_date", 100, 0),
    (R1, "encounters", "drg_code", 100, 60),
    (R2, "diagnoses", "poa", 500, 50),
    (R2, "encounters", "discharge_date", 120, 0),
    (R2, "encounters", "drg_code", 120, 70),
    (R2, "facilities", "state", 4, 0),
]


def add_dq(con) -> None:
    """Insert the two runs above into an existing database connection."""
    _insert(con, "dq_checks", pd.DataFrame(CHECKS, columns=["check_id", "table_name", "column_name",
                                                            "description", "severity", "threshold"]))
    _insert(con, "dq_runs", pd.DataFrame(RUNS, columns=[
        "run_id", "kind", "mode", "source_format", "sources", "started_at", "finished_at", "status",
        "rows_read", "rows_loaded", "rows_rejected"]))
    res = pd.DataFrame(RESULTS, columns=["run_id", "check_id", "table_name", "rows_checked", "rows_failed", "status"])
    res["pct_failed"] = res["rows_failed"] / res["rows_checked"]
    _insert(con, "dq_results", res)
    _insert(con, "dq_failures", pd.DataFrame(FAILURES, columns=[
        "run_id", "check_id", "table_name", "file", "line", "column_name", "value", "message", "encounter_id"]))
    _insert(con, "dq_completeness", pd.DataFrame(COMPLETENESS, columns=[
        "run_id", "table_name", "column_name", "rows_total", "rows_null"]))


def build_dq():
    """tests.fixtures.build() plus the data-quality runs."""
    con = build()
    add_dq(con)
    return with_marts(con)
