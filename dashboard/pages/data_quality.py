"""Data quality: the checks of each load or check run, failures per check and table, completeness per
column, history across runs, and example failing rows (encounter ids hidden under the small-cell rule).

The global filters do not apply to data-quality runs (a run checks whole files and tables); the page
reads `filters` only so the URL keeps them. Every browser value (run id, clicked row) is re-validated.
"""
from __future__ import annotations

import dash
import dash_mantine_components as dmc
import pandas as pd
from dash import Input, Output, State, dcc, html

from codedash.dashboard.components import empty_state, grid, labelled_chart, panel
from codedash.dashboard.db import ReadOnlyDatabase
from codedash.dashboard.exports import csv_with_context
from codedash.dashboard.figures import data_quality as figs
from codedash.dashboard.formatting import format_value, grid_formatter
from codedash.dashboard.inputs import as_str
from codedash.dashboard.url_state import notice_for, register_page_keys, validate_filters
from codedash.queries import data_quality as dq
from codedash.queries.definitions.data_quality import DATA_QUALITY_METRICS
from codedash.queries.params import ParameterError, ParamSpec
from codedash.queries.suppression import MARKER, threshold

FAILURE_RATE, COMPLETENESS = DATA_QUALITY_METRICS
NO_RUNS = "No data-quality runs recorded yet. Run `codedash check` or load data with `codedash load`."
FILTERS_NOTE = ("The global filters (dates, facility, specialty, payer, coder) do not apply here: "
                "each data-quality run checks whole files and tables.")
_ID = ParamSpec("id", "text")
# page state in the URL: the run shown (absent = the newest) and the check whose examples are open
URL_RUN, URL_CHECK = "run", "check"
register_page_keys((URL_RUN, URL_CHECK))
_STATUS_STYLE = {"styleConditions": [
    {"condition": "params.value === 'fail'", "style": {"color": "#c92a2a", "fontWeight": 600, "backgroundColor": "#fff5f5"}},
    {"condition": "params.value === 'warn'", "style": {"color": "#a65600", "fontWeight": 600, "backgroundColor": "#fff9db"}},
    {"condition": "params.value === 'pass'", "style": {"color": "#267937"}},
]}
_SUPPRESSED_COUNT = grid_formatter("count")       # the one count format; '‡ suppressed' on a hidden cell
_SUPPRESSED_PCT = {"function": f"params.data.suppressed ? '{MARKER} suppressed' : "
                               "(params.value == null ? '—' : d3.format('.2%')(params.value))"}
_COUNT = grid_formatter("count")
_PCT = grid_formatter("percent")
# failure shares of a check are often far below 0.1%, so they keep two decimals (the marker is the shared one)


# ---------------------------------------------------------------------------------------------- helpers
def clean_id(value) -> str | None:
    """A run or check id from the browser, or None when absent or not a plausible id."""
    try:
        return _ID.parse(value) if value is not None else None
    except ParameterError:
        return None


def _safe_filters(raw) -> dict:
    return validate_filters(raw if isinstance(raw, dict) else None)


def runs(con) -> pd.DataFrame:
    """Every run, newest first (queries.data_quality.runs)."""
    return dq.runs(con)


def run_label(row) -> str:
    sources = str(row["sources"] or row["source_format"] or "")
    if len(sources) > 60:
        sources = sources[:57] + "…"
    started = pd.Timestamp(row["started_at"]).strftime("%Y-%m-%d %H:%M")
    return " · ".join(p for p in (started, row["kind"], sources, row["status"]) if p)


def _rows(df: pd.DataFrame) -> list[dict]:
    """JSON-safe grid rows (NaN -> None, timestamps -> text)."""
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d %H:%M")
    out = out.astype(object).where(out.notna(), None)
    return out.to_dict("records")


