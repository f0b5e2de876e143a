"""One page shape: a page is a declared list of panels; layout, ids, callbacks and downloads follow from it.

A `Panel` names
- `service(ctx) -> data`: its one call into `queries/<area>.py` (ctx = `Context(con, filters, state)`, all
  re-validated on the server); `data` is usually an already-suppressed DataFrame;
- its renderer, by `kind`: "chart" -> `figure(data, ctx)` returns a plotly Figure shown in a persistent
  `dcc.Graph` (clicks on it can set page state); "grid" -> `columns` (a tuple of `Column`) and the grid is
  filled with `export(data, ctx)`'s rows (or `display(data, ctx)`'s, when the grid adds links); "cards" -> `render(data, ctx)` returns components;
  an optional `summary(data, ctx)` adds components above a chart or grid (stat lines, notes);
- its definitions: `metrics` (each gets an ⓘ popover beside the title) and `note`;
- its export: `export(data, ctx) -> DataFrame` (default: `data` itself), written by
  `codedash.dashboard.exports.csv_with_context` with the page's filters, the page state and the metrics'
  definitions. The download of a panel is exactly that panel's data; "Show numbers as table" on a
  chart renders the same frame as a real HTML table with the same formatter and suppression marker.
- `label`: the accessible name of the chart ("what it shows"), on the graph's container.

A `Page` is (key, title, intro, panels, rows, state). `rows` arranges panel keys: a key alone is a
full-width row, a tuple of keys is a row of columns. `state` declares page state (cross-filters set by
clicking a chart, choices such as a metric or a tab): each `StateKey` has a URL key and a validator
`parse(con, raw) -> value | None`; the page mirrors the state in the URL (`?...&focus_payer=PB`), so a
view can be shared; invalid or unknown values from a link are dropped with the shell's notice.
Three kinds of state besides a plain validated value:
- a Choice (`choices` {value: label}): a segmented control in the panels that name it in `controls`;
- a database Select (`options(con) -> [(value, label), ...]`): a select of values read from the database
  each time the page is laid out (a data-quality run, newest first). Every value from the browser or a
  link is re-validated against that list. `default=None` means "the first option" (the newest run): the
  select shows it, and choosing it stores the default, so the URL leaves the key out and a link follows
  the newest. Shown under the page title when named in `Page.controls`, else in a panel's `controls`;
- a click state (`click_panel`): a chart's clicked point (its customdata; clicked again, cleared) or a
  grid's clicked or selected row. For a grid, the framework finds the clicked row (AG Grid `cellClicked`
  rowId, or the row selected with Space/click, `selectedRows`) among the grid's rows recomputed on the
  server, and the state's value is that row's `click_field` (default the panel's `row_id`); a value from a
  link or the store must be one of that column's values. The grid's rows are computed with the state keys
  declared before this one (declare a grid click after the keys its grid depends on). A grid is not a
  toggle: the clear button clears it.
`Page.empty(con) -> message | None`: when a page has nothing to show at all (no data-quality run), the
message is shown as its empty state and the panels are hidden. `Page.export_context(ctx) -> str | None`
adds to every CSV's title line what the page state alone does not say (the run a default resolves to).

    PAGE = Page("denials", "Reimbursement & denials", "Which payers deny what…", panels=(...), rows=(...))
    layout = PAGE.layout                       # for dash.register_page
    register_callbacks = PAGE.register         # (app, db)

Ids live in `PageIds` only (prefix = page.prefix):
    root "page-<key>", panel "<p>-<k>", body "<p>-<k>-body", graph "<p>-<k>-graph", grid "<p>-<k>-grid",
    summary "<p>-<k>-summary", download "<p>-<k>-download(-btn)", table toggle "<p>-<k>-table-toggle",
    table slot "<p>-<k>-table", state store "<p>-state", notice "<p>-state-notice", clear "<p>-clear",
    a choice control or database select "<p>-<name>-choice", chip "<p>-chip-slot", computed header
    "<p>-header", the keyboard select of a click state "<p>-<name>-pick", the page's empty state
    "<p>-empty-state" and the panels' holder "<p>-content" (pages declaring `empty` only).
Two escape hatches keep pages declarative: `Page.header(ctx)` (a header computed from the view, e.g. a
scorecard's title) and `Page.extra(page, app, db)` (callbacks that render no panel, e.g. navigation);
`Page.preamble` holds fixed components under the title (a placeholder page's "coming next" note).
A page re-reads its state from the URL each time Dash pages lays it out (every query-string change), in
`layout(**query)`; clicks and choices write the URL, so a click, a reload and a shared link take one path.
Callbacks are thin: validate (filters, state) -> service -> renderer.

Keyboard (docs/accessibility.md): a chart whose clicks set page state also gets a select beside it listing
the chart's points (their customdata ids and category labels, read from the drawn figure). Choosing one
*is* a click on that point: three clientside callbacks (assets/a11y.js, namespace "codedash") fill the
select from the figure, write the chosen id into the graph's `clickData`, and show the state's value, so
the page-state callback above is the only place state changes, whichever way it was set.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import dash
import dash_ag_grid as dag
import dash_mantine_components as dmc
import pandas as pd
from dash import Input, Output, State, ctx as dash_ctx, dcc, html, no_update

from codedash.dashboard import access
from codedash.dashboard.components import ENTER_ACTIVATES, KEYBOARD_GRID_OPTIONS, definition_popover, empty_state
from codedash.dashboard.exports import csv_with_context
from codedash.dashboard.figures.base import empty_figure
from codedash.dashboard.formatting import MISSING, SUPPRESSED, format_value, grid_formatter, unit_of
from codedash.dashboard.inputs import as_dict, as_list, as_str, clicked_value
from codedash.dashboard.url_state import (filters_from_search, needs_filters, notice_for, register_page_keys,
                                          validate_filters)
from codedash.queries.metrics import Metric

GRAPH_CONFIG = {"displayModeBar": False, "responsive": True}
LOADING = "Loading…"


# ---------------------------------------------------------------------------------------------- declarations

@dataclass(frozen=True)
class Column:
    """A grid / table column: field, header, unit (dashboard.formatting) and extra AG Grid options."""
    field: str
    header: str
    unit: str = "text"
    extra: Mapping[str, Any] = field(default_factory=dict)

    def min_width(self) -> int:
        """Wide enough for its values (money and text need more) and for its header's longest word on a
        wrapped two-line header, plus the sort and filter icons."""
        unit = unit_of(self.unit)
        values = {"usd": 130, "text": 120, "percent": 100, "count": 100}.get(unit, 110)
        longest_word = max((len(w) for w in self.header.split()), default=4)
        header = min(9 * max(longest_word, (len(self.header) + 1) // 2), 230) + 72   # text + padding + icons
        return max(values, header)

    def grid_def(self) -> dict:
        col = {"field": self.field, "headerName": self.header, "headerTooltip": self.header,
               "tooltipValueGetter": {"function": "params.valueFormatted != null ? params.valueFormatted : params.value"},   # as shown, whole
               "minWidth": self.min_width()}
        if unit_of(self.unit) != "text":
            col.update({"valueFormatter": grid_formatter(self.unit), "type": "rightAligned",
                        "filter": "agNumberColumnFilter"})
        elif "cellRenderer" not in self.extra:
            col["valueFormatter"] = grid_formatter("text")
        col.update(self.extra)
        return col


@dataclass(frozen=True)
class Context:
    """What every service and renderer receives: a cursor, the validated filters and page state."""
    con: Any
    filters: dict
    state: dict


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    service: Callable[[Context], Any]
    kind: str = "chart"                                   # chart | grid | cards
    figure: Callable[[Any, Context], Any] | None = None   # chart: data -> plotly Figure
    columns: tuple[Column, ...] = ()                     # grid columns; for charts: the table's columns
    render: Callable[[Any, Context], Any] | None = None   # cards: data -> components
    summary: Callable[[Any, Context], Any] | None = None  # optional components above a chart or grid
    export: Callable[[Any, Context], pd.DataFrame] | None = None
    display: Callable[[Any, Context], pd.DataFrame] | None = None   # grid rows, when they add to the export (links)
    metrics: tuple[Metric, ...] = ()
    export_metrics: tuple[Metric, ...] = ()               # definitions in the CSV only (shown elsewhere)
    note: str | None = None
    label: str | None = None                              # accessible name of a chart
    export_title: str | None = None
    integer_columns: tuple[str, ...] = ()
    controls: tuple[str, ...] = ()                        # names of Choice states shown in this panel
    height: int = 300
    grid_height: int = 360
    page_size: int = 10
    row_id: str | tuple[str, ...] | None = None           # grid: field(s) that identify a row (AG Grid row id)
    clickable: bool = False                               # chart: clicks set state (see StateKey.click_panel)
    names: bool = False                                   # shows named coders or providers (dashboard/access.py)
    graph_style: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        if self.kind not in ("chart", "grid", "cards"):
            raise ValueError(f"panel {self.key}: unknown kind {self.kind!r}")
        if self.kind == "chart" and self.figure is None:
            raise ValueError(f"panel {self.key}: a chart needs `figure`")
        if self.kind == "grid" and not self.columns:
            raise ValueError(f"panel {self.key}: a grid needs `columns`")
        if self.kind == "cards" and self.render is None:
            raise ValueError(f"panel {self.key}: cards need `render`")

    def frame(self, data, ctx: Context) -> pd.DataFrame:
        """The panel's export data (what the CSV and the 'show as table' hold)."""
        out = self.export(data, ctx) if self.export else data
        return out if isinstance(out, pd.DataFrame) else pd.DataFrame()


