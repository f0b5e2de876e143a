"""Compliance: which providers, coders and facilities sit far from their peers, and what should be audited next.

Declared as a panel list (dashboard/panels.py). Page state, mirrored in the URL: `measure` (a catalog id, picked
in the measure selector) and `entity` (set by clicking a funnel point or an entity row; the row click is this page's callback, writing the URL that
the framework's state callback reads back, validated). Every number comes from
queries.compliance (measure_values, funnel_data, em_distribution, flag_encounters), which computes the
statistics with queries/stats and suppresses small cells; this module only lays them out. The audit worklist
panel is helper C2's (dashboard/worklist_panel.py), wired here to the selected flag.
"""
from __future__ import annotations

import re

import dash_mantine_components as dmc
import pandas as pd
from dash import Input, Output, State, ctx as dash_ctx, html, no_update

from codedash.dashboard import access, worklist_panel
from codedash.dashboard.components import empty_state
from codedash.dashboard.figures import compliance as figs
from codedash.dashboard.figures import funnel as funnel_fig
from codedash.dashboard.formatting import format_value
from codedash.dashboard.inputs import as_dict, as_str
from codedash.dashboard.panels import Column, Context, Page, Panel, StateKey
from codedash.dashboard.url_state import validate_filters
from codedash.queries import compliance as svc
from codedash.queries import request_context
from codedash.queries import worklist as wl
from codedash.queries.filters import ALL
from codedash.queries.params import ParameterError

DEFAULT_MEASURE = "EM_OFFICE_EST_HIGH"
_ENTITY_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
STRATA = [{"value": "discharge_month", "label": "Discharge month"}, {"value": "facility_id", "label": "Facility"},
          {"value": "payer_id", "label": "Payer"}, {"value": "coder_id", "label": "Coder"},
          {"value": "encounter_type", "label": "Encounter type"}]
WORKLIST = "compliance-worklist"
MEASURE_SELECT = "compliance-measure-select"


def _parse_measure(_con, raw):
    return raw if isinstance(raw, str) and raw in svc.measure_catalog() else None


def _parse_entity(_con, raw):
    return raw if isinstance(raw, str) and _ENTITY_RE.match(raw) else None


def measure_of(c: Context) -> svc.Measure:
    return svc.measure(c.state.get("measure") or DEFAULT_MEASURE)


# ---------------------------------------------------------------------------------------------- services

def _values(c: Context) -> pd.DataFrame:
    return svc.measure_values(c.con, measure_of(c).measure_id, c.filters, ALL)


def _definition(c: Context) -> dict:
    m = measure_of(c)
    sources = svc.edit_sources(c.con) if m.area == "ncci" else None
    return {"measure": m, "edits": None if sources is None else svc.edit_label(sources)}


def _funnel(c: Context) -> dict:
    return svc.funnel_data(_values(c), measure_of(c).measure_id, c.state.get("entity"))


def _detail(c: Context) -> dict:
    values = _values(c)
    entity = c.state.get("entity")
    row = values[values["entity_id"] == entity] if entity else values.iloc[0:0]
    return {"measure": measure_of(c), "row": None if row.empty else row.iloc[0], "entity": entity}


def _em(c: Context) -> dict:
    m = measure_of(c)
    entity = c.state.get("entity")
    if not m.em_family:
        return {"measure": m, "dist": pd.DataFrame(), "label": None, "peer": None, "applies": False}
    dist = svc.em_distribution(c.con, m.measure_id, entity, c.filters, ALL)
    values = _values(c)
    row = values[values["entity_id"] == entity] if entity else values.iloc[0:0]
    label = None if row.empty else str(row["entity_label"].iloc[0])
    peer = None if row.empty else str(row["peer_label"].iloc[0])
    return {"measure": m, "dist": dist if label else pd.DataFrame(), "label": label, "peer": peer, "applies": True}


def _encounters(c: Context) -> pd.DataFrame:
    entity = c.state.get("entity")
    if not entity:
        return pd.DataFrame(columns=[col.field for col in ENCOUNTER_COLUMNS])
    return svc.flag_encounters(c.con, measure_of(c).measure_id, entity, c.filters, ALL)


# ---------------------------------------------------------------------------------------------- renderers

def _verdict(flag, assessed) -> str:
    if not bool(assessed):
        return "below minimum"
    return {"high": "HIGH", "low": "LOW", "within": "within"}.get(flag, "—")