# ---------------------------------------------------------------------------------------------- layout
def layout(**query):
    run_id = clean_id(query.get(URL_RUN)) if isinstance(query.get(URL_RUN), str) else None
    check_id = clean_id(query.get(URL_CHECK)) if isinstance(query.get(URL_CHECK), str) else None
    return dmc.Stack([
        dmc.Group([
            dmc.Stack([dmc.Title("Data quality", order=2),
                       dmc.Text(FILTERS_NOTE, c="dimmed", size="sm", id="dq-filters-note")], gap=0),
            dmc.Select(id="dq-run", label="Run", data=[], value=run_id, w=520, allowDeselect=False,
                       placeholder="Loading runs…", comboboxProps={"withinPortal": True}),
        ], justify="space-between", align="flex-end"),
        html.Div(id="dq-url-notice"),
        html.Div(id="dq-empty"),
        html.Div(id="dq-content", children=[
            dcc.Loading(html.Div(id="dq-summary"), type="dot", delay_show=150),
            dmc.Space(h="md"),
            panel("dq-checks", "Checks in this run (click a row for example failures)",
                  dmc.Text("Loading…", c="dimmed"), metrics=(FAILURE_RATE,),
                  note=(f"Failed-row counts of 1–{threshold()} on tables whose rows belong to encounters are "
                        f"shown as {MARKER} (small-cell rule); the status still says whether the check passed.")),
            dmc.Space(h="md"),
            panel("dq-drilldown", "Example failures",
                  dmc.Text("Click a check in the grid above to see its example failing rows.", c="dimmed",
                           size="sm", id="dq-drilldown-prompt")),
            dmc.Space(h="md"),
            dmc.SimpleGrid([
                panel("dq-matrix", "Failures per check and table", dmc.Text("Loading…", c="dimmed"),
                      metrics=(FAILURE_RATE,), note="Colour = % of checked rows failed; number = failed rows."),
                panel("dq-completeness", "Completeness per column", dmc.Text("Loading…", c="dimmed"),
                      metrics=(COMPLETENESS,),
                      note="The chart lists columns with empty values; the grid lists every column."),
            ], cols={"base": 1, "lg": 2}, spacing="md"),
            dmc.Space(h="md"),
            panel("dq-history", "History across runs", dmc.Text("Loading…", c="dimmed"),
                  metrics=(FAILURE_RATE,)),
        ]),
        dcc.Store(id="dq-check", data=check_id),
    ], gap="md", id="page-data_quality")


# ---------------------------------------------------------------------------------------------- render
def render_runs(con, raw_filters, current=None) -> tuple:
    """(select options, selected run, empty-state children, content style) for the run selector."""
    _safe_filters(raw_filters)          # validated (and unused: filters do not apply to runs)
    df = runs(con)
    if df.empty:
        return [], None, empty_state(NO_RUNS, "dq-empty-state"), {"display": "none"}
    options = [{"value": r["run_id"], "label": run_label(r)} for _, r in df.iterrows()]
    wanted = clean_id(current)
    value = wanted if wanted in set(df["run_id"]) else df["run_id"].iloc[0]
    return options, value, None, {}


def url_problems(con, search) -> list[str]:
    """Messages about a link's run or check the database does not have (the page shows the newest run)."""
    from urllib.parse import parse_qsl
    pairs = dict(parse_qsl((as_str(search) or "").lstrip("?"), max_num_fields=2000))
    problems = []
    if URL_RUN in pairs:
        run_id = clean_id(pairs[URL_RUN])
        if run_id is None or not dq.known_run(con, run_id):
            problems.append(f"ignored {URL_RUN}: not a known data-quality run")
    if URL_CHECK in pairs and clean_id(pairs[URL_CHECK]) is None:
        problems.append(f"ignored {URL_CHECK}: not a check id")
    return problems


def search_with_view(con, search, run_id, check_id) -> str:
    """The query string with this page's run (left out when it is the newest) and check."""
    from urllib.parse import parse_qsl, urlencode
    pairs = [(k, v) for k, v in parse_qsl((as_str(search) or "").lstrip("?"), max_num_fields=2000)
             if k not in (URL_RUN, URL_CHECK)]
    run_id, check_id = clean_id(run_id), clean_id(check_id)
    df = runs(con)
    if run_id and not df.empty and run_id in set(df["run_id"]) and run_id != df["run_id"].iloc[0]:
        pairs.append((URL_RUN, run_id))
    if check_id:
        pairs.append((URL_CHECK, check_id))
    return "?" + urlencode(pairs) if pairs else ""


