"""Reimbursement & denials services: every frame the denials page shows, shaped and with its ratios.

Each function takes the validated global filters and the page's cross-filter selection (`sel`: payer,
category, carc, validated by `validate_selection`) and returns an already-suppressed DataFrame; ratios
come from queries.metrics with the definitions in queries/definitions/denials.py. Nothing here knows Dash.
"""
from __future__ import annotations

import duckdb
import pandas as pd

from codedash.queries import filters as flt
from codedash.queries.definitions import denials as d
from codedash.queries.metrics import ratio, with_metrics
from codedash.queries.params import ParameterError, ParamSpec
from codedash.queries.hfma import COLUMNS as HFMA_COLUMNS
from codedash.queries.hfma import hfma_initial_denials
from codedash.queries.periods import incomplete_months, mark_incomplete, resolve_period
from codedash.queries.runner import run

SELECTION_KEYS = ("payer", "category", "carc")
REIMBURSEMENT_DIMENSIONS = {"payer": "Payer", "specialty": "Specialty"}
DAYS_MEASURES = {"denial_to_appeal": "Denial → appeal", "appeal_to_resolution": "Appeal → decision",
                 "service_to_payment": "Service → payment"}
_ID_SPEC = ParamSpec("selection", "text")
_ID_LISTS = {"payer": "filters__payers", "category": "filters__carc_categories", "carc": "filters__carc_codes"}


# ---------------------------------------------------------------- the cross-filter's ids

def id_labels(con: duckdb.DuckDBPyConnection, key: str, scope: flt.Scope = flt.ALL) -> dict[str, str]:
    """Known ids of one selection key (payer, category, carc) -> their label."""
    df = run(con, _ID_LISTS[key], scope=scope)
    return dict(zip(df["value"].astype(str), df["label"].astype(str)))


def known_id(con, key: str, raw, scope: flt.Scope = flt.ALL) -> str | None:
    """raw when it is a plausible id the database knows for `key`, else None."""
    try:
        value = _ID_SPEC.parse(raw)
    except ParameterError:
        return None
    return value if value is not None and value in id_labels(con, key, scope) else None


def validate_selection(con, raw, scope: flt.Scope = flt.ALL) -> dict:
    """The cross-filter the browser sent, keeping only ids that exist (payer, CARC category, CARC code)."""
    if not isinstance(raw, dict):
        return {}
    out = {}
    for key in SELECTION_KEYS:
        value = known_id(con, key, raw.get(key), scope)
        if value is not None:
            out[key] = value
    return out


def selection_labels(con, sel: dict, scope: flt.Scope = flt.ALL) -> dict[str, str]:
    """Display labels of the selected ids: 'Payer B (PB)', 'Timely filing', 'CARC 29 (Timely filing)'."""
    out = {}
    if sel.get("payer"):
        name = id_labels(con, "payer", scope).get(sel["payer"], sel["payer"])
        out["payer"] = name if name == sel["payer"] else f"{name} ({sel['payer']})"
    if sel.get("category"):
        out["category"] = id_labels(con, "category", scope).get(sel["category"], sel["category"])
    if sel.get("carc"):
        label = id_labels(con, "carc", scope).get(sel["carc"])
        out["carc"] = f"CARC {sel['carc']}" + (f" ({label})" if label else "")
    return out


def effective_filters(filters: dict, sel: dict) -> dict:
    """Global filters narrowed to the selected payer (only if the global payer filter allows it)."""
    payer = sel.get("payer")
    if payer and (not filters.get("payers") or payer in filters["payers"]):
        return {**filters, "payers": [payer]}
    return filters


# ---------------------------------------------------------------- frames

def hfma(con, filters: dict, sel: dict) -> dict:
    """The HFMA Claim Integrity Task Force initial denial rates (claim level, 3-month prior average
    denominators; queries/hfma.py) by reporting month, run-out months marked, and the period's total row."""
    f = effective_filters(filters, sel)
    period = resolve_period(con, f)
    if period is None:
        return {"months": pd.DataFrame(columns=["month", *HFMA_COLUMNS]), "total": None}
    months, total = hfma_initial_denials(con, f, period)
    return {"months": mark_incomplete(months, incomplete_months(con)), "total": total}


def money(con, filters: dict, sel: dict) -> pd.DataFrame:
    """Charges, allowed and paid by discharge month with the collection rates."""
    # run-out months are marked so the trend draws them dashed (queries/periods.py)
    return mark_incomplete(with_metrics(run(con, "reimbursement__monthly", effective_filters(filters, sel)),
                                        (d.NET_COLLECTION_RATE, d.GROSS_COLLECTION_RATE)), incomplete_months(con))