def entity_frame(values: pd.DataFrame, _c: Context | None = None) -> pd.DataFrame:
    out = values.copy()
    out["funnel95"] = [_verdict(f, a) for f, a in zip(out["flag95"], out["assessed"])]
    out["funnel998"] = [_verdict(f, a) for f, a in zip(out["flag998"], out["assessed"])]
    out["pepper"] = [_verdict(f, a) for f, a in zip(out["pepper_flag"], out["assessed"])]
    # flagged entities first (99.8%, then 95%), the rest in the service's order (peer group, id)
    rank = [0 if a in ("HIGH", "LOW") else 1 if b in ("HIGH", "LOW") else 2
            for a, b in zip(out["funnel998"], out["funnel95"])]
    return out.assign(_rank=rank).sort_values("_rank", kind="mergesort").drop(columns="_rank").reset_index(drop=True)


def render_definition(data: dict, _c: Context):
    m: svc.Measure = data["measure"]
    facts = [("Entity", f"{m.entity_type} compared with {'providers of the same specialty' if m.peer_group == 'specialty' else 'all ' + m.entity_type + 's'}"),
             ("Numerator", m.numerator), ("Denominator", m.denominator),
             ("Flags", f"{'high' if m.direction == 'high' else m.direction} values; funnel at 95% and 99.8% "
                       f"({m.overdispersion} overdispersion); PEPPER {m.pct_high:g}th / {m.pct_low:g}th percentile"),
             ("Minimum denominator", f"{m.min_denominator} (below it shown, never flagged)"),
             ("Source", m.source)]
    items = [dmc.Text(m.definition, size="sm", id="compliance-definition-text")]
    items += [dmc.Text([html.B(f"{k}: "), v], size="xs") for k, v in facts]
    if data.get("edits"):
        items.append(dmc.Alert(data["edits"], color="yellow", variant="light", id="compliance-edit-source"))
    return dmc.Stack(items, gap=4)


def render_funnel(data: dict, c: Context):
    if data["p0"] is None:
        from codedash.dashboard.figures.base import empty_figure
        return empty_figure("No entity has this measure for these filters.", 380)
    return funnel_fig.funnel_plot(data["points"], data["curve"], data["p0"], selected=c.state.get("entity"),
                                  height=380)


def funnel_summary(data: dict, _c: Context):
    if data["p0"] is None:
        return None
    parts = [f"Peer group {data['peer_label']}: target {format_value(data['p0'], 'percent')}",
             f"φ = {data['phi']:.2f}" + (f", τ² = {data['tau2']:.4f}" if data["tau2"] else "")]
    if data["not_plotted"]:
        parts.append(f"{data['not_plotted']} entities with a suppressed value are not plotted")
    return dmc.Text(" · ".join(parts), size="xs", c="dimmed", id="compliance-funnel-summary")


def funnel_frame(data: dict, _c: Context) -> pd.DataFrame:
    """The plotted points (a suppressed entity's value stays blank)."""
    return data["points"].rename(columns={"label": "entity_label", "n": "denominator", "y": "value"})


def render_detail(data: dict, _c: Context):
    m, row = data["measure"], data["row"]
    if row is None:
        return empty_state("Click a point of the funnel or an entity's row to see its flag explained.",
                           "compliance-detail-empty")
    sup = bool(row["suppressed"])
    facts = [("Numerator", format_value(row["numerator"], "count", sup and pd.isna(row["numerator"]))),
             ("Denominator", format_value(row["denominator"], "count", sup and pd.isna(row["denominator"]))),
             ("Value", format_value(row["value"], "percent", sup and pd.isna(row["value"]))),
             ("Peer value", format_value(row["peer_value"], "percent")),
             ("Percentile", format_value(row["percentile"], "rate", sup and pd.isna(row["percentile"]))),
             ("z-score", format_value(row["z"], "rate", sup and pd.isna(row["z"]))),
             ("95% limits", f"{format_value(row['lower95'], 'percent')} – {format_value(row['upper95'], 'percent')}"),
             ("99.8% limits", f"{format_value(row['lower998'], 'percent')} – {format_value(row['upper998'], 'percent')}"),
             ("Funnel 95% / 99.8%", f"{_verdict(row['flag95'], row['assessed'])} / {_verdict(row['flag998'], row['assessed'])}"),
             ("PEPPER flag", _verdict(row["pepper_flag"], row["assessed"]))]
    if m.em_family:
        facts.append(("Chi-square p (whole distribution)", format_value(row["chi2_p"], "index",
                                                                        sup and pd.isna(row["chi2_p"]))))
    grid = dmc.SimpleGrid([dmc.Stack([dmc.Text(k, size="xs", c="dimmed"), dmc.Text(v, fw=600, size="sm")], gap=0)
                           for k, v in facts], cols={"base": 2, "md": 4}, spacing="xs")
    return dmc.Stack([dmc.Text(f"{row['entity_label']} ({row['entity_id']}) — peers: {row['peer_label']}",
                               fw=600, id="compliance-detail-entity"),
                      grid, dmc.Text(m.definition, size="xs", c="dimmed")], gap="xs")


