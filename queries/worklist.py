"""Audit worklists: a reproducible stratified random sample of a flagged cell's encounters, kept in app state.

The sampling rule (stated once, here and in docs/metrics.md "Audit worklists"):

1. The frame is the flagged cell's encounters, one row per distinct encounter_id; a null stratum is '(missing)';
   without `strata_col` there is one stratum, 'all'. The frame is sorted by (stratum, encounter_id), so the
   order rows arrive in never changes the sample.
2. Proportional allocation, rounded by the largest-remainder (Hamilton) rule: stratum h of N_h encounters out
   of N gets floor(size x N_h / N), and the encounters still missing go one each to the strata with the largest
   remainders (ties: the larger stratum, then the stratum name). size >= N takes every encounter.
3. The draw: rng = numpy.random.Generator(PCG64(seed)); one uniform key per frame row (rng.random(N), in frame
   order); each stratum takes its allocated number of rows with the smallest keys. The worklist lists them by
   stratum, then key (the draw order). Same frame + strata + size + seed -> the same worklist.

The criteria (measure, entity, filters, scope...), seed, size, time, numpy version and the analytics build id
are recorded with the worklist in the app-state database (data/appstate.py), never in the analytics file.

Identifiers rule: encounter ids of a worklist are shown or exported only when the flagged cell's count (the
frame size) is above the suppression threshold; otherwise they are blank and marked suppressed.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from collections.abc import Mapping
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from codedash.data import appstate
from codedash.queries import filters as flt
from codedash.queries import settings
from codedash.queries.runner import run
from codedash.queries.suppression import SUPPRESSED_FLAG, Margin, Rules, is_small, suppress, threshold

MAX_SIZE = 1000            # an audit sample larger than this is not a worklist (and the link-back list limit)
ALL_STRATUM = "all"
MISSING_STRATUM = "(missing)"
_COLUMN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
METHOD = ("stratified random sample, proportional allocation rounded by largest remainder; "
          "numpy {numpy} Generator(PCG64(seed)).random keys, smallest keys per stratum")


class WorklistError(ValueError):
    """A worklist request that cannot be drawn (bad size, unknown stratum column, no encounters)."""


# ------------------------------------------------------------------------------------ app-state file

def app_db_path(analytics_db: str | Path | None = None) -> Path:
    """CODEDASH_APP_DB, else codedash-app.sqlite in the folder of the analytics database (`analytics_db`, the
    one served or named by --db; else the db_path setting). Serving, `codedash users`, `codedash audit` and
    worklists all resolve it here, so they meet in one file."""
    configured = settings.get("app_db_path")
    if configured:
        return Path(configured)
    return Path(analytics_db or settings.get("db_path")).resolve().parent / "codedash-app.sqlite"


def scope_record(scope: flt.Scope) -> str | list[str]:
    """How a worklist records the facility scope it was drawn under."""
    return "all facilities" if scope.facilities is None else sorted(scope.facilities)


def visible_under(recorded, scope: flt.Scope) -> bool:
    """A worklist drawn under `recorded` (scope_record) lists only encounters of those facilities: a user may
    see it when their scope covers every one of them."""
    if scope.facilities is None:
        return True
    if not isinstance(recorded, list):
        return False                 # drawn over all facilities (or recorded by an older codedash)
    return set(recorded) <= set(scope.facilities)


def open_app_state(path: str | Path | None = None) -> sqlite3.Connection:
    return appstate.open_app(path or app_db_path())


def _app(app: sqlite3.Connection | None) -> sqlite3.Connection:
    return app if app is not None else open_app_state()


def database_build_id(con: duckdb.DuckDBPyConnection) -> str | None:
    """The analytics database's build id (build_info), or None for a database without one."""
    try:
        row = con.execute("select build_id from build_info limit 1").fetchone()
    except duckdb.Error:
        return None
    return row[0] if row else None


# ------------------------------------------------------------------------------------ sampling

def allocate(strata: Mapping[str, int], size: int) -> dict[str, int]:
    """Proportional allocation of `size` over strata of the given sizes, largest-remainder rounding."""
    total = sum(strata.values())
    if size >= total:
        return dict(strata)
    quotas = {h: size * n / total for h, n in strata.items()}
    out = {h: int(np.floor(q)) for h, q in quotas.items()}
    missing = size - sum(out.values())
    order = sorted(strata, key=lambda h: (-(quotas[h] - out[h]), -strata[h], h))
    for h in order[:missing]:
        out[h] += 1
    return out


