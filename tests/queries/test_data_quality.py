"""Data-quality queries on the hand-made runs of tests/queries/fixtures_dq.py (arithmetic in its docstring).

R2 (latest): 6 results -> 2 pass, 3 warn, 1 fail; DX_CODE_VALID 12/500 = 0.024; FAC_STATE_VALID 1/4 = 0.25;
ROW_COLUMNS over two tables 0/620. Completeness R2: drg_code 50/120 = 0.41667, poa 450/500 = 0.9.
"""
from __future__ import annotations

import math

import pytest

from codedash.data.database import memory_database
from codedash.queries.definitions.data_quality import DATA_QUALITY_METRICS, ENCOUNTER_LEVEL_TABLES
from codedash.queries.metrics import with_metrics
from codedash.queries.runner import run
from tests.queries.fixtures_dq import R1, R2, build_dq

TABLES = list(ENCOUNTER_LEVEL_TABLES)


@pytest.fixture
def con():
    return build_dq()


def test_runs_newest_first_with_check_counts(con, cms_suppression):
    df = run(con, "dq__runs")
    assert list(df["run_id"]) == [R2, R1]
    assert df[["checks_run", "checks_passed", "checks_warned", "checks_failed"]].values.tolist() == [
        [6, 2, 3, 1], [5, 5, 0, 0]]
    assert df[["rows_read", "rows_loaded", "rows_rejected"]].values.tolist() == [[1200, 1195, 5], [1000, 1000, 0]]


def test_run_summary_latest_by_default_and_by_id(con):
    assert run(con, "dq__run_summary", {})["run_id"].tolist() == [R2]
    one = run(con, "dq__run_summary", {"run_id": R1})
    assert one["run_id"].tolist() == [R1] and int(one["checks_passed"].iloc[0]) == 5
    assert run(con, "dq__run_summary", {"run_id": "no-such-run"}).empty


def test_results_by_check_exact_values_without_suppression(con, no_suppression):
    df = run(con, "dq__results_by_check", {"run_id": R2, "encounter_tables": TABLES})
    assert list(zip(df["check_id"], df["table_name"], df["status"])) == [
        ("DX_CODE_VALID", "diagnoses", "fail"),
        ("ENC_DISCHARGE_AFTER_ADMIT", "encounters", "warn"),
        ("ENC_PATIENT_ID_FORMAT", "encounters", "warn"),
        ("FAC_STATE_VALID", "facilities", "warn"),
        ("ROW_COLUMNS", "diagnoses", "pass"),
        ("ROW_COLUMNS", "encounters", "pass"),
    ]
    assert df["rows_failed"].tolist() == [12, 3, 1, 1, 0, 0]
    assert df["pct_failed"].tolist() == pytest.approx([0.024, 0.025, 1 / 120, 0.25, 0.0, 0.0])
    assert df["n_examples"].tolist() == [12, 3, 1, 1, 0, 0]
    # the failure-rate metric agrees with the SQL's pct_failed
    rates = with_metrics(df, DATA_QUALITY_METRICS[:1])["dq_failure_rate"]
    assert rates.tolist() == pytest.approx(df["pct_failed"].tolist())
    assert df["severity"].tolist()[-1] == "block" and df["description"].iloc[0].startswith("Diagnosis code")


def test_results_by_check_suppresses_small_counts_on_encounter_tables(con, cms_suppression):
    """3 and 1 failed encounter rows are suppressed; 1 failed facility row and 12 diagnosis rows are not."""
    df = run(con, "dq__results_by_check", {"run_id": R2, "encounter_tables": TABLES}).set_index("check_id")
    assert df.loc["ENC_DISCHARGE_AFTER_ADMIT", "suppressed"] and df.loc["ENC_PATIENT_ID_FORMAT", "suppressed"]
    for check in ("ENC_DISCHARGE_AFTER_ADMIT", "ENC_PATIENT_ID_FORMAT"):
        for col in ("rows_failed", "pct_failed", "n_examples"):
            assert df.loc[check, col] is None or math.isnan(df.loc[check, col]), (check, col)
        assert df.loc[check, "status"] == "warn"           # status stays visible
        assert df.loc[check, "rows_checked"] == 120        # table size is not suppressed
    assert df.loc["FAC_STATE_VALID", "rows_failed"] == 1 and not df.loc["FAC_STATE_VALID", "suppressed"]
    assert df.loc["DX_CODE_VALID", "rows_failed"] == 12 and not df.loc["DX_CODE_VALID", "suppressed"]


