"""Reimbursement and denials page: one definition per metric.

Components come from queries/sql/reimbursement__*.sql and queries/sql/denials__*.sql. The headline
initial denial rate is the HFMA Claim Integrity Task Force claim-level form (`hfma_denial_rate_claims` /
`hfma_denial_rate_dollars`, queries/hfma.py, 3-month prior average denominator); the breakdowns by payer,
specialty, facility and month use the overview's secondary cohort forms `denial_rate_count` /
`denial_rate_dollars` (claims adjudicated of the same discharge months; reused from
queries/definitions/overview.py, never redefined) and return the same component columns per group. Rates attributed to a reason, per procedure line, per coder and
for a focus payer/reason are defined here, each saying how it differs from the claim-level rate.
"""
from __future__ import annotations

from codedash.queries.definitions.overview import OVERVIEW_METRICS
from codedash.queries.metrics import Metric

_OVERVIEW = {m.key: m for m in OVERVIEW_METRICS}
DENIAL_RATE_COUNT = _OVERVIEW["denial_rate_count"]
DENIAL_RATE_DOLLARS = _OVERVIEW["denial_rate_dollars"]
CASE_MIX_INDEX = _OVERVIEW["case_mix_index"]

_HFMA = "HFMA Claim Integrity Task Force / MAP Key 'Initial Denial Rate'"

NET_COLLECTION_RATE = Metric(
    "net_collection_rate", "Payer net collection rate", "percent", "paid_amount", "net_charges",
    ("n_encounters", "n_claims"),
    "Payer-only: patient payments are not in the data (codedash has no patient-payment table), so the "
    "patient responsibility (PR: deductibles, coinsurance, copays) the payer leaves to the patient counts as "
    "uncollected and this rate reads lower than an all-payments net collection rate. Payer payments as a share of what was collectible after contractual allowances: "
    "paid ÷ (charges − contractual adjustments). Contractual adjustments are CO adjustments whose CARC "
    "codedash categorises as 'contractual' (45, 24, 222, 253), summed over every adjudication of the line. "
    "Payments are the lines' final paid amounts after appeals; patient payments are not in the data, so "
    "patient responsibility (PR) lowers this rate.",
    "Final payer paid amount of the period's service lines (no patient payments)",
    "Billed charges minus contractual (CO, category 'contractual') adjustments of those lines",
    "Net (adjusted) collection rate as used in revenue-cycle benchmarking (HFMA, MGMA): payments ÷ (charges − contractual adjustments), here with payer payments only.",
    higher_is_better=True, change_kind="points")

GROSS_COLLECTION_RATE = Metric(
    "gross_collection_rate", "Gross collection rate (paid ÷ charges)", "percent", "paid_amount", "charges",
    ("n_encounters", "n_claims"),
    "Final paid amount as a share of billed charges. Depends on the chargemaster; not a performance measure "
    "on its own — compare the payer net collection rate. Payer payments only.",
    "Final paid amount of the period's service lines", "Billed charges of those lines",
    "Common revenue-cycle ratio (gross collection rate); shown for context only.",
    higher_is_better=True, change_kind="points")

REASON_DENIAL_RATE_COUNT = Metric(
    "reason_denial_rate_count", "Initial denial rate attributed to the reason (claims)", "percent",
    "claims_denied", "claims_adjudicated", ("claims_adjudicated", "claims_denied"),
    "Claims with at least one line denied on first adjudication for this reason (the line's CARC group or "
    "codedash CARC category), over all claims adjudicated. A claim denied for two reasons counts under both, "
    "so the reasons can add up to more than the overall rate.",
    "Claims with a line denied on first adjudication for the reason", "Claims adjudicated (first adjudication)",
    _HFMA + " (count form), attributed to the CARC of the denied line.",
    higher_is_better=False, change_kind="points")

