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
from dash import Input, Output, State, ctx, dcc, html, no_update

from dashboard.components import empty_state, grid, labelled_chart, panel
from dashboard.db import ReadOnlyDatabase
from dashboard.exports import csv_with_context
from dashboard.figures import coding_quality as fig
from dashboard.formatting import format_value
from dashboard.inputs import as_choice, as_dict, as_int, as_list, clicked_value
from dashboard.url_state import needs_filters, search_from_filters, validate_filters
from queries import coding_quality as cq
from queries.definitions.coding_quality import (
    ACCURACY_METRICS, CODE_ACCURACY, DNFB_METRICS, DRG_ACCURACY, ERROR_SHARE, IMPACT_METRICS,
    PRODUCTIVITY_METRICS, RECORD_ACCURACY, TURNAROUND)
from queries.filters import ALL
from queries.runner import run
from queries.suppression import MARKER

PATH = "/coding-quality"
FINDING_TYPES = ("added", "deleted", "revised", "resequenced", "poa", "modifier")
ACCURACY_CHOICES = {CODE_ACCURACY.key: CODE_ACCURACY, RECORD_ACCURACY.key: RECORD_ACCURACY,
                    DRG_ACCURACY.key: DRG_ACCURACY}
_GRAPH_CONFIG = {"displayModeBar": False}


# accessible names of the charts (what each shows)
_CHART_LABELS = {
    "cq-acc-graph": "Dot chart: accuracy per coder with 95% intervals, the target line and the team value",
    "cq-trend-graph": "Line chart: accuracy by discharge month with the target",
    "cq-codesys-graph": "Bar chart: code-over-code accuracy by code system",
    "cq-taxonomy-graph": "Bar chart: share of audit changes by error type",
    "cq-impact-graph": "Bar chart: dollar impact of audit findings per coder",
    "cq-prod-graph": "Bar chart: coder productivity against the target",
    "cq-turnaround-graph": "Stacked bar chart: share of final-coded encounters per turnaround bucket by encounter type",
    "cq-dnfb-graph": "Stacked bar chart: discharged not final billed by aging bucket and coding status",
}


def _graph(id_: str, height: int = 260):
    return labelled_chart(dcc.Graph(id=id_, config=_GRAPH_CONFIG, style={"minHeight": f"{height}px"},
                                    figure=fig.empty_figure("Loading…", height)), _CHART_LABELS[id_])


def layout(**_query):
    return dmc.Stack([
        html.Div(id="cq-header", children=dmc.Title("Coding quality", order=2)),
        dcc.Store(id="cq-finding-type"),
        panel("cq-accuracy", "Accuracy per coder with 95% Wilson intervals (sorted by lower bound)", [
            dmc.SegmentedControl(id="cq-acc-metric", value=CODE_ACCURACY.key, size="xs", data=[
                {"value": k, "label": m.label} for k, m in ACCURACY_CHOICES.items()]),
            _graph("cq-acc-graph", 360),
        ], metrics=ACCURACY_METRICS,
            note="Bars are 95% Wilson intervals; green dashed line = target; purple dotted = team. Grey open "
                 "circles: fewer audited codes than the small-sample threshold (never ranked). Red: the whole "
                 "interval is below target. Click a coder for the scorecard."),
        panel("cq-coders", "Coders: accuracy, DRG changes and financial impact", _coder_grid(),
              metrics=(*ACCURACY_METRICS, *IMPACT_METRICS), note="Click a row for that coder's scorecard."),
        dmc.SimpleGrid([
            panel("cq-trend", "Accuracy by discharge month", _graph("cq-trend-graph"), metrics=(CODE_ACCURACY,)),
            panel("cq-codesys", "Code-over-code accuracy by code system", _graph("cq-codesys-graph", 220),
                  metrics=(CODE_ACCURACY,)),
        ], cols={"base": 1, "lg": 2}),
        dmc.SimpleGrid([
            panel("cq-taxonomy", "Error taxonomy (share of audit changes)", _graph("cq-taxonomy-graph", 240),
                  metrics=(ERROR_SHARE,), note="Click a finding type to filter the code pairs."),
            panel("cq-pairs", "Most frequent original → corrected codes", [
                dmc.Group([dmc.Text(id="cq-pairs-filter", size="xs", c="dimmed"),
                           dmc.Button("show all types", id="cq-pairs-clear", size="compact-xs", variant="subtle")]),
                grid("cq-pairs-grid", [], _pair_columns(), page_size=10, height=360),
            ]),
        ], cols={"base": 1, "lg": 2}),
        panel("cq-impact", "Financial impact of audit findings (DRG changes)", [
            html.Div(id="cq-impact-summary"), _graph("cq-impact-graph", 300)], metrics=IMPACT_METRICS,
            note="Positive = under-coding (payment left on the table); negative = over-coding (compliance risk)."),
        panel("cq-productivity", "Productivity by encounter type against targets", [
            dmc.SegmentedControl(id="cq-prod-measure", value="encounters_per_hour", size="xs", data=[
                {"value": "encounters_per_hour", "label": "per hour"},
                {"value": "encounters_per_day", "label": "per day"}]),
            _graph("cq-prod-graph", 240),
            grid("cq-prod-grid", [], _prod_columns(), page_size=10, height=320),
        ], metrics=PRODUCTIVITY_METRICS, note=_target_note()),
        dmc.SimpleGrid([
            panel("cq-turnaround", "Turnaround: discharge to final coding", [
                html.Div(id="cq-turnaround-summary"), _graph("cq-turnaround-graph", 240)], metrics=(TURNAROUND,)),
            panel("cq-dnfb", "Discharged, not final billed (DNFB) at the period end", [
                html.Div(id="cq-dnfb-summary"), _graph("cq-dnfb-graph", 240)], metrics=DNFB_METRICS,
                note="A stock at the period's end date: every discharge up to that date still unbilled then."),
        ], cols={"base": 1, "lg": 2}),
    ], gap="md", id="page-coding_quality")


