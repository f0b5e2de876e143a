"""Compliance outliers: the measure catalog, each entity's value against its peers, and the encounters behind a flag.

    measure_catalog()                                   -> {measure_id: Measure}   (outlier_measures.csv)
    measure_values(con, "MOD25_PROV", filters, scope)   -> one row per entity: numerator, denominator, value,
                                                           peer value, PEPPER percentile and 80th/20th flag,
                                                           z-score, funnel limits and verdicts at 95% / 99.8%
    flag_encounters(con, "MOD25_PROV", "1901583801", filters, scope) -> the encounters behind the value
    em_distribution(con, "EM_OFFICE_EST_HIGH", entity_id, filters, scope) -> levels, entity vs specialty peers

Rules are data: every measure is a row of queries/definitions/outlier_measures.csv (entity type, numerator,
denominator, peer group, direction, minimum denominator, percentile flags, overdispersion method, definition,
source); the numerator and denominator of each are written once, in data/marts/mart_compliance_events.sql.
The statistics are queries/stats (funnel limits, overdispersion, percentiles, chi-square). The page, the
`codedash outliers` command and the tests all call these functions, so they show the same numbers.

Statistics are computed on the unsuppressed components, then the frame is suppressed with the query's
declarations (a hidden numerator blanks its value, percentile, z-score and chi-square; the peer value is a
pooled total, so a second cell of the group is hidden with any hidden one). The verdicts themselves stay: a
flag says a count lies beyond a limit, an interval, not the count (docs/decisions.md, "Compliance flags and
small cells").
"""
from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from codedash.queries import cache as result_cache
from codedash.queries import filters as flt
from codedash.queries.params import ParameterError
from codedash.queries.runner import load, run
from codedash.queries.stats.distribution import distribution_tests
from codedash.queries.stats.funnel import dispersion, funnel_verdicts
from codedash.queries.stats.percentiles import peer_percentile, pepper_flags
from codedash.queries.suppression import suppress, threshold

CATALOG_PATH = Path(__file__).with_name("definitions") / "outlier_measures.csv"
ENTITY_TYPES = ("provider", "coder", "facility")
PEER_GROUPS = ("specialty", "all")
DIRECTIONS = ("high", "low", "both")
OVERDISPERSION = ("multiplicative", "additive", "none")
LEVELS = (0.95, 0.998)
WINSOR = 0.1
# Overdispersion is estimated within a peer group only when it has at least this many entities at or above the
# minimum denominator: from a handful of units phi (or tau2) mostly measures the outlier itself (Spiegelhalter
# 2005 estimates it from all units of a comparison; FunnelPlotR warns below ~10). Smaller groups: plain limits.
MIN_ENTITIES_FOR_OVERDISPERSION = 10

EM_FAMILIES = {"EM_OFFICE_NEW_HIGH": "office_new", "EM_OFFICE_EST_HIGH": "office_established",
               "EM_ED_HIGH": "ed", "EM_IP_INITIAL_HIGH": "inpatient_initial",
               "EM_IP_SUBSEQUENT_HIGH": "inpatient_subsequent"}
EM_CODES = {"office_new": {2: "99202", 3: "99203", 4: "99204", 5: "99205"},
            "office_established": {1: "99211", 2: "99212", 3: "99213", 4: "99214", 5: "99215"},
            "ed": {1: "99281", 2: "99282", 3: "99283", 4: "99284", 5: "99285"},
            "inpatient_initial": {1: "99221", 2: "99222", 3: "99223"},
            "inpatient_subsequent": {1: "99231", 2: "99232", 3: "99233"}}

VALUE_COLUMNS = ["entity_id", "entity_label", "peer_group", "peer_label", "n_peer_entities", "n_encounters",
                 "numerator", "denominator", "value", "peer_value", "percentile", "pepper_flag", "z",
                 "lower95", "upper95", "lower998", "upper998", "flag95", "flag998", "assessed", "phi", "tau2",
                 "chi2", "chi2_df", "chi2_p", "suppressed"]


@dataclass(frozen=True)
class Measure:
    measure_id: str
    name: str
    area: str
    entity_type: str          # provider | coder | facility
    numerator: str
    denominator: str
    peer_group: str           # specialty | all
    direction: str            # high | low | both: which deviation is flagged
    min_denominator: int      # below it an entity is shown, never flagged
    pct_high: float           # PEPPER high flag: at or above this percentile
    pct_low: float            # PEPPER low flag: at or below this percentile
    overdispersion: str       # multiplicative | additive | none
    definition: str
    source: str

    @property
    def em_family(self) -> str | None:
        return EM_FAMILIES.get(self.measure_id)


