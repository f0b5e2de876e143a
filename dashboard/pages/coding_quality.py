"""Coding quality: is each coder accurate and fast, and where do coding errors cost money?

Selecting exactly one coder (the global coder filter, kept in the URL) turns the page into that
coder's scorecard, compared with the team (same filters without the coder filter). Clicking a coder
in the accuracy chart or grid navigates to that scorecard. Clicking a finding type filters the code
pairs (page-local cross-filter, validated on the server).
"""
from __future__ import annotations

import dash
import dash_mantine_components as dmc
import pandas as pd
from dash import Input, Output, State, ctx, dcc, no_update

from codedash.dashboard.components import empty_state
from codedash.dashboard.figures import coding_quality as fig
from codedash.dashboard.formatting import format_value
from codedash.dashboard.inputs import as_choice, as_dict, as_int, as_list, clicked_value
from codedash.dashboard.panels import Column, Context, Page, Panel, StateKey
from codedash.dashboard.url_state import search_from_filters, validate_filters
from codedash.queries import coding_quality as cq
from codedash.queries import known_ids
from codedash.queries.definitions.coding_quality import (
    ACCURACY_METRICS, CODE_ACCURACY, DNFB_METRICS, DRG_ACCURACY, ERROR_SHARE, IMPACT_METRICS,
    PRODUCTIVITY_METRICS, RECORD_ACCURACY, TURNAROUND)
from codedash.queries.filters import ALL
from codedash.queries.suppression import MARKER

PATH = "/coding-quality"
FINDING_TYPES = ("added", "deleted", "revised", "resequenced", "poa", "modifier")
ACCURACY_CHOICES = {CODE_ACCURACY.key: CODE_ACCURACY, RECORD_ACCURACY.key: RECORD_ACCURACY,
                    DRG_ACCURACY.key: DRG_ACCURACY}


def _target_note() -> str:
    t = cq.productivity_targets()
    return (f"Targets per hour: inpatient {t['inpatient']:g} (AHIMA, about 3/hour), outpatient {t['outpatient']:g}, "
            f"emergency {t['emergency']:g}, office {t['office']:g} (local defaults; CODEDASH_TARGET_PER_HOUR_*). "
            f"Per day is per coder-day across encounter types ('all types': a day counts once however many "
            f"types it mixed), against the day target of the coder's own mix (per-hour targets × "
            f"{cq.hours_per_day():g} coding hours, weighted by the encounters of each type).")


CODER_COLUMNS = (
    Column("rank", "Rank", "count", {"maxWidth": 90}), Column("coder_name", "Coder", extra={"minWidth": 150}),
    Column("coder_id", "ID", extra={"maxWidth": 100}), Column("audit_codes_reviewed", "Audited codes", "count"),
    Column("coding_accuracy", "Code accuracy", "percent"), Column("ci", "95% CI", extra={"minWidth": 130}),
    Column("flag", "Status", extra={"minWidth": 170}), Column("record_accuracy", "Record accuracy", "percent"),
    Column("drg_audits", "DRG audits", "count"), Column("drg_change_rate", "DRG change rate", "percent", {"valueFormatter": {"function": (
        "params.value == null ? (params.data && !params.data.drg_none && params.data.suppressed ? '‡ suppressed' "
        ": '—') : d3.format('.1%')(params.value)")}}),   # '—' = no DRG audits (drg_none), not suppression
    Column("under_coded_amount", "Under-coded $", "usd"), Column("over_coded_amount", "Over-coded $", "usd"),
    Column("net_impact", "Net $", "usd"),
)
PAIR_COLUMNS = (Column("code_system", "System"), Column("finding_type", "Finding"),
                Column("original_label", "Original"), Column("corrected_label", "Corrected"),
                Column("n_findings", "Findings", "count"))
PROD_COLUMNS = (Column("coder_name", "Coder", extra={"minWidth": 140}), Column("encounter_type", "Type"),
                Column("n_coded", "Coded", "count"), Column("encounters_per_hour", "Per hour", "rate"),
                Column("target_per_hour", "Target per hour", "rate"),
                Column("encounters_per_day", "Per day", "rate"), Column("target_per_day", "Target per day", "rate"))
IMPACT_FIELDS = ("coder_id", "coder_name", "is_team", "drg_audits", "drg_changed", "drg_change_rate", "n_under_coded",
                 "under_coded_amount", "n_over_coded", "over_coded_amount", "net_impact", "suppressed")


def _coder_columns() -> list[dict]:
    return [c.grid_def() for c in CODER_COLUMNS]


def _pair_columns() -> list[dict]:
    return [c.grid_def() for c in PAIR_COLUMNS]


