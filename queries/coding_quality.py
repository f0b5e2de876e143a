"""Coding quality page: shaped, suppressed frames built from queries/sql/coding__*.sql.

Every function takes validated global filters and returns a DataFrame ready to chart or export.
Team totals are summed from unsuppressed components and suppressed afterwards (as the overview does),
so a suppressed coder neither leaks through nor distorts the team value.

Scorecard: when exactly one coder is selected, `team_filters` drops the coder filter so that the
coder can be compared with everyone else under the same other filters.
"""
from __future__ import annotations

import duckdb
import pandas as pd

from queries import filters as flt
from queries import settings
from queries.definitions.coding_quality import (
    ACCURACY_METRICS, CODE_ACCURACY, DNFB_METRICS, DRG_ACCURACY, ERROR_SHARE, IMPACT_METRICS,
    PRODUCTIVITY_METRICS, RECORD_ACCURACY, TURNAROUND)
from queries.metrics import suppression_rules, wilson_interval, with_metrics
from queries.runner import run
from queries.suppression import suppress

TEAM_ID = "TEAM"
ENCOUNTER_TYPES = ("inpatient", "outpatient", "emergency", "office")
# metric -> (successes column, trials column) for its Wilson interval
_CI = {CODE_ACCURACY.key: ("audit_codes_correct", "audit_codes_reviewed"),
       RECORD_ACCURACY.key: ("records_no_change", "n_audits"),
       DRG_ACCURACY.key: ("drg_unchanged", "drg_audits")}
_ACCURACY_COMPONENTS = ["n_audited_encounters", "n_audits", "audit_codes_reviewed", "audit_codes_correct",
                        "records_no_change", "drg_audits", "drg_unchanged", "drg_changed"]
_IMPACT_COMPONENTS = ["n_under_coded", "under_coded_amount", "n_over_coded", "over_coded_amount", "net_impact"]


def accuracy_target() -> float:
    return float(settings.get("coding_accuracy_target"))


def min_codes() -> int:
    return int(settings.get("accuracy_min_codes"))


def productivity_targets() -> dict[str, float]:
    """Encounters per hour by encounter type, from settings."""
    return {t: float(settings.get(f"target_per_hour_{t}")) for t in ENCOUNTER_TYPES}


def hours_per_day() -> float:
    return float(settings.get("coding_hours_per_day"))


def scorecard_coder(filters: dict) -> str | None:
    """The coder whose scorecard the page shows: set when exactly one coder is selected."""
    coders = filters.get("coders") or []
    return coders[0] if len(coders) == 1 else None


def team_filters(filters: dict) -> dict:
    """The same filters without the coder filter (the team a scorecard compares with)."""
    return {k: v for k, v in filters.items() if k != "coders"}


def _clean(filters: dict | None) -> dict:
    return {k: v for k, v in (filters or {}).items() if k in flt.FILTER_NAMES}


