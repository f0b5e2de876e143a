"""Reimbursement & denials: which payers deny what, why, and is coding the cause?

Every number comes from queries/sql/reimbursement__*.sql and denials__*.sql; rates are computed by
queries.metrics.with_metrics from the definitions in queries/definitions/denials.py (the claim-level
initial denial rate and CMI are the overview's). Clicking a payer bar, a CARC-category bar or a Pareto
bar sets a page-local cross-filter (dcc.Store `denials-selection`, re-validated on the server); the
global filters are never changed by it.
"""
from __future__ import annotations

import dash
import dash_mantine_components as dmc
import pandas as pd
from dash import Input, Output, State, ctx, dcc, html

from dashboard.components import empty_state, grid, panel
from dashboard.db import ReadOnlyDatabase
from dashboard.exports import csv_with_context
from dashboard.figures import denials as figs
from dashboard.formatting import format_value
from dashboard.inputs import as_choice, clicked_value
from dashboard.panels import pick_select, register_pick
from dashboard.url_state import needs_filters, search_from_filters, validate_filters
from queries.definitions import denials as d
from queries.metrics import with_metrics
from queries.params import ParameterError, ParamSpec
from queries.runner import run

GRAPH_CONFIG = {"displayModeBar": False}
SELECTION_KEYS = ("payer", "category", "carc")
_ID_SPEC = ParamSpec("selection", "text")
DAYS_MEASURES = {"denial_to_appeal": "Denial → appeal", "appeal_to_resolution": "Appeal → decision",
                 "service_to_payment": "Service → payment"}


# ---------------------------------------------------------------- page-local cross-filter

def validate_selection(con, raw) -> dict:
    """The cross-filter the browser sent, keeping only ids that exist (payer, CARC category, CARC code)."""
    clean: dict = {}
    if not isinstance(raw, dict):
        return clean
    lookups = {"payer": "select 1 from payers where payer_id = $v",
               "category": "select 1 from ref_carc where category = $v union all select 1 where $v = 'uncategorised'",
               "carc": "select 1 from ref_carc where carc_code = $v"}
    for key in SELECTION_KEYS:
        try:
            value = _ID_SPEC.parse(raw.get(key))
        except ParameterError:
            continue
        if value is not None and con.execute(lookups[key], {"v": value}).fetchone():
            clean[key] = value
    return clean


def next_selection(current: dict, key: str | None, click: dict | None) -> dict:
    """Selection after a click on a bar of `key` (toggle off when the same bar is clicked again)."""
    if key is None:
        return {}
    value = clicked_value(click)
    if value is None:
        return current
    out = {k: v for k, v in current.items() if k in SELECTION_KEYS}
    if out.get(key) == value:
        out.pop(key)
    else:
        out[key] = value
    return out


def effective_filters(filters: dict, selection: dict) -> dict:
    """Global filters narrowed to the selected payer (only if the global payer filter allows it)."""
    payer = selection.get("payer")
    if payer and (not filters.get("payers") or payer in filters["payers"]):
        return {**filters, "payers": [payer]}
    return filters


def _inputs(con, raw_filters, raw_selection) -> tuple[dict, dict]:
    filters = validate_filters(raw_filters)
    return filters, validate_selection(con, raw_selection)


def selection_chip(con, raw_filters, raw_selection):
    _, sel = _inputs(con, raw_filters, raw_selection)
    if not sel:
        return dmc.Text("Click a payer, CARC category or Pareto bar to filter this page.", size="xs", c="dimmed",
                        id="denials-chip-hint")
    parts = []
    if "payer" in sel:
        parts.append(f"payer {sel['payer']}")
    if "category" in sel:
        parts.append(f"CARC category {sel['category']}")
    if "carc" in sel:
        parts.append(f"CARC {sel['carc']}")
    return dmc.Badge(f"Filtered to {', '.join(parts)}", color="red", variant="light", size="lg", id="denials-chip")


# ---------------------------------------------------------------- data: query -> metrics

def data_money(con, filters, sel):
    return with_metrics(run(con, "reimbursement__monthly", effective_filters(filters, sel)),
                        (d.NET_COLLECTION_RATE, d.GROSS_COLLECTION_RATE))


def reimbursement_dimension(value) -> str:
    """The grouping the browser asked for, when it is one the page offers."""
    return as_choice(value, ("payer", "specialty"), "payer")