@functools.cache
def measure_catalog() -> dict[str, Measure]:
    """measure_id -> Measure, in catalog order (validated: a bad row raises ValueError naming it)."""
    out: dict[str, Measure] = {}
    with CATALOG_PATH.open(encoding="utf-8", newline="") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            where = f"outlier_measures.csv line {line}"
            try:
                m = Measure(row["measure_id"], row["name"], row["area"], row["entity_type"], row["numerator"],
                            row["denominator"], row["peer_group"], row["direction"], int(row["min_denominator"]),
                            float(row["pct_high"]), float(row["pct_low"]), row["overdispersion"],
                            row["definition"], row["source"])
            except (KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"{where}: {exc}") from None
            for value, allowed, name in ((m.entity_type, ENTITY_TYPES, "entity_type"),
                                         (m.peer_group, PEER_GROUPS, "peer_group"),
                                         (m.direction, DIRECTIONS, "direction"),
                                         (m.overdispersion, OVERDISPERSION, "overdispersion")):
                if value not in allowed:
                    raise ValueError(f"{where}: {name} {value!r} is not one of {', '.join(allowed)}")
            if m.measure_id in out:
                raise ValueError(f"{where}: duplicate measure id {m.measure_id}")
            if not (m.definition and m.source and m.numerator and m.denominator):
                raise ValueError(f"{where}: {m.measure_id} needs a numerator, denominator, definition and source")
            out[m.measure_id] = m
    return out


def catalog_frame() -> pd.DataFrame:
    """The catalog as a table (shown on the page and printed by `codedash outliers --list`)."""
    return pd.DataFrame([m.__dict__ for m in measure_catalog().values()])


def measure(measure_id) -> Measure:
    """The catalog entry of `measure_id`; ParameterError for anything else (values come from browsers)."""
    found = measure_catalog().get(measure_id) if isinstance(measure_id, str) else None
    if found is None:
        raise ParameterError(f"unknown measure: {str(measure_id)[:40]!r}")
    return found


def _filters(filters: dict | None) -> dict:
    return {k: v for k, v in (filters or {}).items() if k in flt.FILTER_NAMES}


def _value_rules():
    return load("compliance__measure_values").rules.with_dependents(
        {"numerator": ["value", "percentile", "z", "chi2", "chi2_p"]})


def _group_adjustment(num: np.ndarray, den: np.ndarray, m: Measure) -> tuple[float, float, float]:
    """Peer value p0 and overdispersion (phi, tau2) of one peer group (raw components)."""
    eligible = den >= m.min_denominator
    # The target is the pooled rate of the whole peer group (entities below the minimum denominator add their
    # cases to it; they only go unflagged), as FunnelPlotR and PEPPER's comparison groups take it.
    p0 = float(num.sum() / den.sum()) if den.sum() > 0 else 0.0
    phi, tau2 = 1.0, 0.0
    if m.overdispersion != "none" and int(eligible.sum()) >= MIN_ENTITIES_FOR_OVERDISPERSION:
        d = dispersion(num, den, p0, method=m.overdispersion, winsor=WINSOR, min_n=m.min_denominator)
        phi, tau2 = d.adjustment
    return p0, phi, tau2


def _statistics(raw: pd.DataFrame, m: Measure) -> pd.DataFrame:
    df = raw.reset_index(drop=True).copy()
    df["value"] = df["numerator"] / df["denominator"]
    num = df["numerator"].to_numpy(dtype=float)
    den = df["denominator"].to_numpy(dtype=float)
    p0, phi, tau2 = np.zeros(len(df)), np.ones(len(df)), np.zeros(len(df))
    for rows in df.groupby("peer_group", sort=False).indices.values():
        p0[rows], phi[rows], tau2[rows] = _group_adjustment(num[rows], den[rows], m)
    # every group's limits and verdicts in one pass (funnel_verdicts: the same as funnel_verdict per group)
    verdict = funnel_verdicts(num / den, den, p0, phi, tau2, levels=LEVELS, direction=m.direction,
                              min_n=m.min_denominator)
    df["peer_value"], df["phi"], df["tau2"] = p0, phi, tau2
    for col in ("z", "lower95", "upper95", "lower998", "upper998"):
        df[col] = verdict[col].to_numpy()
    for col in ("flag95", "flag998"):         # object ('high' | 'low' | 'within' | None), never inferred as str
        df[col] = pd.Series(verdict[col].to_numpy(), index=df.index, dtype=object)
    eligible = df["denominator"] >= m.min_denominator
    df["percentile"] = peer_percentile(df["value"], df["peer_group"], eligible)
    df["pepper_flag"] = pepper_flags(df["percentile"], m.pct_high, m.pct_low, m.direction)
    df["assessed"] = eligible.to_numpy()
    return df


