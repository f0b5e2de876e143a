"""Data quality: the checks of each load or check run, failures per check and table, completeness per column,
history across runs, and example failing rows (encounter ids hidden under the small-cell rule).

A declared list of panels (dashboard/panels.py). Every frame comes from queries/data_quality.py. The global
filters do not apply (a run checks whole files and tables; `uses_filters=False` hides the filter bar). Page
state, in the URL: `run` (a database Select of the recorded runs, newest first; absent = the newest) and
`check` (set by clicking or selecting a row of the checks grid; validated against that grid's rows for the
run shown). Without any recorded run the page shows its empty state and hides the panels.
"""
from __future__ import annotations

import dash_mantine_components as dmc
import pandas as pd
from dash import dcc

from codedash.dashboard.components import empty_state, labelled_chart
from codedash.dashboard.figures import data_quality as figs
from codedash.dashboard.formatting import format_value
from codedash.dashboard.panels import (GRAPH_CONFIG, Column, Context, Page, PageIds, Panel, StateKey, grid_rows,
                                      make_grid)
from codedash.queries import data_quality as dq
from codedash.queries.definitions.data_quality import DATA_QUALITY_METRICS
from codedash.queries.params import ParameterError, ParamSpec
from codedash.queries.suppression import MARKER, threshold

FAILURE_RATE, COMPLETENESS = DATA_QUALITY_METRICS
NO_RUNS = "No data-quality runs recorded yet. Run `codedash check` or load data with `codedash load`."
FILTERS_NOTE = ("The global filters (dates, facility, specialty, payer, coder) do not apply here: "
                "each data-quality run checks whole files and tables.")
PROMPT = "Click a check in the grid above (or select it with Space) to see its example failing rows."
IDS = PageIds("data_quality", "dq")
_ID = ParamSpec("id", "text")
_STATUS_STYLE = {"styleConditions": [
    {"condition": "params.value === 'fail'", "style": {"color": "#c92a2a", "fontWeight": 600, "backgroundColor": "#fff5f5"}},
    {"condition": "params.value === 'warn'", "style": {"color": "#a65600", "fontWeight": 600, "backgroundColor": "#fff9db"}},
    {"condition": "params.value === 'pass'", "style": {"color": "#267937"}},
]}
# failure shares of a check are often far below 0.1%, so they keep two decimals (the marker is the shared one)
_PCT_2 = {"valueFormatter": {"function": f"params.data && params.data.suppressed && params.value == null ? "
                                         f"'{MARKER} suppressed' : (params.value == null ? '—' : "
                                         "d3.format('.2%')(params.value))"}}


def clean_id(value) -> str | None:
    """A run or check id from the browser, or None when absent or not a plausible id."""
    try:
        return _ID.parse(value) if value is not None else None
    except ParameterError:
        return None


def run_of(c: Context) -> str | None:
    """The run shown: the one in the page state when recorded, else the newest (None: no run at all)."""
    return dq.resolve_run(c.con, c.state.get("run"))


def _per_run(service):
    """A service of the run shown (an empty frame when the database records no run)."""
    def call(c: Context):
        run_id = run_of(c)
        return pd.DataFrame() if run_id is None else service(c.con, run_id)
    return call


def _without(*columns):
    return lambda df, c: df.drop(columns=[col for col in columns if col in df.columns])


# ---------------------------------------------------------------------------------------------- renderers

def summary_cards(summary: pd.DataFrame, _c=None):
    if summary.empty:
        return empty_state(NO_RUNS, "dq-summary-empty")
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


def checks_note(results: pd.DataFrame, _c=None):
    return empty_state("No checks were recorded for this run.", "dq-checks-empty") if results.empty else None


def drilldown_data(c: Context) -> dict | None:
    run_id, check_id = run_of(c), c.state.get("check")
    if run_id is None or check_id is None:
        return None
    return {"check_id": check_id, **dq.drilldown(c.con, run_id, check_id)}


DRILL_COLUMNS = (
    Column("table_name", "Table"), Column("file", "File"), Column("line", "Line", "count", {"maxWidth": 100}),
    Column("column_name", "Column"),
    Column("value", "Value", extra={"valueFormatter": {
        "function": "params.data.value_withheld ? 'withheld' : (params.value ?? '')"}}),
    Column("message", "Message", extra={"minWidth": 280}),
    Column("encounter_id", "Encounter"),
)