def data_reimbursement(con, filters, sel, dimension="payer"):
    dimension = reimbursement_dimension(dimension)
    return with_metrics(run(con, "reimbursement__by_group", {**effective_filters(filters, sel), "dimension": dimension}),
                        (d.NET_COLLECTION_RATE, d.GROSS_COLLECTION_RATE))


def data_by_group(con, filters, sel, dimension):
    f = filters if dimension == "payer" else effective_filters(filters, sel)
    return with_metrics(run(con, "denials__rate_by_group", {**f, "dimension": dimension}),
                        (d.DENIAL_RATE_COUNT, d.DENIAL_RATE_DOLLARS))


def data_by_reason(con, filters, sel, level):
    return with_metrics(run(con, "denials__rate_by_reason", {**effective_filters(filters, sel), "level": level}),
                        (d.REASON_DENIAL_RATE_COUNT, d.REASON_DENIAL_RATE_DOLLARS))


def data_trend(con, filters, sel):
    params = {**filters, "focus_payer": sel.get("payer"), "focus_carc": sel.get("carc"),
              "focus_category": sel.get("category")}
    return with_metrics(run(con, "denials__monthly_trend", params),
                        (d.DENIAL_RATE_COUNT, d.DENIAL_RATE_DOLLARS, d.FOCUS_DENIAL_RATE_COUNT))


def data_pareto(con, filters, sel):
    return run(con, "denials__pareto", {**effective_filters(filters, sel), "carc_category": sel.get("category")})


def data_procedures(con, filters, sel):
    return with_metrics(run(con, "denials__rate_by_procedure",
                            {**effective_filters(filters, sel), "carc_category": sel.get("category")}),
                        (d.LINE_DENIAL_RATE_COUNT, d.LINE_DENIAL_RATE_DOLLARS))


def data_coding(con, filters, sel, role):
    return with_metrics(run(con, "denials__coding_related_by_person", {**effective_filters(filters, sel), "role": role}),
                        (d.CODING_DENIAL_RATE, d.CODING_DENIAL_RATE_LINES, d.CODING_DENIAL_RATE_DOLLARS))


def data_appeals(con, filters, sel):
    return with_metrics(run(con, "denials__appeals", {**effective_filters(filters, sel), "carc_category": sel.get("category")}),
                        (d.APPEAL_FILED_RATE, d.OVERTURN_RATE, d.DAYS_TO_APPEAL, d.DAYS_TO_RESOLUTION, d.DAYS_TO_PAYMENT))


def data_days(con, filters, sel):
    return run(con, "denials__days_distribution", {**effective_filters(filters, sel), "carc_category": sel.get("category")})


def data_cmi(con, filters, sel):
    return with_metrics(run(con, "denials__case_mix_monthly", effective_filters(filters, sel)), (d.CASE_MIX_INDEX,))


# ---------------------------------------------------------------- grid helpers

def _fmt(unit: str) -> dict:
    js = {"percent": "d3.format('.1%')(params.value)", "usd": "d3.format('$,.0f')(params.value)",
          "count": "d3.format(',d')(params.value)", "days": "d3.format('.1f')(params.value)",
          "index": "d3.format('.3f')(params.value)"}[unit]
    return {"function": f"params.value == null ? (params.data.suppressed ? '‡ suppressed' : '—') : {js}"}


def _col(field, header, unit=None, **extra):
    col = {"field": field, "headerName": header, **extra}
    if unit:
        col.update({"valueFormatter": _fmt(unit), "type": "rightAligned", "filter": "agNumberColumnFilter"})
    return col


def _rows(df: pd.DataFrame, columns) -> list[dict]:
    keep = [c for c in columns if c in df.columns] + (["suppressed"] if "suppressed" in df.columns else [])
    out = df[keep].astype(object).where(df[keep].notna(), None)
    return out.to_dict("records")


# ---------------------------------------------------------------- panel bodies

