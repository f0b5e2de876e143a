"""Reimbursement & denials: which payers deny what, why, and is coding the cause?

A declared list of panels (dashboard/panels.py). Every frame comes from queries/denials.py; rates from
queries.metrics with the definitions in queries/definitions/denials.py. Clicking a payer bar, a CARC
category bar or a Pareto bar sets a page cross-filter (page state, mirrored in the URL as focus_payer=,
carc_category=, carc=, validated against the database); the global filters are never changed by it.
The reimbursement grouping (reimb=) and the duration shown (days=) are page state too.
"""
from __future__ import annotations

import dash_mantine_components as dmc
import pandas as pd

from codedash.dashboard.components import empty_state
from codedash.dashboard.figures import denials as figs
from codedash.dashboard.figures.base import empty_figure
from codedash.dashboard.formatting import format_value
from codedash.dashboard.panels import Column, Context, Page, Panel, StateKey
from codedash.dashboard.url_state import search_from_filters
from codedash.queries import denials as dn
from codedash.queries.definitions import denials as d
from codedash.queries.definitions.overview import HFMA_METRICS

SELECTION_KEYS = dn.SELECTION_KEYS


def sel(c: Context) -> dict:
    """The cross-filter part of the page state (payer, category, carc) that is set."""
    return {k: c.state[k] for k in SELECTION_KEYS if c.state.get(k)}


def _known(key):
    return lambda con, raw: dn.known_id(con, key, raw)


# ---------------------------------------------------------------- renderers

def _stat(label, value, id_):
    return dmc.Stack([dmc.Text(label, size="xs", c="dimmed"), dmc.Text(value, fw=700, id=id_)], gap=0)


def money_stats(df: pd.DataFrame, _c=None):
    if df.empty:
        return empty_state("No service lines in this period.")
    t = dn.money_totals(df)
    sup = t["suppressed"]
    return dmc.Group([
        _stat("Charges", format_value(t["charges"], "usd", sup), "denials-stat-charges"),
        _stat("Allowed", format_value(t["allowed_amount"], "usd", sup), "denials-stat-allowed"),
        _stat("Paid", format_value(t["paid_amount"], "usd", sup), "denials-stat-paid"),
        _stat("Payer net collection rate", format_value(t[d.NET_COLLECTION_RATE.key], "percent", sup), "denials-stat-ncr"),
        _stat("Gross collection rate (paid ÷ charges)", format_value(t[d.GROSS_COLLECTION_RATE.key], "percent", sup),
              "denials-stat-gcr"),
    ], gap="xl")


def focus_label(labels: dict) -> str | None:
    """'Payer B (PB), CARC 29 & Timely filing' for the trend's focus line (None without a selection)."""
    if not labels:
        return None
    who = f"payer {labels['payer']}" if "payer" in labels else "all payers"
    why = " & ".join(x for x in (labels.get("carc", ""), labels.get("category", "")) if x) or "any reason"
    return f"{who}, {why}"


def selection_chip(c: Context):
    labels = dn.selection_labels(c.con, sel(c))
    if not labels:
        return dmc.Text("Click a payer, CARC category or Pareto bar to filter this page.", size="xs", c="dimmed",
                        id="denials-chip-hint")
    parts = [f"payer {labels['payer']}" if "payer" in labels else "",
             f"CARC category {labels['category']}" if "category" in labels else "",
             labels.get("carc", "")]
    return dmc.Badge(f"Filtered to {', '.join(p for p in parts if p)}", color="red", variant="light", size="lg",
                     id="denials-chip", style={"textTransform": "none"})


def coder_link(filters: dict, coder_id: str) -> str:
    """The coding quality page filtered to one coder (its scorecard) under the current global filters."""
    return "/coding-quality" + search_from_filters({**filters, "coders": [coder_id]})


def coders_with_links(df: pd.DataFrame, c: Context) -> pd.DataFrame:
    return df.assign(scorecard=[f"[scorecard]({coder_link(c.filters, p)})" for p in df["person_id"]])


def appeals_stats(df: pd.DataFrame, _c=None):
    if df.empty or not df["is_total"].any():
        return empty_state("No claims adjudicated in this period.")
    total = df[df["is_total"]].iloc[0]
    sup = bool(total["suppressed"])

    def stat(m, id_):
        value = total[m.key]
        return _stat(m.label, format_value(None if pd.isna(value) else value, m.unit, sup and pd.isna(value)), id_)

    return dmc.Group([stat(d.APPEAL_FILED_RATE, "denials-stat-filed"), stat(d.OVERTURN_RATE, "denials-stat-overturn"),
                      stat(d.DAYS_TO_APPEAL, "denials-stat-days-appeal"),
                      stat(d.DAYS_TO_RESOLUTION, "denials-stat-days-resolution"),
                      stat(d.DAYS_TO_PAYMENT, "denials-stat-days-payment")], gap="xl")