def render_drilldown(data: dict | None, _c=None):
    """Example failing rows of the open check; encounter ids hidden when they concern 1..k encounters."""
    if data is None:
        return dmc.Text(PROMPT, c="dimmed", size="sm", id="dq-drilldown-prompt")
    df, check_id = data["rows"], data["check_id"]
    count = "" if data["small"] or df.empty else f" ({len(df)} kept by the run)"
    title = dmc.Text(f"Example failing rows of {check_id}{count}", size="sm", fw=600, id="dq-drilldown-title")
    if df.empty:
        return [title, empty_state("No example failures were kept for this check in this run "
                                   "(it passed, or the run kept no examples).", "dq-drilldown-empty")]
    notes = []
    if data["small"]:
        notes.append(dmc.Alert(
            f"Encounter ids are hidden: these failing rows concern fewer than {threshold() + 1} distinct "
            f"encounters, and under the small-cell rule (1–{threshold()} suppressed) a small group of "
            "encounters is never identified. Values and messages are shown so the data can be fixed.",
            color="yellow", id="dq-drilldown-suppressed", title="Encounter ids hidden"))
    if data["withheld"]:
        notes.append(dmc.Text("Values of patient_id columns are never shown.", size="xs", c="dimmed",
                              id="dq-drilldown-withheld"))
    columns = tuple(col for col in DRILL_COLUMNS if col.field in df.columns)
    return [title, *notes, make_grid(IDS.grid("drilldown"), columns, grid_rows(df, columns), page_size=10)]


def drilldown_export(data: dict | None, _c=None) -> pd.DataFrame:
    return pd.DataFrame() if data is None else data["rows"]


def completeness_chart(df: pd.DataFrame, _c=None):
    if df.empty:
        return empty_state("No completeness was recorded for this run.", "dq-completeness-empty")
    return labelled_chart(dcc.Graph(figure=figs.completeness_bars(df), config=GRAPH_CONFIG),
                          "Bar chart: completeness of each column that has empty values, by table")


def history_export(df: pd.DataFrame, _c=None) -> pd.DataFrame:
    out = df.drop(columns=[col for col in ("encounter_rows_failed",) if col in df.columns])
    if "started_at" in out:
        out = out.assign(started_at=pd.to_datetime(out["started_at"]).dt.strftime("%Y-%m-%d %H:%M:%S"))
    return out


def check_chip(c: Context):
    check = c.state.get("check")
    if not check:
        return dmc.Text("Click a check in the grid to open its example failures.", size="xs", c="dimmed",
                        id="dq-chip-hint")
    return dmc.Badge(f"Example failures of {check}", color="blue", variant="light", size="lg",
                     id="dq-chip", style={"textTransform": "none"})


def _history(c: Context) -> pd.DataFrame:
    return dq.check_history(c.con) if run_of(c) is not None else pd.DataFrame()


def _runs(c: Context) -> pd.DataFrame:
    return dq.runs(c.con)


def _no_runs(con) -> str | None:
    return NO_RUNS if dq.runs(con).empty else None


def _export_context(c: Context) -> str:
    run_id = run_of(c)
    return f"run {run_id} (global filters do not apply)" if run_id else "no run recorded (global filters do not apply)"


# ---------------------------------------------------------------------------------------------- the page

_COUNTS = ("rows_checked", "rows_failed", "n_examples", "rows_total", "rows_null", "rows_present", "line",
           "rows_read", "rows_loaded", "rows_rejected", "checks_run", "checks_passed", "checks_warned",
           "checks_failed")
CHECK_COLUMNS = (
    Column("check_id", "Check", extra={"minWidth": 170, "pinned": "left"}),
    Column("table_name", "Table"), Column("column_name", "Column"),
    Column("description", "Description", extra={"minWidth": 240}),
    Column("severity", "Severity", extra={"maxWidth": 120}),
    Column("rows_checked", "Rows checked", "count"), Column("rows_failed", "Rows failed", "count"),
    Column("pct_failed", "% failed", "percent", _PCT_2),
    Column("status", "Status", extra={"maxWidth": 110, "cellStyle": _STATUS_STYLE}),
)