REASON_DENIAL_RATE_DOLLARS = Metric(
    "reason_denial_rate_dollars", "Initial denial rate attributed to the reason (dollars)", "percent",
    "denied_amount", "billed_amount", ("claims_adjudicated", "claims_denied"),
    "Billed charges of lines denied on first adjudication for this reason, over the billed charges of all "
    "claims adjudicated. Each line has one main reason, so the reasons add up to the overall dollar rate.",
    "Billed charges of lines denied on first adjudication for the reason",
    "Billed charges of adjudicated claims", _HFMA + " (dollar form), attributed to the CARC of the denied line.",
    higher_is_better=False, change_kind="points")

PARETO_SHARE = Metric(
    "pareto_cumulative_share", "Cumulative share of denied dollars", "percent", "cumulative_share", None,
    ("claims_denied",),
    "Denial reasons (CARC group and code, labelled with codedash's category) sorted by billed charges denied "
    "on first adjudication; each reason's share of all denied dollars and the running total (Pareto).",
    "Billed charges of lines denied for this and every larger reason", "Billed charges of all denied lines",
    "Pareto analysis of denial reasons (HFMA denial-management practice), CARC of the denied line.",
    higher_is_better=None, change_kind="points")

LINE_DENIAL_RATE_COUNT = Metric(
    "line_denial_rate_count", "Initial denial rate per procedure (lines)", "percent",
    "lines_denied", "lines_adjudicated", ("n_claims", "claims_denied"),
    "Line level, unlike the claim-level overview rate: service lines with this CPT/HCPCS code denied on "
    "first adjudication, over lines with the code adjudicated for the first time.",
    "Lines with the code denied on first adjudication", "Lines with the code adjudicated (first adjudication)",
    _HFMA + ", applied per service line (line form).",
    higher_is_better=False, change_kind="points")

LINE_DENIAL_RATE_DOLLARS = Metric(
    "line_denial_rate_dollars", "Initial denial rate per procedure (dollars)", "percent",
    "denied_amount", "billed_amount", ("n_claims", "claims_denied"),
    "Line level: billed charges of lines with this code denied on first adjudication, over billed charges of "
    "lines with the code adjudicated for the first time.",
    "Billed charges of the code's lines denied on first adjudication",
    "Billed charges of the code's lines adjudicated", _HFMA + " (dollar form), per service line.",
    higher_is_better=False, change_kind="points")

FOCUS_DENIAL_RATE_COUNT = Metric(
    "focus_denial_rate_count", "Initial denial rate for the focus (claims)", "percent",
    "focus_claims_denied", "focus_claims_adjudicated", ("focus_claims_adjudicated", "focus_claims_denied"),
    "For the selected payer (all payers if none): claims with a line denied on first adjudication for the "
    "selected reason (CARC code and/or category; any reason if none), over the payer's claims adjudicated.",
    "Focus payer's claims with a line denied on first adjudication for the focus reason",
    "Focus payer's claims adjudicated (first adjudication)", _HFMA + " (count form), restricted to the focus.",
    higher_is_better=False, change_kind="points")

CODING_DENIAL_RATE = Metric(
    "coding_denial_rate", "Coding-related initial denial rate (claims)", "percent",
    "claims_coding_denied", "claims_adjudicated", ("claims_adjudicated", "claims_coding_denied"),
    "Claims the coder coded (or the provider attended) with at least one line denied on first adjudication "
    "for a coding-related reason — CARCs codedash categorises as coding/bundling or medical necessity, "
    "which include code, modifier and diagnosis validity — over all of their claims adjudicated.",
    "The person's claims with a line denied on first adjudication for a coding-related CARC",
    "The person's claims adjudicated (first adjudication)",
    _HFMA + " (count form), restricted to coding-related CARCs (ref_carc.coding_related).",
    higher_is_better=False, change_kind="points")

CODING_DENIAL_RATE_DOLLARS = Metric(
    "coding_denial_rate_dollars", "Coding-related initial denial rate (dollars)", "percent",
    "coding_denied_amount", "billed_amount", ("claims_adjudicated", "claims_coding_denied"),
    "Billed charges of lines denied on first adjudication for a coding-related CARC, over the billed charges "
    "of the person's claims adjudicated.",
    "Billed charges of lines denied for a coding-related CARC", "Billed charges of the person's adjudicated claims",
    _HFMA + " (dollar form), restricted to coding-related CARCs.",
    higher_is_better=False, change_kind="points")