def detail_frame(data: dict, _c: Context) -> pd.DataFrame:
    return pd.DataFrame() if data["row"] is None else pd.DataFrame([data["row"]])


def render_em(data: dict, _c: Context):
    if not data["applies"]:
        from codedash.dashboard.figures.base import empty_figure
        return empty_figure("The level distribution applies to the E/M measures.", 300)
    return figs.em_levels(data["dist"], data["label"], data["peer"])


def em_frame(data: dict, _c: Context) -> pd.DataFrame:
    return data["dist"]


ENTITY_COLUMNS = (
    Column("entity_label", "Entity"), Column("entity_id", "Id"), Column("peer_label", "Peer group"),
    Column("n_encounters", "Encounters", "count"), Column("numerator", "Numerator", "count"),
    Column("denominator", "Denominator", "count"), Column("value", "Value", "percent"),
    Column("peer_value", "Peer value", "percent"), Column("percentile", "Percentile", "rate"),
    Column("pepper", "PEPPER 80th/20th"), Column("z", "z-score", "rate"), Column("funnel95", "Funnel 95%"),
    Column("funnel998", "Funnel 99.8%"), Column("upper998", "Upper 99.8% limit", "percent"),
    Column("chi2_p", "Chi-square p", "index"),
)
ENCOUNTER_COLUMNS = (
    Column("encounter_id", "Encounter"), Column("discharge_date", "Discharged"),
    Column("encounter_type", "Type"), Column("facility_id", "Facility"), Column("payer_id", "Payer"),
    Column("coder_id", "Coder"), Column("in_numerator", "In numerator"),
    Column("units_numerator", "Numerator units", "count"), Column("units_denominator", "Denominator units", "count"),
)


def _encounter_frame(df: pd.DataFrame, _c: Context) -> pd.DataFrame:
    out = df.copy()
    if "in_numerator" in out:
        out["in_numerator"] = out["in_numerator"].map({True: "yes", False: "no"})
    return out


PAGE = Page(
    "compliance", "Compliance",
    "Which providers, coders and facilities sit far from their peers (PEPPER and Comparative Billing Report "
    "measures, volume-aware funnel limits), and which encounters should be audited next?",
    panels=(
        Panel("definition", "Measure", kind="cards", service=_definition, render=render_definition,
              export=lambda d, c: svc.catalog_frame(), export_title="measure catalog",
              note="Rules are data: queries/definitions/outlier_measures.csv. Suppressed values show ‡."),
        Panel("entities", "Entities against their peers", kind="grid", service=_values, columns=ENTITY_COLUMNS,
              export=entity_frame, row_id="entity_id", page_size=20, grid_height=420,
              note="Percentile and funnel verdicts side by side. Entities below the minimum denominator are "
                   "listed and never flagged. Click a row to explain its flag."),
        Panel("funnel", "Funnel plot", service=_funnel, figure=render_funnel, summary=funnel_summary,
              export=funnel_frame, clickable=True, height=380,
              label="Funnel plot: each entity's value against its denominator, with the peer value and the 95% "
                    "and 99.8% control limits of its peer group"),
        Panel("detail", "Flag explained", kind="cards", service=_detail, render=render_detail,
              export=detail_frame),
        Panel("em", "E/M level distribution against peers", service=_em, figure=render_em, export=em_frame,
              label="Bar chart: share of each E/M level of the selected provider beside its specialty peers"),
        Panel("encounters", "Encounters behind the flag", kind="grid", service=_encounters,
              columns=ENCOUNTER_COLUMNS, export=_encounter_frame, page_size=10,
              note="Encounter ids are shown only when the flag's numerator and denominator each count more "
                   "encounters than the suppression threshold."),
    ),
    rows=("definition", "entities", ("funnel", "detail"), ("em", "encounters")),
    state=(StateKey("measure", "measure", "measure", parse=_parse_measure, default=DEFAULT_MEASURE),
           StateKey("entity", "entity", "entity", parse=_parse_entity, click_panel="funnel")),
    clear_label="Clear selected entity",
)