@dataclass(frozen=True)
class StateKey:
    """One piece of page state: its name, URL key, validator and default.

    parse(con, raw) -> a valid value or None (invalid / unknown). `choices` {value: label} makes it a
    Choice shown as a segmented control (validated against the choices). `options(con)` makes it a select
    of values read from the database, [(value, label), ...] in the order shown (validated against them;
    default None = the first). `click_panel` names a chart whose clicked point's customdata sets (or,
    clicked again, clears) the value, or a grid whose clicked row's `click_field` (default its `row_id`)
    sets it; see the module docstring."""
    name: str
    url_key: str
    label: str
    parse: Callable[[Any, Any], Any] | None = None
    default: Any = None
    choices: Mapping[str, str] | None = None
    click_panel: str | None = None
    options: Callable[[Any], Any] | None = None
    click_field: str | None = None

    def validate(self, con, raw):
        """The value alone (choices, options, parse); a grid click's row check is the page's (Page.validate_key)."""
        if self.choices is not None:
            return raw if isinstance(raw, str) and raw in self.choices else None
        if self.options is not None:
            if not isinstance(raw, str):
                return None
            return raw if raw in self.option_values(con) else None
        if raw is None or self.parse is None:
            return None
        return self.parse(con, raw)

    def option_values(self, con) -> list[str]:
        return [str(v) for v, _ in (self.options(con) if self.options is not None and con is not None else ())]


