"""Data-quality services: the runs recorded by loads and `codedash check`, and each run's results.

The global filters do not apply (a run checks whole files and tables). Failed-row counts on tables whose
rows belong to encounters are small cells (suppressed by the runner); completeness is computed from the
one definition in queries/definitions/data_quality.py. Nothing here knows Dash.
"""
from __future__ import annotations

import duckdb
import pandas as pd

from codedash.queries.definitions.data_quality import DATA_QUALITY_METRICS, ENCOUNTER_LEVEL_TABLES
from codedash.queries.metrics import with_metrics
from codedash.queries.runner import run

FAILURE_RATE, COMPLETENESS = DATA_QUALITY_METRICS


def _tables() -> list[str]:
    return list(ENCOUNTER_LEVEL_TABLES)


def runs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every run, newest first (empty when none is recorded or the database predates the dq_* tables)."""
    try:
        return run(con, "dq__runs")
    except duckdb.CatalogException:
        return pd.DataFrame()


def known_run(con, run_id) -> bool:
    df = runs(con)
    return not df.empty and run_id in set(df["run_id"])


def run_summary(con, run_id: str) -> pd.DataFrame:
    return run(con, "dq__run_summary", {"run_id": run_id})


def results_by_check(con, run_id: str) -> pd.DataFrame:
    return run(con, "dq__results_by_check", {"run_id": run_id, "encounter_tables": _tables()})


def failures_by_check_table(con, run_id: str) -> pd.DataFrame:
    return run(con, "dq__failures_by_check_table", {"run_id": run_id, "encounter_tables": _tables()})


def completeness(con, run_id: str) -> pd.DataFrame:
    """Completeness per column, with `completeness` = rows present / rows (undefined for an empty table)."""
    df = run(con, "dq__completeness_by_column", {"run_id": run_id})
    df["completeness"] = with_metrics(df, (COMPLETENESS,))[COMPLETENESS.key].astype("float64")
    return df


def check_history(con) -> pd.DataFrame:
    return run(con, "dq__check_history", {"encounter_tables": _tables()})


def example_failures(con, run_id: str, check_id: str) -> pd.DataFrame:
    return run(con, "dq__example_failures", {"run_id": run_id, "check_id": check_id})