def _with_intervals(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for key, (succ, n) in _CI.items():
        lows, highs = [], []
        for s, t in zip(out[succ], out[n]):
            ci = wilson_interval(int(s), int(t)) if pd.notna(s) and pd.notna(t) else None
            lows.append(ci[0] if ci else None)
            highs.append(ci[1] if ci else None)
        out[f"{key}_low"] = pd.Series(lows, index=out.index, dtype="float64")
        out[f"{key}_high"] = pd.Series(highs, index=out.index, dtype="float64")
    return out


def _accuracy_rules() -> dict[str, list[str]]:
    rules = suppression_rules((*ACCURACY_METRICS, *IMPACT_METRICS))
    for key, (_, _) in _CI.items():
        guard = "drg_audits" if key == DRG_ACCURACY.key else "n_audited_encounters"
        rules[guard] += [f"{key}_low", f"{key}_high"]
    # every other column of a row derives from its audits: a small audit count hides them all
    # (rules run in order, so the later guards must be listed here too, not only in their own rule)
    everything = [c for deps in rules.values() for c in deps] + [g for g in rules if g != "n_audited_encounters"]
    rules["n_audited_encounters"] += [c for c in dict.fromkeys(everything) if c not in rules["n_audited_encounters"]]
    return rules


def _shape_accuracy(raw: pd.DataFrame) -> pd.DataFrame:
    """Metrics, intervals, then suppression, for rows of accuracy components."""
    shaped = _with_intervals(with_metrics(raw, (*ACCURACY_METRICS, *IMPACT_METRICS)))
    return suppress(shaped, _accuracy_rules())


def _team_row(raw: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in (*_ACCURACY_COMPONENTS, *_IMPACT_COMPONENTS) if c in raw]
    total = raw[cols].sum(numeric_only=True).to_frame().T if len(raw) else pd.DataFrame(
        [{c: 0 for c in cols}])
    if "n_audited_encounters" in total and len(raw):
        # an encounter is audited by one coder's audit; distinct encounters add up across coders
        total["n_audited_encounters"] = raw["n_audited_encounters"].sum()
    return total


def accuracy_by_coder(con: duckdb.DuckDBPyConnection, filters: dict | None = None,
                      scope: flt.Scope = flt.ALL) -> pd.DataFrame:
    """One row per coder plus a team row (coder_id 'TEAM'): components, the three accuracies with
    Wilson 95% intervals, DRG change rate, dollar impact; flags and a rank for precise coders.

    Columns added: small_sample (fewer than min_codes audited codes, or suppressed), rank (1 = best
    lower bound among precise coders, null otherwise), vs_target ('below' / 'meets' / 'uncertain'),
    below_team (upper bound under the team's lower bound), is_team.
    """
    filters = _clean(filters)
    raw = run(con, "coding__accuracy_by_coder", filters, scope=scope, suppress=False)
    team = _team_row(raw)
    team.insert(0, "coder_name", "Team")
    team.insert(0, "coder_id", TEAM_ID)
    both = pd.concat([raw, team], ignore_index=True) if len(raw) else team
    out = _shape_accuracy(both)
    out["is_team"] = out["coder_id"] == TEAM_ID
    target, k = accuracy_target(), min_codes()
    reviewed = out["audit_codes_reviewed"]
    out["small_sample"] = reviewed.isna() | (reviewed < k)
    low, high = out[f"{CODE_ACCURACY.key}_low"], out[f"{CODE_ACCURACY.key}_high"]
    out["vs_target"] = "uncertain"
    out.loc[high < target, "vs_target"] = "below"
    out.loc[low >= target, "vs_target"] = "meets"
    out.loc[low.isna(), "vs_target"] = None
    team_low = float(low[out["is_team"]].iloc[0]) if low[out["is_team"]].notna().any() else None
    out["below_team"] = (high < team_low) if team_low is not None else False
    out.loc[out["is_team"], "below_team"] = False
    coders = out[~out["is_team"]].copy()
    coders["_order"] = list(zip(coders["small_sample"], -coders[f"{CODE_ACCURACY.key}_low"].fillna(-1)))
    coders = coders.sort_values("_order", kind="stable").drop(columns="_order")
    precise = ~coders["small_sample"]
    coders["rank"] = pd.Series(range(1, int(precise.sum()) + 1), index=coders.index[precise]).astype("Int64")
    coders["rank"] = coders["rank"].astype("Int64")
    team_out = out[out["is_team"]].assign(rank=pd.NA)
    team_out["rank"] = team_out["rank"].astype("Int64")
    return pd.concat([coders, team_out], ignore_index=True)


def accuracy_trend(con, filters: dict | None = None, scope: flt.Scope = flt.ALL) -> pd.DataFrame:
    """Monthly accuracy with intervals; with one coder selected, the coder's rows (series='coder')
    and the team's (series='team'), else the team only."""
    filters = _clean(filters)
    frames = []
    coder = scorecard_coder(filters)
    series = [("team", team_filters(filters) if coder else filters)]
    if coder:
        series.insert(0, ("coder", filters))
    for name, f in series:
        raw = run(con, "coding__accuracy_by_month", f, scope=scope, suppress=False)
        shaped = _shape_accuracy(raw.assign(**{c: 0 for c in _IMPACT_COMPONENTS}))
        frames.append(shaped.drop(columns=[c for c in shaped if c in _IMPACT_COMPONENTS or c.startswith(
            ("under_", "over_", "net_"))]).assign(series=name))
    return pd.concat(frames, ignore_index=True)


def accuracy_by_code_system(con, filters: dict | None = None, scope: flt.Scope = flt.ALL) -> pd.DataFrame:
    """Code-over-code accuracy by code system with Wilson intervals (series 'coder'/'team' as above)."""
    filters = _clean(filters)
    coder = scorecard_coder(filters)
    series = [("coder", filters), ("team", team_filters(filters))] if coder else [("team", filters)]
    frames = []
    for name, f in series:
        df = run(con, "coding__accuracy_by_code_system", f, scope=scope)
        df = with_metrics(df, (CODE_ACCURACY,))
        lows, highs = [], []
        for s, t in zip(df["audit_codes_correct"], df["audit_codes_reviewed"]):
            ci = wilson_interval(int(s), int(t)) if pd.notna(s) and pd.notna(t) else None
            lows.append(ci[0] if ci else None)
            highs.append(ci[1] if ci else None)
        df["coding_accuracy_low"] = pd.Series(lows, index=df.index, dtype="float64")
        df["coding_accuracy_high"] = pd.Series(highs, index=df.index, dtype="float64")
        frames.append(df.assign(series=name))
    return pd.concat(frames, ignore_index=True)


def error_taxonomy(con, filters: dict | None = None, scope: flt.Scope = flt.ALL) -> pd.DataFrame:
    """Audit changes by finding type with their share (series 'coder'/'team' as above)."""
    filters = _clean(filters)
    coder = scorecard_coder(filters)
    series = [("coder", filters), ("team", team_filters(filters))] if coder else [("team", filters)]
    frames = [with_metrics(run(con, "coding__error_taxonomy", f, scope=scope), (ERROR_SHARE,)).assign(series=n)
              for n, f in series]
    return pd.concat(frames, ignore_index=True)


def code_pairs(con, filters: dict | None = None, finding_type: str | None = None, limit: int = 25,
               scope: flt.Scope = flt.ALL) -> pd.DataFrame:
    """Most frequent original -> corrected code pairs (optionally of one finding type)."""
    return run(con, "coding__code_pairs", {**_clean(filters), "finding_type": finding_type, "limit": limit},
               scope=scope)


def productivity(con, filters: dict | None = None, scope: flt.Scope = flt.ALL) -> pd.DataFrame:
    """Per coder and encounter type plus team rows (coder_id 'TEAM'): encounters per hour and per day
    with the targets from settings."""
    filters = _clean(filters)
    coder = scorecard_coder(filters)
    raw = run(con, "coding__productivity", team_filters(filters) if coder else filters, scope=scope,
              suppress=False)
    team = raw.groupby("encounter_type", as_index=False)[["n_coded", "coding_hours", "coder_days"]].sum()
    team.insert(0, "coder_name", "Team")
    team.insert(0, "coder_id", TEAM_ID)
    rows = raw[raw["coder_id"] == coder] if coder else raw
    both = pd.concat([rows, team], ignore_index=True)
    out = suppress(with_metrics(both, PRODUCTIVITY_METRICS), suppression_rules(PRODUCTIVITY_METRICS))
    targets = productivity_targets()
    out["target_per_hour"] = out["encounter_type"].map(targets)
    out["target_per_day"] = out["target_per_hour"] * hours_per_day()
    out["is_team"] = out["coder_id"] == TEAM_ID
    return out


def turnaround(con, filters: dict | None = None, scope: flt.Scope = flt.ALL) -> pd.DataFrame:
    """Discharge-to-final-coding distribution by encounter type, each bucket's share of its type,
    and the type's mean (turnaround_days), computed from unsuppressed sums then suppressed."""
    raw = run(con, "coding__turnaround", _clean(filters), scope=scope, suppress=False)
    totals = raw.groupby("encounter_type")[["n_coded", "turnaround_days_sum"]].transform("sum")
    out = raw.assign(type_n_coded=totals["n_coded"], type_days_sum=totals["turnaround_days_sum"])
    out["bucket_share"] = out["n_coded"] / out["type_n_coded"]
    out["turnaround_days"] = out["type_days_sum"] / out["type_n_coded"]
    rules = {"n_coded": ["turnaround_days_sum", "bucket_share"],
             "type_n_coded": ["type_days_sum", "turnaround_days"]}
    return suppress(out, rules)


def dnfb(con, filters: dict | None = None, scope: flt.Scope = flt.ALL) -> pd.DataFrame:
    """DNFB by aging bucket and coding status as of the period end (start_date is not applied:
    DNFB is the stock at that moment, whatever the discharge month)."""
    filters = {k: v for k, v in _clean(filters).items() if k != "start_date"}
    return run(con, "coding__dnfb", filters, scope=scope)


def dnfb_totals(con, filters: dict | None = None, scope: flt.Scope = flt.ALL) -> dict:
    """Total DNFB encounters and charges (summed unsuppressed, then suppressed)."""
    filters = {k: v for k, v in _clean(filters).items() if k != "start_date"}
    raw = run(con, "coding__dnfb", filters, scope=scope, suppress=False)
    total = pd.DataFrame([{"n_encounters": raw["n_encounters"].sum() if len(raw) else 0,
                           "charges": raw["charges"].sum() if len(raw) else 0.0}])
    total = suppress(with_metrics(total, DNFB_METRICS), suppression_rules(DNFB_METRICS))
    row = total.iloc[0]
    return {"n_encounters": None if pd.isna(row["n_encounters"]) else int(row["n_encounters"]),
            "charges": None if pd.isna(row["charges"]) else float(row["charges"]),
            "suppressed": bool(row["suppressed"]),
            "as_of_date": raw["as_of_date"].iloc[0] if len(raw) else None}


# exported for pages and docs
TURNAROUND_METRIC = TURNAROUND
