"""The page framework (dashboard/panels.py): layout, ids, callbacks, exports and page state generated
from a declared panel list, asserted exactly on a toy page."""
from __future__ import annotations

import dash
import pandas as pd
import pytest
from dash.development.base_component import Component

from codedash.dashboard.figures.base import figure
from codedash.dashboard.panels import Column, Context, Page, PageIds, Panel, StateKey, data_table, grid_rows
from codedash.queries.metrics import Metric

RATE = Metric("rate", "Toy rate", "percent", "hits", "tries", ("tries",), "Hits over tries.", "Hits", "Tries",
              "toy source")
FRAME = pd.DataFrame({"group": ["A", "B", "C"], "tries": [20, None, 40], "hits": [5, None, 10],
                      "rate": [0.25, None, 0.25], "suppressed": [False, True, False]})
KNOWN = {"A", "B", "C"}


def _service(c: Context) -> pd.DataFrame:
    df = FRAME if not c.state.get("group") else FRAME[FRAME["group"] == c.state["group"]]
    return df.reset_index(drop=True)


def _bars(df, c):
    return figure([dict(type="bar", x=list(df["group"]), y=list(df["rate"]), customdata=list(df["group"]))], 200)


def toy_page() -> Page:
    return Page(
        "toy", "Toy page", "A page to test the framework.", prefix="ty",
        panels=(
            Panel("bars", "Rate by group", _service, figure=_bars, metrics=(RATE,), label="Bar chart of rate by group",
                  clickable=True, controls=("view",)),
            Panel("table", "Groups", _service, kind="grid", columns=(
                Column("group", "Group"), Column("tries", "Tries", "count"), Column("rate", "Rate", "percent"))),
            Panel("cards", "Cards", _service, kind="cards", render=lambda df, c: f"{len(df)} groups"),
        ),
        rows=("bars", ("table", "cards")),
        state=(StateKey("group", "toy_group", "group", parse=lambda con, v: v if v in KNOWN else None,
                        click_panel="bars"),
               StateKey("view", "toy_view", "view", default="rate", choices={"rate": "Rate", "count": "Count"})),
    )


PAGE = toy_page()


def _ids(node) -> list:
    out = []
    def walk(n):
        if isinstance(n, Component):
            if getattr(n, "id", None) is not None:
                out.append(n.id)
            for prop in ("children",):
                walk(getattr(n, prop, None))
        elif isinstance(n, (list, tuple)):
            for x in n:
                walk(x)
    walk(node)
    return out


def _find(node, id_):
    if isinstance(node, Component):
        if getattr(node, "id", None) == id_:
            return node
        return _find(getattr(node, "children", None), id_)
    if isinstance(node, (list, tuple)):
        for n in node:
            hit = _find(n, id_)
            if hit is not None:
                return hit
    return None


def test_ids_are_generated_in_one_place():
    ids = PageIds("toy", "ty")
    assert (ids.root(), ids.panel("bars"), ids.graph("bars"), ids.grid("table"), ids.body("cards")) == \
        ("page-toy", "ty-bars", "ty-bars-graph", "ty-table-grid", "ty-cards-body")
    assert (ids.download("bars"), ids.download_btn("bars"), ids.table_toggle("bars"), ids.table("bars")) == \
        ("ty-bars-download", "ty-bars-download-btn", "ty-bars-table-toggle", "ty-bars-table")
    assert (ids.state(), ids.notice(), ids.clear(), ids.choice("view")) == \
        ("ty-state", "ty-state-notice", "ty-clear", "ty-view-choice")


def test_layout_has_every_generated_id_once_in_declared_order():
    ids = [i for i in _ids(PAGE.layout()) if isinstance(i, str)]
    assert len(ids) == len(set(ids))
    assert ids == ["page-toy", "ty-state", "ty-state-clean-search", "ty-state-clean-done", "ty-state-notice",
                   "ty-chip-slot", "ty-clear",
                   "ty-bars", "ty-bars-download-btn", "ty-view-choice", "ty-group-pick", "ty-bars-graph",
                   "ty-bars-table-toggle",
                   "ty-bars-table", "ty-bars-download",
                   "ty-table", "ty-table-download-btn", "ty-table-grid", "ty-table-download",
                   "ty-cards", "ty-cards-download-btn", "ty-cards-body", "ty-cards-download"]