class PageIds:
    """Every component id of a page, generated from its prefix (no id string is written twice)."""

    def __init__(self, key: str, prefix: str):
        self.key, self.prefix = key, prefix

    def root(self) -> str:
        return f"page-{self.key}"

    def panel(self, k: str) -> str:
        return f"{self.prefix}-{k}"

    def _p(self, k: str, part: str) -> str:
        return f"{self.prefix}-{k}-{part}"

    def body(self, k):
        return self._p(k, "body")

    def graph(self, k):
        return self._p(k, "graph")

    def grid(self, k):
        return self._p(k, "grid")

    def summary(self, k):
        return self._p(k, "summary")

    def download(self, k):
        return self._p(k, "download")

    def download_btn(self, k):
        return self._p(k, "download-btn")

    def table_toggle(self, k):
        return self._p(k, "table-toggle")

    def table(self, k):
        return self._p(k, "table")

    def seen(self, k):
        """A below-the-fold panel's flag, set in the browser when its card first comes into view."""
        return self._p(k, "seen")

    def choice(self, name):
        return self._p(name, "choice")

    def pick(self, name):
        """The keyboard way to set a click state: a select beside the chart (see `pick_select`)."""
        return self._p(name, "pick")

    def state(self):
        return f"{self.prefix}-state"

    def notice(self):
        return f"{self.prefix}-state-notice"

    def clean_search(self):
        return f"{self.prefix}-state-clean-search"

    def clean_done(self):
        return f"{self.prefix}-state-clean-done"

    def clear(self):
        return f"{self.prefix}-clear"

    def empty(self):
        return f"{self.prefix}-empty-state"

    def content(self):
        return f"{self.prefix}-content"


# ---------------------------------------------------------------------------------------------- rendering

def metric_units(metrics) -> dict[str, str]:
    return {m.key: m.unit for m in metrics}


def table_columns(panel: Panel, df: pd.DataFrame) -> list[Column]:
    """The panel's declared columns present in df, else every column (unit from its metrics or dtype)."""
    if panel.columns:
        return [c for c in panel.columns if c.field in df.columns]
    units = metric_units((*panel.metrics, *panel.export_metrics))
    return [Column(col, col.replace("_", " "), units.get(col) or guess_unit(col, df[col], panel.integer_columns))
            for col in df.columns if col != "suppressed"]


MONEY_WORDS = ("amount", "charges", "adjustments", "_usd", "paid", "impact")


def guess_unit(name: str, values: pd.Series, integer_columns=()) -> str:
    """The unit of an undeclared column: declared integers and whole numbers are counts, money by its
    name, other numbers rates, anything else text."""
    if name in integer_columns:
        return "count"
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return "text"
    if any(w in name for w in MONEY_WORDS):
        return "usd"
    present = values.dropna()
    if pd.api.types.is_integer_dtype(values) or (len(present) and (present == present.round()).all()):
        return "count"
    return "rate"


def _cell(value, unit: str, row_suppressed: bool) -> str:
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d}"
    missing = value is None or (not isinstance(value, (list, dict)) and pd.isna(value))
    if missing:
        return SUPPRESSED if row_suppressed and unit_of(unit) != "text" else MISSING
    return format_value(value, unit, compact=False)


def data_table(panel: Panel, df: pd.DataFrame, table_id: str | None = None) -> html.Table | dmc.Alert:
    """The panel's data as a real table (caption, column headers), formatted as the grids are."""
    if df.empty:
        return empty_state("No rows for these filters.")
    cols = table_columns(panel, df)
    sup = df["suppressed"].fillna(False).astype(bool).tolist() if "suppressed" in df else [False] * len(df)
    head = html.Thead(html.Tr([html.Th(c.header, scope="col") for c in cols]))
    rows = [html.Tr([html.Td(_cell(r[c.field], c.unit, s)) for c in cols])
            for (_, r), s in zip(df.iterrows(), sup)]
    kwargs = {"id": table_id} if table_id else {}
    return html.Table([html.Caption(panel.title), head, html.Tbody(rows)], className="cd-data-table", **kwargs)


def row_fields(row_id) -> tuple[str, ...]:
    """The field(s) of a panel's `row_id`."""
    if not row_id:
        return ()
    return (row_id,) if isinstance(row_id, str) else tuple(row_id)


def row_key(row: Mapping, row_id) -> str | None:
    """A row's id as AG Grid's getRowId makes it: the field's text, or the fields' texts joined by '|'
    (an empty field reads 'null', as JavaScript concatenates it)."""
    fields = row_fields(row_id)
    if not fields or not isinstance(row, Mapping) or any(f not in row for f in fields):
        return None
    parts = [row[f] for f in fields]
    if any(isinstance(p, (list, dict)) for p in parts):
        return None
    return "|".join("null" if p is None else str(p) for p in parts)     # as JavaScript joins a null


def get_row_id(row_id) -> str:
    """AG Grid's getRowId expression for `row_id` (the same text as `row_key`)."""
    fields = row_fields(row_id)
    if len(fields) == 1:
        return f"params.data.{fields[0]}"
    # plain concatenation: dash-ag-grid's expression parser calls no global functions (String(...) fails)
    return " + '|' + ".join(f"params.data.{f}" for f in fields)


def grid_rows(df: pd.DataFrame, columns: tuple[Column, ...], row_id=None) -> list[dict]:
    """JSON-safe grid rows: the declared fields (+ the row id and `suppressed`), NaN -> None, dates -> text."""
    keep = [c.field for c in columns if c.field in df.columns]
    for extra in (*row_fields(row_id), "suppressed"):
        if extra and extra in df.columns and extra not in keep:
            keep.append(extra)
    out = df[keep].copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    out = out.astype(object).where(out.notna(), None)
    return out.to_dict("records")