def summary_cards(summary: pd.DataFrame):
    if summary.empty:
        return empty_state("This run is not in the database (it may have been replaced by a new load).",
                           "dq-unknown-run")
    r = summary.iloc[0]

    def card(label, value, color=None, key=""):
        return dmc.Card([dmc.Text(label, size="xs", c="dimmed"),
                         dmc.Text(format_value(value, "count"), fw=700, size="xl",
                                  id=f"dq-card-{key}", className="dq-card-value", **({"c": color} if color else {}))],
                        withBorder=True, radius="md", padding="sm")

    return dmc.SimpleGrid([
        card("Rows read", r["rows_read"], key="read"),
        card("Rows loaded", r["rows_loaded"], key="loaded"),
        card("Rows rejected", r["rows_rejected"], "red" if (r["rows_rejected"] or 0) > 0 else None, "rejected"),
        card("Checks passed", r["checks_passed"], "teal", "passed"),
        card("Checks warned", r["checks_warned"], "orange" if r["checks_warned"] else None, "warned"),
        card("Checks failed", r["checks_failed"], "red" if r["checks_failed"] else None, "failed"),
    ], cols={"base": 2, "sm": 3, "lg": 6}, spacing="sm")


CHECK_COLUMNS = [
    {"field": "check_id", "headerName": "Check", "minWidth": 170, "pinned": "left"},
    {"field": "table_name", "headerName": "Table"},
    {"field": "column_name", "headerName": "Column"},
    {"field": "description", "headerName": "Description", "minWidth": 240, "tooltipField": "description"},
    {"field": "severity", "headerName": "Severity", "maxWidth": 110},
    {"field": "rows_checked", "headerName": "Rows checked", "type": "numericColumn", "valueFormatter": _COUNT},
    {"field": "rows_failed", "headerName": "Rows failed", "type": "numericColumn", "valueFormatter": _SUPPRESSED_COUNT},
    {"field": "pct_failed", "headerName": "% failed", "type": "numericColumn", "valueFormatter": _SUPPRESSED_PCT},
    {"field": "status", "headerName": "Status", "maxWidth": 110, "cellStyle": _STATUS_STYLE},
]


def checks_grid(results: pd.DataFrame):
    if results.empty:
        return empty_state("No checks were recorded for this run.", "dq-checks-empty")
    data = results.copy()
    data["row_id"] = data["check_id"] + "|" + data["table_name"]
    g = grid("dq-checks-grid", _rows(data), CHECK_COLUMNS, page_size=15, height=440)
    g.getRowId = "params.data.row_id"
    g.dashGridOptions = {**g.dashGridOptions,
                         "rowSelection": {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True},
                         "tooltipShowDelay": 300}
    return g


def completeness_body(df: pd.DataFrame):
    if df.empty:
        return empty_state("No completeness was recorded for this run.", "dq-completeness-empty")
    data = df.copy()
    columns = [
        {"field": "table_name", "headerName": "Table"},
        {"field": "column_name", "headerName": "Column"},
        {"field": "rows_total", "headerName": "Rows", "type": "numericColumn", "valueFormatter": _COUNT},
        {"field": "rows_null", "headerName": "Empty", "type": "numericColumn", "valueFormatter": _COUNT},
        {"field": "completeness", "headerName": "% complete", "type": "numericColumn", "valueFormatter": _PCT,
         "sort": "asc"},
    ]
    return [labelled_chart(dcc.Graph(figure=figs.completeness_bars(data), config={"displayModeBar": False}),
                           "Bar chart: completeness of each column that has empty values, by table"),
            grid("dq-completeness-grid", _rows(data), columns, page_size=10, height=360)]


def history_body(history: pd.DataFrame, run_list: pd.DataFrame):
    return [dmc.Text("Failed rows per check", size="xs", fw=600),
            labelled_chart(dcc.Graph(figure=figs.failures_history(history), config={"displayModeBar": False}),
                           "Line chart: failed rows per check across data-quality runs"),
            dmc.Text("Rows loaded and rejected per run", size="xs", fw=600),
            labelled_chart(dcc.Graph(figure=figs.rows_history(run_list), config={"displayModeBar": False}),
                           "Bar chart: rows loaded and rejected per run")]