def measure_options() -> list[dict]:
    return [{"value": m.measure_id, "label": f"{m.name} ({m.measure_id})"} for m in svc.measure_catalog().values()]


def layout(**query):
    root = PAGE.layout(**query)
    chosen = _parse_measure(None, query.get("measure")) or DEFAULT_MEASURE
    picker = dmc.Select(id=MEASURE_SELECT, label="Measure", data=measure_options(), value=chosen,
                        searchable=True, allowDeselect=False, w=520, maxDropdownHeight=400)
    root.children.insert(1, picker)
    root.children.append(worklist_panel.layout(WORKLIST, STRATA))
    return root


# ---------------------------------------------------------------------------------------------- callbacks

def url_for_measure(search, raw_state, measure_id) -> str | None:
    """The URL search after choosing `measure_id` in the picker (the entity is cleared), or None when unchanged."""
    if not isinstance(measure_id, str) or measure_id not in svc.measure_catalog():
        return None
    current = as_dict(raw_state).get("measure") or DEFAULT_MEASURE
    if measure_id == current:          # the picker only followed the state (a URL load): nothing to change
        return None
    state = {**as_dict(raw_state), "measure": measure_id, "entity": None}
    new = PAGE.search_with_state(search, state)
    return None if new == (as_str(search) or "") else new


def url_for_row(search, raw_state, row) -> str | None:
    """The URL search after clicking an entity row (the row's entity id, re-validated)."""
    entity = _parse_entity(None, as_dict(row).get("entity_id") if isinstance(row, dict) else None)
    if entity is None:
        return None
    new = PAGE.search_with_state(search, {**as_dict(raw_state), "entity": entity})
    return None if new == (as_str(search) or "") else new


def _app_state(db):
    """The app-state database of the app (dashboard.app.create_app sets it on the database handle)."""
    return wl.open_app_state(getattr(db, "app_state", None) or wl.app_db_path(getattr(db, "path", None)))


def _user_scope():
    """The signed-in user's facility scope (all facilities when serving single-user)."""
    return request_context.effective_scope(ALL)


def draw(con, raw_filters, raw_state, size, seed, strata, population, app=None) -> tuple:
    """(status, figure, rows, worklist id) for the worklist panel's Draw button (every input re-validated)."""
    from codedash.dashboard.figures import worklist as wf
    filters = validate_filters(raw_filters)
    state = PAGE.validate_state(con, raw_state)
    entity = state.get("entity")
    if not entity:
        return ("Select an entity first (click the funnel or a row).", wf.audit_progress(pd.DataFrame()), [], None)
    try:
        size_i, seed_i, column, pop = worklist_panel.validated_request(size, seed, strata,
                                                                       [s["value"] for s in STRATA], population)
        encounters = svc.flag_encounters(con, state["measure"], entity, filters, ALL)
        frame = wl.select_population(encounters, pop)
        criteria = {"measure": state["measure"], "entity": entity, "filters": filters,
                    "scope": wl.scope_record(_user_scope()), "population": pop}
        user = access.current_user()
        worklist_id, _rows = wl.draw_worklist(frame, column, size_i, seed_i, criteria, app=app,
                                              build_id=wl.database_build_id(con),
                                              created_by=user.username if user else None)
        status = wl.worklist_audit_status(con, app, worklist_id)
    except (ParameterError, wl.WorklistError) as exc:
        return (str(exc), wf.audit_progress(pd.DataFrame()), [], None)
    sentence, fig, rows = worklist_panel.render(worklist_id, status)
    return sentence, fig, rows, worklist_id