def make_grid(grid_id: str, columns: tuple[Column, ...], rows: list[dict] | None = None, page_size: int = 10,
              height: int = 360, row_id=None, selectable: bool = False) -> dag.AgGrid:
    """A paged grid (page size selector, row count in the pager: no silent cap), wrapped headers,
    cells with tooltips so a cut value can be read whole. selectable: a click or Space selects one row
    (a grid whose rows set page state)."""
    g = dag.AgGrid(
        id=grid_id, rowData=rows or [], columnDefs=[c.grid_def() for c in columns],
        defaultColDef={"sortable": True, "filter": True, "resizable": True,
                       "wrapHeaderText": True, "autoHeaderHeight": True},
        dashGridOptions={"pagination": True, "paginationPageSize": page_size,
                         "paginationPageSizeSelector": sorted({page_size, 20, 50, 100}), "animateRows": False,
                         "tooltipShowDelay": 300, "enableCellTextSelection": True,
                         "suppressColumnVirtualisation": True, **KEYBOARD_GRID_OPTIONS},
        columnSize="responsiveSizeToFit",     # fills the width; each column's minWidth keeps it readable
        style={"height": f"{height}px"}, eventListeners=ENTER_ACTIVATES,
    )
    if row_id:
        g.getRowId = get_row_id(row_id)
    if selectable:
        g.dashGridOptions = {**g.dashGridOptions, "rowSelection": {"mode": "singleRow", "checkboxes": False,
                                                                   "enableClickSelection": True}}
    return g


def options_select(select_id: str, label: str, options, value) -> dmc.Select:
    """A database Select state's control (options [(value, label)], newest first); the value shown is the
    state's, or the first option for the default."""
    data = [{"value": str(v), "label": str(lbl)} for v, lbl in options]
    shown = value if value in {d["value"] for d in data} else (data[0]["value"] if data else None)
    return dmc.Select(id=select_id, label=label[:1].upper() + label[1:], data=data, value=shown, w=520,
                      allowDeselect=False, searchable=len(data) > 10, placeholder="None recorded",
                      comboboxProps={"withinPortal": True})


def pick_select(pick_id: str, name: str, label: str) -> dmc.Select:
    """The keyboard path to a chart's cross-filter: the chart's points as options (filled from the figure)."""
    return dmc.Select(id=pick_id, name=name, label=f"Filter this page by {label}",
                      placeholder="All (or click the chart)", data=[], value=None, clearable=True,
                      searchable=True, size="xs", w=320, mb="xs", nothingFoundMessage="No match",
                      comboboxProps={"withinPortal": False})


def register_pick(app: dash.Dash, pick_id: str, graph_id: str, store_id: str) -> None:
    """Clientside (no server round trip, nothing new for the server to validate): figure -> options,
    choice -> the graph's clickData (the state callback validates it like any click), state (once the
    options hold its value) -> choice.
    The store holds the page state as {name: value}; the select's `name` is the state's name."""
    app.clientside_callback(dash.ClientsideFunction("codedash", "pickOptions"),
                            Output(pick_id, "data"), Input(graph_id, "figure"))
    app.clientside_callback(dash.ClientsideFunction("codedash", "pickToClick"),
                            Output(graph_id, "clickData"), Input(pick_id, "value"),
                            State(store_id, "data"), State(pick_id, "name"), State(pick_id, "data"),
                            prevent_initial_call=True)
    app.clientside_callback(dash.ClientsideFunction("codedash", "pickFromState"),
                            Output(pick_id, "value"), Input(store_id, "data"), Input(pick_id, "data"),
                            State(pick_id, "name"), State(pick_id, "value"))


# ---------------------------------------------------------------------------------------------- the page

def _keys_in(rows) -> list[str]:
    """Panel keys of layout rows (a row is a key or a tuple of keys side by side), in order."""
    return [k for row in rows for k in (row if isinstance(row, tuple) else (row,))]