POPULATIONS = ("numerator", "denominator")


def select_population(encounters: pd.DataFrame, population: str = "numerator") -> pd.DataFrame:
    """The sampling frame from a flagged cell's encounters: 'numerator' = the encounters that count towards
    the flag (rows with in_numerator true, when the frame says; queries.compliance.flag_encounters does),
    'denominator' = every encounter of the entity on the measure."""
    if population not in POPULATIONS:
        raise WorklistError(f"population must be one of {', '.join(POPULATIONS)}")
    if population == "numerator" and "in_numerator" in encounters.columns:
        return encounters[encounters["in_numerator"].fillna(False).astype(bool)]
    return encounters


def _frame(encounters: pd.DataFrame, strata_col: str | None) -> pd.DataFrame:
    if "encounter_id" not in encounters.columns:
        raise WorklistError("the encounters frame has no encounter_id column")
    if len(encounters) and encounters["encounter_id"].isna().any():
        raise WorklistError("the flagged cell's encounter ids are suppressed (a cell of 1 to the suppression "
                            "threshold): no worklist can be drawn from it")
    if strata_col is not None:
        if not _COLUMN.match(strata_col) or strata_col not in encounters.columns or strata_col == "encounter_id":
            allowed = ", ".join(c for c in encounters.columns if c != "encounter_id") or "none"
            raise WorklistError(f"cannot stratify by {strata_col!r}; columns available: {allowed}")
        stratum = encounters[strata_col].astype(object).where(encounters[strata_col].notna(), MISSING_STRATUM)
    else:
        stratum = pd.Series(ALL_STRATUM, index=encounters.index)
    frame = pd.DataFrame({"encounter_id": encounters["encounter_id"].astype(str), "stratum": stratum.astype(str)})
    frame = frame.drop_duplicates("encounter_id")
    return frame.sort_values(["stratum", "encounter_id"], kind="mergesort").reset_index(drop=True)