def _coder_grid():
    g = grid("cq-coders-grid", [], _coder_columns(), page_size=15, height=430)
    g.getRowId = "params.data.coder_id"
    return g


def _target_note() -> str:
    t = cq.productivity_targets()
    return (f"Targets per hour: inpatient {t['inpatient']:g} (AHIMA, about 3/hour), outpatient {t['outpatient']:g}, "
            f"emergency {t['emergency']:g}, office {t['office']:g} (local defaults; CODEDASH_TARGET_PER_HOUR_*). "
            f"Per day = per hour × {cq.hours_per_day():g} coding hours.")


def _coder_columns() -> list[dict]:
    pct = {"function": "params.value == null ? '‡' : d3.format('.1%')(params.value)"}
    usd = {"function": "params.value == null ? '‡' : d3.format('$,.0f')(params.value)"}
    return [
        {"field": "rank", "headerName": "Rank", "maxWidth": 80},
        {"field": "coder_name", "headerName": "Coder", "minWidth": 150},
        {"field": "coder_id", "headerName": "ID", "maxWidth": 90},
        {"field": "audit_codes_reviewed", "headerName": "Audited codes"},
        {"field": "coding_accuracy", "headerName": "Code accuracy", "valueFormatter": pct},
        {"field": "ci", "headerName": "95% CI"},
        {"field": "flag", "headerName": "Status", "minWidth": 130},
        {"field": "record_accuracy", "headerName": "Record accuracy", "valueFormatter": pct},
        {"field": "drg_audits", "headerName": "DRG audits"},
        {"field": "drg_change_rate", "headerName": "DRG change rate", "valueFormatter": pct},
        {"field": "under_coded_amount", "headerName": "Under-coded $", "valueFormatter": usd},
        {"field": "over_coded_amount", "headerName": "Over-coded $", "valueFormatter": usd},
        {"field": "net_impact", "headerName": "Net $", "valueFormatter": usd},
    ]


def _pair_columns() -> list[dict]:
    return [{"field": "code_system", "headerName": "System", "maxWidth": 110},
            {"field": "finding_type", "headerName": "Finding", "maxWidth": 120},
            {"field": "original_code", "headerName": "Original"},
            {"field": "corrected_code", "headerName": "Corrected"},
            {"field": "n_findings", "headerName": "Findings",
             "valueFormatter": {"function": "params.value == null ? '‡' : params.value"}}]


def _prod_columns() -> list[dict]:
    num = {"function": "params.value == null ? '‡' : d3.format('.2f')(params.value)"}
    return [{"field": "coder_name", "headerName": "Coder"}, {"field": "encounter_type", "headerName": "Type"},
            {"field": "n_coded", "headerName": "Coded",
             "valueFormatter": {"function": "params.value == null ? '‡' : params.value"}},
            {"field": "encounters_per_hour", "headerName": "Per hour", "valueFormatter": num},
            {"field": "target_per_hour", "headerName": "Target/hour"},
            {"field": "encounters_per_day", "headerName": "Per day", "valueFormatter": num},
            {"field": "target_per_day", "headerName": "Target/day"}]


# ---------------------------------------------------------------- pure render functions (tested)

def _records(df: pd.DataFrame) -> list[dict]:
    out = df.astype(object).where(df.notna(), None)
    for col in out.columns:
        out[col] = [v.isoformat()[:10] if hasattr(v, "isoformat") else v for v in out[col]]
    return out.to_dict("records")