def body_money(con, raw_filters, raw_sel):
    filters, sel = _inputs(con, raw_filters, raw_sel)
    df = data_money(con, filters, sel)
    if df.empty:
        return empty_state("No service lines in this period.")
    tot = df.drop(columns=["month"]).sum(numeric_only=True)
    any_sup = bool(df["suppressed"].any())
    ncr = None if any_sup or not tot["net_charges"] else tot["paid_amount"] / tot["net_charges"]
    gcr = None if any_sup or not tot["charges"] else tot["paid_amount"] / tot["charges"]
    stats = dmc.Group([
        _stat("Charges", format_value(tot["charges"], "usd", any_sup), "denials-stat-charges"),
        _stat("Allowed", format_value(tot["allowed_amount"], "usd", any_sup), "denials-stat-allowed"),
        _stat("Paid", format_value(tot["paid_amount"], "usd", any_sup), "denials-stat-paid"),
        _stat("Net collection rate", format_value(ncr, "percent", any_sup), "denials-stat-ncr"),
        _stat("Gross collection rate (paid ÷ charges)", format_value(gcr, "percent", any_sup), "denials-stat-gcr"),
    ], gap="xl")
    return [stats, dcc.Graph(figure=figs.money_trend(df), config=GRAPH_CONFIG, id="denials-money-graph")]


def _stat(label, value, id_):
    return dmc.Stack([dmc.Text(label, size="xs", c="dimmed"), dmc.Text(value, fw=700, id=id_)], gap=0)


def body_reimbursement(con, raw_filters, raw_sel, dimension="payer"):
    filters, sel = _inputs(con, raw_filters, raw_sel)
    dimension = reimbursement_dimension(dimension)
    df = data_reimbursement(con, filters, sel, dimension)
    if df.empty:
        return empty_state("No service lines in this period.")
    cols = [_col("group_id", "id"), _col("group_label", "payer" if dimension != "specialty" else "specialty"),
            _col("n_encounters", "encounters", "count"), _col("charges", "charges", "usd"),
            _col("allowed_amount", "allowed", "usd"), _col("paid_amount", "paid", "usd"),
            _col("contractual_adjustments", "contractual adj.", "usd"),
            _col("net_collection_rate", "net collection rate", "percent"),
            _col("gross_collection_rate", "gross (paid ÷ charges)", "percent")]
    return grid("denials-reimbursement-grid", _rows(df, [c["field"] for c in cols]), cols, page_size=10, height=340)


def body_payers(con, raw_filters, raw_sel):
    filters, sel = _inputs(con, raw_filters, raw_sel)
    df = data_by_group(con, filters, sel, "payer")
    return figs.rate_bars(df, "group_id", "group_label", "denial_rate_count", "Initial denial rate (claims)",
                          sel.get("payer"))


def body_specialties(con, raw_filters, raw_sel):
    filters, sel = _inputs(con, raw_filters, raw_sel)
    df = data_by_group(con, filters, sel, "specialty")
    return dcc.Graph(figure=figs.rate_bars(df, "group_id", "group_label", "denial_rate_count",
                                           "Initial denial rate (claims)"),
                     config=GRAPH_CONFIG, id="denials-specialty-graph")


def body_reasons(con, raw_filters, raw_sel):
    filters, sel = _inputs(con, raw_filters, raw_sel)
    cat = data_by_reason(con, filters, sel, "category")
    grp = data_by_reason(con, filters, sel, "carc_group")
    return (figs.rate_bars(cat, "reason", "reason_label", "reason_denial_rate_count", "Denial rate attributed (claims)",
                           sel.get("category"), "No denied lines in this period"),
            figs.rate_bars(grp, "reason", "reason_label", "reason_denial_rate_count", "Denial rate attributed (claims)",
                           None, "No denied lines in this period"))


# keyboard cross-filters (dashboard/panels.py pick_select): a select beside each clickable chart
_PICKS = (("denials-payer-pick", "payer", "payer", "denials-payer-graph"),
          ("denials-category-pick", "category", "CARC category", "denials-category-graph"),
          ("denials-carc-pick", "carc", "CARC code", "denials-pareto-graph"))
_PICK = {graph: pick_select(pick, name, label) for pick, name, label, graph in _PICKS}


_REASON_GRAPHS = dmc.SimpleGrid([
    dmc.Stack([dmc.Text("By codedash CARC category (click to filter)", size="xs", c="dimmed"),
               _PICK["denials-category-graph"], dcc.Graph(id="denials-category-graph", config=GRAPH_CONFIG)], gap=2),
    dmc.Stack([dmc.Text("By CARC group (CO, PR, OA, PI, CR)", size="xs", c="dimmed"),
               dcc.Graph(id="denials-group-graph", config=GRAPH_CONFIG)], gap=2),
], cols={"base": 1, "md": 2})