@dataclass(frozen=True)
class Page:
    key: str
    title: str
    intro: str
    panels: tuple[Panel, ...]
    rows: tuple = ()
    state: tuple[StateKey, ...] = ()
    prefix: str = ""
    clear_label: str = "Clear page filter"
    chip: Callable[[Context], Any] | None = None     # components describing the click state (or None)
    uses_filters: bool = True
    header: Callable[[Context], Any] | None = None   # a header computed from the view (replaces the title)
    preamble: tuple = ()                             # fixed components under the title (a "coming next" note)
    extra: Callable[[Any, Any, Any], None] | None = None   # extra(page, app, db): callbacks that are no panel's
                                                     # render (navigation such as opening a scorecard)
    controls: tuple[str, ...] = ()                   # names of Choice / database Select states shown under the title
    empty: Callable[[Any], str | None] | None = None  # empty(con): a message when the page has nothing to show
    export_context: Callable[[Context], str | None] | None = None   # more for every CSV's title line (the
                                                     # run a default state resolves to, what does not apply)
    # rows laid out and computed at once; the panels of later rows are computed when their card first comes
    # into view (assets/lazy_panels.js), then follow every filter change (None: every row at once)
    eager_rows: int | None = None

    def __post_init__(self):
        if not self.prefix:
            object.__setattr__(self, "prefix", self.key)
        keys = [p.key for p in self.panels]
        if len(set(keys)) != len(keys):
            raise ValueError(f"page {self.key}: repeated panel keys")
        placed = _keys_in(self.rows)
        if self.rows and sorted(placed) != sorted(keys):
            raise ValueError(f"page {self.key}: rows must place every panel exactly once")
        names = {s.name for s in self.state}
        for s in self.state:
            if s.click_panel and s.click_panel not in keys:
                raise ValueError(f"page {self.key}: state {s.name} clicks unknown panel {s.click_panel}")
            if s.click_panel and self.panel(s.click_panel).kind == "grid":
                field_ = s.click_field or self.panel(s.click_panel).row_id
                if not self.panel(s.click_panel).row_id or not isinstance(field_, str):
                    raise ValueError(f"page {self.key}: state {s.name} clicks grid {s.click_panel}, which needs a "
                                     "row_id (and a click_field when the row id has several fields)")
        for name in self.controls:
            if name not in names or all(s.choices is None and s.options is None for s in self.state if s.name == name):
                raise ValueError(f"page {self.key}: control {name} is not a choice or select state")
        register_page_keys(s.url_key for s in self.state)

    # -- lookups
    @property
    def ids(self) -> PageIds:
        return PageIds(self.key, self.prefix)

    @property
    def lazy_keys(self) -> frozenset[str]:
        """Keys of the panels computed only once their card comes into view (rows past eager_rows)."""
        if self.eager_rows is None:
            return frozenset()
        return frozenset(_keys_in(self.layout_rows[self.eager_rows:]))

    @property
    def layout_rows(self) -> tuple:
        """The rows as laid out: declared, or one panel a row in declaration order."""
        return self.rows or tuple(p.key for p in self.panels)

    def panel(self, key: str) -> Panel:
        return next(p for p in self.panels if p.key == key)

    @property
    def clicks(self) -> tuple[StateKey, ...]:
        return tuple(s for s in self.state if s.click_panel)

    @property
    def choices(self) -> tuple[StateKey, ...]:
        """States set by a control's value: Choices (segmented controls) and database Selects."""
        return tuple(s for s in self.state if s.choices is not None or s.options is not None)

    def grid_click(self, s: StateKey) -> bool:
        return bool(s.click_panel) and self.panel(s.click_panel).kind == "grid"

    # -- state
    def default_state(self) -> dict:
        return {s.name: s.default for s in self.state}

    def validate_key(self, con, s: StateKey, raw, filters: dict | None = None, state: dict | None = None):
        """One state value re-validated: its own validator, and for a grid click also membership in the
        grid's rows under `filters` and the `state` read so far. None when invalid or unknown."""
        if not self.grid_click(s):
            return s.validate(con, raw)
        value = s.parse(con, raw) if (s.parse is not None and raw is not None) else raw
        if value is None or isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return None
        value = str(value)
        rows = self.grid_frame(con, s, filters, state)
        field_ = s.click_field or self.panel(s.click_panel).row_id
        if field_ not in rows.columns:
            return None
        return value if value in {str(v) for v in rows[field_].dropna()} else None

    def grid_frame(self, con, s: StateKey, filters: dict | None, state: dict | None) -> pd.DataFrame:
        """The rows of the grid a click state reads, as the grid shows them (computed on the server)."""
        panel = self.panel(s.click_panel)
        c = Context(con, filters or {}, {**self.default_state(), **(state or {}), s.name: s.default})
        data = panel.service(c)
        out = panel.display(data, c) if panel.display else panel.frame(data, c)
        return out if isinstance(out, pd.DataFrame) else pd.DataFrame()

    def clicked_row_value(self, con, s: StateKey, click, filters: dict | None, state: dict | None):
        """The state value of a grid click: the row the browser names (`cellClicked`'s rowId, or the first
        of `selectedRows`) looked up among the grid's rows on the server, and its `click_field`."""
        panel = self.panel(s.click_panel)
        click = as_dict(click)
        key = as_str(as_dict(click.get("cell")).get("rowId"))
        if key is None:
            rows = as_list(click.get("rows"))
            key = row_key(rows[0], panel.row_id) if rows else None
        if key is None:
            return None
        frame = self.grid_frame(con, s, filters, state)
        field_ = s.click_field or panel.row_id
        for row in grid_rows(frame, panel.columns, panel.row_id):
            if row_key(row, panel.row_id) == key:
                value = row.get(field_)
                return None if value is None else str(value)
        return None

    def validate_state(self, con, raw, filters: dict | None = None) -> dict:
        """The state the browser sent, each value re-validated in declaration order (invalid -> the default)."""
        raw = as_dict(raw)
        out = self.default_state()
        for s in self.state:
            value = self.validate_key(con, s, raw.get(s.name), filters, out)
            out[s.name] = s.default if value is None else value
        return out

    def state_from_search(self, con, search) -> tuple[dict, list[str]]:
        """(state, problems) from the URL's query string (only this page's keys are read; a grid click is
        checked against the grid under the link's own filters)."""
        pairs = dict(parse_qsl((as_str(search) or "").lstrip("?"), max_num_fields=2000)) if search else {}
        state, problems = self.default_state(), []
        filters = filters_from_search(search)[0] if (self.uses_filters and pairs) else {}
        for s in self.state:
            if s.url_key not in pairs:
                continue
            value = self.validate_key(con, s, pairs[s.url_key], filters, state)
            if value is None:
                problems.append(f"ignored {s.url_key}: not a known {s.label}")
            else:
                state[s.name] = value
        return state, problems

    def search_with_state(self, search, state: dict) -> str:
        """The query string with this page's keys replaced by `state` (defaults left out), others kept."""
        own = {s.url_key for s in self.state}
        pairs = [(k, v) for k, v in parse_qsl((as_str(search) or "").lstrip("?"), max_num_fields=2000)
                 if k not in own]
        for s in self.state:
            value = state.get(s.name)
            if value is not None and value != s.default:
                pairs.append((s.url_key, str(value)))
        return "?" + urlencode(pairs) if pairs else ""

    def next_state(self, con, current: dict, trigger: str | None, click_data: dict, choice_values: dict,
                   filters: dict | None = None) -> dict:
        """State after a click on a chart (toggle the clicked value) or a grid row (set it), a choice or
        select change, or the clear button. click_data[name]: a chart's clickData, or for a grid
        {"cell": cellClicked} / {"rows": selectedRows}. The result is re-validated as a whole (a grid click
        chosen under another run is dropped when the run changes)."""
        filters = validate_filters(filters) if filters else {}
        state = self.validate_state(con, current, filters)
        if trigger == self.ids.clear():
            return {**state, **{s.name: s.default for s in self.clicks}}
        for s in self.clicks:
            if self.grid_click(s):
                if trigger == self.ids.grid(s.click_panel):
                    value = self.clicked_row_value(con, s, click_data.get(s.name), filters, state)
                    if value is None:
                        return state
                    state[s.name] = value
            elif trigger == self.ids.graph(s.click_panel):
                value = clicked_value(click_data.get(s.name))
                if value is None:
                    return state
                value = self.validate_key(con, s, value, filters, state)
                if value is None:
                    return state
                state[s.name] = s.default if state.get(s.name) == value else value
        for s in self.choices:
            if trigger == self.ids.choice(s.name):
                value = self.validate_key(con, s, choice_values.get(s.name), filters, state)
                if value is not None and s.options is not None and s.default is None \
                        and value == next(iter(s.option_values(con)), None):
                    value = None                  # the first option is the default: the URL leaves it out
                state[s.name] = s.default if value is None else value
        return self.validate_state(con, state, filters)

    def context(self, con, raw_filters, raw_state) -> Context:
        filters = validate_filters(raw_filters)
        return Context(con, filters, self.validate_state(con, raw_state, filters))

    def state_text(self, state: dict) -> str:
        parts = [f"{s.url_key}={state[s.name]}" for s in self.state
                 if state.get(s.name) is not None and state.get(s.name) != s.default]
        return ", ".join(parts)

    # -- panel outputs, as plain functions (what the callbacks return; tested without a browser)
    def render_panel(self, key: str, con, raw_filters, raw_state=None) -> list:
        """The panel's outputs in callback order: chart -> [figure, summary?]; grid -> [rows, summary?];
        cards -> [children]."""
        panel = self.panel(key)
        c = self.context(con, raw_filters, raw_state)
        data = panel.service(c)
        if panel.kind == "cards":
            return [panel.render(data, c)]
        if panel.kind == "chart":
            main = panel.figure(data, c)
        else:
            shown = panel.display(data, c) if panel.display else panel.frame(data, c)
            main = grid_rows(shown, panel.columns, panel.row_id)
        return [main, panel.summary(data, c)] if panel.summary else [main]

    def table_for(self, key: str, con, raw_filters, raw_state, show) -> Any:
        if show is not True:
            return None
        panel = self.panel(key)
        c = self.context(con, raw_filters, raw_state)
        return data_table(panel, panel.frame(panel.service(c), c), f"{self.ids.table(key)}-content")

    def export_panel(self, key: str, con, raw_filters, raw_state=None) -> dict:
        """The panel's own data as CSV with the filters, page state and definitions."""
        panel = self.panel(key)
        c = self.context(con, raw_filters, raw_state)
        df = panel.frame(panel.service(c), c)
        title = f"{self.title}: {panel.export_title or panel.title}"
        extra = self.state_text(c.state)
        if extra:
            title += f" — page state {extra}"
        more = self.export_context(c) if self.export_context else None
        if more:
            title += f" — {more}"
        ints = [col for col in panel.integer_columns if col in df.columns]
        ints += [col.field for col in panel.columns if unit_of(col.unit) == "count" and col.field in df.columns
                 and col.field not in ints]
        return dict(content=csv_with_context(df, title, c.filters if self.uses_filters else {},
                                                (*panel.metrics, *panel.export_metrics), ints),
                    filename=f"codedash-{self.prefix}-{panel.key}.csv")

    # -- layout
    def _control(self, s: StateKey, state: dict, options: dict):
        if s.options is not None:
            return options_select(self.ids.choice(s.name), s.label, options.get(s.name, ()), state.get(s.name))
        return dmc.SegmentedControl(id=self.ids.choice(s.name), value=state.get(s.name, s.default), size="xs",
                                    data=[{"value": v, "label": lbl} for v, lbl in s.choices.items()],
                                    **{"aria-label": s.label})

    def _panel_card(self, panel: Panel, state: dict, options: dict | None = None):
        ids = self.ids
        tools = [definition_popover(m, id_={"type": "metric-info", "key": f"{ids.panel(panel.key)}:{m.key}"})
                 for m in panel.metrics]
        tools.append(dmc.Button("CSV", id=ids.download_btn(panel.key), variant="subtle", size="compact-xs",
                                **{"aria-label": f"Download {panel.title} as CSV"}))
        controls = [self._control(s, state, options or {}) for s in self.choices if s.name in panel.controls]
        if panel.kind == "chart":
            label = panel.label or panel.title
            main = html.Div(dcc.Graph(id=ids.graph(panel.key), config=GRAPH_CONFIG,
                                      figure=empty_figure(LOADING, panel.height),
                                      style={"minHeight": f"{panel.height}px", **panel.graph_style}),
                            role="img", **{"aria-label": label}, className="cd-chart")
        elif panel.kind == "grid":
            main = make_grid(ids.grid(panel.key), panel.columns, page_size=panel.page_size,
                             height=panel.grid_height, row_id=panel.row_id,
                             selectable=any(s.click_panel == panel.key for s in self.clicks))
        else:
            main = html.Div(dmc.Text(LOADING, c="dimmed", size="sm"), id=ids.body(panel.key))
        body = [*controls, *[pick_select(ids.pick(s.name), s.name, s.label)
                             for s in self.clicks if s.click_panel == panel.key and not self.grid_click(s)]]
        if panel.summary:
            body.append(html.Div(id=ids.summary(panel.key)))
        body.append(dcc.Loading(main, type="dot", delay_show=150) if panel.kind == "cards" else main)
        if panel.kind == "chart":
            body.append(dmc.Switch(id=ids.table_toggle(panel.key), label="Show numbers as table", size="xs",
                                   checked=False, mt=4))
            body.append(html.Div(id=ids.table(panel.key), className="cd-table-slot"))
        children = [dmc.Group([dmc.Title(panel.title, order=3, size="h5", fw=600, style={"flex": "1 1 auto"}),
                               dmc.Group(tools, gap=4, wrap="nowrap")],
                              justify="space-between", wrap="nowrap", align="flex-start", gap="xs"),
                    *body]
        if panel.note:
            children.append(dmc.Text(panel.note, size="xs", c="dimmed"))
        children.append(dcc.Download(id=ids.download(panel.key)))
        if panel.key in self.lazy_keys:     # the marker the browser watches (assets/lazy_panels.js)
            children[:0] = [dcc.Store(id=ids.seen(panel.key), data=False),
                            html.Div(className="cd-seen-marker", **{"data-seen-store": ids.seen(panel.key)})]
        lazy = {"className": "cd-lazy-panel"} if panel.key in self.lazy_keys else {}
        return dmc.Card(children, withBorder=True, radius="md", padding="md", id=ids.panel(panel.key), **lazy)

    def _hidden_card(self, panel: Panel):
        """In place of a panel the signed-in user's roles may not see (its callbacks are refused too)."""
        return dmc.Card([dmc.Title(panel.title, order=3, size="h5", fw=600),
                         dmc.Text(access.NAMES_HIDDEN, size="sm", c="dimmed")],
                        withBorder=True, radius="md", padding="md", id=self.ids.panel(panel.key))

    def initial_state(self, query: Mapping) -> tuple[dict, list[str]]:
        """(state, problems) from the query Dash pages passes to layout(): a link's page state is read as
        the page is laid out (Dash re-lays out a page whenever its URL's query changes)."""
        db = getattr(self, "_db", None)
        if not self.state or db is None:
            return self.default_state(), []
        search = "?" + urlencode([(k, v) for k, vs in query.items() if isinstance(k, str)
                                  for v in (vs if isinstance(vs, list) else [vs]) if isinstance(v, str)])
        return self.state_from_search(db.cursor(), search)

    def layout(self, **query):
        ids = self.ids
        state, problems = self.initial_state(query)
        db = getattr(self, "_db", None)
        con = db.cursor() if db is not None and (self.empty or any(s.options for s in self.state)) else None
        options = {s.name: list(s.options(con)) if con is not None else [] for s in self.state if s.options}
        cards = {p.key: self._panel_card(p, state, options) if access.may_see_panel(p.names) else self._hidden_card(p)
                 for p in self.panels}
        body = []
        for row in self.layout_rows:
            if isinstance(row, tuple):
                body.append(dmc.SimpleGrid([cards[k] for k in row], cols={"base": 1, "lg": len(row)}))
            else:
                body.append(cards[row])
        head = [dmc.Stack([dmc.Title(self.title, order=2), dmc.Text(self.intro, c="dimmed", size="sm")], gap=0)]
        if self.controls:      # the title takes the room left of the controls; they wrap below it when narrow
            by_name = {s.name: s for s in self.state}
            head = [dmc.Group([dmc.Box(head, style={"flex": "1 1 320px"}),
                               *[self._control(by_name[n], state, options) for n in self.controls]],
                              justify="space-between", align="flex-end")]
        if self.header:
            head = [html.Div(head, id=f"{self.prefix}-header")]
        head += list(self.preamble)
        if self.state:
            head.append(dcc.Store(id=ids.state(), data=state))
            head.append(dcc.Store(id=ids.clean_search()))
            head.append(dcc.Store(id=ids.clean_done()))
            head.append(html.Div(notice_for(problems), id=ids.notice()))
        if self.clicks:
            head.append(dmc.Group([html.Div(id=f"{self.prefix}-chip-slot"),
                                   dmc.Button(self.clear_label, id=ids.clear(), variant="subtle",
                                              size="compact-xs")], gap="xs"))
        if self.empty:
            message = self.empty(con) if con is not None else None
            head.append(html.Div(empty_state(message, ids.empty()) if message else None))
            body = [dmc.Stack(body, gap="md", id=ids.content(), style={"display": "none"} if message else {})]
        return dmc.Stack([*head, *body], gap="md", id=ids.root())

    # -- callbacks
    def _owned(self, fn, panel: Panel | None = None):
        """fn, named as its page's (tools that group callbacks by module, such as `make bench`, see the page),
        with the page and whether it shows names for the access guard (dashboard/auth.py)."""
        fn.__module__ = f"{__package__}.pages.{self.key}"
        fn.codedash_owner = (self.key, bool(panel is not None and panel.names))
        return fn

    def register(self, app: dash.Dash, db) -> None:
        object.__setattr__(self, "_db", db)       # the layout validates a link's page state against it
        ids = self.ids
        inputs = [Input("filters", "data")] + ([Input(ids.state(), "data")] if self.state else [])
        states = [State("filters", "data")] + ([State(ids.state(), "data")] if self.state else [])

        for panel in self.panels:
            if panel.kind == "chart":
                outputs = [Output(ids.graph(panel.key), "figure")]
            elif panel.kind == "grid":
                outputs = [Output(ids.grid(panel.key), "rowData")]
            else:
                outputs = [Output(ids.body(panel.key), "children")]
            if panel.summary and panel.kind != "cards":
                outputs.append(Output(ids.summary(panel.key), "children"))

            lazy = panel.key in self.lazy_keys
            panel_inputs = [*inputs, Input(ids.seen(panel.key), "data")] if lazy else inputs

            def show(raw_filters, *rest, _key=panel.key, _lazy=lazy):
                if _lazy:
                    *rest, seen = rest
                    if seen is not True:       # not yet scrolled into view: nothing to compute or render yet
                        raise dash.exceptions.PreventUpdate
                return self.render_panel(_key, db.cursor(), raw_filters, *rest)
            app.callback(outputs, panel_inputs)(needs_filters(self._owned(show, panel)))   # show returns a list

            def download(_n, raw_filters, raw_state=None, _key=panel.key):
                return self.export_panel(_key, db.cursor(), raw_filters, raw_state)
            app.callback(Output(ids.download(panel.key), "data"), Input(ids.download_btn(panel.key), "n_clicks"),
                         *states, prevent_initial_call=True)(self._owned(download, panel))

            if panel.kind == "chart":
                def table(show_table, raw_filters, raw_state=None, _key=panel.key):
                    return self.table_for(_key, db.cursor(), raw_filters, raw_state, show_table)
                app.callback(Output(ids.table(panel.key), "children"), Input(ids.table_toggle(panel.key), "checked"),
                             *inputs, prevent_initial_call=True)(self._owned(table, panel))

        if self.state:
            self._register_state(app, db)
        if self.header:
            def header(raw_filters, raw_state=None):
                return self.header(self.context(db.cursor(), raw_filters, raw_state))
            app.callback(Output(f"{self.prefix}-header", "children"), *inputs)(needs_filters(self._owned(header)))
        if self.extra:
            self.extra(self, app, db)
        for s in self.clicks:
            if not self.grid_click(s):
                register_pick(app, ids.pick(s.name), ids.graph(s.click_panel), ids.state())

    def _register_state(self, app, db) -> None:
        ids = self.ids
        clicks, choices = self.clicks, self.choices
        outputs = [Output(ids.state(), "data"), Output("url", "search", allow_duplicate=True),
                   Output(ids.clean_search(), "data")]
        # The page's notice slot mounting is the "read the URL" trigger: every input lives in the page's own
        # layout (an input in the shell would fire while another page is shown, naming missing components).
        # a chart click: its clickData; a grid click: the clicked cell (mouse, Enter) and the selected rows (Space)
        click_inputs = []
        for s in clicks:
            if self.grid_click(s):
                click_inputs += [Input(ids.grid(s.click_panel), "cellClicked"),
                                 Input(ids.grid(s.click_panel), "selectedRows")]
            else:
                click_inputs.append(Input(ids.graph(s.click_panel), "clickData"))
        inputs = [Input(ids.notice(), "id"), *click_inputs, *[Input(ids.choice(s.name), "value") for s in choices]]
        if clicks:
            inputs.append(Input(ids.clear(), "n_clicks"))

        def update(_mounted, *args):
            *values, search, current, raw_filters = args
            fired = next(iter(dash_ctx.triggered_prop_ids or {}), "")
            click_data, i = {}, 0
            for s in clicks:
                if self.grid_click(s):
                    cell, rows = values[i], values[i + 1]
                    click_data[s.name] = {"rows": rows} if fired.endswith(".selectedRows") else {"cell": cell}
                    i += 2
                else:
                    click_data[s.name] = values[i]
                    i += 1
            choice_values = {s.name: v for s, v in zip(choices, values[i:i + len(choices)])}
            trigger = dash_ctx.triggered_id
            result = self.sync_state(db.cursor(), "url" if trigger == ids.notice() else trigger, search, click_data,
                                     choice_values, current, raw_filters)
            if trigger == ids.notice():
                # On mount the layout already read the link and shows the notice of what it ignored: the address
                # bar is cleaned in place (history.replaceState, assets/a11y.js), not by setting url.search,
                # which would lay the page out again from the cleaned link and take the notice away with it.
                return no_update, no_update, result[1]
            return (*result, no_update)
        app.callback(*outputs, *inputs, State("url", "search"), State(ids.state(), "data"), State("filters", "data"),
                     prevent_initial_call="initial_duplicate")(self._owned(update))
        app.clientside_callback(dash.ClientsideFunction("codedash", "replaceSearch"),
                                Output(ids.clean_done(), "data"), Input(ids.clean_search(), "data"),
                                prevent_initial_call=True)

        if self.chip and clicks:
            def chip(raw_filters, raw_state):
                return self.chip(self.context(db.cursor(), raw_filters, raw_state))
            app.callback(Output(f"{self.prefix}-chip-slot", "children"), Input("filters", "data"),
                         Input(ids.state(), "data"))(needs_filters(self._owned(chip)))

    def sync_state(self, con, trigger, search, click_data: dict, choice_values: dict, current,
                   raw_filters=None) -> tuple:
        """(state, url search) after a click, a choice or the clear button; on mount ("url"), the URL
        without the link values the layout dropped (the layout already read the state and shows the notice)."""
        filters = validate_filters(raw_filters) if raw_filters else {}
        if trigger in (None, "url"):
            _, problems = self.state_from_search(con, search)
            if not problems:
                raise dash.exceptions.PreventUpdate
            return no_update, self.search_with_state(search, self.validate_state(con, current, filters))
        state = self.next_state(con, as_dict(current), trigger, click_data, choice_values, filters)
        if state == current:
            raise dash.exceptions.PreventUpdate
        new_search = self.search_with_state(search, state)
        return state, new_search if new_search != (as_str(search) or "") else no_update

    @property
    def url_keys(self) -> tuple[str, ...]:
        return tuple(s.url_key for s in self.state)