PANELS = (
    Panel("summary", "Run summary", _per_run(dq.run_summary), kind="cards", render=summary_cards,
          integer_columns=_COUNTS),
    Panel("checks", "Checks in this run (click a row for example failures)", _per_run(dq.results_by_check),
          kind="grid", columns=CHECK_COLUMNS, row_id=("check_id", "table_name"), summary=checks_note,
          export=_without("encounter_rows_failed"), metrics=(FAILURE_RATE,), integer_columns=_COUNTS,
          page_size=15, grid_height=440,
          note=(f"Failed-row counts of 1–{threshold()} on tables whose rows belong to encounters are "
                f"shown as {MARKER} (small-cell rule); the status still says whether the check passed.")),
    Panel("drilldown", "Example failures", drilldown_data, kind="cards", render=render_drilldown,
          export=drilldown_export, integer_columns=("line",)),
    Panel("matrix", "Failures per check and table", _per_run(dq.failures_by_check_table),
          figure=lambda df, c: figs.failures_matrix(df), export=_without("encounter_rows_failed"),
          columns=(Column("check_id", "Check"), Column("table_name", "Table"),
                   Column("rows_checked", "Rows checked", "count"), Column("rows_failed", "Rows failed", "count"),
                   Column("pct_failed", "% failed", "percent")),
          metrics=(FAILURE_RATE,), integer_columns=_COUNTS, height=320,
          label="Heat map: failure rate per check and table",
          note="Colour = % of checked rows failed; number = failed rows."),
    Panel("completeness", "Completeness per column", _per_run(dq.completeness), kind="grid",
          summary=completeness_chart,
          columns=(Column("table_name", "Table"), Column("column_name", "Column"),
                   Column("rows_total", "Rows", "count"), Column("rows_null", "Empty", "count"),
                   Column("completeness", "% complete", "percent", {"sort": "asc"})),
          metrics=(COMPLETENESS,), integer_columns=_COUNTS,
          note="The chart lists columns with empty values; the grid lists every column."),
    Panel("history", "History across runs: failed rows per check", _history,
          figure=lambda df, c: figs.failures_history(df), export=history_export,
          columns=(Column("started_at", "Run started"), Column("run_id", "Run"), Column("check_id", "Check"),
                   Column("table_name", "Table"), Column("rows_checked", "Rows checked", "count"),
                   Column("rows_failed", "Rows failed", "count"), Column("pct_failed", "% failed", "percent")),
          metrics=(FAILURE_RATE,), integer_columns=_COUNTS, height=300,
          label="Line chart: failed rows per check across data-quality runs"),
    Panel("runs", "History across runs: rows loaded and rejected", _runs,
          figure=lambda df, c: figs.rows_history(df),
          columns=(Column("started_at", "Run started"), Column("run_id", "Run"), Column("kind", "Kind"),
                   Column("rows_read", "Rows read", "count"), Column("rows_loaded", "Rows loaded", "count"),
                   Column("rows_rejected", "Rows rejected", "count"), Column("status", "Status")),
          integer_columns=_COUNTS, height=300, label="Bar chart: rows loaded and rejected per run"),
)

PAGE = Page(
    "data_quality", "Data quality",
    "Is the loaded data complete and valid enough to trust these numbers? Each run's checks, failures, "
    "completeness and history.",
    panels=PANELS, prefix="dq", uses_filters=False,
    rows=("summary", "checks", "drilldown", ("matrix", "completeness"), ("history", "runs")),
    state=(StateKey("run", "run", "data-quality run", options=dq.run_options),
           StateKey("check", "check", "check", parse=lambda con, raw: clean_id(raw), click_panel="checks",
                    click_field="check_id")),
    controls=("run",), export_context=_export_context, clear_label="Close the example failures", chip=check_chip, empty=_no_runs,
    preamble=(dmc.Text(FILTERS_NOTE, c="dimmed", size="sm", id="dq-filters-note"),),
)
layout = PAGE.layout
register_callbacks = PAGE.register