def _em_chi2(con, m: Measure, filters: dict, scope: flt.Scope) -> pd.DataFrame:
    """Chi-square of each provider's level distribution against the rest of its specialty (raw counts)."""
    levels = run(con, "compliance__em_distribution", {**filters, "em_family": m.em_family}, scope=scope,
                 suppress=False)
    if levels.empty:
        return pd.DataFrame(columns=["entity_id", "chi2", "chi2_df", "chi2_p"])
    # provider x level counts and each provider's peer-group totals, in numpy (half of pivot_table's time)
    levels = levels.dropna(subset=["provider_id", "peer_group", "em_level"])
    row, entities = pd.factorize(pd.MultiIndex.from_arrays([levels["provider_id"], levels["peer_group"]]),
                                 sort=True)
    col, level_values = pd.factorize(levels["em_level"], sort=True)
    counts = np.zeros((len(entities), len(level_values)))
    np.add.at(counts, (row, col), np.nan_to_num(levels["n_lines"].to_numpy(dtype=float)))
    group_of, group_names = pd.factorize(entities.get_level_values(1))
    group_totals = np.zeros((len(group_names), len(level_values)))
    np.add.at(group_totals, group_of, counts)
    peers = group_totals[group_of]                                  # each provider's peer-group totals
    categories = [int(c) for c in level_values]
    tested = counts.sum(axis=1) >= m.min_denominator                # shown, never tested (as never flagged)
    results = distribution_tests(categories, counts[tested], peers[tested], peers_include_entity=True)
    providers = entities.get_level_values(0)[tested]
    rows = [(provider, r["statistic"], r["df"] if r["testable"] else None, r["p_value"])
            for provider, r in zip(providers, results)]
    return pd.DataFrame(rows, columns=["entity_id", "chi2", "chi2_df", "chi2_p"])