def test_without_the_table_list_every_table_counts_as_encounter_level(con, cms_suppression):
    df = run(con, "dq__failures_by_check_table", {"run_id": R2}).set_index("check_id")
    assert df.loc["FAC_STATE_VALID", "suppressed"]          # fails closed
    assert df.loc["DX_CODE_VALID", "rows_failed"] == 12


def test_failures_by_check_table(con, cms_suppression):
    df = run(con, "dq__failures_by_check_table", {"run_id": R2, "encounter_tables": TABLES})
    assert len(df) == 6
    assert df["suppressed"].tolist() == [False, True, True, False, False, False]
    assert df["rows_failed"].fillna(-1).tolist() == [12, -1, -1, 1, 0, 0]


def test_check_history_sums_tables_per_run(con, cms_suppression):
    df = run(con, "dq__check_history", {"encounter_tables": TABLES})
    assert list(zip(df["run_id"], df["check_id"])) == [
        (R1, "DX_CODE_VALID"), (R1, "ENC_DISCHARGE_AFTER_ADMIT"), (R1, "FAC_STATE_VALID"), (R1, "ROW_COLUMNS"),
        (R2, "DX_CODE_VALID"), (R2, "ENC_DISCHARGE_AFTER_ADMIT"), (R2, "ENC_PATIENT_ID_FORMAT"),
        (R2, "FAC_STATE_VALID"), (R2, "ROW_COLUMNS")]
    assert df["rows_checked"].tolist() == [400, 100, 2, 500, 500, 120, 120, 4, 620]
    assert df["rows_failed"].fillna(-1).tolist() == [0, 0, 0, 0, 12, -1, -1, 1, 0]
    assert df["status"].tolist() == ["pass"] * 4 + ["fail", "warn", "warn", "warn", "pass"]


def test_completeness_by_column(con):
    df = run(con, "dq__completeness_by_column", {"run_id": R2})
    assert list(zip(df["table_name"], df["column_name"])) == [
        ("diagnoses", "poa"), ("encounters", "discharge_date"), ("encounters", "drg_code"), ("facilities", "state")]
    assert df["rows_present"].tolist() == [450, 120, 50, 4]
    completeness = with_metrics(df, DATA_QUALITY_METRICS[1:])["dq_completeness"]
    assert completeness.tolist() == pytest.approx([0.9, 1.0, 50 / 120, 1.0])


def test_example_failures_show_encounters_from_eleven(con, cms_suppression):
    df = run(con, "dq__example_failures", {"run_id": R2, "check_id": "DX_CODE_VALID"})
    assert len(df) == 12 and set(df["n_encounters"]) == {12} and not df["suppressed"].any()
    assert df["encounter_id"].tolist() == [f"E{i:02d}" for i in range(1, 13)]
    assert df["value"].iloc[0] == "XX01" and df["line"].iloc[0] == 2


def test_example_failures_hide_encounters_below_eleven(con, cms_suppression):
    df = run(con, "dq__example_failures", {"run_id": R2, "check_id": "ENC_DISCHARGE_AFTER_ADMIT"})
    assert len(df) == 3 and df["suppressed"].all()
    assert df["encounter_id"].isna().all()
    assert df["value"].tolist() == ["2025-01-01", "2025-01-31", "2025-02-01"]   # values stay for fixing


def test_example_failures_never_return_a_patient_id(con, no_suppression):
    df = run(con, "dq__example_failures", {"run_id": R2, "check_id": "ENC_PATIENT_ID_FORMAT"})
    assert df["value"].isna().all() and df["value_withheld"].all()
    assert "P 99" not in df["message"].iloc[0]
    assert df["encounter_id"].tolist() == ["E03"]          # threshold 0: nothing suppressed


def test_example_failures_without_encounters_are_not_suppressed(con, cms_suppression):
    df = run(con, "dq__example_failures", {"run_id": R2, "check_id": "FAC_STATE_VALID"})
    assert df["value"].tolist() == ["XX"] and df["n_encounters"].tolist() == [0] and not df["suppressed"].any()


def test_encounter_level_tables_match_the_schema():
    """Every canonical table whose rows belong to an encounter (directly, by claim or by audit)."""
    con = memory_database()
    with_enc = {r[0] for r in con.execute(
        "select table_name from information_schema.columns where column_name in ('encounter_id', 'patient_id')"
        " and table_name not like 'dq_%' and table_name not like 'demo_%'").fetchall()}
    assert with_enc | {"adjustments", "audit_findings"} == set(ENCOUNTER_LEVEL_TABLES)


def test_empty_database_has_no_runs():
    con = memory_database()
    assert run(con, "dq__runs").empty and run(con, "dq__run_summary", {}).empty