def money_totals(monthly: pd.DataFrame) -> dict:
    """Period totals of the monthly frame; all hidden when any month is suppressed (a total beside
    its months would reveal the hidden one)."""
    suppressed = bool(monthly["suppressed"].any()) if "suppressed" in monthly else False
    tot = monthly.drop(columns=["month"], errors="ignore").sum(numeric_only=True)
    out = {"suppressed": suppressed}
    for col in ("charges", "allowed_amount", "paid_amount"):
        out[col] = None if suppressed else float(tot.get(col, 0.0))
    out[d.NET_COLLECTION_RATE.key] = None if suppressed else ratio(tot.get("paid_amount"), tot.get("net_charges"))
    out[d.GROSS_COLLECTION_RATE.key] = None if suppressed else ratio(tot.get("paid_amount"), tot.get("charges"))
    return out


def reimbursement_dimension(value) -> str:
    return value if isinstance(value, str) and value in REIMBURSEMENT_DIMENSIONS else "payer"


def reimbursement(con, filters: dict, sel: dict, dimension: str = "payer") -> pd.DataFrame:
    params = {**effective_filters(filters, sel), "dimension": reimbursement_dimension(dimension)}
    return with_metrics(run(con, "reimbursement__by_group", params), (d.NET_COLLECTION_RATE, d.GROSS_COLLECTION_RATE))


def by_group(con, filters: dict, sel: dict, dimension: str) -> pd.DataFrame:
    """Initial denial rate per payer (never narrowed to the selected payer: it is the chooser) or specialty."""
    f = filters if dimension == "payer" else effective_filters(filters, sel)
    return with_metrics(run(con, "denials__rate_by_group", {**f, "dimension": dimension}),
                        (d.DENIAL_RATE_COUNT, d.DENIAL_RATE_DOLLARS))


def by_reason(con, filters: dict, sel: dict, level: str) -> pd.DataFrame:
    return with_metrics(run(con, "denials__rate_by_reason", {**effective_filters(filters, sel), "level": level}),
                        (d.REASON_DENIAL_RATE_COUNT, d.REASON_DENIAL_RATE_DOLLARS))


def trend(con, filters: dict, sel: dict) -> pd.DataFrame:
    params = {**filters, "focus_payer": sel.get("payer"), "focus_carc": sel.get("carc"),
              "focus_category": sel.get("category")}
    return mark_incomplete(with_metrics(run(con, "denials__monthly_trend", params),
                                        (d.DENIAL_RATE_COUNT, d.DENIAL_RATE_DOLLARS, d.FOCUS_DENIAL_RATE_COUNT)),
                           incomplete_months(con))


def pareto(con, filters: dict, sel: dict) -> pd.DataFrame:
    return run(con, "denials__pareto", {**effective_filters(filters, sel), "carc_category": sel.get("category")})


def procedures(con, filters: dict, sel: dict) -> pd.DataFrame:
    return with_metrics(run(con, "denials__rate_by_procedure",
                            {**effective_filters(filters, sel), "carc_category": sel.get("category")}),
                        (d.LINE_DENIAL_RATE_COUNT, d.LINE_DENIAL_RATE_DOLLARS))


def coding_related(con, filters: dict, sel: dict, role: str) -> pd.DataFrame:
    """Coding-related denials per coder or attending provider, highest line rate first."""
    df = with_metrics(run(con, "denials__coding_related_by_person", {**effective_filters(filters, sel), "role": role}),
                      (d.CODING_DENIAL_RATE, d.CODING_DENIAL_RATE_LINES, d.CODING_DENIAL_RATE_DOLLARS))
    return df.sort_values(["coding_denial_rate_lines", "person_id"], ascending=[False, True],
                          na_position="last").reset_index(drop=True)


def appeals(con, filters: dict, sel: dict) -> pd.DataFrame:
    """Appeals per payer plus one total row (`is_total`)."""
    return with_metrics(run(con, "denials__appeals", {**effective_filters(filters, sel),
                                                      "carc_category": sel.get("category")}),
                        (d.APPEAL_FILED_RATE, d.OVERTURN_RATE, d.DAYS_TO_APPEAL, d.DAYS_TO_RESOLUTION,
                         d.DAYS_TO_PAYMENT))


def days_distribution(con, filters: dict, sel: dict, measure: str | None = None) -> pd.DataFrame:
    df = run(con, "denials__days_distribution", {**effective_filters(filters, sel),
                                                 "carc_category": sel.get("category")})
    return df if measure is None else df[df["measure"] == measure].reset_index(drop=True)


def case_mix(con, filters: dict, sel: dict) -> pd.DataFrame:
    return mark_incomplete(with_metrics(run(con, "denials__case_mix_monthly", effective_filters(filters, sel)),
                                        (d.CASE_MIX_INDEX,)), incomplete_months(con))


def months_without_weights(cmi: pd.DataFrame) -> pd.DataFrame:
    """Months with inpatient discharges but none with an MS-DRG relative weight (no CMI: gaps, not zeros)."""
    if cmi.empty:
        return cmi
    return cmi[(cmi["drg_discharges"] == 0) & (cmi["unweighted_discharges"] > 0)]
