"""Data-quality rates (components from queries/sql/dq__*.sql): failure rate per check and completeness per column.

Follows the harmonized data-quality framework of Kahn et al. 2016 (conformance, completeness,
plausibility) as implemented by OHDSI DataQualityDashboard, where each check reports
the number and share of violating rows against a threshold.
"""
from __future__ import annotations

from codedash.queries.metrics import Metric

# Canonical tables whose rows belong to one encounter (directly or through a claim or an audit).
# Failed-row counts of 1..threshold on these tables are suppressed like any small count of
# encounters (docs/decisions.md, "Data-quality counts and small cells"); the query files take this
# list as the bound parameter `encounter_tables` and treat every table as encounter-level without it.
ENCOUNTER_LEVEL_TABLES: tuple[str, ...] = (
    "adjudications", "adjustments", "audit_findings", "audits", "diagnoses", "encounters",
    "procedures", "service_lines",
)

DATA_QUALITY_METRICS: tuple[Metric, ...] = (
    Metric("dq_failure_rate", "Failure rate", "percent", "rows_failed", "rows_checked",
           ("encounter_rows_failed",),
           "Share of the rows a data-quality check looked at that violated it; the check fails when "
           "the share exceeds the check's threshold (0 = no failure tolerated).",
           "Rows that failed the check", "Rows the check looked at",
           "OHDSI DataQualityDashboard (numViolatedRows / numDenominatorRows against a threshold); "
           "Kahn et al. 2016, eGEMs 4(1):1244, harmonized DQ framework (conformance, completeness, plausibility).",
           higher_is_better=False, change_kind="points"),
    Metric("dq_completeness", "Completeness", "percent", "rows_present", "rows_total", (),
           "Share of a table's rows in which the column is filled (neither null nor empty).",
           "Rows with a non-null, non-empty value in the column", "Rows in the table",
           "Kahn et al. 2016, eGEMs 4(1):1244, completeness category; OHDSI DataQualityDashboard "
           "measureValueCompleteness (rows null ÷ rows, reported here as its complement).",
           higher_is_better=True, change_kind="points"),
)