def _prod_columns() -> list[dict]:
    return [c.grid_def() for c in PROD_COLUMNS]


# ---------------------------------------------------------------- pure render functions (tested)

def _records(df: pd.DataFrame) -> list[dict]:
    out = df.astype(object).where(df.notna(), None)
    for col in out.columns:
        out[col] = [v.isoformat()[:10] if hasattr(v, "isoformat") else v for v in out[col]]
    return out.to_dict("records")


def coder_label(con, coder_id: str) -> str:
    return known_ids.labels(con, "coders", [coder_id]).get(coder_id, coder_id)


def render_header(con, raw_filters):
    filters = validate_filters(raw_filters)
    coder = cq.scorecard_coder(filters)
    if not coder:
        return dmc.Stack([dmc.Title("Coding quality", order=2),
                          dmc.Text("Team view. Click a coder for their scorecard.", size="sm", c="dimmed")], gap=0)
    back = PATH + search_from_filters(cq.team_filters(filters))
    return dmc.Group([
        dmc.Title(f"Scorecard: {coder_label(con, coder)}", order=2, id="cq-scorecard-title"),
        dcc.Link("← back to team", href=back, id="cq-back-to-team"),
    ], gap="md", align="baseline")


def accuracy_rows(con, filters: dict) -> pd.DataFrame:
    """Per coder + team rows for the chart and grid; in a scorecard: the coder and the team only."""
    coder = cq.scorecard_coder(filters)
    return cq.accuracy_by_coder(con, cq.team_filters(filters) if coder else filters, scope=ALL, focus=coder)


def _flag(r) -> str:
    if pd.isna(r["coding_accuracy"]):
        return f"{MARKER} suppressed"
    parts = []
    if r["small_sample"] and not r["is_team"]:
        parts.append("small sample")
    parts.append({"below": "below target", "meets": "meets target", "uncertain": "not distinguishable"}.get(
        r["vs_target"], ""))
    if r.get("below_team"):
        parts.append("below team")
    return ", ".join(p for p in parts if p)


def render_accuracy(con, raw_filters, metric_key: str):
    filters = validate_filters(raw_filters)
    metric = ACCURACY_CHOICES[as_choice(metric_key, ACCURACY_CHOICES, CODE_ACCURACY.key)]
    acc = accuracy_rows(con, filters)
    return fig.accuracy_intervals(acc, metric.key, metric.label, cq.accuracy_target(),
                                  selected=cq.scorecard_coder(filters))


def render_coders(con, raw_filters) -> list[dict]:
    acc = accuracy_rows(con, validate_filters(raw_filters))
    return _records(_coders_frame(acc).drop(columns=["suppressed"])) if len(acc) else []


def render_trend(con, raw_filters):
    trend = cq.accuracy_trend(con, validate_filters(raw_filters), scope=ALL)
    return fig.accuracy_trend(trend, CODE_ACCURACY.key, CODE_ACCURACY.label, cq.accuracy_target())


def render_code_systems(con, raw_filters):
    return fig.code_system_accuracy(cq.accuracy_by_code_system(con, validate_filters(raw_filters), scope=ALL),
                                    cq.accuracy_target())


def valid_finding_type(value) -> str | None:
    return as_choice(value, FINDING_TYPES, None)


def render_taxonomy(con, raw_filters, finding_type=None):
    return fig.error_taxonomy(cq.error_taxonomy(con, validate_filters(raw_filters), scope=ALL),
                              valid_finding_type(finding_type))


def render_pairs(con, raw_filters, finding_type=None) -> tuple[list[dict], str]:
    ft = valid_finding_type(finding_type)
    pairs = cq.code_pairs(con, validate_filters(raw_filters), finding_type=ft, scope=ALL)
    cols = [c["field"] for c in _pair_columns()]
    text = f"Finding type: {ft}" if ft else "All finding types"
    return _records(pairs[cols]) if len(pairs) else [], text


def render_impact(con, raw_filters):
    acc = accuracy_rows(con, validate_filters(raw_filters))
    return _impact_summary(acc), fig.financial_impact(_impact_frame(acc) if len(acc) else acc)


def render_productivity(con, raw_filters, measure: str):
    measure = as_choice(measure, ("encounters_per_hour", "encounters_per_day"), "encounters_per_hour")
    prod = cq.productivity(con, validate_filters(raw_filters), scope=ALL)
    cols = [c["field"] for c in _prod_columns()]
    return fig.productivity(prod, measure), _records(prod[cols]) if len(prod) else []


