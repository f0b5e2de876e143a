"""Overview KPIs: one definition each (components from queries/sql/overview__monthly_components.sql)."""
from __future__ import annotations

from codedash.queries.metrics import Metric

OVERVIEW_METRICS: tuple[Metric, ...] = (
    Metric("encounters", "Encounters", "count", "n_encounters", None, ("n_encounters",),
           "Encounters discharged in the period (inpatient stays, ED, outpatient and office visits).",
           "Encounters with a discharge date in the period", "—",
           "codedash volume count; period assigned by discharge date as in CMS PEPPER."),
    Metric("coding_accuracy", "Coding accuracy (code level)", "percent", "audit_codes_correct",
           "audit_codes_reviewed", ("n_audited_encounters",),
           "Share of the auditor's final codes that the coder had assigned correctly.",
           "Codes the coder assigned that the auditor confirmed unchanged",
           "Codes in the auditor's final record (every finding except codes the auditor deleted)",
           "AHIMA code-over-code accuracy (AHIMA Practice Brief 'Benchmarking for Coding Quality').",
           higher_is_better=True, change_kind="points"),
    Metric("denial_rate_count", "Initial denial rate, claims adjudicated (discharge months)", "percent",
           "claims_denied", "claims_adjudicated", ("claims_adjudicated", "claims_denied"),
           "Secondary measure. Share of the period's discharged claims that the payer has adjudicated and whose "
           "first adjudication denied at least one line. Denominator: claims of the same discharge months "
           "adjudicated for the first time (not claims submitted, not a prior-month average).",
           "Claims with a denied line on initial adjudication", "Claims adjudicated (first adjudication), same discharge months",
           "Cohort form of the HFMA initial denial rate (count); the headline is the HFMA Claim Integrity Task "
           "Force claim-level form (hfma_denial_rate_claims).",
           higher_is_better=False, change_kind="points"),
    Metric("denial_rate_dollars", "Initial denial rate, line level (dollars)", "percent", "denied_amount",
           "billed_amount", ("claims_adjudicated", "claims_denied"),
           "Secondary measure. Billed charges of the lines denied on the payer's first adjudication over the billed "
           "charges of every line adjudicated, same discharge months (line level: a claim denied in part "
           "counts only its denied lines).",
           "Billed charges of lines denied on initial adjudication",
           "Billed charges of the lines of claims adjudicated (first adjudication), same discharge months",
           "HFMA Claim Integrity Task Force, appendix 2 (claim-line level, dollars), on the discharge-month cohort "
           "rather than a prior-month average.",
           higher_is_better=False, change_kind="points"),
    Metric("paid_amount", "Paid amount", "usd", "paid_amount", None, ("n_encounters",),
           "Payer payments on the period's encounters after adjudication and appeals.",
           "Sum of final paid amount of service lines", "—",
           "835 remittance payment amounts (CLP04 / SVC03), final after appeals.",
           higher_is_better=True),
    Metric("case_mix_index", "Case mix index", "index", "drg_weight_sum", "drg_discharges", ("drg_discharges",),
           "Average MS-DRG relative weight of inpatient discharges.",
           "Sum of MS-DRG relative weights of inpatient discharges",
           "Inpatient discharges with a weighted MS-DRG",
           "CMS IPPS: CMI = sum of MS-DRG relative weights / number of discharges (Table 5 weights)."),
)

_TASK_FORCE = ("HFMA Claim Integrity Task Force, 'Standardizing Denial Metrics for Revenue Cycle Benchmarking and "
               "Process Improvement', KPI 1 (claim level): denominator = average of the 3-month period prior to "
               "the start of the reporting month.")

# Components from queries/sql/denials__hfma_monthly.sql, shaped (3-month denominators) in queries/hfma.py.
HFMA_METRICS: tuple[Metric, ...] = (
    Metric("hfma_denial_rate_claims", "Initial denial rate (claims, HFMA)", "percent", "claims_initially_denied",
           "claims_submitted_avg", ("claims_initially_denied", "claims_submitted_3m"),
           "Claims initially denied (in whole or in part) in the reporting month, over the average number of "
           "claims submitted per month in the three months before it. A period of several months sums both.",
           "Claims whose first adjudication in the month denied at least one line",
           "Average monthly claims submitted (final billed) in the 3 calendar months before the reporting month",
           _TASK_FORCE, higher_is_better=False, change_kind="points"),
    Metric("hfma_denial_rate_dollars", "Initial denial rate (dollars, HFMA)", "percent", "denied_gross_charges",
           "submitted_gross_charges_avg", ("claims_initially_denied", "claims_submitted_3m"),
           "Gross charges of the claims initially denied in the reporting month (every line of the claim), over "
           "the average monthly gross charges of claims submitted in the three months before it.",
           "Gross charges (all lines) of claims whose first adjudication in the month denied at least one line",
           "Average monthly gross charges of claims submitted in the 3 calendar months before the reporting month",
           _TASK_FORCE, higher_is_better=False, change_kind="points"),
)

# The overview's cards, in order: the HFMA claim-level forms are the headline; the cohort and line-level
# denial forms stay in the monthly export and `codedash kpis` as labelled secondary measures.
OVERVIEW_CARDS = ("encounters", "coding_accuracy", "hfma_denial_rate_claims", "hfma_denial_rate_dollars",
                  "paid_amount", "case_mix_index")