def test_chart_has_an_accessible_name_and_a_table_toggle():
    root = PAGE.layout()
    graph_holder = next(n for n in _walk(root) if getattr(n, "role", None) == "img")
    assert getattr(graph_holder, "aria-label") == "Bar chart of rate by group"
    assert _find(root, "ty-bars-table-toggle").label == "Show numbers as table"
    assert getattr(_find(root, "ty-bars-download-btn"), "aria-label") == "Download Rate by group as CSV"


def _walk(node):
    if isinstance(node, Component):
        yield node
        yield from _walk(getattr(node, "children", None))
    elif isinstance(node, (list, tuple)):
        for n in node:
            yield from _walk(n)


def test_callbacks_generated_for_every_panel():
    app = dash.Dash(__name__, suppress_callback_exceptions=True)
    PAGE.register(app, db=None)
    keys = set(app.callback_map)
    assert "..ty-bars-graph.figure.." in keys
    assert "..ty-table-grid.rowData.." in keys
    assert "..ty-cards-body.children.." in keys
    for k in ("bars", "table", "cards"):
        assert f"ty-{k}-download.data" in keys
    assert "ty-bars-table.children" in keys
    assert any(k.startswith("..ty-state.data...url.search@") for k in keys)
    assert "ty-chip-slot.children" not in keys          # no chip declared
    # the keyboard select of the click state: options from the figure, choice -> clickData, state -> choice
    assert {"ty-group-pick.data", "ty-bars-graph.clickData", "ty-group-pick.value"} <= keys
    # the link cleaned in place on mount (history.replaceState), not by re-laying the page out
    assert "ty-state-clean-done.data" in keys
    assert len(keys) == 3 + 3 + 1 + 1 + 3 + 1


def test_render_panel_outputs_by_kind():
    fig, = PAGE.render_panel("bars", None, {}, {"group": "A"})
    assert list(fig.data[0].x) == ["A"]
    rows, = PAGE.render_panel("table", None, {}, {})
    assert rows == [{"group": "A", "tries": 20.0, "rate": 0.25, "suppressed": False},
                    {"group": "B", "tries": None, "rate": None, "suppressed": True},
                    {"group": "C", "tries": 40.0, "rate": 0.25, "suppressed": False}]
    assert PAGE.render_panel("cards", None, {}, {"group": "nope"}) == ["3 groups"]   # invalid state dropped


def test_export_is_exactly_the_panels_data_with_context(no_suppression):
    out = PAGE.export_panel("table", None, {"payers": ["PA"]}, {"group": "C", "view": "count"})
    lines = out["content"].splitlines()
    assert out["filename"] == "codedash-ty-table.csv"
    assert lines[0] == "# codedash: Toy page: Groups — page state toy_group=C, toy_view=count"
    assert "# filter payers: PA" in lines
    assert lines[-2:] == ["group,tries,hits,rate,suppressed", "C,40,10.0,0.25,False"]
    bars = PAGE.export_panel("bars", None, {}, {})["content"].splitlines()
    assert any(line.startswith("# rate: Hits over tries.") for line in bars)


def test_show_as_table_renders_the_export_with_the_marker():
    assert PAGE.table_for("bars", None, {}, {}, False) is None
    table = PAGE.table_for("bars", None, {}, {}, True)
    assert table.children[0].children == "Rate by group"
    header = [th.children for th in table.children[1].children.children]
    assert header == ["group", "tries", "hits", "rate"]
    body = [[td.children for td in tr.children] for tr in table.children[2].children]
    assert body == [["A", "20", "5", "25.0%"], ["B", "‡ suppressed", "‡ suppressed", "‡ suppressed"],
                    ["C", "40", "10", "25.0%"]]


def test_declared_columns_shape_the_table_and_the_grid():
    panel = PAGE.panel("table")
    table = data_table(panel, FRAME)
    assert [th.children for th in table.children[1].children.children] == ["Group", "Tries", "Rate"]
    defs = [c.grid_def() for c in panel.columns]
    assert defs[1]["valueFormatter"]["function"].endswith("d3.format(',.0f')(params.value)")
    assert defs[0]["tooltipValueGetter"]["function"] == "params.valueFormatted != null ? params.valueFormatted : params.value"
    assert defs[0]["headerTooltip"] == "Group" and defs[1]["minWidth"] >= 100
    assert grid_rows(FRAME, panel.columns)[0] == {"group": "A", "tries": 20.0, "rate": 0.25, "suppressed": False}