def latest_worklist(con, raw_state, app=None) -> tuple:
    """(status, figure, rows, worklist id) of the newest worklist drawn for the selected flag (measure and
    entity), with what the audits loaded since found; an invitation to draw one when there is none."""
    from codedash.dashboard.figures import worklist as wf
    state = PAGE.validate_state(con, raw_state)
    entity = state.get("entity")
    empty = wf.audit_progress(pd.DataFrame())
    if not entity:
        return ("Select an entity (click the funnel or a row) to draw an audit worklist from its flag.", empty, [],
                None)
    try:
        drawn = wl.list_worklists(app)
    except Exception:                 # noqa: BLE001 - no app-state database yet: nothing drawn
        drawn = pd.DataFrame()
    if not drawn.empty:
        drawn = drawn[(drawn["measure_id"] == state["measure"]) & (drawn["entity_id"] == entity)]
    # only worklists drawn inside the user's facility scope (one drawn over more facilities lists theirs)
    ids_ = [int(i) for i in sorted(drawn["worklist_id"], reverse=True)] if not drawn.empty else []
    worklist_id = next((i for i in ids_ if worklist_visible(i, app)), None)
    if worklist_id is None:
        return ("No worklist drawn for this flag yet.", empty, [], None)
    sentence, fig, rows = worklist_panel.render(worklist_id, wl.worklist_audit_status(con, app, worklist_id))
    return f"Latest for this flag — {sentence}", fig, rows, worklist_id


def worklist_visible(worklist_id: int, app=None) -> bool:
    try:
        meta = wl.get_worklist(worklist_id, app)
    except KeyError:
        return False
    return wl.visible_under(meta["criteria"].get("scope"), _user_scope())


def register_callbacks(app, db) -> None:
    PAGE.register(app, db)
    ids = worklist_panel.ids(WORKLIST)

    @app.callback(Output("url", "search", allow_duplicate=True), Input(MEASURE_SELECT, "value"),
                  State("url", "search"), State(PAGE.ids.state(), "data"), prevent_initial_call=True)
    def pick_measure(measure_id, search, raw_state):
        new = url_for_measure(search, raw_state, measure_id)
        return no_update if new is None else new

    @app.callback(Output(MEASURE_SELECT, "value"), Input(PAGE.ids.state(), "data"))
    def show_measure(raw_state):
        value = _parse_measure(None, as_dict(raw_state).get("measure"))
        return value or DEFAULT_MEASURE

    @app.callback(Output("url", "search", allow_duplicate=True), Input(PAGE.ids.grid("entities"), "cellClicked"),
                  State("url", "search"), State(PAGE.ids.state(), "data"), State(PAGE.ids.grid("entities"), "rowData"),
                  prevent_initial_call=True)
    def pick_row(cell, search, raw_state, rows):
        cell = as_dict(cell)
        index = cell.get("rowIndex")
        row = rows[index] if isinstance(index, int) and isinstance(rows, list) and 0 <= index < len(rows) else None
        if isinstance(cell.get("rowId"), str):
            row = {"entity_id": cell["rowId"]}
        new = url_for_row(search, raw_state, row)
        return no_update if new is None else new

    # One callback for the panel's outputs: the Draw button draws; a newly selected flag (or the page's mount)
    # shows the newest worklist drawn for it and what its audits found (link-back, queries.worklist).
    @app.callback(Output(ids["status"], "children"), Output(ids["chart"], "figure"), Output(ids["grid"], "rowData"),
                  Output(ids["id_store"], "data"), Input(ids["draw"], "n_clicks"), Input(PAGE.ids.state(), "data"),
                  State("filters", "data"), State(ids["size"], "value"), State(ids["seed"], "value"),
                  State(ids["strata"], "value"), State(ids["population"], "value"))
    def worklist_view(clicks, raw_state, raw_filters, size, seed, strata, population):
        state_db = _app_state(db)
        try:
            if dash_ctx.triggered_id == ids["draw"] and clicks:
                return draw(db.cursor(), raw_filters, raw_state, size, seed, strata, population, state_db)
            return latest_worklist(db.cursor(), raw_state, state_db)
        finally:
            state_db.close()

    @app.callback(Output(ids["download"], "data"), Input(ids["download_btn"], "n_clicks"),
                  State(ids["id_store"], "data"), prevent_initial_call=True)
    def download_worklist(_n, worklist_id):
        from codedash.dashboard.worklist_export import worklist_csv
        if not isinstance(worklist_id, int) or isinstance(worklist_id, bool) or dash_ctx.triggered_id is None:
            return no_update
        state_db = _app_state(db)
        try:
            if not worklist_visible(worklist_id, state_db):     # a forged id of another scope's worklist
                return no_update
            content = worklist_csv(worklist_id, state_db, db.cursor())
        except KeyError:
            return no_update
        finally:
            state_db.close()
        return dict(content=content, filename=f"codedash-worklist-{worklist_id}.csv")