def focus_label(sel: dict) -> str | None:
    if not any(k in sel for k in SELECTION_KEYS):
        return None
    who = f"payer {sel['payer']}" if "payer" in sel else "all payers"
    why = " & ".join(x for x in (f"CARC {sel['carc']}" if "carc" in sel else "",
                                 sel.get("category", "")) if x) or "any reason"
    return f"{who}, {why}"


def body_trend(con, raw_filters, raw_sel):
    filters, sel = _inputs(con, raw_filters, raw_sel)
    df = data_trend(con, filters, sel)
    return dcc.Graph(figure=figs.denial_trend(df, focus_label(sel)), config=GRAPH_CONFIG, id="denials-trend-graph")


def body_pareto(con, raw_filters, raw_sel):
    filters, sel = _inputs(con, raw_filters, raw_sel)
    df = data_pareto(con, filters, sel)
    return figs.pareto(df, sel.get("carc"))


def body_procedures(con, raw_filters, raw_sel):
    filters, sel = _inputs(con, raw_filters, raw_sel)
    df = data_procedures(con, filters, sel)
    if df.empty:
        return empty_state("No adjudicated CPT/HCPCS lines in this period.")
    cols = [_col("rank", "#", "count", maxWidth=70), _col("code", "code"), _col("label", "codedash label"),
            _col("n_claims", "claims", "count"), _col("lines_adjudicated", "lines", "count"),
            _col("lines_denied", "lines denied", "count"),
            _col("line_denial_rate_count", "line denial rate", "percent"),
            _col("denied_amount", "denied $", "usd"), _col("line_denial_rate_dollars", "denial rate $", "percent")]
    return grid("denials-procedure-grid", _rows(df, [c["field"] for c in cols]), cols, page_size=10, height=360)


def coder_link(filters: dict, coder_id: str) -> str:
    """The coding quality page filtered to one coder (its scorecard) under the current global filters."""
    return "/coding-quality" + search_from_filters({**filters, "coders": [coder_id]})


def body_coding(con, raw_filters, raw_sel):
    filters, sel = _inputs(con, raw_filters, raw_sel)
    coders = data_coding(con, filters, sel, "coder")
    providers = data_coding(con, filters, sel, "provider")
    if coders.empty and providers.empty:
        return empty_state("No claims adjudicated in this period.")
    coders = coders.sort_values(["coding_denial_rate_lines", "person_id"], ascending=[False, True], na_position="last")
    coders["scorecard"] = [f"[scorecard]({coder_link(filters, c)})" for c in coders["person_id"]]
    base = [_col("claims_submitted", "claims", "count"),
            _col("claims_coding_denied", "coding-denied claims", "count"),
            _col("coding_denial_rate", "rate (claims)", "percent"),
            _col("lines_coding_denied", "coding-denied lines", "count"),
            _col("coding_denial_rate_lines", "rate (lines)", "percent", sort="desc"),
            _col("coding_denied_amount", "denied $", "usd"),
            _col("coding_denial_rate_dollars", "rate $", "percent"), _col("top_carcs", "top CARCs")]
    ccols = [_col("person_id", "coder"), _col("person_name", "name"), *base,
             _col("scorecard", "coding quality", cellRenderer="markdown")]
    pcols = [_col("person_id", "attending provider"), _col("person_name", "name"), *base]
    return dmc.Stack([
        dmc.Text("Coders", size="sm", fw=600),
        grid("denials-coder-grid", _rows(coders, [c["field"] for c in ccols]), ccols, page_size=8, height=320),
        dmc.Text("Attending providers", size="sm", fw=600),
        grid("denials-provider-grid", _rows(providers, [c["field"] for c in pcols]), pcols, page_size=8, height=320),
    ], gap="xs")