def coder_label(con, coder_id: str) -> str:
    names = run(con, "filters__coders", scope=ALL)
    hit = names[names["value"] == coder_id]
    return str(hit["label"].iloc[0]) if len(hit) else coder_id


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
    if acc.empty:
        return []
    acc = acc.assign(
        ci=[None if pd.isna(lo) else f"{lo:.1%}–{hi:.1%}"
            for lo, hi in zip(acc["coding_accuracy_low"], acc["coding_accuracy_high"])],
        flag=[_flag(r) for _, r in acc.iterrows()])
    return _records(acc[[c["field"] for c in _coder_columns()]])


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
    if acc.empty:
        return empty_state("No audits in this period.", "cq-impact-empty"), fig.financial_impact(acc)
    team = acc[acc["is_team"]].iloc[0]
    def badge(label, value, color):
        return dmc.Badge(f"{label}: {format_value(value, 'usd', pd.isna(value))}", color=color, variant="light",
                         size="lg")
    summary = dmc.Group([
        badge("Under-coding", team["under_coded_amount"], "orange"),
        badge("Over-coding", team["over_coded_amount"], "red"),
        badge("Net", team["net_impact"], "gray"),
        dmc.Text(f"DRG change rate: {format_value(team['drg_change_rate'], 'percent', pd.isna(team['drg_audits']))}"
                 f" of {format_value(team['drg_audits'], 'count', pd.isna(team['drg_audits']))} inpatient audits",
                 size="sm"),
    ], gap="sm", id="cq-impact-badges")
    shown = acc[(acc["drg_audits"].fillna(1) > 0) | acc["is_team"]]
    return summary, fig.financial_impact(shown)


def render_productivity(con, raw_filters, measure: str):
    measure = as_choice(measure, ("encounters_per_hour", "encounters_per_day"), "encounters_per_hour")
    prod = cq.productivity(con, validate_filters(raw_filters), scope=ALL)
    cols = [c["field"] for c in _prod_columns()]
    return fig.productivity(prod, measure), _records(prod[cols]) if len(prod) else []


def render_turnaround(con, raw_filters):
    df = cq.turnaround(con, validate_filters(raw_filters), scope=ALL)
    if df.empty:
        return empty_state("No final-coded encounters in this period.", "cq-turnaround-empty"), fig.turnaround(df)
    means = df.drop_duplicates("encounter_type")
    summary = dmc.Group([dmc.Badge(
        f"{t}: mean {('‡' if pd.isna(m) else f'{m:.1f}')} days", variant="light", color="gray")
        for t, m in zip(means["encounter_type"], means["turnaround_days"])], gap="xs")
    return summary, fig.turnaround(df)


def render_dnfb(con, raw_filters):
    filters = validate_filters(raw_filters)
    df = cq.dnfb(con, filters, scope=ALL)
    totals = cq.dnfb_totals(con, filters, scope=ALL)
    as_of = totals["as_of_date"]
    when = f"as of {pd.Timestamp(as_of):%d %b %Y}" if as_of is not None else "at the period end"
    summary = dmc.Group([
        dmc.Badge(f"DNFB encounters: {format_value(totals['n_encounters'], 'count', totals['suppressed'])}",
                  color="red", variant="light", size="lg"),
        dmc.Badge(f"DNFB charges: {format_value(totals['charges'], 'usd', totals['suppressed'])}",
                  color="orange", variant="light", size="lg"),
        dmc.Text(when, size="sm", c="dimmed"),
    ], gap="sm", id="cq-dnfb-badges")
    return summary, fig.dnfb(df)


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


# ---------------------------------------------------------------- exports

def export(con, raw_filters, panel_id: str, finding_type=None) -> dict:
    """The data behind one panel as CSV with the filters and definitions."""
    filters = validate_filters(raw_filters)
    if panel_id in ("cq-accuracy", "cq-coders", "cq-impact"):
        df, title, metrics = accuracy_rows(con, filters), "coding accuracy per coder", (*ACCURACY_METRICS,
                                                                                         *IMPACT_METRICS)
    elif panel_id == "cq-trend":
        df, title, metrics = cq.accuracy_trend(con, filters, scope=ALL), "coding accuracy by month", ACCURACY_METRICS
    elif panel_id == "cq-codesys":
        df, title, metrics = cq.accuracy_by_code_system(con, filters, scope=ALL), "accuracy by code system", (
            CODE_ACCURACY,)
    elif panel_id == "cq-taxonomy":
        df, title, metrics = cq.error_taxonomy(con, filters, scope=ALL), "audit error taxonomy", (ERROR_SHARE,)
    elif panel_id == "cq-pairs":
        ft = valid_finding_type(finding_type)
        df, title, metrics = cq.code_pairs(con, filters, finding_type=ft, scope=ALL), (
            "original to corrected code pairs" + (f" (finding type {ft})" if ft else "")), ()
    elif panel_id == "cq-productivity":
        df, title, metrics = cq.productivity(con, filters, scope=ALL), "coding productivity", PRODUCTIVITY_METRICS
    elif panel_id == "cq-turnaround":
        df, title, metrics = cq.turnaround(con, filters, scope=ALL), "turnaround discharge to final coding", (
            TURNAROUND,)
    elif panel_id == "cq-dnfb":
        df, title, metrics = cq.dnfb(con, filters, scope=ALL), "DNFB by aging bucket", DNFB_METRICS
    else:
        raise dash.exceptions.PreventUpdate
    ints = [c for c in df.columns if c.startswith("n_") or c in ("audit_codes_reviewed", "audit_codes_correct",
                                                                  "records_no_change", "drg_audits", "drg_unchanged",
                                                                  "drg_changed", "coder_days", "rank")]
    content = csv_with_context(df, f"coding quality: {title}", filters, metrics, ints)
    return dict(content=content, filename=f"codedash-{panel_id}.csv")


