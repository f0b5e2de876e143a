"""Coding quality page metrics (components from queries/sql/coding__*.sql).

Code-level accuracy reuses the overview's `coding_accuracy` (one definition, AHIMA code-over-code).
"""
from __future__ import annotations

from codedash.queries.definitions.overview import OVERVIEW_METRICS
from codedash.queries.metrics import Metric

CODE_ACCURACY: Metric = next(m for m in OVERVIEW_METRICS if m.key == "coding_accuracy")

RECORD_ACCURACY = Metric(
    "record_accuracy", "Record-level accuracy", "percent", "records_no_change", "n_audits",
    ("n_audited_encounters",),
    "Share of audited encounters whose coding the auditor left entirely unchanged.",
    "Audits in which every finding is 'correct' (nothing added, deleted, revised, resequenced, POA or modifier changed)",
    "Audits of encounters in the filtered set",
    "AHIMA record-level (encounter/chart) accuracy, AHIMA Practice Brief 'Benchmarking for Coding Quality'.",
    higher_is_better=True, change_kind="points")
DRG_ACCURACY = Metric(
    "drg_accuracy", "DRG accuracy", "percent", "drg_unchanged", "drg_audits", ("drg_audits",),
    "Share of audited inpatient stays whose MS-DRG the audit did not change.",
    "Inpatient audits with drg_before = drg_after",
    "Inpatient audits with an MS-DRG before and after",
    "AHIMA inpatient DRG accuracy (DRG validation audits); CMS PEPPER/OIG DRG validation.",
    higher_is_better=True, change_kind="points")
DRG_CHANGE_RATE = Metric(
    "drg_change_rate", "DRG change rate", "percent", "drg_changed", "drg_audits", ("drg_audits",),
    "Share of audited inpatient stays whose MS-DRG the audit changed (1 - DRG accuracy).",
    "Inpatient audits with drg_before <> drg_after",
    "Inpatient audits with an MS-DRG before and after",
    "DRG change rate of DRG validation audits (OIG/RAC DRG validation; AHIMA).",
    higher_is_better=False, change_kind="points")
UNDER_CODED = Metric(
    "under_coded_amount", "Under-coding (money left on the table)", "usd", "under_coded_amount", None,
    ("n_under_coded",),
    "Expected payment the audits found missing: sum of positive dollar impacts (corrected minus as coded).",
    "Sum of audits.dollar_impact where it is > 0", "—",
    "Audit financial impact (AHIMA/HFMA audit reporting); dollar_impact per the data dictionary.",
    higher_is_better=False)
OVER_CODED = Metric(
    "over_coded_amount", "Over-coding (compliance risk)", "usd", "over_coded_amount", None, ("n_over_coded",),
    "Payment the audits found not supported by documentation: sum of negative dollar impacts (shown negative).",
    "Sum of audits.dollar_impact where it is < 0", "—",
    "Audit financial impact (AHIMA/HFMA audit reporting; overpayment risk as in OIG compliance guidance).",
    higher_is_better=True)
NET_IMPACT = Metric(
    "net_impact", "Net financial impact of audit findings", "usd", "net_impact", None,
    ("n_under_coded", "n_over_coded"),
    "Under-coding plus over-coding: the net expected payment change had the coding been right.",
    "Sum of audits.dollar_impact", "—",
    "Audit financial impact; suppressed with either part so neither can be recovered by subtraction.")
ERROR_SHARE = Metric(
    "error_share", "Share of audit changes", "percent", "n_findings", "n_error_findings",
    ("n_audited_encounters",),
    "Share of all audit changes (findings other than 'correct') that are of this finding type.",
    "Findings of this type", "Findings other than 'correct'",
    "Error taxonomy of coding audits (AHIMA: added, deleted, revised, resequenced codes, POA and modifiers).")
PER_HOUR = Metric(
    "encounters_per_hour", "Encounters coded per hour", "rate", "n_coded", "coding_hours", ("n_coded",),
    "Final-coded encounters per hour of coding time (time from coding start to completion).",
    "Encounters with coding started and completed", "Hours between coding_started_at and coding_completed_at",
    "AHIMA coding productivity (records per hour; inpatient benchmark about 3 per hour).",
    higher_is_better=True)
PER_DAY = Metric(
    "encounters_per_day", "Encounters coded per day", "rate", "n_coded", "coder_days", ("n_coded",),
    "Final-coded encounters per coder-day on which the coder worked that encounter type.",
    "Encounters with coding started and completed",
    "Coder-days: distinct calendar days each coder started coding that encounter type",
    "AHIMA coding productivity (records per day).",
    higher_is_better=True)
TURNAROUND = Metric(
    "turnaround_days", "Mean turnaround to final coding (days)", "days", "turnaround_days_sum", "n_coded",
    ("n_coded",),
    "Mean days from discharge to final coding.",
    "Sum over final-coded encounters of days from discharge_date to the date of coding_completed_at",
    "Final-coded encounters",
    "HFMA revenue-cycle measure 'discharge to final coding' (a driver of DNFB days).",
    higher_is_better=False)
DNFB_ENCOUNTERS = Metric(
    "dnfb_encounters", "DNFB encounters", "count", "n_encounters", None, ("n_encounters",),
    "Encounters discharged on or before the period end and not final billed by the end of that day.",
    "Encounters discharged <= period end with final_billed_at null or after the period end", "—",
    "HFMA MAP Key 'Discharged not final billed (DNFB)'.",
    higher_is_better=False)
DNFB_CHARGES = Metric(
    "dnfb_charges", "DNFB charges", "usd", "charges", None, ("n_encounters",),
    "Gross charges of DNFB encounters (sum of their service-line charges).",
    "Sum of service_lines.charge_amount of DNFB encounters", "—",
    "HFMA MAP Key 'Discharged not final billed (DNFB)' in dollars.",
    higher_is_better=False)

ACCURACY_METRICS: tuple[Metric, ...] = (CODE_ACCURACY, RECORD_ACCURACY, DRG_ACCURACY, DRG_CHANGE_RATE)
IMPACT_METRICS: tuple[Metric, ...] = (UNDER_CODED, OVER_CODED, NET_IMPACT)
PRODUCTIVITY_METRICS: tuple[Metric, ...] = (PER_HOUR, PER_DAY)
DNFB_METRICS: tuple[Metric, ...] = (DNFB_ENCOUNTERS, DNFB_CHARGES)

# New metrics of this page (code-level accuracy is registered by the overview).
CODING_QUALITY_METRICS: tuple[Metric, ...] = (
    RECORD_ACCURACY, DRG_ACCURACY, DRG_CHANGE_RATE, UNDER_CODED, OVER_CODED, NET_IMPACT, ERROR_SHARE,
    PER_HOUR, PER_DAY, TURNAROUND, DNFB_ENCOUNTERS, DNFB_CHARGES)
