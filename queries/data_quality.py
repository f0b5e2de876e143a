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


def run_label(row) -> str:
    """'2025-03-10 12:00 · load · encounters.csv,… · loaded_with_warnings' (the sources cut at 60 characters)."""
    sources = str(row["sources"] or row["source_format"] or "")
    if len(sources) > 60:
        sources = sources[:57] + "…"
    started = pd.Timestamp(row["started_at"]).strftime("%Y-%m-%d %H:%M")
    return " · ".join(p for p in (started, row["kind"], sources, row["status"]) if p)


def run_options(con) -> list[tuple[str, str]]:
    """(run id, label) of every run, newest first: the page's run selector."""
    df = runs(con)
    return [(r["run_id"], run_label(r)) for _, r in df.iterrows()]


def resolve_run(con, run_id: str | None) -> str | None:
    """The run asked for when the database records it, else the newest run (None when there is none)."""
    df = runs(con)
    if df.empty:
        return None
    return run_id if run_id in set(df["run_id"]) else df["run_id"].iloc[0]


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
    """Failures per check and table across every run (empty when the database has no dq_* tables)."""
    try:
        return run(con, "dq__check_history", {"encounter_tables": _tables()})
    except duckdb.CatalogException:
        return pd.DataFrame()


def example_failures(con, run_id: str, check_id: str) -> pd.DataFrame:
    return run(con, "dq__example_failures", {"run_id": run_id, "check_id": check_id})


def drilldown(con, run_id: str, check_id: str) -> dict:
    """The example failing rows of one check in one run, as they may be shown and exported.

    rows: the examples without `n_encounters`, and without `encounter_id` when the ids are hidden: when
    the examples concern 1..threshold distinct encounters (`small`, the small-cell rule; the runner
    blanked them) or no example names an encounter. withheld: some value is a patient_id (never shown)."""
    df = example_failures(con, run_id, check_id)
    small = bool(df["suppressed"].any()) if not df.empty else False
    hidden = small or df.empty or bool(df["encounter_id"].isna().all())
    rows = df.drop(columns=["n_encounters"] + (["encounter_id"] if hidden else []))
    withheld = bool(df["value_withheld"].any()) if not df.empty else False
    return {"rows": rows, "small": small, "encounters_hidden": hidden, "withheld": withheld}