def render_turnaround(con, raw_filters):
    df = cq.turnaround(con, validate_filters(raw_filters), scope=ALL)
    return _turnaround_summary(df), fig.turnaround(df)


def render_dnfb(con, raw_filters):
    data = _dnfb_data(Context(con, validate_filters(raw_filters), {}))
    return _dnfb_summary(data), fig.dnfb(data["buckets"])


def scorecard_search(raw_filters, coder_id) -> str | None:
    """The URL query string of a coder's scorecard (None when the coder id is not valid)."""
    filters = validate_filters({**as_dict(raw_filters), "coders": [coder_id]})
    if filters.get("coders") != [coder_id] or coder_id == cq.TEAM_ID:
        return None
    return search_from_filters(filters)


def toggle_finding_type(click, current) -> str | None:
    clicked = clicked_value(click)
    if clicked is None:
        return valid_finding_type(current)
    clicked = valid_finding_type(clicked)
    return None if clicked == current else clicked


# ---------------------------------------------------------------- the page, declared

def _accuracy_export(acc: pd.DataFrame, c: Context) -> pd.DataFrame:
    """The chart's own data: the chosen accuracy with its interval, numerator and denominator."""
    m = ACCURACY_CHOICES[c.state["metric"]]
    cols = ["rank", "coder_id", "coder_name", "is_team", m.numerator, m.denominator, m.key, f"{m.key}_low",
            f"{m.key}_high", "small_sample", "vs_target", "below_team", "suppressed"]
    return acc[[col for col in dict.fromkeys(cols) if col in acc.columns]]


def _coders_frame(acc: pd.DataFrame, _c=None) -> pd.DataFrame:
    if acc.empty:
        return acc.assign(ci=[], flag=[])[[c.field for c in CODER_COLUMNS] + ["drg_none", "suppressed"]]
    acc = acc.assign(
        ci=[None if pd.isna(lo) else f"{lo:.1%}–{hi:.1%}"
            for lo, hi in zip(acc["coding_accuracy_low"], acc["coding_accuracy_high"])],
        flag=[_flag(r) for _, r in acc.iterrows()])
    return acc[[c.field for c in CODER_COLUMNS] + ["drg_none", "suppressed"]]


def _pairs_note(pairs: pd.DataFrame, c: Context):
    ft = c.state.get("finding_type")
    text = f"Finding type: {ft} (clear the page filter to show all)" if ft else "All finding types"
    return dmc.Text(text, size="xs", c="dimmed", id="cq-pairs-filter")


def _impact_summary(acc: pd.DataFrame, _c=None):
    if acc.empty:
        return empty_state("No audits in this period.", "cq-impact-empty")
    team = acc[acc["is_team"]].iloc[0]

    def badge(label, value, color):
        return dmc.Badge(f"{label}: {format_value(value, 'usd', pd.isna(value))}", color=color, variant="light",
                         size="lg", style={"textTransform": "none"})
    return dmc.Group([
        badge("Under-coding", team["under_coded_amount"], "orange"),
        badge("Over-coding", team["over_coded_amount"], "red"),
        badge("Net", team["net_impact"], "gray"),
        dmc.Text(f"DRG change rate: {format_value(team['drg_change_rate'], 'percent', pd.isna(team['drg_audits']))}"
                 f" of {format_value(team['drg_audits'], 'count', pd.isna(team['drg_audits']))} inpatient audits",
                 size="sm"),
    ], gap="sm", id="cq-impact-badges")


def _impact_frame(acc: pd.DataFrame, _c=None) -> pd.DataFrame:
    shown = acc[(acc["drg_audits"].fillna(1) > 0) | acc["is_team"]] if len(acc) else acc
    return shown[[col for col in IMPACT_FIELDS if col in shown.columns]]


def _turnaround_summary(df: pd.DataFrame, _c=None):
    if df.empty:
        return empty_state("No final-coded encounters in this period.", "cq-turnaround-empty")
    means = df.drop_duplicates("encounter_type")
    return dmc.Group([dmc.Badge(
        f"{t}: mean {format_value(m, 'days', pd.isna(m))}", variant="light", color="gray",
        style={"textTransform": "none"})
        for t, m in zip(means["encounter_type"], means["turnaround_days"])], gap="xs")


def _dnfb_data(c: Context) -> dict:
    return {"buckets": cq.dnfb(c.con, c.filters, scope=ALL), "totals": cq.dnfb_totals(c.con, c.filters, scope=ALL)}