def body_appeals(con, raw_filters, raw_sel):
    filters, sel = _inputs(con, raw_filters, raw_sel)
    df = data_appeals(con, filters, sel)
    days = data_days(con, filters, sel)
    if df.empty or not df["is_total"].any():
        return empty_state("No claims adjudicated in this period.")
    total = df[df["is_total"]].iloc[0]
    sup = bool(total["suppressed"])

    def stat(m, id_):
        value = total[m.key]
        shown = (f"{value:.1f} days" if m.unit == "days" and pd.notna(value)
                 else format_value(None if pd.isna(value) else value, m.unit,
                                   sup and pd.isna(value)))
        return _stat(m.label, shown, id_)

    stats = dmc.Group([stat(d.APPEAL_FILED_RATE, "denials-stat-filed"), stat(d.OVERTURN_RATE, "denials-stat-overturn"),
                       stat(d.DAYS_TO_APPEAL, "denials-stat-days-appeal"),
                       stat(d.DAYS_TO_RESOLUTION, "denials-stat-days-resolution"),
                       stat(d.DAYS_TO_PAYMENT, "denials-stat-days-payment")], gap="xl")
    dists = dmc.SimpleGrid([
        dmc.Stack([dmc.Text(label + " (lines)", size="xs", c="dimmed"),
                   dcc.Graph(figure=figs.distribution(days[days["measure"] == key].reset_index(drop=True), label),
                             config=GRAPH_CONFIG)], gap=2)
        for key, label in DAYS_MEASURES.items()], cols={"base": 1, "md": 3})
    per_payer = df[~df["is_total"]]
    cols = [_col("payer_id", "payer"), _col("payer_name", "name"), _col("claims_denied", "denied claims", "count"),
            _col("claims_appealed", "appealed claims", "count"), _col("appeal_filed_rate", "filed rate", "percent"),
            _col("lines_resolved", "decided lines", "count"), _col("overturn_rate", "overturn rate", "percent"),
            _col("mean_days_denial_to_appeal", "days → appeal", "days"),
            _col("mean_days_appeal_to_resolution", "days → decision", "days"),
            _col("mean_days_service_to_payment", "days service → paid", "days")]
    return dmc.Stack([stats, dists,
                      grid("denials-appeals-grid", _rows(per_payer, [c["field"] for c in cols]), cols,
                           page_size=8, height=300)], gap="sm")


def body_cmi(con, raw_filters, raw_sel):
    filters, sel = _inputs(con, raw_filters, raw_sel)
    df = data_cmi(con, filters, sel)
    no_weights = df[(df["drg_discharges"] == 0) & (df["unweighted_discharges"] > 0)] if not df.empty else df
    note = None
    if len(no_weights):
        months = pd.to_datetime(no_weights["month"])
        note = dmc.Text(f"No CMI for {len(no_weights)} month(s) ({months.min():%b %Y} – {months.max():%b %Y}): the "
                        "reference tables carry MS-DRG relative weights only for the FY2026 grouper versions, so "
                        "those discharges have no weight. They are gaps, not zeros.", size="xs", c="orange",
                        id="denials-cmi-note")
    return [dcc.Graph(figure=figs.cmi_trend(df), config=GRAPH_CONFIG, id="denials-cmi-graph"), note]


# ---------------------------------------------------------------- exports

def _export_frames(con, panel_id, filters, sel, extra=None):
    """(frame, title, metrics) behind each panel's CSV button."""
    if panel_id == "denials-money":
        return data_money(con, filters, sel), "charges, allowed and paid by discharge month", (d.NET_COLLECTION_RATE, d.GROSS_COLLECTION_RATE)
    if panel_id == "denials-reimbursement":
        dimension = reimbursement_dimension(extra)     # a browser value: never written into the title as sent
        return (data_reimbursement(con, filters, sel, dimension), f"reimbursement by {dimension}",
                (d.NET_COLLECTION_RATE, d.GROSS_COLLECTION_RATE))
    if panel_id == "denials-payers":
        return data_by_group(con, filters, sel, "payer"), "initial denial rate by payer", (d.DENIAL_RATE_COUNT, d.DENIAL_RATE_DOLLARS)
    if panel_id == "denials-specialties":
        return data_by_group(con, filters, sel, "specialty"), "initial denial rate by specialty", (d.DENIAL_RATE_COUNT, d.DENIAL_RATE_DOLLARS)
    if panel_id == "denials-reasons":
        both = pd.concat([data_by_reason(con, filters, sel, "category").assign(level="category"),
                          data_by_reason(con, filters, sel, "carc_group").assign(level="carc_group")], ignore_index=True)
        return both, "initial denial rate by CARC category and group", (d.REASON_DENIAL_RATE_COUNT, d.REASON_DENIAL_RATE_DOLLARS)
    if panel_id == "denials-trend":
        return data_trend(con, filters, sel), "monthly initial denial rate", (d.DENIAL_RATE_COUNT, d.DENIAL_RATE_DOLLARS, d.FOCUS_DENIAL_RATE_COUNT)
    if panel_id == "denials-pareto":
        return data_pareto(con, filters, sel), "Pareto of denial reasons", (d.PARETO_SHARE,)
    if panel_id == "denials-procedures":
        return data_procedures(con, filters, sel), "line-level initial denial rate by procedure", (d.LINE_DENIAL_RATE_COUNT, d.LINE_DENIAL_RATE_DOLLARS)
    if panel_id == "denials-coding":
        both = pd.concat([data_coding(con, filters, sel, "coder").assign(role="coder"),
                          data_coding(con, filters, sel, "provider").assign(role="provider")], ignore_index=True)
        return both, "coding-related denials by coder and attending provider", (d.CODING_DENIAL_RATE_LINES, d.CODING_DENIAL_RATE, d.CODING_DENIAL_RATE_DOLLARS)
    if panel_id == "denials-appeals":
        return (data_appeals(con, filters, sel), "appeals and days to payment by payer",
                (d.APPEAL_FILED_RATE, d.OVERTURN_RATE, d.DAYS_TO_APPEAL, d.DAYS_TO_RESOLUTION, d.DAYS_TO_PAYMENT))
    if panel_id == "denials-cmi":
        return data_cmi(con, filters, sel), "case mix index by discharge month", (d.CASE_MIX_INDEX,)
    raise KeyError(panel_id)


