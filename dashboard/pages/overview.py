"""Overview: the KPI cards every user starts from, each with its trend and its definition."""
from __future__ import annotations

import dash
import dash_mantine_components as dmc
from dash import Input, Output, State, dcc, html

from dashboard import figures
from dashboard.components import definition_popover, empty_state
from dashboard.db import ReadOnlyDatabase
from dashboard.exports import overview_csv
from dashboard.formatting import change_tone, format_change, format_value
from dashboard.url_state import needs_filters, validate_filters
from queries.filters import ALL
from queries.overview import overview_kpis
from queries.periods import runout_note

_TONE_COLOR = {"good": "teal", "bad": "red", "neutral": "gray"}


def layout(**_query):
    return dmc.Stack([
        dmc.Group([
            dmc.Stack([dmc.Title("Overview", order=2),
                       dmc.Text(id="overview-period", c="dimmed", size="sm")], gap=0),
            dmc.Button("Download CSV", id="overview-download-btn", variant="light", size="xs"),
        ], justify="space-between", align="flex-end"),
        dcc.Download(id="overview-download"),
        dcc.Loading(html.Div(id="overview-cards", children=dmc.Text("Loading…", c="dimmed")),
                    type="dot", delay_show=150),
    ], gap="md", id="page-overview")


def kpi_card(kpi: dict, monthly) -> dmc.Card:
    tone = change_tone(kpi["change"], kpi["higher_is_better"])
    return dmc.Card([
        dmc.Group([dmc.Text(kpi["label"], fw=600, size="sm"),
                   definition_popover(kpi, id_={"type": "kpi-info", "key": kpi["key"]})],
                  justify="space-between", wrap="nowrap"),
        dmc.Text(format_value(kpi["value"], kpi["unit"], kpi["suppressed"]), fw=700, size="xl",
                 id=f"kpi-{kpi['key']}-value", className="kpi-value"),
        dmc.Group([
            dmc.Badge(format_change(kpi["change"], kpi["change_kind"]), color=_TONE_COLOR[tone], variant="light"),
            dmc.Text(f"previous: {format_value(kpi['previous'], kpi['unit'])}", size="xs", c="dimmed"),
        ], gap="xs"),
        dcc.Graph(figure=figures.kpi_trend(monthly, kpi["key"], kpi["label"], kpi["unit"]),
                  config={"displayModeBar": False}, style={"height": "120px"}),
    ], withBorder=True, radius="md", padding="md")


def render(con, raw_filters) -> tuple:
    """(cards or empty state, period sentence) for the filters the browser sent (re-validated here)."""
    result = overview_kpis(con, validate_filters(raw_filters), scope=ALL)
    period, prev = result["period"], result["previous_period"]
    if period is None or result["monthly"].empty:
        return (empty_state("No encounters match these filters. Widen the dates or clear a filter.",
                            "overview-empty"),
                "No data in the selected period")
    cards = dmc.SimpleGrid([kpi_card(k, result["monthly"]) for k in result["kpis"] if k.get("headline", True)],
                           cols={"base": 1, "sm": 2, "lg": 3}, spacing="md")
    note = runout_note(result["monthly"])
    return cards, (f"Discharges {period.start:%d %b %Y} – {period.end:%d %b %Y}, "
                   f"compared with {prev.start:%d %b %Y} – {prev.end:%d %b %Y}" + (f". {note}" if note else ""))


def export(con, raw_filters) -> dict:
    """The monthly KPIs as a CSV download carrying filters and definitions."""
    filters = validate_filters(raw_filters)
    monthly = overview_kpis(con, filters, scope=ALL)["monthly"]
    return dict(content=overview_csv(monthly, filters), filename="codedash-overview.csv")


def register_callbacks(app: dash.Dash, db: ReadOnlyDatabase) -> None:
    @app.callback(Output("overview-cards", "children"), Output("overview-period", "children"),
                  Input("filters", "data"))
    @needs_filters
    def show_kpis(raw_filters):
        return render(db.cursor(), raw_filters)

    @app.callback(Output("overview-download", "data"), Input("overview-download-btn", "n_clicks"),
                  State("filters", "data"), prevent_initial_call=True)
    def download(_clicks, raw_filters):
        return export(db.cursor(), raw_filters)