CODING_DENIAL_RATE_LINES = Metric(
    "coding_denial_rate_lines", "Coding-related initial denial rate (lines)", "percent",
    "lines_coding_denied", "lines_adjudicated", ("claims_adjudicated", "claims_coding_denied"),
    "Line level: the person's service lines denied on first adjudication for a coding-related CARC "
    "(coding/bundling, medical necessity), over their lines adjudicated. Compares coders fairly across claim "
    "sizes: an inpatient claim has ~16 lines and so more chances of a denied line than an office claim.",
    "The person's lines denied on first adjudication for a coding-related CARC",
    "The person's lines adjudicated (first adjudication)",
    _HFMA + ", line form, restricted to coding-related CARCs (ref_carc.coding_related).",
    higher_is_better=False, change_kind="points")

APPEAL_FILED_RATE = Metric(
    "appeal_filed_rate", "Appeal filed rate (claims)", "percent", "claims_appealed", "claims_denied",
    ("claims_denied", "claims_appealed"),
    "Claims denied on first adjudication with at least one denied line appealed, over claims denied.",
    "Denied claims with an appealed line", "Claims with a line denied on first adjudication",
    "HFMA denial-management practice (appeal rate); appeals as recorded on the denied adjudication.",
    higher_is_better=True, change_kind="points")

OVERTURN_RATE = Metric(
    "overturn_rate", "Appeal overturn rate (lines)", "percent", "lines_overturned", "lines_resolved",
    ("claims_resolved",),
    "Appealed denied lines the payer overturned, over appealed lines with a decision (overturned or upheld); "
    "pending appeals are left out of both.",
    "Appealed lines overturned", "Appealed lines decided (overturned or upheld)",
    "HFMA denial-management practice (appeal overturn rate).",
    higher_is_better=True, change_kind="points")

DAYS_TO_APPEAL = Metric(
    "mean_days_denial_to_appeal", "Mean days from denial to appeal", "days", "days_to_appeal_sum",
    "lines_appealed", ("claims_appealed",),
    "Mean of appeal_date − adjudication_date (first adjudication) over appealed denied lines.",
    "Sum of days from the denying adjudication to the appeal", "Appealed denied lines",
    "codedash; dates from the 835 remittance and the appeal record.", higher_is_better=False)

DAYS_TO_RESOLUTION = Metric(
    "mean_days_appeal_to_resolution", "Mean days from appeal to decision", "days", "days_to_resolution_sum",
    "lines_resolved", ("claims_resolved",),
    "Mean of appeal_resolved_date − appeal_date over appealed lines with a decision (overturned or upheld).",
    "Sum of days from appeal to the payer's decision", "Appealed lines decided",
    "codedash; dates from the appeal record.", higher_is_better=False)

DAYS_TO_PAYMENT = Metric(
    "mean_days_service_to_payment", "Mean days from service to payment", "days", "days_to_payment_sum",
    "lines_paid", ("claims_paid",),
    "Mean of adjudication_date − service_date over paid lines, using the paying adjudication (the first "
    "adjudication of the line with a payment, which may follow an appeal).",
    "Sum of days from the line's service date to the paying adjudication", "Paid service lines",
    "codedash; comparable to HFMA MAP Key time-to-payment measures, at line level.", higher_is_better=False)

DENIAL_METRICS: tuple[Metric, ...] = (
    NET_COLLECTION_RATE, GROSS_COLLECTION_RATE, REASON_DENIAL_RATE_COUNT, REASON_DENIAL_RATE_DOLLARS,
    PARETO_SHARE, LINE_DENIAL_RATE_COUNT, LINE_DENIAL_RATE_DOLLARS, FOCUS_DENIAL_RATE_COUNT,
    CODING_DENIAL_RATE, CODING_DENIAL_RATE_LINES, CODING_DENIAL_RATE_DOLLARS, APPEAL_FILED_RATE, OVERTURN_RATE,
    DAYS_TO_APPEAL, DAYS_TO_RESOLUTION, DAYS_TO_PAYMENT,
)