@pytest.mark.parametrize("bad", [
    dict(panels=(Panel("a", "A", _service, figure=_bars), Panel("a", "B", _service, figure=_bars))),
    dict(panels=(Panel("a", "A", _service, figure=_bars),), rows=("a", "b")),
    dict(panels=(Panel("a", "A", _service, figure=_bars),),
         state=(StateKey("s", "toy_s", "s", click_panel="nope"),)),
])
def test_declarations_are_checked(bad):
    with pytest.raises(ValueError):
        Page("bad", "Bad", "", **bad)


def test_a_panel_needs_its_renderer():
    with pytest.raises(ValueError):
        Panel("x", "X", _service, kind="grid")
    with pytest.raises(ValueError):
        Panel("x", "X", _service, kind="pie")


# ---------------------------------------------------------------- page state <-> URL

def test_state_url_round_trip_keeps_other_parameters():
    state = {"group": "B", "view": "count"}
    search = PAGE.search_with_state("?start=2025-01-01&payer=PA&toy_group=A", state)
    assert search == "?start=2025-01-01&payer=PA&toy_group=B&toy_view=count"
    assert PAGE.state_from_search(None, search) == (state, [])
    assert PAGE.search_with_state(search, PAGE.default_state()) == "?start=2025-01-01&payer=PA"


def test_unknown_ids_in_the_url_are_dropped_with_a_notice():
    state, problems = PAGE.state_from_search(None, "?toy_group=NOPE&toy_view=%3Cb%3E")
    assert state == {"group": None, "view": "rate"}
    assert problems == ["ignored toy_group: not a known group", "ignored toy_view: not a known view"]
    # on mount the URL loses the values the layout dropped; the state stays what the layout read
    out = PAGE.sync_state(None, "url", "?payer=PA&toy_group=NOPE&toy_view=count", {}, {},
                          {"group": None, "view": "count"})
    assert out == (dash.no_update, "?payer=PA&toy_view=count")


class _DB:
    def cursor(self):
        return None


def test_the_layout_reads_page_state_from_the_link():
    page = toy_page()
    page.register(dash.Dash(__name__, suppress_callback_exceptions=True), _DB())
    root = page.layout(toy_group="C", toy_view="count", payer="PA")
    assert _find(root, "ty-state").data == {"group": "C", "view": "count"}
    assert _find(root, "ty-view-choice").value == "count"
    assert _find(root, "ty-state-notice").children is None
    bad = page.layout(toy_group="NOPE")
    assert _find(bad, "ty-state").data == {"group": None, "view": "rate"}
    assert _find(bad, "ty-state-notice").children.title == "Some link parameters were ignored"


def test_clicks_toggle_and_clear_and_write_the_url():
    click = {"group": {"points": [{"customdata": "B"}]}}
    out = PAGE.sync_state(None, "ty-bars-graph", "?payer=PA", click, {}, PAGE.default_state())
    assert out == ({"group": "B", "view": "rate"}, "?payer=PA&toy_group=B")
    again = PAGE.sync_state(None, "ty-bars-graph", out[1], click, {}, out[0])
    assert again == ({"group": None, "view": "rate"}, "?payer=PA")
    cleared = PAGE.sync_state(None, "ty-clear", "?toy_group=B", {}, {}, {"group": "B", "view": "count"})
    assert cleared == ({"group": None, "view": "count"}, "?toy_view=count")
    chosen = PAGE.sync_state(None, "ty-view-choice", "", {}, {"view": "count"}, PAGE.default_state())
    assert chosen == ({"group": None, "view": "count"}, "?toy_view=count")
    with pytest.raises(dash.exceptions.PreventUpdate):        # a click on an unknown id changes nothing
        PAGE.sync_state(None, "ty-bars-graph", "", {"group": {"points": [{"customdata": "Z"}]}}, {},
                        PAGE.default_state())