def cmi_note(df: pd.DataFrame, _c=None):
    gaps = dn.months_without_weights(df)
    if gaps.empty:
        return None
    months = pd.to_datetime(gaps["month"])
    return dmc.Text(f"No CMI for {len(gaps)} month(s) ({months.min():%b %Y} – {months.max():%b %Y}): the reference "
                    "tables carry MS-DRG relative weights only for the FY2026 grouper versions, so those discharges "
                    "have no weight. They are gaps, not zeros.", size="xs", c="orange", id="denials-cmi-note")


def _rate_bars(id_col, label_col, metric, metric_label, selected_key=None, empty="No claims in this period",
               show_id=True):
    def build(df, c):
        selected = c.state.get(selected_key) if selected_key else None
        return figs.rate_bars(df, id_col, label_col, metric, metric_label, selected, empty, show_id=show_id)
    return build


def _days_figure(df, c):
    label = dn.DAYS_MEASURES[c.state["days"]]
    if df.empty:
        return empty_figure(f"No lines for {label.lower()}", 220)
    return figs.distribution(df, label, height=220)


# ---------------------------------------------------------------- the page

_PERSON = (Column("claims_adjudicated", "Claims", "count"), Column("claims_coding_denied", "Coding-denied claims", "count"),
           Column("coding_denial_rate", "Rate (claims)", "percent"),
           Column("lines_coding_denied", "Coding-denied lines", "count"),
           Column("coding_denial_rate_lines", "Rate (lines)", "percent", {"sort": "desc"}),
           Column("coding_denied_amount", "Denied $", "usd"),
           Column("coding_denial_rate_dollars", "Rate $", "percent"), Column("top_carcs", "Top CARCs"))
_CODING_METRICS = (d.CODING_DENIAL_RATE_LINES, d.CODING_DENIAL_RATE, d.CODING_DENIAL_RATE_DOLLARS)
_APPEAL_METRICS = (d.APPEAL_FILED_RATE, d.OVERTURN_RATE, d.DAYS_TO_APPEAL, d.DAYS_TO_RESOLUTION, d.DAYS_TO_PAYMENT)
_COUNTS = ("n_claims", "claims_adjudicated", "claims_denied", "lines_denied", "lines_adjudicated", "n_encounters",
           "claims_appealed", "lines_resolved", "claims_resolved", "lines_appealed", "claims_paid", "lines_paid",
           "inpatient_discharges", "drg_discharges", "unweighted_discharges", "rank", "n_lines",
           "claims_coding_denied", "lines_coding_denied")

def hfma_stats(data: dict, _c=None):
    total = data["total"]
    if total is None or data["months"].empty:
        return empty_state("No claims adjudicated in this period.")
    sup = bool(total.get("suppressed", False))
    return dmc.Group([
        _stat("Initial denial rate, claims (HFMA)", format_value(total["hfma_denial_rate_claims"], "percent", sup),
              "denials-stat-hfma-claims"),
        _stat("Initial denial rate, gross charges (HFMA)",
              format_value(total["hfma_denial_rate_dollars"], "percent", sup), "denials-stat-hfma-dollars"),
    ], gap="xl")