def draw_sample(encounters: pd.DataFrame, strata_col: str | None, size: int, seed: int
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(sample, strata): the sampling rule of the module docstring as a pure function.

    sample: position (1..), encounter_id, stratum; strata: stratum, population, allocated."""
    if not isinstance(size, (int, np.integer)) or not 1 <= size <= MAX_SIZE:
        raise WorklistError(f"size must be a whole number from 1 to {MAX_SIZE}")
    if not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2 ** 63:
        raise WorklistError("seed must be a whole number from 0 to 2^63 - 1")
    frame = _frame(encounters, strata_col)
    if frame.empty:
        raise WorklistError("no encounters to draw from")
    sizes = frame.groupby("stratum", sort=True).size()
    alloc = allocate({str(h): int(n) for h, n in sizes.items()}, int(size))
    rng = np.random.Generator(np.random.PCG64(int(seed)))
    frame["key"] = rng.random(len(frame))
    parts = [frame[frame.stratum == h].nsmallest(alloc[h], "key", keep="first") for h in sorted(alloc)]
    sample = pd.concat(parts, ignore_index=True)[["encounter_id", "stratum"]]
    sample.insert(0, "position", np.arange(1, len(sample) + 1))
    strata = pd.DataFrame({"stratum": list(sizes.index.astype(str)), "population": sizes.to_numpy(),
                           "allocated": [alloc[str(h)] for h in sizes.index]})
    return sample, strata


def _utc(now: dt.datetime | None) -> str:
    now = now or dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    return now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def draw_worklist(encounters_df: pd.DataFrame, strata_col: str | None, size: int, seed: int, criteria: dict, *,
                  app: sqlite3.Connection | None = None, build_id: str | None = None,
                  source_db: str | None = None, created_by: str | None = None,
                  now: dt.datetime | None = None) -> tuple[int, pd.DataFrame]:
    """Draw and record a worklist; returns (worklist_id, rows).

    encounters_df: the flagged cell's encounters (encounter_id plus any columns to stratify by, e.g. what
    queries.compliance.flag_encounters returns); criteria: what selected them (measure, entity, filters,
    scope), recorded as sorted JSON, with criteria['measure'] / ['entity'] also stored in their own columns.
    rows: position, encounter_id, stratum and the frame's other columns for the drawn encounters.
    """
    sample, strata = draw_sample(encounters_df, strata_col, size, seed)
    criteria = dict(criteria or {})
    measure, entity = criteria.get("measure"), criteria.get("entity")
    population = int(strata.population.sum())
    con = _app(app)
    con.execute("begin immediate")
    try:
        cur = con.execute(
            "insert into worklists (created_at, measure_id, entity_id, criteria_json, strata_col, requested_size,"
            " drawn_size, population_n, seed, method, build_id, source_db, created_by)"
            " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [_utc(now), None if measure is None else str(measure), None if entity is None else str(entity),
             json.dumps(criteria, sort_keys=True, default=str), strata_col, int(size), len(sample), population,
             int(seed), METHOD.format(numpy=np.__version__), build_id, source_db, created_by])
        worklist_id = int(cur.lastrowid)
        con.executemany("insert into worklist_strata values (?, ?, ?, ?)",
                        [(worklist_id, r.stratum, int(r.population), int(r.allocated)) for r in strata.itertuples()])
        con.executemany("insert into worklist_items values (?, ?, ?, ?)",
                        [(worklist_id, int(r.position), r.encounter_id, r.stratum) for r in sample.itertuples()])
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    extra = encounters_df.drop_duplicates("encounter_id").assign(encounter_id=lambda d: d.encounter_id.astype(str))
    extra = extra.drop(columns=[c for c in ("position", "stratum") if c in extra.columns])
    rows = sample.merge(extra, on="encounter_id", how="left")
    return worklist_id, rows


# ------------------------------------------------------------------------------------ reading back

_WORKLIST_COLUMNS = ("worklist_id", "created_at", "measure_id", "entity_id", "criteria_json", "strata_col",
                     "requested_size", "drawn_size", "population_n", "seed", "method", "build_id", "source_db",
                     "created_by")


def get_worklist(worklist_id: int, app: sqlite3.Connection | None = None) -> dict:
    """The recorded worklist (criteria decoded into `criteria`); KeyError when there is none."""
    row = _app(app).execute(f"select {', '.join(_WORKLIST_COLUMNS)} from worklists where worklist_id = ?",
                            [int(worklist_id)]).fetchone()
    if row is None:
        raise KeyError(f"no worklist {worklist_id}")
    out = dict(zip(_WORKLIST_COLUMNS, row, strict=True))
    out["criteria"] = json.loads(out["criteria_json"])
    return out


def worklist_rows(worklist_id: int, app: sqlite3.Connection | None = None) -> pd.DataFrame:
    """The drawn encounters of a worklist: position, encounter_id, stratum (raw: internal use; show or export
    through worklist_export_frame, which applies the identifiers rule)."""
    con = _app(app)
    get_worklist(worklist_id, con)
    cur = con.execute("select position, encounter_id, stratum from worklist_items where worklist_id = ?"
                      " order by position", [int(worklist_id)])
    return pd.DataFrame(cur.fetchall(), columns=["position", "encounter_id", "stratum"])


def worklist_strata(worklist_id: int, app: sqlite3.Connection | None = None) -> pd.DataFrame:
    """Strata of a worklist: stratum, population, allocated; small populations suppressed (complementary
    suppression against the frame total the worklist shows)."""
    cur = _app(app).execute("select stratum, population, allocated from worklist_strata where worklist_id = ?"
                            " order by stratum", [int(worklist_id)])
    df = pd.DataFrame(cur.fetchall(), columns=["stratum", "population", "allocated"])
    return suppress(df, STRATA_RULES)


STRATA_RULES = Rules(guarded=("population",), parts={"allocated": "population"})
LIST_RULES = Rules(guarded=("population_n",), public=("requested_size", "seed", "worklist_id"),
                   dependents={"population_n": ("drawn_size",)})


def list_worklists(app: sqlite3.Connection | None = None) -> pd.DataFrame:
    """Every worklist, newest first, without its criteria JSON; a frame of 1..threshold encounters is
    suppressed (and the drawn size with it, which would equal it)."""
    cols = [c for c in _WORKLIST_COLUMNS if c != "criteria_json"]
    cur = _app(app).execute(f"select {', '.join(cols)} from worklists order by worklist_id desc")
    df = pd.DataFrame(cur.fetchall(), columns=cols)
    return suppress(df, LIST_RULES)


def identifiers_allowed(population_n: int, k: int | None = None) -> bool:
    """Encounter ids may be shown or exported only for a flagged cell above the suppression threshold."""
    return not bool(is_small(pd.Series([population_n]), threshold() if k is None else k).iloc[0])


def _gate(df: pd.DataFrame, population_n: int) -> pd.DataFrame:
    out = df.copy()
    hidden = not identifiers_allowed(population_n)
    if hidden:
        for col in out.columns:
            if col not in ("position", "stratum"):
                out[col] = pd.Series([None] * len(out), index=out.index, dtype=object)
    out[SUPPRESSED_FLAG] = hidden
    return out


def worklist_export_frame(worklist_id: int, app: sqlite3.Connection | None = None) -> pd.DataFrame:
    """position, stratum, encounter_id, suppressed: ids blank (suppressed=True) when the flagged cell is small."""
    con = _app(app)
    meta = get_worklist(worklist_id, con)
    rows = worklist_rows(worklist_id, con)[["position", "stratum", "encounter_id"]]
    return _gate(rows, meta["population_n"])


# ------------------------------------------------------------------------------------ link-back

STATUS_COLUMNS = ["position", "stratum", "encounter_id", "audited", "audited_before_drawn", "last_audit_date",
                  "audit_ids", "finding_types", "revised_drg", "dollar_impact"]


def worklist_audit_status(con: duckdb.DuckDBPyConnection, app: sqlite3.Connection | None, worklist_id: int, *,
                          scope: flt.Scope = flt.ALL) -> pd.DataFrame:
    """Per worklisted encounter: audited (an audit dated on or after the draw day), audited_before_drawn,
    last audit date, audit ids, finding types other than 'correct' ('no change' when all were correct),
    whether the DRG was revised and the dollar impact, from the analytics `audits` / `audit_findings`.

    Encounter ids and audit facts are blank (suppressed=True) when the flagged cell is small."""
    app = _app(app)
    meta = get_worklist(worklist_id, app)
    rows = worklist_rows(worklist_id, app)
    drawn_on = meta["created_at"][:10]
    if rows.empty:
        status = pd.DataFrame(columns=STATUS_COLUMNS[2:])
    else:
        status = run(con, "worklist__audit_status",
                     {"encounter_ids": rows.encounter_id.tolist(), "drawn_on": drawn_on}, scope=scope)
    out = rows.merge(status.rename(columns={"audited_since_drawn": "audited"}), on="encounter_id", how="left")
    for col in ("audited", "audited_before_drawn", "revised_drg"):
        out[col] = out[col].astype("boolean").fillna(False).astype(bool)
    return _gate(out[STATUS_COLUMNS], meta["population_n"])


SUMMARY_RULES = Rules(guarded=("n_items",), parts={"n_audited": "n_items", "n_with_findings": "n_audited"})
# Strata rows beside the worklist's overall summary: the parts of each column add up to a total shown there.
STRATA_SUMMARY_RULES = SUMMARY_RULES.with_(margins=(Margin(parts=("n_items",)), Margin(parts=("n_audited",)),
                                                    Margin(parts=("n_with_findings",))))


def worklist_summary(status: pd.DataFrame, by_stratum: bool = False) -> pd.DataFrame:
    """n_items, n_audited, n_with_findings (audited with a finding other than 'correct'): one row, or one per
    stratum (`stratum` first), suppressed like any encounter counts (a part is hidden when it or its
    complement is 1..threshold; strata also against the overall total shown beside them)."""
    audited = status["audited"].fillna(False).astype(bool)
    found = audited & status["finding_types"].notna() & (status["finding_types"] != "no change")
    df = pd.DataFrame({"stratum": status["stratum"].astype(str), "n_items": 1, "n_audited": audited.astype(int),
                       "n_with_findings": found.astype(int)})
    if not by_stratum:
        totals = df[["n_items", "n_audited", "n_with_findings"]].sum()
        return suppress(pd.DataFrame([totals.astype(int).to_dict()]), SUMMARY_RULES)
    grouped = df.groupby("stratum", sort=True, as_index=False)[["n_items", "n_audited", "n_with_findings"]].sum()
    return suppress(grouped, STRATA_SUMMARY_RULES)