def measure_values(con: duckdb.DuckDBPyConnection, measure_id: str, filters: dict | None = None,
                   scope: flt.Scope = flt.ALL, *, suppressed: bool = True) -> pd.DataFrame:
    """Every entity's value on `measure_id` against its peer group, with percentile, z, limits and verdicts.

    Columns: VALUE_COLUMNS. `assessed` is False for entities below the measure's minimum denominator: they
    are listed with their value and never flagged (no percentile, no verdict). suppressed=False returns the
    raw frame for tests and internal checks only; anything shown or exported uses the default.
    """
    m = measure(measure_id)
    f = _filters(filters)
    cache = result_cache.shared()
    identity = result_cache.database_identity(con) if cache is not None else None
    key = None
    if identity is not None:
        key = ("compliance.measure_values", m.measure_id, result_cache.freeze(f),
               result_cache.freeze(scope.bind_value()), suppressed, threshold() if suppressed else None, identity)
        hit = cache.get(key)
        if hit is not None:
            return hit
    raw = run(con, "compliance__measure_values",
              {**f, "measure_id": m.measure_id, "entity_type": m.entity_type, "peer": m.peer_group},
              scope=scope, suppress=False)
    if raw.empty:
        return pd.DataFrame(columns=VALUE_COLUMNS)
    df = _statistics(raw, m)
    if m.em_family:
        df = df.merge(_em_chi2(con, m, f, scope), on="entity_id", how="left")
    else:
        df["chi2"], df["chi2_df"], df["chi2_p"] = np.nan, None, np.nan
    for col in ("chi2", "chi2_p"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    df = df.sort_values(["peer_group", "entity_id"]).reset_index(drop=True)
    if suppressed:
        df = suppress(df, _value_rules())
    elif "suppressed" not in df:
        df["suppressed"] = False
    df = df[VALUE_COLUMNS]
    if key is not None:
        cache.put(key, df)
    return df


def flagged(values: pd.DataFrame, level: str = "998") -> pd.DataFrame:
    """Rows of a measure_values frame flagged by the funnel at `level` ('95' or '998'), in the measure's direction."""
    col = f"flag{level}"
    return values[values[col].isin(["high", "low"])]


def flag_encounters(con: duckdb.DuckDBPyConnection, measure_id: str, entity_id: str, filters: dict | None = None,
                    scope: flt.Scope = flt.ALL) -> pd.DataFrame:
    """The encounters in `entity_id`'s denominator of `measure_id` (those in the numerator first), with strata
    columns (discharge_month, facility_id, payer_id, coder_id, encounter_type) for an audit worklist.

    Identifiers are blanked (and the per-encounter units and numerator marks with them) when the entity has
    1..threshold encounters in the numerator; with 1..threshold encounters in the denominator no row is
    returned at all (the number of rows would be the small count).
    """
    m = measure(measure_id)
    if not isinstance(entity_id, str) or not entity_id or len(entity_id) > 64:
        raise ParameterError("entity_id must be a non-empty identifier")
    df = run(con, "compliance__flag_encounters", {**_filters(filters), "measure_id": m.measure_id,
                                                  "entity_id": entity_id}, scope=scope)
    if len(df) and df["n_encounters"].isna().all():
        df = df.iloc[0:0]              # 1..threshold encounters: the length of the list would give the count
    if len(df):
        hidden = df["encounter_id"].isna()
        for col in ("units_numerator", "units_denominator"):
            df[col] = df[col].astype("float64").where(~hidden)
        # which rows are in the numerator would count a small numerator: blank with the ids
        df["in_numerator"] = df["in_numerator"].astype(object).where(~hidden, None)
    df["measure_id"] = m.measure_id
    df["entity_id"] = entity_id
    return df


def em_distribution(con: duckdb.DuckDBPyConnection, measure_id: str, entity_id: str | None,
                    filters: dict | None = None, scope: flt.Scope = flt.ALL) -> pd.DataFrame:
    """The E/M level distribution of one provider against its specialty peers (the rest of the specialty).

    One row per level of the family: em_level, code, entity_lines, entity_share, peer_lines, peer_share,
    peer_group. Counts are suppressed (entity levels of 1..threshold lines hidden with a second level, so the
    provider's total cannot give them back); shares of hidden counts are blanked.
    """
    m = measure(measure_id)
    if not m.em_family:
        raise ParameterError(f"{m.measure_id} is not an E/M level measure")
    levels = run(con, "compliance__em_distribution", {**_filters(filters), "em_family": m.em_family},
                 scope=scope, suppress=False)
    codes = EM_CODES[m.em_family]
    frame = pd.DataFrame({"em_level": list(codes), "code": list(codes.values())})
    own = levels[levels["provider_id"] == entity_id] if entity_id else levels.iloc[0:0]
    group = own["peer_group"].iloc[0] if len(own) else None
    peers = levels[(levels["peer_group"] == group) & (levels["provider_id"] != entity_id)] if group else levels
    ent = own.groupby("em_level").agg(entity_encounters=("n_encounters", "sum"), entity_lines=("n_lines", "sum"))
    peer = peers.groupby("em_level").agg(peer_encounters=("n_encounters", "sum"), peer_lines=("n_lines", "sum"))
    out = frame.merge(ent, left_on="em_level", right_index=True, how="left").merge(
        peer, left_on="em_level", right_index=True, how="left").fillna(0)
    for col in ("entity_encounters", "entity_lines", "peer_encounters", "peer_lines"):
        out[col] = out[col].astype("int64")
    e_tot, p_tot = out["entity_lines"].sum(), out["peer_lines"].sum()
    out["entity_share"] = out["entity_lines"] / e_tot if e_tot else np.nan
    out["peer_share"] = out["peer_lines"] / p_tot if p_tot else np.nan
    out["peer_group"] = group or "all"
    out["is_total"] = False
    from codedash.queries.suppression import Margin, Rules
    rules = Rules(guarded=("entity_encounters", "peer_encounters"),
                  derived={"entity_lines": "entity_encounters", "peer_lines": "peer_encounters"},
                  dependents={"entity_lines": ("entity_share",), "peer_lines": ("peer_share",)},
                  margins=(Margin(parts=("entity_encounters", "entity_lines")),
                           Margin(parts=("peer_encounters", "peer_lines"))))
    return suppress(out, rules)


def edit_sources(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Where the loaded NCCI edits came from: edit_table, edit_source ('cms' | 'demo'), release, n_edits."""
    return run(con, "compliance__edit_sources")


def edit_label(sources: pd.DataFrame) -> str:
    """One sentence naming the edit set, saying plainly when it is the demo's demonstration set."""
    if sources.empty:
        return "No NCCI edits are loaded: load CMS PTP and MUE files with `codedash load-edits PATH`."
    parts = []
    for table, rows in sources.groupby("edit_table"):
        label = "PTP" if table == "ptp" else "MUE"
        kinds = []
        for _, r in rows.iterrows():
            if r["edit_source"] == "demo":
                kinds.append(f"demonstration set — not CMS's ({int(r['n_edits'])} edits)")
            else:
                kinds.append(f"CMS {r['release'] or 'file'} ({int(r['n_edits'])} edits)")
        parts.append(f"{label}: " + "; ".join(kinds))
    return "NCCI edits — " + " · ".join(parts)


def _peer_group_of(values: pd.DataFrame, entity_id: str | None) -> str | None:
    """The selected entity's peer group, else the group with the most entities at or above the minimum."""
    if values.empty:
        return None
    if entity_id is not None and (values["entity_id"] == entity_id).any():
        return values.loc[values["entity_id"] == entity_id, "peer_group"].iloc[0]
    counts = values.assign(a=values["assessed"].astype(bool)).groupby("peer_group")["a"].agg(["sum", "size"])
    return counts.sort_values(["sum", "size"], ascending=False).index[0]


def funnel_data(values: pd.DataFrame, measure_id: str, entity_id: str | None = None) -> dict:
    """One peer group's funnel from a measure_values frame: its points, its control-limit curves and target.

    {"peer_group", "peer_label", "p0", "phi", "tau2", "measure", "points": entity_id, label, n (denominator),
    y (value), flag95, flag998, assessed, suppressed (the columns dashboard/figures/funnel.py draws);
    "curve": queries.stats.funnel_curve with the group's adjustment, clipped to [0, 1]; "not_plotted":
    entities of the group whose value is suppressed}. Points with a suppressed value are never drawn (their
    position would give the value back); the limits depend only on n and the target.
    """
    from codedash.queries.stats.funnel import funnel_curve

    m = measure(measure_id)
    group = _peer_group_of(values, entity_id)
    empty = {"peer_group": group, "peer_label": None, "p0": None, "phi": None, "tau2": None, "measure": m,
             "points": pd.DataFrame(columns=["entity_id", "label", "n", "y", "flag95", "flag998", "assessed",
                                             "suppressed"]),
             "curve": pd.DataFrame(columns=["n", "lower95", "upper95", "lower998", "upper998"]), "not_plotted": 0}
    if group is None:
        return empty
    rows = values[values["peer_group"] == group]
    p0, phi, tau2 = (float(rows[c].iloc[0]) for c in ("peer_value", "phi", "tau2"))
    hidden = rows["value"].isna() | rows["denominator"].isna()
    points = pd.DataFrame({"entity_id": rows["entity_id"].astype(str), "label": rows["entity_label"],
                           "n": rows["denominator"], "y": rows["value"], "flag95": rows["flag95"],
                           "flag998": rows["flag998"], "assessed": rows["assessed"].astype(bool),
                           "suppressed": hidden}).reset_index(drop=True)
    dens = rows["denominator"].dropna()
    top = max(float(dens.max()) if len(dens) else 1.0, float(m.min_denominator)) * 1.15
    curve = funnel_curve(p0, top, n_min=max(1, m.min_denominator // 2), phi=phi, tau2=tau2, levels=LEVELS,
                         points=80)
    for col in ("lower95", "upper95", "lower998", "upper998"):
        curve[col] = curve[col].clip(0, 1)            # a widened limit past 0 or 100% is the axis edge
    return {**empty, "peer_label": rows["peer_label"].iloc[0], "p0": p0, "phi": phi, "tau2": tau2,
            "points": points, "curve": curve[["n", "lower95", "upper95", "lower998", "upper998"]],
            "not_plotted": int(hidden.sum())}