PANELS = (
    Panel("hfma", "Initial denial rate, HFMA claim level, by reporting month",
          lambda c: dn.hfma(c.con, c.filters, sel(c)), figure=lambda r, c: figs.hfma_trend(r["months"]),
          summary=hfma_stats, export=lambda r, c: r["months"], metrics=HFMA_METRICS,
          integer_columns=("claims_initially_denied", "claims_submitted_3m"), height=240,
          label="Line chart: HFMA initial denial rates (claims and gross charges) by reporting month",
          note="The headline rates (HFMA Claim Integrity Task Force, KPI 1): claims initially denied in a month over "
               "the average claims submitted in the three months before it. The breakdowns below use the "
               "adjudicated-claims cohort form (labelled 'claims'), which can be split by payer and reason."),
    Panel("money", "Charges, allowed and paid by discharge month", lambda c: dn.money(c.con, c.filters, sel(c)),
          figure=lambda df, c: figs.money_trend(df), summary=money_stats,
          metrics=(d.NET_COLLECTION_RATE, d.GROSS_COLLECTION_RATE), integer_columns=_COUNTS, height=260,
          label="Line chart: charges, allowed and paid amounts by discharge month"),
    Panel("reimbursement", "Reimbursement by payer or specialty",
          lambda c: dn.reimbursement(c.con, c.filters, sel(c), c.state["reimb"]), kind="grid", controls=("reimb",),
          columns=(Column("group_id", "ID"), Column("group_label", "Payer or specialty", extra={"minWidth": 160}),
                   Column("n_encounters", "Encounters", "count"), Column("charges", "Charges", "usd"),
                   Column("allowed_amount", "Allowed", "usd"), Column("paid_amount", "Paid", "usd"),
                   Column("contractual_adjustments", "Contractual adjustments", "usd"),
                   Column("net_collection_rate", "Payer net collection rate", "percent"),
                   Column("gross_collection_rate", "Gross collection rate (paid ÷ charges)", "percent")),
          metrics=(d.NET_COLLECTION_RATE, d.GROSS_COLLECTION_RATE), integer_columns=_COUNTS, grid_height=340),
    Panel("payer", "Initial denial rate by payer (click a bar to filter the page)",
          lambda c: dn.by_group(c.con, c.filters, sel(c), "payer"),
          figure=_rate_bars("group_id", "group_label", "denial_rate_count", "Initial denial rate (claims)", "payer"),
          metrics=(d.DENIAL_RATE_COUNT, d.DENIAL_RATE_DOLLARS), integer_columns=_COUNTS, clickable=True, height=240,
          label="Bar chart: initial denial rate (claims) by payer"),
    Panel("category", "Initial denial rate by codedash CARC category (click to filter)",
          lambda c: dn.by_reason(c.con, c.filters, sel(c), "category"),
          figure=_rate_bars("reason", "reason_label", "reason_denial_rate_count", "Denial rate attributed (claims)",
                            "category", "No denied lines in this period", show_id=False),
          metrics=(d.REASON_DENIAL_RATE_COUNT, d.REASON_DENIAL_RATE_DOLLARS), integer_columns=_COUNTS, clickable=True,
          height=240, label="Bar chart: initial denial rate attributed to each CARC category"),
    Panel("trend", "Denial trend: all claims and the selected payer / reason",
          lambda c: dn.trend(c.con, c.filters, sel(c)),
          figure=lambda df, c: figs.denial_trend(df, focus_label(dn.selection_labels(c.con, sel(c)))),
          metrics=(d.DENIAL_RATE_COUNT, d.FOCUS_DENIAL_RATE_COUNT), export_metrics=(d.DENIAL_RATE_DOLLARS,),
          integer_columns=_COUNTS, height=280,
          label="Line chart: monthly initial denial rate, all claims and the selected payer or reason"),
    Panel("pareto", "Pareto of denial reasons (denied dollars by CARC; click to focus the trend)",
          lambda c: dn.pareto(c.con, c.filters, sel(c)), figure=lambda df, c: figs.pareto(df, c.state.get("carc")),
          metrics=(d.PARETO_SHARE,), integer_columns=_COUNTS, clickable=True, height=320,
          label="Pareto chart: denied dollars by CARC, largest first, with the cumulative share"),
    Panel("group", "Initial denial rate by CARC group (CO, PR, OA, PI, CR)",
          lambda c: dn.by_reason(c.con, c.filters, sel(c), "carc_group"),
          figure=_rate_bars("reason", "reason_label", "reason_denial_rate_count", "Denial rate attributed (claims)",
                            None, "No denied lines in this period"),
          metrics=(d.REASON_DENIAL_RATE_COUNT, d.REASON_DENIAL_RATE_DOLLARS), integer_columns=_COUNTS, height=220,
          label="Bar chart: initial denial rate attributed to each CARC group"),
    Panel("specialty", "Initial denial rate by attending specialty",
          lambda c: dn.by_group(c.con, c.filters, sel(c), "specialty"),
          figure=_rate_bars("group_id", "group_label", "denial_rate_count", "Initial denial rate (claims)"),
          metrics=(d.DENIAL_RATE_COUNT,), export_metrics=(d.DENIAL_RATE_DOLLARS,), integer_columns=_COUNTS, height=220,
          label="Bar chart: initial denial rate (claims) by attending specialty"),
    Panel("procedure", "Initial denial rate by procedure code (line level, the top 50 by denied dollars)",
          lambda c: dn.procedures(c.con, c.filters, sel(c)), kind="grid",
          columns=(Column("rank", "#", "count", {"maxWidth": 70}), Column("code", "Code"),
                   Column("label", "codedash label", extra={"minWidth": 180}), Column("n_claims", "Claims", "count"),
                   Column("lines_adjudicated", "Lines", "count"), Column("lines_denied", "Lines denied", "count"),
                   Column("line_denial_rate_count", "Line denial rate", "percent"),
                   Column("denied_amount", "Denied $", "usd"),
                   Column("line_denial_rate_dollars", "Denial rate $", "percent")),
          metrics=(d.LINE_DENIAL_RATE_COUNT, d.LINE_DENIAL_RATE_DOLLARS), integer_columns=_COUNTS),
    Panel("coder", "Coding-related denials by coder", lambda c: dn.coding_related(c.con, c.filters, sel(c), "coder"),
          kind="grid", display=coders_with_links,
          columns=(Column("person_id", "Coder"), Column("person_name", "Name", extra={"minWidth": 140}), *_PERSON,
                   Column("scorecard", "Coding quality", extra={"cellRenderer": "markdown"})),
          metrics=_CODING_METRICS, integer_columns=_COUNTS, page_size=8, grid_height=320, names=True,
          note="Each coder links to their coding-quality scorecard under the same filters."),
    Panel("provider", "Coding-related denials by attending provider",
          lambda c: dn.coding_related(c.con, c.filters, sel(c), "provider"), kind="grid",
          columns=(Column("person_id", "Attending provider"), Column("person_name", "Name", extra={"minWidth": 140}),
                   *_PERSON),
          metrics=_CODING_METRICS, integer_columns=_COUNTS, page_size=8, grid_height=320, names=True),
    Panel("appeals", "Appeals, overturns and days to payment by payer", lambda c: dn.appeals(c.con, c.filters, sel(c)),
          kind="grid", summary=appeals_stats,
          columns=(Column("payer_id", "Payer"), Column("payer_name", "Name", extra={"minWidth": 140}),
                   Column("claims_denied", "Denied claims", "count"), Column("claims_appealed", "Appealed claims", "count"),
                   Column("appeal_filed_rate", "Filed rate", "percent"), Column("lines_resolved", "Decided lines", "count"),
                   Column("overturn_rate", "Overturn rate", "percent"),
                   Column("mean_days_denial_to_appeal", "Days to appeal", "days"),
                   Column("mean_days_appeal_to_resolution", "Days to decision", "days"),
                   Column("mean_days_service_to_payment", "Days service to paid", "days")),
          metrics=_APPEAL_METRICS, integer_columns=_COUNTS, page_size=8, grid_height=300,
          note="The grid lists payers; the figures above it are the total over all payers in view."),
    Panel("days", "How long it takes (lines per day bucket)",
          lambda c: dn.days_distribution(c.con, c.filters, sel(c), c.state["days"]), figure=_days_figure,
          controls=("days",), metrics=(d.DAYS_TO_APPEAL, d.DAYS_TO_RESOLUTION, d.DAYS_TO_PAYMENT),
          integer_columns=_COUNTS, height=220, label="Bar chart: service lines per day bucket for the chosen duration"),
    Panel("cmi", "Case mix index by discharge month", lambda c: dn.case_mix(c.con, c.filters, sel(c)),
          figure=lambda df, c: figs.cmi_trend(df), summary=cmi_note, metrics=(d.CASE_MIX_INDEX,),
          integer_columns=_COUNTS, height=240, label="Line chart: case mix index by discharge month"),
)

PAGE = Page(
    "denials", "Reimbursement & denials",
    "Which payers deny what, why, and is coding the cause? Periods by discharge date; denial rates are "
    "initial (first adjudication).",
    panels=PANELS,
    rows=("hfma", "money", "reimbursement", ("payer", "category"), "trend", "pareto", ("group", "specialty"), "procedure",
          "coder", "provider", "appeals", ("days", "cmi")),
    eager_rows=2,                 # the rest are computed as they scroll near (panels.Page.eager_rows)
    state=(StateKey("payer", "focus_payer", "payer", parse=_known("payer"), click_panel="payer"),
           StateKey("category", "carc_category", "CARC category", parse=_known("category"), click_panel="category"),
           StateKey("carc", "carc", "CARC code", parse=_known("carc"), click_panel="pareto"),
           StateKey("reimb", "reimb", "reimbursement grouping", default="payer", choices=dn.REIMBURSEMENT_DIMENSIONS),
           StateKey("days", "days", "duration", default="denial_to_appeal", choices=dn.DAYS_MEASURES)),
    chip=selection_chip,
)
layout = PAGE.layout
register_callbacks = PAGE.register