EXPORT_PANELS = ("cq-accuracy", "cq-coders", "cq-trend", "cq-codesys", "cq-taxonomy", "cq-pairs", "cq-impact",
                 "cq-productivity", "cq-turnaround", "cq-dnfb")


def register_callbacks(app: dash.Dash, db: ReadOnlyDatabase) -> None:
    F = Input("filters", "data")

    @app.callback(Output("cq-header", "children"), F)
    @needs_filters
    def header(raw):
        return render_header(db.cursor(), raw)

    @app.callback(Output("cq-acc-graph", "figure"), F, Input("cq-acc-metric", "value"))
    @needs_filters
    def accuracy(raw, metric):
        return render_accuracy(db.cursor(), raw, metric)

    @app.callback(Output("cq-coders-grid", "rowData"), F)
    @needs_filters
    def coders(raw):
        return render_coders(db.cursor(), raw)

    @app.callback(Output("cq-trend-graph", "figure"), F)
    @needs_filters
    def trend(raw):
        return render_trend(db.cursor(), raw)

    @app.callback(Output("cq-codesys-graph", "figure"), F)
    @needs_filters
    def code_systems(raw):
        return render_code_systems(db.cursor(), raw)

    @app.callback(Output("cq-taxonomy-graph", "figure"), F, Input("cq-finding-type", "data"))
    @needs_filters
    def taxonomy(raw, ft):
        return render_taxonomy(db.cursor(), raw, ft)

    @app.callback(Output("cq-pairs-grid", "rowData"), Output("cq-pairs-filter", "children"), F,
                  Input("cq-finding-type", "data"))
    @needs_filters
    def pairs(raw, ft):
        return render_pairs(db.cursor(), raw, ft)

    @app.callback(Output("cq-finding-type", "data"), Input("cq-taxonomy-graph", "clickData"),
                  Input("cq-pairs-clear", "n_clicks"), State("cq-finding-type", "data"), prevent_initial_call=True)
    def cross_filter(click, _clear, current):
        return None if ctx.triggered_id == "cq-pairs-clear" else toggle_finding_type(click, current)

    @app.callback(Output("cq-impact-summary", "children"), Output("cq-impact-graph", "figure"), F)
    @needs_filters
    def impact(raw):
        return render_impact(db.cursor(), raw)

    @app.callback(Output("cq-prod-graph", "figure"), Output("cq-prod-grid", "rowData"), F,
                  Input("cq-prod-measure", "value"))
    @needs_filters
    def prod(raw, measure):
        return render_productivity(db.cursor(), raw, measure)

    @app.callback(Output("cq-turnaround-summary", "children"), Output("cq-turnaround-graph", "figure"), F)
    @needs_filters
    def tat(raw):
        return render_turnaround(db.cursor(), raw)

    @app.callback(Output("cq-dnfb-summary", "children"), Output("cq-dnfb-graph", "figure"), F)
    @needs_filters
    def dnfb(raw):
        return render_dnfb(db.cursor(), raw)

    @app.callback(Output("url", "search", allow_duplicate=True), Input("cq-acc-graph", "clickData"),
                  Input("cq-coders-grid", "cellClicked"), State("cq-coders-grid", "virtualRowData"),
                  State("filters", "data"), prevent_initial_call=True)
    def open_scorecard(click, cell, rows, raw):
        coder = _clicked_coder(ctx.triggered_id, click, cell, rows)
        search = scorecard_search(raw, coder) if coder else None
        return search if search is not None else no_update

    for pid in EXPORT_PANELS:
        def _download(_n, raw, ft, _pid=pid):
            return export(db.cursor(), raw, _pid, ft)
        app.callback(Output(f"{pid}-download", "data"), Input(f"{pid}-download-btn", "n_clicks"),
                     State("filters", "data"), State("cq-finding-type", "data"),
                     prevent_initial_call=True)(_download)


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
