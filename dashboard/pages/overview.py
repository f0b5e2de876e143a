"""Overview: the KPI cards every user starts from, each with its trend and its definition.

Declared as one panel (dashboard/panels.py): its service is queries.overview.overview_kpis, its
renderer the cards, its export the monthly KPIs.
"""
from __future__ import annotations

import dash_mantine_components as dmc
import pandas as pd
from dash import dcc, html

from codedash.dashboard import figures
from codedash.dashboard.components import definition_popover, empty_state
from codedash.dashboard.formatting import change_tone, format_change, format_value
from codedash.dashboard.panels import Context, Page, Panel
from codedash.dashboard.url_state import validate_filters
from codedash.queries.definitions.overview import HFMA_METRICS, OVERVIEW_METRICS
from codedash.queries.filters import ALL
from codedash.queries.overview import overview_kpis
from codedash.queries.periods import runout_note

_TONE_COLOR = {"good": "teal", "bad": "red", "neutral": "gray"}


def no_comparison_reason(kpi: dict) -> str | None:
    """Why a card has no change to show (None when it has one)."""
    if kpi["change"] is not None:
        return None
    if kpi["suppressed"]:
        return "no comparison: this period's value is suppressed"
    if kpi["value"] is None:
        return "no comparison: no value in this period"
    if kpi["previous"] is None:
        what = (kpi.get("denominator_text") or "").strip()
        what = what[0].lower() + what[1:] if what and what != "—" else "data"
        return f"no comparison: the previous period has no {what}"
    return "no comparison: the previous period's value is zero"


def kpi_card(kpi: dict, monthly) -> dmc.Card:
    tone = change_tone(kpi["change"], kpi["higher_is_better"])
    reason = no_comparison_reason(kpi)
    # better/worse in words, not only in the badge colour (docs/accessibility.md)
    verdict = {"good": " · better", "bad": " · worse"}.get(tone, "")
    change = (dmc.Badge(format_change(kpi["change"], kpi["change_kind"]) + verdict, color=_TONE_COLOR[tone],
                        variant="light", tt="none")
              if reason is None else dmc.Text(reason, size="xs", c="dimmed", id=f"kpi-{kpi['key']}-no-comparison"))
    return dmc.Card([
        dmc.Group([dmc.Text(kpi["label"], fw=600, size="sm"),
                   definition_popover(kpi, id_={"type": "kpi-info", "key": kpi["key"]})],
                  justify="space-between", wrap="nowrap"),
        dmc.Text(format_value(kpi["value"], kpi["unit"], kpi["suppressed"]), fw=700, size="xl",
                 id=f"kpi-{kpi['key']}-value", className="kpi-value"),
        dmc.Group([
            change,
            dmc.Text(f"previous: {format_value(kpi['previous'], kpi['unit'])}", size="xs", c="dimmed"),
        ], gap="xs"),
        html.Div(dcc.Graph(figure=figures.kpi_trend(monthly, kpi["key"], kpi["label"], kpi["unit"]),
                           config={"displayModeBar": False}, style={"height": "120px"}),
                 role="img", **{"aria-label": f"Monthly trend of {kpi['label']}"}),
    ], withBorder=True, radius="md", padding="md")


def cards(result: dict, _ctx: Context | None = None) -> tuple:
    """(cards or empty state, period sentence) from overview_kpis' result."""
    period, prev = result["period"], result["previous_period"]
    if period is None or result["monthly"].empty:
        return (empty_state("No encounters match these filters. Widen the dates or clear a filter.",
                            "overview-empty"),
                "No data in the selected period")
    grid = dmc.SimpleGrid([kpi_card(k, result["monthly"]) for k in result["kpis"] if k.get("headline", True)],
                          cols={"base": 1, "sm": 2, "lg": 3}, spacing="md")
    note = runout_note(result["monthly"])
    return grid, (f"Discharges {period.start:%d %b %Y} – {period.end:%d %b %Y}, "
                  f"compared with {prev.start:%d %b %Y} – {prev.end:%d %b %Y}" + (f". {note}" if note else ""))


def _render(result: dict, ctx: Context):
    body, period = cards(result, ctx)
    return [dmc.Text(period, c="dimmed", size="sm", id="overview-period", mb="sm"), body]


def monthly_frame(result: dict, _ctx: Context) -> pd.DataFrame:
    out = result["monthly"].copy()
    if "month" in out:
        out["month"] = pd.to_datetime(out["month"]).dt.strftime("%Y-%m")
    return out


PAGE = Page(
    "overview", "Overview",
    "How much was coded, how accurately, how much was denied and paid, and how is it moving?",
    panels=(Panel("kpis", "Key indicators against the previous period", kind="cards",
                  service=lambda c: overview_kpis(c.con, c.filters, scope=ALL), render=_render,
                  export=monthly_frame,
                  export_title="KPIs by month (discharge month; HFMA rates by reporting month)",
                  export_metrics=(*OVERVIEW_METRICS, *HFMA_METRICS),
                  integer_columns=tuple(m.key for m in OVERVIEW_METRICS if m.unit == "count"),
                  note="Each card's ⓘ gives the definition; suppressed values show ‡."),),
)
layout = PAGE.layout
register_callbacks = PAGE.register


def render(con, raw_filters) -> tuple:
    """(cards or empty state, period sentence) for the filters the browser sent (re-validated here)."""
    return cards(overview_kpis(con, validate_filters(raw_filters), scope=ALL))


def export(con, raw_filters) -> dict:
    """The monthly KPIs as a CSV download carrying filters and definitions (the panel's export)."""
    return PAGE.export_panel("kpis", con, raw_filters)