def _dnfb_summary(data: dict, _c=None):
    totals = data["totals"]
    as_of = totals["as_of_date"]
    when = f"as of {pd.Timestamp(as_of):%d %b %Y}" if as_of is not None else "at the period end"
    return dmc.Group([
        dmc.Badge(f"DNFB encounters: {format_value(totals['n_encounters'], 'count', totals['suppressed'])}",
                  color="red", variant="light", size="lg", style={"textTransform": "none"}),
        dmc.Badge(f"DNFB charges: {format_value(totals['charges'], 'usd', totals['suppressed'])}",
                  color="orange", variant="light", size="lg", style={"textTransform": "none"}),
        dmc.Text(when, size="sm", c="dimmed"),
    ], gap="sm", id="cq-dnfb-badges")


def _accuracy_rows(c: Context) -> pd.DataFrame:
    return accuracy_rows(c.con, c.filters)


def _open_scorecard(page, app, db) -> None:
    @app.callback(Output("url", "search", allow_duplicate=True), Input(page.ids.graph("acc"), "clickData"),
                  Input(page.ids.grid("coders"), "cellClicked"), State(page.ids.grid("coders"), "virtualRowData"),
                  State("filters", "data"), prevent_initial_call=True)
    def open_scorecard(click, cell, rows, raw):
        coder = _clicked_coder(ctx.triggered_id, click, cell, rows)
        search = scorecard_search(raw, coder) if coder else None
        return search if search is not None else no_update


_ERRORS = (ERROR_SHARE,)
PAIRS_SHOWN = cq.PAIRS_SHOWN   # the grid pages through them and says how many it lists (no silent cap)
_COUNTS = ("audit_codes_reviewed", "audit_codes_correct", "records_no_change", "drg_audits", "drg_unchanged",
           "drg_changed", "coder_days", "rank", "n_audited_encounters", "n_audits", "n_under_coded", "n_over_coded",
           "n_coded", "n_findings", "n_error_findings", "n_encounters", "type_n_coded")

PANELS = (
    Panel("acc", "Accuracy per coder with 95% Wilson intervals (sorted by lower bound)", _accuracy_rows,
          figure=lambda acc, c: fig.accuracy_intervals(acc, c.state["metric"], ACCURACY_CHOICES[c.state["metric"]].label,
                                                       cq.accuracy_target(), selected=cq.scorecard_coder(c.filters)),
          export=_accuracy_export, controls=("metric",), metrics=ACCURACY_METRICS, integer_columns=_COUNTS,
          height=360, label="Dot plot: accuracy per coder with 95% Wilson intervals against the target",
          note="Bars are 95% Wilson intervals; green dashed line = target; purple dotted = team. Grey open "
               "circles: fewer audited codes than the small-sample threshold (never ranked). Red: the whole "
               "interval is below target. Click a coder for the scorecard."),
    Panel("coders", "Coders: accuracy, DRG changes and financial impact", _accuracy_rows, kind="grid",
          columns=CODER_COLUMNS, export=_coders_frame, row_id="coder_id", page_size=15, grid_height=430,
          metrics=(*ACCURACY_METRICS, *IMPACT_METRICS), integer_columns=_COUNTS,
          note="Click a row for that coder's scorecard."),
    Panel("trend", "Accuracy by discharge month", lambda c: cq.accuracy_trend(c.con, c.filters, scope=ALL),
          figure=lambda df, c: fig.accuracy_trend(df, CODE_ACCURACY.key, CODE_ACCURACY.label, cq.accuracy_target()),
          metrics=(CODE_ACCURACY,), export_metrics=ACCURACY_METRICS, integer_columns=_COUNTS, height=260,
          label="Line chart: code-over-code accuracy by discharge month against the target"),
    Panel("codesys", "Code-over-code accuracy by code system",
          lambda c: cq.accuracy_by_code_system(c.con, c.filters, scope=ALL),
          figure=lambda df, c: fig.code_system_accuracy(df, cq.accuracy_target()), metrics=(CODE_ACCURACY,),
          integer_columns=_COUNTS, height=220, label="Bar chart: code-over-code accuracy by code system"),
    Panel("taxonomy", "Error taxonomy (share of audit changes)", lambda c: cq.error_taxonomy(c.con, c.filters, scope=ALL),
          figure=lambda df, c: fig.error_taxonomy(df, c.state.get("finding_type")), metrics=_ERRORS,
          integer_columns=_COUNTS, clickable=True, height=240, note="Click a finding type to filter the code pairs.",
          label="Bar chart: share of audit changes by finding type"),
    Panel("pairs", f"The {PAIRS_SHOWN} most frequent original → corrected codes (paged)",
          lambda c: cq.code_pairs(c.con, c.filters, finding_type=c.state.get("finding_type"), limit=PAIRS_SHOWN,
                                  scope=ALL),
          kind="grid", columns=PAIR_COLUMNS, summary=_pairs_note, integer_columns=_COUNTS, grid_height=360,
          export_title="original to corrected code pairs"),
    Panel("impact", "Financial impact of audit findings (DRG changes)", _accuracy_rows,
          figure=lambda acc, c: fig.financial_impact(_impact_frame(acc) if len(acc) else acc),
          summary=_impact_summary, export=_impact_frame, metrics=IMPACT_METRICS, integer_columns=_COUNTS, height=300,
          label="Bar chart: under-coding and over-coding dollars per coder and for the team",
          note="Positive = under-coding (payment left on the table); negative = over-coding (compliance risk)."),
    Panel("productivity", "Productivity by encounter type against targets",
          lambda c: cq.productivity(c.con, c.filters, scope=ALL),
          figure=lambda df, c: fig.productivity(df, c.state["prod"]), controls=("prod",), metrics=PRODUCTIVITY_METRICS,
          integer_columns=_COUNTS, height=240, note=_target_note(),
          label="Bar chart: encounters coded per hour or per day by encounter type, with targets"),
    Panel("prodgrid", "Productivity per coder and encounter type", lambda c: cq.productivity(c.con, c.filters, scope=ALL),
          kind="grid", columns=PROD_COLUMNS, metrics=PRODUCTIVITY_METRICS, integer_columns=_COUNTS, grid_height=320),
    Panel("turnaround", "Turnaround: discharge to final coding", lambda c: cq.turnaround(c.con, c.filters, scope=ALL),
          figure=lambda df, c: fig.turnaround(df), summary=_turnaround_summary, metrics=(TURNAROUND,),
          integer_columns=_COUNTS, height=280,
          label="Stacked bar chart: share of final-coded encounters per turnaround bucket by encounter type"),
    Panel("dnfb", "Discharged, not final billed (DNFB) at the period end", _dnfb_data,
          figure=lambda data, c: fig.dnfb(data["buckets"]), summary=_dnfb_summary,
          export=lambda data, c: data["buckets"], metrics=DNFB_METRICS, integer_columns=_COUNTS, height=240,
          note="A stock at the period's end date: every discharge up to that date still unbilled then.",
          label="Stacked bar chart: DNFB by aging bucket and coding status"),
)