def render_run(con, raw_run_id) -> tuple:
    """(summary cards, checks grid, matrix, completeness, history) for the run the browser asked for."""
    run_id = clean_id(raw_run_id)
    if run_id is None or runs(con).empty:
        nothing = empty_state(NO_RUNS) if runs(con).empty else empty_state("Choose a run above.")
        return nothing, None, None, None, None
    summary = dq.run_summary(con, run_id)
    if summary.empty:
        return summary_cards(summary), None, None, None, None
    results = dq.results_by_check(con, run_id)
    matrix = dq.failures_by_check_table(con, run_id)
    completeness = dq.completeness(con, run_id)
    history = dq.check_history(con)
    return (summary_cards(summary), checks_grid(results),
            labelled_chart(dcc.Graph(figure=figs.failures_matrix(matrix), config={"displayModeBar": False}),
                           "Heat map: failure rate per check and table"),
            completeness_body(completeness), history_body(history, runs(con)))


def selected_check(selected_rows) -> str | None:
    """The check id of the grid row the user clicked (validated), or None."""
    if not isinstance(selected_rows, list) or not selected_rows or not isinstance(selected_rows[0], dict):
        return None
    return clean_id(selected_rows[0].get("check_id"))


def example_failures(con, run_id, check_id) -> pd.DataFrame:
    return dq.example_failures(con, run_id, check_id)


def render_drilldown(con, raw_run_id, selected_rows):
    """Example failing rows of the clicked check; encounter ids hidden when they concern 1..k encounters."""
    run_id, check_id = clean_id(raw_run_id), selected_check(selected_rows)
    if run_id is None or check_id is None:
        return dmc.Text("Click a check in the grid above to see its example failing rows.", c="dimmed", size="sm",
                        id="dq-drilldown-prompt")
    df = example_failures(con, run_id, check_id)
    small = bool(df["suppressed"].any()) if not df.empty else False
    count = "" if small or df.empty else f" ({len(df)} kept by the run)"
    title = dmc.Text(f"Example failing rows of {check_id}{count}", size="sm", fw=600, id="dq-drilldown-title")
    if df.empty:
        return [title, empty_state("No example failures were kept for this check in this run "
                                   "(it passed, or the run kept no examples).", "dq-drilldown-empty")]
    notes = []
    hide_encounters = small or df["encounter_id"].isna().all()
    if small:
        notes.append(dmc.Alert(
            f"Encounter ids are hidden: these failing rows concern fewer than {threshold() + 1} distinct "
            f"encounters, and under the small-cell rule (1–{threshold()} suppressed) a small group of "
            "encounters is never identified. Values and messages are shown so the data can be fixed.",
            color="yellow", id="dq-drilldown-suppressed", title="Encounter ids hidden"))
    if bool(df["value_withheld"].any()):
        notes.append(dmc.Text("Values of patient_id columns are never shown.", size="xs", c="dimmed",
                              id="dq-drilldown-withheld"))
    columns = [
        {"field": "table_name", "headerName": "Table"},
        {"field": "file", "headerName": "File"},
        {"field": "line", "headerName": "Line", "type": "numericColumn", "maxWidth": 100},
        {"field": "column_name", "headerName": "Column"},
        {"field": "value", "headerName": "Value",
         "valueFormatter": {"function": "params.data.value_withheld ? 'withheld' : (params.value ?? '')"}},
        {"field": "message", "headerName": "Message", "minWidth": 280, "tooltipField": "message"},
    ]
    shown = df.drop(columns=["n_encounters"])
    if hide_encounters:
        shown = shown.drop(columns=["encounter_id"])
    else:
        columns.append({"field": "encounter_id", "headerName": "Encounter"})
    return [title, *notes, grid("dq-drilldown-grid", _rows(shown), columns, page_size=10, height=360)]


# ---------------------------------------------------------------------------------------------- exports
_NO_FILTERS: dict = {}      # the global filters do not apply to data-quality runs