def test_state_echoes_and_clean_urls_do_nothing():
    with pytest.raises(dash.exceptions.PreventUpdate):
        PAGE.sync_state(None, "url", "?toy_view=count", {}, {}, {"group": None, "view": "count"})
    with pytest.raises(dash.exceptions.PreventUpdate):       # a control echoing the value the layout gave it
        PAGE.sync_state(None, "ty-view-choice", "?toy_view=count", {}, {"view": "count"},
                        {"group": None, "view": "count"})


# ---------------------------------------------------------------- layers

def _imports(path) -> set[str]:
    import ast
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_pages_never_import_the_runner_or_duckdb():
    """Pages ask services (queries/<area>.py); SQL and the runner stay below them (DESIGN.md convention 12)."""
    from pathlib import Path
    pages = Path(__file__).resolve().parents[2] / "dashboard" / "pages"
    for path in sorted(pages.glob("*.py")):
        bad = {m for m in _imports(path) if m in ("codedash.queries.runner", "duckdb") or m.startswith("queries.sql")}
        assert not bad, (path.name, bad)
        assert "con.execute(" not in path.read_text(encoding="utf-8"), path.name


def test_queries_never_import_dashboard():
    from pathlib import Path
    root = Path(__file__).resolve().parents[2] / "queries"
    for path in sorted(root.rglob("*.py")):
        assert not {m for m in _imports(path) if m.split(".")[0] == "dashboard"}, path.name


def test_placeholder_pages_are_declared_pages_without_panels():
    from codedash.dashboard.pages import placeholder
    from codedash.dashboard.pages.registry import PAGES
    for info in (p for p in PAGES if not p.module):
        root = placeholder.layout_for(info)()
        assert root.id == f"page-{info.key}"
        texts = [getattr(n, "title", None) for n in _walk(root)]
        assert "Coming next" in texts
        assert placeholder.page_for(info).panels == ()


# ---------------------------------------------------------------- database selects and grid clicks

BATCHES = {"b2": "Batch 2 (newest)", "b1": "Batch 1"}
ITEMS = {"b1": pd.DataFrame({"item": ["x", "x", "y"], "part": ["p1", "p2", "p1"], "n": [1, 2, 3]}),
         "b2": pd.DataFrame({"item": ["x", "z"], "part": ["p1", "p1"], "n": [4, 5]})}


class _Con:
    """A stand-in cursor: the page reads its options from it (an empty one has no batches)."""
    def __init__(self, batches=BATCHES):
        self.batches = batches


def _batch(c: Context) -> str | None:
    return c.state.get("batch") or next(iter(c.con.batches), None)


def _items(c: Context) -> pd.DataFrame:
    return ITEMS.get(_batch(c), pd.DataFrame(columns=["item", "part", "n"]))


def db_page() -> Page:
    return Page(
        "dbtoy", "DB toy", "Options from the database and a clickable grid.", prefix="dbt", uses_filters=False,
        panels=(
            Panel("items", "Items", _items, kind="grid", row_id=("item", "part"),
                  columns=(Column("item", "Item"), Column("part", "Part"), Column("n", "N", "count"))),
            Panel("detail", "Detail", lambda c: c.state.get("item"), kind="cards",
                  render=lambda item, c: f"item {item}", export=lambda item, c: pd.DataFrame({"item": [item]})),
        ),
        state=(StateKey("batch", "dbt_batch", "batch", options=lambda con: list(con.batches.items())),
               StateKey("item", "dbt_item", "item", click_panel="items", click_field="item")),
        controls=("batch",), empty=lambda con: None if con.batches else "Nothing recorded yet.",
        export_context=lambda c: f"batch {_batch(c)}",
    )


DB_PAGE = db_page()


class _ConDB:
    def __init__(self, con):
        self.con = con

    def cursor(self):
        return self.con


def test_a_database_select_lists_its_options_and_defaults_to_the_first():
    page = db_page()
    page.register(dash.Dash(__name__, suppress_callback_exceptions=True), _ConDB(_Con()))
    root = page.layout()
    select = _find(root, "dbt-batch-choice")
    assert [d["value"] for d in select.data] == ["b2", "b1"] and select.value == "b2"
    assert select.label == "Batch"
    assert _find(page.layout(dbt_batch="b1"), "dbt-batch-choice").value == "b1"
    bad = page.layout(dbt_batch="b9")
    assert _find(bad, "dbt-state").data == {"batch": None, "item": None}
    assert _find(bad, "dbt-state-notice").children.title == "Some link parameters were ignored"
    assert _find(root, "dbt-content").style == {} and _find(root, "dbt-empty-state") is None