PAGE = Page(
    "coding_quality", "Coding quality", "Team view. Click a coder for their scorecard.", prefix="cq",
    panels=PANELS,
    rows=("acc", "coders", ("trend", "codesys"), ("taxonomy", "pairs"), "impact", ("productivity", "prodgrid"),
          ("turnaround", "dnfb")),
    eager_rows=2,                 # the rest are computed as they scroll near (panels.Page.eager_rows)
    state=(StateKey("finding_type", "finding", "finding type", parse=lambda con, v: valid_finding_type(v),
                    click_panel="taxonomy"),
           StateKey("metric", "accuracy", "accuracy measure", default=CODE_ACCURACY.key,
                    choices={k: m.label for k, m in ACCURACY_CHOICES.items()}),
           StateKey("prod", "per", "productivity measure", default="encounters_per_hour",
                    choices={"encounters_per_hour": "per hour", "encounters_per_day": "per day"})),
    clear_label="Show all finding types",
    header=lambda c: render_header(c.con, c.filters), extra=_open_scorecard,
)
layout = PAGE.layout
register_callbacks = PAGE.register
EXPORT_PANELS = tuple(f"cq-{p.key}" for p in PANELS)


def export(con, raw_filters, panel_id: str, finding_type=None) -> dict:
    """The data behind one panel as CSV with the filters and definitions (panel id 'cq-<key>')."""
    key = panel_id[3:] if isinstance(panel_id, str) and panel_id.startswith("cq-") else None
    if key not in {p.key for p in PANELS}:
        raise dash.exceptions.PreventUpdate
    return PAGE.export_panel(key, con, raw_filters, {"finding_type": finding_type})


def _clicked_coder(trigger, click, cell, rows) -> str | None:
    if trigger == "cq-acc-graph":
        return clicked_value(click)
    if trigger == "cq-coders-grid" and isinstance(cell, dict):
        if isinstance(cell.get("rowId"), str) and cell["rowId"]:
            return cell["rowId"]                    # the grid's row id is the coder id
        row = cell.get("data") if isinstance(cell.get("data"), dict) else None
        rows, index = as_list(rows) or [], as_int(cell.get("rowIndex"))
        if row is None and index is not None and 0 <= index < len(rows):
            row = as_dict(rows[index])
        coder = row.get("coder_id") if row else None
        return coder if isinstance(coder, str) and coder else None
    return None