def export(con, panel_id, raw_filters, raw_sel, extra=None) -> dict:
    filters, sel = _inputs(con, raw_filters, raw_sel)
    df, title, metrics = _export_frames(con, panel_id, filters, sel, extra)
    if sel:
        title += " — page filter " + ", ".join(f"{k}={v}" for k, v in sorted(sel.items()))
    ints = [c for c in df.columns if c.startswith(("n_", "claims_", "lines_")) or c in ("rank", "inpatient_discharges",
                                                                                          "drg_discharges", "unweighted_discharges")]
    return dict(content=csv_with_context(df, title, filters, metrics, ints), filename=f"codedash-{panel_id}.csv")


# ---------------------------------------------------------------- layout and callbacks

PANELS = {  # panel id -> (title, body function, metrics shown in the panel header)
    "denials-money": ("Charges, allowed and paid by discharge month", body_money, (d.NET_COLLECTION_RATE, d.GROSS_COLLECTION_RATE)),
    "denials-payers": ("Initial denial rate by payer (click a bar to filter the page)", body_payers, (d.DENIAL_RATE_COUNT, d.DENIAL_RATE_DOLLARS)),
    "denials-reasons": ("Initial denial rate by denial reason", body_reasons, (d.REASON_DENIAL_RATE_COUNT, d.REASON_DENIAL_RATE_DOLLARS)),
    "denials-trend": ("Denial trend: all claims and the selected payer / reason", body_trend, (d.DENIAL_RATE_COUNT, d.FOCUS_DENIAL_RATE_COUNT)),
    "denials-pareto": ("Pareto of denial reasons (denied dollars by CARC; click to focus the trend)", body_pareto, (d.PARETO_SHARE,)),
    "denials-specialties": ("Initial denial rate by attending specialty", body_specialties, (d.DENIAL_RATE_COUNT,)),
    "denials-procedures": ("Initial denial rate by procedure code (line level, top 50 by denied dollars)", body_procedures, (d.LINE_DENIAL_RATE_COUNT, d.LINE_DENIAL_RATE_DOLLARS)),
    "denials-coding": ("Coding-related denials by coder and attending provider", body_coding, (d.CODING_DENIAL_RATE_LINES, d.CODING_DENIAL_RATE, d.CODING_DENIAL_RATE_DOLLARS)),
    "denials-appeals": ("Appeals, overturns and days to payment", body_appeals, (d.APPEAL_FILED_RATE, d.OVERTURN_RATE, d.DAYS_TO_APPEAL, d.DAYS_TO_RESOLUTION, d.DAYS_TO_PAYMENT)),
    "denials-cmi": ("Case mix index by discharge month", body_cmi, (d.CASE_MIX_INDEX,)),
}
_LOADING = dmc.Text("Loading…", c="dimmed", size="sm")
# Clickable charts stay in the layout (their figures are updated), so the cross-filter callback's inputs always exist.
_STATIC_BODIES = {"denials-payers": html.Div([_PICK["denials-payer-graph"],
                                              dcc.Graph(id="denials-payer-graph", config=GRAPH_CONFIG)]),
                  "denials-reasons": _REASON_GRAPHS,
                  "denials-pareto": html.Div([_PICK["denials-pareto-graph"],
                                              dcc.Graph(id="denials-pareto-graph", config=GRAPH_CONFIG)])}
