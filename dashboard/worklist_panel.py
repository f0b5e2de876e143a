"""The audit-worklist panel the compliance page drops in: controls, a progress chart, the grid, a CSV download.

Ids live in `ids(prefix)`; the page wires one callback (draw: flag_encounters -> queries.worklist.draw_worklist
-> worklist_audit_status -> `render`) and one download (dashboard.worklist_export.worklist_csv). Every input is
re-validated on the server with `validated_request` before anything is drawn.
"""
from __future__ import annotations

import re

import dash_mantine_components as dmc
import pandas as pd
from dash import dcc, html

from codedash.dashboard.components import grid, labelled_chart
from codedash.dashboard.figures import worklist as wf
from codedash.queries import worklist as wl

DEFAULT_SIZE = 30


def ids(prefix: str = "worklist") -> dict[str, str]:
    keys = ("size", "seed", "strata", "population", "draw", "status", "chart", "grid", "download_btn", "download", "id_store")
    return {k: f"{prefix}-{k.replace('_', '-')}" for k in keys}


def layout(prefix: str = "worklist", strata_options: list[dict] | None = None) -> dmc.Card:
    """The panel: size, seed and stratum controls, a Draw button, then the drawn worklist."""
    i = ids(prefix)
    options = [{"value": "", "label": "No strata"}, *(strata_options or [])]
    controls = dmc.Group([
        dmc.NumberInput(id=i["size"], label="Sample size", min=1, max=wl.MAX_SIZE, step=1, value=DEFAULT_SIZE,
                        w=130, allowDecimal=False),
        dmc.NumberInput(id=i["seed"], label="Seed", min=0, step=1, value=1, w=130, allowDecimal=False),
        dmc.Select(id=i["strata"], label="Stratify by", data=options, value="", w=200, allowDeselect=False),
        dmc.Select(id=i["population"], label="Sample from", value="numerator", w=230, allowDeselect=False,
                   data=[{"value": "numerator", "label": "Encounters counted in the flag"},
                         {"value": "denominator", "label": "All the entity's encounters"}]),
        dmc.Button("Draw worklist", id=i["draw"], mt=24),
        dmc.Button("CSV", id=i["download_btn"], variant="subtle", size="compact-sm", mt=24),
    ], align="flex-start", gap="sm")
    note = dmc.Text("A stratified random sample of the flagged encounters (proportional allocation, largest-"
                    "remainder rounding, numpy PCG64 seed); criteria, seed and time are recorded. Encounter ids "
                    "are shown only when the flagged cell is above the suppression threshold.", size="xs",
                    c="dimmed")
    return dmc.Card([
        dmc.Text("Audit worklist", fw=600, size="sm"), controls, note,
        html.Div(id=i["status"], role="status"),
        dcc.Loading([labelled_chart(dcc.Graph(id=i["chart"], figure=wf.audit_progress(pd.DataFrame()),
                                              config={"displayModeBar": False}),
                                    "Bar chart: the worklist's encounters by audit status (audited, findings, "
                                    "not yet audited); the grid below lists them"),
                     grid(i["grid"], [], wf.GRID_COLUMNS, page_size=20, height=360)], type="dot", delay_show=150),
        dcc.Store(id=i["id_store"]), dcc.Download(id=i["download"]),
    ], withBorder=True, radius="md", padding="md", id=prefix)


def _whole(value, name: str) -> int:
    if isinstance(value, bool):
        raise wl.WorklistError(f"{name} must be a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\d{1,19}", value.strip()):
        return int(value)
    raise wl.WorklistError(f"{name} must be a whole number")


def validated_request(size, seed, strata, allowed_strata, population="numerator") -> tuple[int, int, str | None, str]:
    """(size, seed, strata column or None, population) from browser values; raises WorklistError otherwise."""
    size_i, seed_i = _whole(size, "size"), _whole(seed, "seed")
    if not 1 <= size_i <= wl.MAX_SIZE:
        raise wl.WorklistError(f"size must be from 1 to {wl.MAX_SIZE}")
    if not 0 <= seed_i < 2 ** 63:
        raise wl.WorklistError("seed must be from 0 to 2^63 - 1")
    column = strata or None
    if column is not None and column not in set(allowed_strata):
        raise wl.WorklistError("unknown stratum column")
    if population not in wl.POPULATIONS:
        raise wl.WorklistError("unknown population")
    return size_i, seed_i, column, population


def render(worklist_id: int, status: pd.DataFrame) -> tuple[str, object, list[dict]]:
    """(status sentence, progress figure, grid rows) for a drawn worklist's audit status."""
    summary = wl.worklist_summary(status)
    row = summary.iloc[0]
    if bool(row.get("suppressed", False)) or pd.isna(row.n_items):
        sentence = f"Worklist {worklist_id}: counts too small to show."
    else:
        audited = "‡" if pd.isna(row.n_audited) else f"{int(row.n_audited):,}"
        sentence = f"Worklist {worklist_id}: {int(row.n_items):,} encounters, {audited} audited since drawn."
    rows, _ = wf.worklist_grid(status)
    return sentence, wf.audit_progress(wl.worklist_summary(status, by_stratum=True)), rows