def test_a_page_with_nothing_recorded_shows_its_empty_state_and_hides_the_panels():
    page = db_page()
    page.register(dash.Dash(__name__, suppress_callback_exceptions=True), _ConDB(_Con({})))
    root = page.layout()
    assert _find(root, "dbt-empty-state").children == "Nothing recorded yet."
    assert _find(root, "dbt-content").style == {"display": "none"}
    assert _find(root, "dbt-batch-choice").data == []


def test_choosing_an_option_is_validated_and_the_first_is_the_default():
    con = _Con()
    none = {"batch": None, "item": None}
    assert DB_PAGE.sync_state(con, "dbt-batch-choice", "", {}, {"batch": "b1"}, none) == \
        ({"batch": "b1", "item": None}, "?dbt_batch=b1")
    assert DB_PAGE.sync_state(con, "dbt-batch-choice", "?dbt_batch=b1", {}, {"batch": "b2"},
                              {"batch": "b1", "item": None}) == (none, "")
    for forged in ("b9", ["b1"], None, {"x": 1}):
        with pytest.raises(dash.exceptions.PreventUpdate):
            DB_PAGE.sync_state(con, "dbt-batch-choice", "", {}, {"batch": forged}, none)
    assert DB_PAGE.validate_state(con, {"batch": "b9"}) == none


def test_a_grid_click_sets_the_rows_field_looked_up_on_the_server():
    con = _Con()
    none = {"batch": None, "item": None}
    cell = {"item": {"cell": {"rowId": "z|p1", "colId": "n", "rowIndex": 1}}}
    assert DB_PAGE.sync_state(con, "dbt-items-grid", "", cell, {}, none) == \
        ({"batch": None, "item": "z"}, "?dbt_item=z")
    rows = {"item": {"rows": [{"item": "x", "part": "p1", "n": 999}]}}            # Space selects a row
    assert DB_PAGE.sync_state(con, "dbt-items-grid", "", rows, {}, none)[0] == {"batch": None, "item": "x"}
    # a grid is not a toggle: the same row again changes nothing; the clear button clears
    with pytest.raises(dash.exceptions.PreventUpdate):
        DB_PAGE.sync_state(con, "dbt-items-grid", "?dbt_item=z", cell, {}, {"batch": None, "item": "z"})
    assert DB_PAGE.sync_state(con, "dbt-clear", "?dbt_item=z", {}, {}, {"batch": None, "item": "z"}) == (none, "")
    # rows the grid does not have (here: z is in batch b2 only) are ignored
    for forged in ({"cell": {"rowId": "z|p1"}}, {"cell": {"rowId": 5}}, {"rows": [{"item": "z"}]}, {"rows": "z"}):
        with pytest.raises(dash.exceptions.PreventUpdate):
            DB_PAGE.sync_state(con, "dbt-items-grid", "", {"item": forged}, {}, {"batch": "b1", "item": None})


def test_a_grid_click_state_is_validated_against_the_grid_rows_under_the_other_state():
    con = _Con()
    assert DB_PAGE.state_from_search(con, "?dbt_batch=b1&dbt_item=y") == ({"batch": "b1", "item": "y"}, [])
    assert DB_PAGE.state_from_search(con, "?dbt_item=y") == \
        ({"batch": None, "item": None}, ["ignored dbt_item: not a known item"])     # y is not in the newest batch
    assert DB_PAGE.validate_state(con, {"batch": "b1", "item": "z"}) == {"batch": "b1", "item": None}
    # changing the batch drops an item the new batch's grid does not list; keeps one it does
    assert DB_PAGE.sync_state(con, "dbt-batch-choice", "?dbt_item=z", {}, {"batch": "b1"},
                              {"batch": None, "item": "z"}) == ({"batch": "b1", "item": None}, "?dbt_batch=b1")
    assert DB_PAGE.sync_state(con, "dbt-batch-choice", "?dbt_item=x", {}, {"batch": "b1"},
                              {"batch": None, "item": "x"})[0] == {"batch": "b1", "item": "x"}