_OUTPUTS = {"denials-payers": [Output("denials-payer-graph", "figure")],
            "denials-reasons": [Output("denials-category-graph", "figure"), Output("denials-group-graph", "figure")],
            "denials-pareto": [Output("denials-pareto-graph", "figure")]}


def layout(**_query):
    p = {pid: panel(pid, title, _STATIC_BODIES.get(pid, _LOADING), metrics) for pid, (title, _, metrics) in PANELS.items()}
    reimb = panel("denials-reimbursement", "Reimbursement by payer or specialty", [
        dmc.SegmentedControl(id="denials-reimb-dim", value="payer", size="xs",
                             data=[{"value": "payer", "label": "Payer"}, {"value": "specialty", "label": "Specialty"}]),
        html.Div(_LOADING, id="denials-reimbursement-grid-slot")], (d.NET_COLLECTION_RATE, d.GROSS_COLLECTION_RATE))
    return dmc.Stack([
        dmc.Stack([dmc.Title("Reimbursement & denials", order=2),
                   dmc.Text("Which payers deny what, why, and is coding the cause? Periods by discharge date; "
                            "denial rates are initial (first adjudication).", c="dimmed", size="sm")], gap=0),
        dmc.Group([html.Div(id="denials-chip-slot"),
                   dmc.Button("Clear page filter", id="denials-clear", variant="subtle", size="compact-xs")], gap="xs"),
        dcc.Store(id="denials-selection", data={}),
        p["denials-money"], reimb,
        dmc.SimpleGrid([p["denials-payers"], p["denials-reasons"]], cols={"base": 1, "lg": 2}),
        p["denials-trend"], p["denials-pareto"],
        dmc.SimpleGrid([p["denials-specialties"], p["denials-procedures"]], cols={"base": 1, "lg": 2}),
        p["denials-coding"], p["denials-appeals"], p["denials-cmi"],
    ], gap="md", id="page-denials")


def register_callbacks(app: dash.Dash, db: ReadOnlyDatabase) -> None:
    for pick, _name, _label, graph in _PICKS:
        register_pick(app, pick, graph, "denials-selection")

    @app.callback(Output("denials-selection", "data"),
                  Input("denials-payer-graph", "clickData"), Input("denials-category-graph", "clickData"),
                  Input("denials-pareto-graph", "clickData"), Input("denials-clear", "n_clicks"),
                  State("denials-selection", "data"), prevent_initial_call=True)
    def select(payer_click, category_click, pareto_click, _clear, current):
        key = {"denials-payer-graph": "payer", "denials-category-graph": "category",
               "denials-pareto-graph": "carc"}.get(ctx.triggered_id)
        click = {"payer": payer_click, "category": category_click, "carc": pareto_click}.get(key)
        return validate_selection(db.cursor(), next_selection(validate_selection(db.cursor(), current), key, click))

    @app.callback(Output("denials-chip-slot", "children"), Input("filters", "data"), Input("denials-selection", "data"))
    @needs_filters
    def chip(raw_filters, raw_sel):
        return selection_chip(db.cursor(), raw_filters, raw_sel)

    @app.callback(Output("denials-reimbursement-grid-slot", "children"), Input("filters", "data"),
                  Input("denials-selection", "data"), Input("denials-reimb-dim", "value"))
    @needs_filters
    def reimbursement(raw_filters, raw_sel, dimension):
        return body_reimbursement(db.cursor(), raw_filters, raw_sel, dimension)

    for pid, (_, body, _) in PANELS.items():
        outputs = _OUTPUTS.get(pid, [Output(f"{pid}-body", "children")])
        app.callback(*outputs, Input("filters", "data"),
                     Input("denials-selection", "data"))(needs_filters(lambda f, s, _body=body: _body(db.cursor(), f, s)))

    for pid in (*PANELS, "denials-reimbursement"):
        app.callback(Output(f"{pid}-download", "data"), Input(f"{pid}-download-btn", "n_clicks"),
                     State("filters", "data"), State("denials-selection", "data"), State("denials-reimb-dim", "value"),
                     prevent_initial_call=True)(
            lambda _n, f, s, dim, _pid=pid: export(db.cursor(), _pid, f, s, dim if _pid == "denials-reimbursement" else None))
