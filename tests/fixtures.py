"""A tiny, hand-checkable database: 9 encounters whose right answers are worked out by hand.

See tests/queries/test_overview.py for the arithmetic. Reference rows here (DRG weights,
specialty names) are test values, not shipped facts.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from codedash.data.database import memory_database

D = dt.date

FACILITIES = [("F1", "North Hospital", "WI", "hospital"), ("F2", "South Clinic", "WI", "clinic")]
PAYERS = [("PA", "Medicare Part A/B", "medicare"), ("PB", "Acme Commercial", "commercial")]
CODERS = [("C1", "Coder One", "CCS", D(2020, 1, 1), "staff"), ("C2", "Coder Two", "CPC", D(2021, 1, 1), "staff")]
# encounter, patient, facility, type, discharge date, specialty, payer, coder, drg
ENCOUNTERS = [
    ("E00", "P8", "F1", "office", D(2024, 12, 15), "11", "PA", "C2", None),
    ("E01", "P1", "F1", "inpatient", D(2025, 1, 5), "06", "PA", "C1", "291"),
    ("E02", "P2", "F1", "inpatient", D(2025, 1, 20), "06", "PA", "C1", "292"),
    ("E03", "P3", "F1", "office", D(2025, 1, 10), "11", "PB", "C2", None),
    ("E04", "P1", "F2", "office", D(2025, 1, 15), "11", "PB", "C2", None),
    ("E05", "P4", "F2", "office", D(2025, 2, 3), "11", "PA", "C2", None),
    ("E06", "P5", "F2", "emergency", D(2025, 2, 10), "06", "PB", "C1", None),
    ("E07", "P6", "F1", "inpatient", D(2025, 2, 14), "06", "PB", "C1", "291"),
    ("E08", "P7", "F1", "office", D(2025, 2, 20), "11", "PA", "C2", None),
]
# encounter, line, charge, paid, denied, carc group, carc
LINES = [
    ("E00", 1, 100, 90, False, None, None),
    ("E01", 1, 1000, 800, False, None, None),
    ("E02", 1, 2000, 0, True, "CO", "197"),
    ("E03", 1, 100, 70, False, None, None),
    ("E03", 2, 50, 0, True, "CO", "97"),
    ("E04", 1, 100, 80, False, None, None),
    ("E05", 1, 200, 150, False, None, None),
    ("E06", 1, 500, 0, True, "CO", "50"),
    ("E07", 1, 3000, 2500, False, None, None),
    ("E08", 1, 100, 60, False, None, None),
]
# audit, encounter, coder, finding types
AUDITS = [
    ("A1", "E01", "C1", ["correct", "correct", "revised", "added"]),
    ("A2", "E03", "C2", ["correct", "correct", "deleted"]),
    ("A3", "E07", "C1", ["correct", "correct", "correct", "poa"]),
]
DRG_WEIGHTS = [(43, "291", "Heart failure and shock with MCC", 1.5), (43, "292", "Heart failure and shock with CC", 0.9)]


def _insert(con, table: str, df: pd.DataFrame) -> None:
    con.register("_rows", df)
    con.execute(f"insert into {table} by name select * from _rows")  # table names are literals above
    con.unregister("_rows")


def build() -> "duckdb.DuckDBPyConnection":  # noqa: F821
    con = memory_database()
    _insert(con, "facilities", pd.DataFrame(FACILITIES, columns=["facility_id", "facility_name", "state", "facility_type"]))
    _insert(con, "payers", pd.DataFrame(PAYERS, columns=["payer_id", "payer_name", "payer_type"]))
    _insert(con, "coders", pd.DataFrame(CODERS, columns=["coder_id", "coder_name", "credential", "hire_date", "employment_type"]))
    _insert(con, "ref_specialty", pd.DataFrame([("06", "Cardiology"), ("11", "Internal Medicine")],
                                               columns=["specialty_code", "specialty_name"]))
    _insert(con, "ref_msdrg", pd.DataFrame(DRG_WEIGHTS, columns=["drg_version", "drg_code", "description", "relative_weight"]))
    payer_type = {p[0]: p[2] for p in PAYERS}
    enc = pd.DataFrame([{
        "encounter_id": e, "patient_id": p, "facility_id": f, "encounter_type": t,
        "admit_date": d, "discharge_date": d, "specialty_code": s, "payer_id": py,
        "payer_type": payer_type[py], "coder_id": c, "drg_code": drg,
        "drg_version": 43 if drg else None, "age_years": 70, "sex": "F",
    } for e, p, f, t, d, s, py, c, drg in ENCOUNTERS])
    _insert(con, "encounters", enc)
    dates = {e[0]: e[4] for e in ENCOUNTERS}
    payer = {e[0]: e[6] for e in ENCOUNTERS}
    _insert(con, "service_lines", pd.DataFrame([{
        "encounter_id": e, "line_number": n, "claim_id": "CL" + e, "service_date": dates[e],
        "code_system": "CPT", "code": "99213", "units": 1, "charge_amount": ch,
        "allowed_amount": pd_, "paid_amount": pd_,
    } for e, n, ch, pd_, *_ in LINES]))
    _insert(con, "adjudications", pd.DataFrame([{
        "claim_id": "CL" + e, "encounter_id": e, "line_number": n, "adjudication_seq": 1,
        "payer_id": payer[e], "adjudication_date": dates[e] + dt.timedelta(days=20),
        "billed_amount": ch, "allowed_amount": pd_, "paid_amount": pd_, "denied": den,
        "carc_group": grp, "carc_code": carc, "adjustment_amount": ch - pd_,
    } for e, n, ch, pd_, den, grp, carc in LINES]))
    _insert(con, "audits", pd.DataFrame([{
        "audit_id": a, "encounter_id": e, "coder_id": c, "auditor_id": "AUD1",
        "audit_date": dates[e] + dt.timedelta(days=30),
    } for a, e, c, _ in AUDITS]))
    _insert(con, "audit_findings", pd.DataFrame([{
        "audit_id": a, "finding_seq": i + 1, "code_system": "ICD10CM",
        "original_code": None if ft == "added" else "I10",
        "corrected_code": None if ft == "deleted" else "I10", "finding_type": ft,
    } for a, _, _, fts in AUDITS for i, ft in enumerate(fts)]))
    return with_marts(con)


def with_marts(con):
    """Rebuild the marts after a fixture changed canonical rows (every build does it; so must fixtures)."""
    from codedash.data.marts import build_marts

    build_marts(con)
    return con


def build_file(path, src=None) -> None:
    """A fixture (default: this module's) as a database file, for CLI and app tests.

    Only canonical tables are copied: the marts are derived and every build makes them afresh.
    """
    from codedash.data.database import build_database

    src = build() if src is None else src

    def copy(con):
        tables = [r[0] for r in src.execute(
            "select table_name from information_schema.tables where table_schema = 'main' "
            "and table_name not like 'mart\\_%' escape '\\'").fetchall()]
        for table in tables:
            df = src.execute(f"select * from {table}").df()   # table names come from the catalog
            _insert(con, table, df)

    build_database(path, copy)
