"""Building blocks every page uses, so all pages look and behave alike.

- definition_popover(metric): the ⓘ button with a metric's definition, numerator, denominator, source
- panel(...): a titled chart panel with its definitions, a loading state and a CSV download button
- grid(...): a real data grid (dash-ag-grid: sorting, filtering, paging)
- empty_state(message): one way to say "nothing to show, and why"
"""
from __future__ import annotations

import dash_ag_grid as dag
import dash_mantine_components as dmc
from dash import dcc, html

from codedash.queries.metrics import Metric


def definition_popover(metric: Metric | dict, id_=None) -> dmc.Popover:
    m = metric if isinstance(metric, dict) else {
        "key": metric.key, "label": metric.label, "definition": metric.definition,
        "numerator_text": metric.numerator_text, "denominator_text": metric.denominator_text,
        "source": metric.source}
    return dmc.Popover([
        dmc.PopoverTarget(dmc.ActionIcon("i", variant="subtle", size="sm", radius="xl",
                                         id=id_ or {"type": "metric-info", "key": m["key"]},
                                         **{"aria-label": f"Definition of {m['label']}"})),
        dmc.PopoverDropdown(dmc.Stack([
            dmc.Text(m["label"], fw=600, size="sm"),
            dmc.Text(m["definition"], size="sm"),
            dmc.Text(["Numerator: ", m["numerator_text"]], size="xs"),
            dmc.Text(["Denominator: ", m["denominator_text"]], size="xs"),
            dmc.Text(["Source: ", m["source"]], size="xs", c="dimmed"),
        ], gap=4), maw=360),
    # Keyboard and screen readers (docs/accessibility.md): the definition follows its button in the DOM
    # (no portal), so Tab and the reading order reach it next; fixed positioning keeps it unclipped by the
    # card; Escape closes it and focus returns to the button. aria-expanded sits on the button (assets/a11y.js).
    ], width=360, position="bottom-end", withArrow=True, shadow="md", withinPortal=False,
       floatingStrategy="fixed", returnFocus=True, closeOnEscape=True)


def panel(panel_id: str, title: str, body, metrics: tuple[Metric, ...] = (), note: str | None = None,
          download: bool = True) -> dmc.Card:
    """A titled panel. Ids: `{panel_id}-body` (content slot), `{panel_id}-download-btn` / `-download`."""
    header = [dmc.Text(title, fw=600, size="sm")]
    tools = [definition_popover(m, id_={"type": "metric-info", "key": f"{panel_id}:{m.key}"}) for m in metrics]
    if download:
        tools.append(dmc.Button("CSV", id=f"{panel_id}-download-btn", variant="subtle", size="compact-xs"))
    children = [
        dmc.Group([*header, dmc.Group(tools, gap=4)], justify="space-between", wrap="nowrap"),
        dcc.Loading(html.Div(body, id=f"{panel_id}-body"), type="dot", delay_show=150),
    ]
    if note:
        children.append(dmc.Text(note, size="xs", c="dimmed"))
    if download:
        children.append(dcc.Download(id=f"{panel_id}-download"))
    return dmc.Card(children, withBorder=True, radius="md", padding="md", id=panel_id)


# Enter on a focused grid cell fires `cellClicked` as a click does (assets/dashAgGridFunctions.js): every grid.
ENTER_ACTIVATES = {"cellKeyDown": ["cdEnterActivates(params, setGridProps)"]}
# One Tab stop per grid, arrows inside it (WAI-ARIA grid pattern; assets/dashAgGridFunctions.js).
KEYBOARD_GRID_OPTIONS = {"tabToNextCell": {"function": "cdTabLeavesGrid(params)"},
                         "tabToNextHeader": {"function": "cdTabLeavesGrid(params)"}}


def grid(grid_id: str, rows: list[dict], columns: list[dict], page_size: int = 15, height: int = 420) -> dag.AgGrid:
    """A sortable, filterable, paged grid. `columns` are AG Grid column definitions."""
    return dag.AgGrid(
        id=grid_id, rowData=rows, columnDefs=columns,
        defaultColDef={"sortable": True, "filter": True, "resizable": True, "minWidth": 120,
                       "wrapHeaderText": True, "autoHeaderHeight": True,
                       "tooltipValueGetter": {"function": "params.valueFormatted != null ? params.valueFormatted : params.value"}},
        dashGridOptions={"pagination": True, "paginationPageSize": page_size,
                         "paginationPageSizeSelector": sorted({page_size, 20, 50, 100}), "animateRows": False,
                         "domLayout": "normal", "tooltipShowDelay": 300, "suppressColumnVirtualisation": True,
                         **KEYBOARD_GRID_OPTIONS},
        columnSize="responsiveSizeToFit", style={"height": f"{height}px"}, eventListeners=ENTER_ACTIVATES,
    )


def labelled_chart(graph, label: str) -> html.Div:
    """A chart with its accessible name (what it shows), as the panel framework marks every chart: a
    screen reader announces the name; the numbers are in the panel's table or CSV."""
    return html.Div(graph, role="img", className="cd-chart", **{"aria-label": label})


def empty_state(message: str, id_: str | None = None) -> dmc.Alert:
    kwargs = {"id": id_} if id_ else {}
    return dmc.Alert(message, title="Nothing to show", color="gray", **kwargs)