def test_a_clickable_grid_selects_rows_and_its_callbacks_read_clicks_and_selections():
    root = DB_PAGE.layout()
    grid = _find(root, "dbt-items-grid")
    assert grid.getRowId == "params.data.item + '|' + params.data.part"
    assert grid.dashGridOptions["rowSelection"] == {"mode": "singleRow", "checkboxes": False,
                                                    "enableClickSelection": True}
    assert _find(root, "dbt-item-pick") is None                    # a grid needs no keyboard select beside it
    app = dash.Dash(__name__, suppress_callback_exceptions=True)
    db_page().register(app, _ConDB(_Con()))
    state_cb = next(v for k, v in app.callback_map.items() if k.startswith("..dbt-state.data"))
    assert [(i["id"], i["property"]) for i in state_cb["inputs"]] == [
        ("dbt-state-notice", "id"), ("dbt-items-grid", "cellClicked"), ("dbt-items-grid", "selectedRows"),
        ("dbt-batch-choice", "value"), ("dbt-clear", "n_clicks")]
    assert grid_rows(ITEMS["b1"], DB_PAGE.panel("items").columns, ("item", "part"))[0] == \
        {"item": "x", "part": "p1", "n": 1}


def test_export_context_names_what_a_default_resolves_to():
    lines = DB_PAGE.export_panel("detail", _Con(), {}, {"item": "x"})["content"].splitlines()
    assert lines[0] == "# codedash: DB toy: Detail — page state dbt_item=x — batch b2"


@pytest.mark.parametrize("bad", [
    dict(state=(StateKey("i", "toy_i", "i", click_panel="g"),),
         panels=(Panel("g", "G", _service, kind="grid", columns=(Column("group", "Group"),)),)),     # no row_id
    dict(state=(StateKey("i", "toy_i", "i", click_panel="g"),),
         panels=(Panel("g", "G", _service, kind="grid", row_id=("a", "b"), columns=(Column("group", "Group"),)),)),
    dict(panels=(Panel("a", "A", _service, figure=_bars),), controls=("nope",)),
])
def test_grid_clicks_and_page_controls_are_checked(bad):
    with pytest.raises(ValueError):
        Page("bad", "Bad", "", **bad)


def test_rows_past_eager_rows_are_computed_once_seen():
    """Page.eager_rows: the panels of later rows carry a seen flag (set in the browser when the card comes
    near the viewport, assets/lazy_panels.js); until it is true their callback computes nothing."""
    import dataclasses

    from dash.exceptions import PreventUpdate

    lazy = dataclasses.replace(PAGE, eager_rows=1)
    assert lazy.lazy_keys == {"table", "cards"} and PAGE.lazy_keys == frozenset()
    layout = lazy.layout()
    ids = _ids(layout)
    assert "ty-table-seen" in ids and "ty-cards-seen" in ids and "ty-bars-seen" not in ids
    assert _find(layout, "ty-table-seen").data is False
    markers = []

    def walk(n):
        if isinstance(n, Component):
            if "data-seen-store" in getattr(n, "_prop_names", []) or getattr(n, "className", "") == "cd-seen-marker":
                markers.append(n.to_plotly_json()["props"].get("data-seen-store"))
            walk(getattr(n, "children", None))
        elif isinstance(n, (list, tuple)):
            for x in n:
                walk(x)
    walk(layout)
    assert sorted(markers) == ["ty-cards-seen", "ty-table-seen"]

    class NoDb:                            # the toy services read no database
        def cursor(self):
            return None

    app = dash.Dash(__name__, suppress_callback_exceptions=True)
    lazy.register(app, db=NoDb())
    grid = app.callback_map["..ty-table-grid.rowData.."]
    assert [f"{d['id']}.{d['property']}" for d in grid["inputs"]] == ["filters.data", "ty-state.data",
                                                                      "ty-table-seen.data"]
    bars = app.callback_map["..ty-bars-graph.figure.."]
    assert "ty-bars-seen.data" not in [f"{d['id']}.{d['property']}" for d in bars["inputs"]]
    show = grid["callback"].__wrapped__
    for not_seen in (False, None, "true", 1, [True], {"seen": True}):     # anything but true: nothing computed
        with pytest.raises(PreventUpdate):
            show({}, {}, not_seen)
    rows, = show({}, {}, True)
    assert [r["group"] for r in rows] == ["A", "B", "C"]