def export_panel(con, panel: str, raw_run_id, selected_rows=None) -> dict | None:
    """CSV of one panel for the chosen run (already suppressed), or None when there is nothing to export."""
    run_id = clean_id(raw_run_id)
    if run_id is None:
        return None
    if panel == "checks":
        df = dq.results_by_check(con, run_id)
        df = df.drop(columns=["encounter_rows_failed"])
        title, metrics, ints = f"data-quality checks of run {run_id} (global filters do not apply)", (FAILURE_RATE,), ["rows_checked", "rows_failed", "n_examples"]
    elif panel == "matrix":
        df = dq.failures_by_check_table(con, run_id)
        df = df.drop(columns=["encounter_rows_failed"])
        title, metrics, ints = f"data-quality failures per check and table, run {run_id}", (FAILURE_RATE,), ["rows_checked", "rows_failed"]
    elif panel == "completeness":
        df = dq.completeness(con, run_id)
        title, metrics, ints = f"data-quality completeness per column, run {run_id}", (COMPLETENESS,), ["rows_total", "rows_null", "rows_present"]
    elif panel == "history":
        df = dq.check_history(con).drop(columns=["encounter_rows_failed"])
        df["started_at"] = pd.to_datetime(df["started_at"]).dt.strftime("%Y-%m-%d %H:%M:%S")
        title, metrics, ints = "data-quality failures per check across runs", (FAILURE_RATE,), ["rows_checked", "rows_failed"]
    elif panel == "drilldown":
        check_id = selected_check(selected_rows)
        if check_id is None:
            return None
        df = example_failures(con, run_id, check_id).drop(columns=["n_encounters"])
        if bool(df["suppressed"].any()):
            df = df.drop(columns=["encounter_id"])
        title, metrics, ints = f"example failures of check {check_id}, run {run_id}", (), ["line"]
    else:
        return None
    content = csv_with_context(df, title, _NO_FILTERS, metrics, ints)
    safe = run_id.replace(" ", "_").replace("/", "_").replace(":", "")
    return dict(content=content, filename=f"codedash-dq-{panel}-{safe}.csv")


# ---------------------------------------------------------------------------------------------- callbacks
def register_callbacks(app: dash.Dash, db: ReadOnlyDatabase) -> None:
    @app.callback(Output("dq-run", "data"), Output("dq-run", "value"), Output("dq-empty", "children"),
                  Output("dq-content", "style"), Output("dq-url-notice", "children"), Input("filters", "data"),
                  State("dq-run", "value"), State("url", "search"))
    def show_runs(raw_filters, current, search):
        return (*render_runs(db.cursor(), raw_filters, current), notice_for(url_problems(db.cursor(), search)))

    @app.callback(Output("url", "search", allow_duplicate=True), Input("dq-run", "value"), Input("dq-check", "data"),
                  State("url", "search"), prevent_initial_call=True)
    def view_in_url(run_id, check_id, search):
        new = search_with_view(db.cursor(), search, run_id, check_id)
        return new if new != (as_str(search) or "") else dash.no_update

    @app.callback(Output("dq-summary", "children"), Output("dq-checks-body", "children"),
                  Output("dq-matrix-body", "children"), Output("dq-completeness-body", "children"),
                  Output("dq-history-body", "children"), Input("dq-run", "value"))
    def show_run(run_id):
        return render_run(db.cursor(), run_id)

    @app.callback(Output("dq-check", "data"), Input("dq-checks-grid", "selectedRows"), prevent_initial_call=True)
    def choose_check(selected_rows):
        check = selected_check(selected_rows)
        return check if check is not None else dash.no_update

    @app.callback(Output("dq-drilldown-body", "children"), Input("dq-check", "data"), Input("dq-run", "value"))
    def show_examples(check_id, run_id):
        check = clean_id(check_id)
        return render_drilldown(db.cursor(), run_id, [{"check_id": check}] if check else None)

    for name in ("checks", "matrix", "completeness", "history"):
        def download(_clicks, run_id, _name=name):
            return export_panel(db.cursor(), _name, run_id) or dash.no_update
        app.callback(Output(f"dq-{name}-download", "data"), Input(f"dq-{name}-download-btn", "n_clicks"),
                     State("dq-run", "value"), prevent_initial_call=True)(download)

    @app.callback(Output("dq-drilldown-download", "data"), Input("dq-drilldown-download-btn", "n_clicks"),
                  State("dq-run", "value"), State("dq-check", "data"), prevent_initial_call=True)
    def download_examples(_clicks, run_id, check_id):
        rows = [{"check_id": check_id}] if check_id else None
        return export_panel(db.cursor(), "drilldown", run_id, rows) or dash.no_update
