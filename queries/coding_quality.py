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

from codedash.queries import filters as flt
from codedash.queries import settings
from codedash.queries.definitions.coding_quality import (
    ACCURACY_METRICS, CODE_ACCURACY, DNFB_METRICS, DRG_ACCURACY, ERROR_SHARE, IMPACT_METRICS,
    PRODUCTIVITY_METRICS, RECORD_ACCURACY, TURNAROUND)
from codedash.queries.metrics import metric_dependents, suppression_rules, wilson_interval, with_metrics
from codedash.queries.runner import load, run
from codedash.queries.suppression import Margin, Rules, suppress

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


def _accuracy_rules(query: str, metrics, total_row: str | None = None) -> Rules:
    """The query's declarations plus metrics and intervals hidden with their components; with
    `total_row`, the rows beside that total row (complementary suppression against the team row)."""
    rules = load(query).rules.with_dependents(metric_dependents(metrics)).with_dependents(_interval_dependents())
    return rules.with_total_row(total_row) if total_row else rules


def _interval_dependents() -> dict[str, list[str]]:
    """Each interval's components -> its bounds (an interval is hidden with its successes or trials)."""
    deps: dict[str, list[str]] = {}
    for key, (succ, n) in _CI.items():
        for col in (succ, n):
            deps.setdefault(col, []).extend([f"{key}_low", f"{key}_high"])
    return deps


def _shape_accuracy(raw: pd.DataFrame, query: str, metrics, total_row: str | None = None) -> pd.DataFrame:
    """Metrics, intervals, then suppression, for rows of accuracy components."""
    shaped = _with_intervals(with_metrics(raw, metrics))
    return suppress(shaped, _accuracy_rules(query, metrics, total_row))


def _team_row(raw: pd.DataFrame, name: str = "Team", coder_id: str = TEAM_ID) -> pd.DataFrame:
    """The sum of the coders' components (an audit belongs to one coder, so every count adds up)."""
    cols = [c for c in (*_ACCURACY_COMPONENTS, *_IMPACT_COMPONENTS) if c in raw]
    total = raw[cols].sum(numeric_only=True).to_frame().T if len(raw) else pd.DataFrame([{c: 0 for c in cols}])
    total.insert(0, "coder_name", name)
    total.insert(0, "coder_id", coder_id)
    return total


def _flags(out: pd.DataFrame) -> pd.DataFrame:
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
    # no DRG audits at all (shown as "—", none): not a suppressed value (‡), which is a hidden 1..10
    out["drg_none"] = out["drg_audits"].notna() & (out["drg_audits"] == 0)
    return out


_ACC_QUERY = "coding__accuracy_by_coder"
_REST_ID = "REST"


def accuracy_by_coder(con: duckdb.DuckDBPyConnection, filters: dict | None = None,
                      scope: flt.Scope = flt.ALL, focus: str | None = None) -> pd.DataFrame:
    """One row per coder plus a team row (coder_id 'TEAM'): components, the three accuracies with
    Wilson 95% intervals, DRG change rate, dollar impact; flags and a rank for precise coders.

    Columns added: small_sample (fewer than min_codes audited codes, or suppressed), rank (1 = best
    lower bound among precise coders, null otherwise), vs_target ('below' / 'meets' / 'uncertain'),
    below_team (upper bound under the team's lower bound), is_team.

    focus: a scorecard (one coder beside the team): only that coder's row and the team row, suppressed
    as a view of its own, whose hidden parts are the coder and everyone else (team minus coder).
    """
    filters = _clean(filters)
    raw = run(con, _ACC_QUERY, filters, scope=scope, suppress=False)
    both = pd.concat([raw, _team_row(raw)], ignore_index=True) if len(raw) else _team_row(raw)
    out = _flags(_shape_accuracy(both.assign(is_team=both["coder_id"] == TEAM_ID), _ACC_QUERY,
                                 (*ACCURACY_METRICS, *IMPACT_METRICS), "is_team"))
    coders = out[~out["is_team"]].copy()
    coders["_order"] = list(zip(coders["small_sample"], -coders[f"{CODE_ACCURACY.key}_low"].fillna(-1)))
    coders = coders.sort_values("_order", kind="stable").drop(columns="_order")
    precise = ~coders["small_sample"]
    coders["rank"] = pd.Series(range(1, int(precise.sum()) + 1), index=coders.index[precise]).astype("Int64")
    coders["rank"] = coders["rank"].astype("Int64")
    team_out = out[out["is_team"]].assign(rank=pd.NA)
    team_out["rank"] = team_out["rank"].astype("Int64")
    ranked = pd.concat([coders, team_out], ignore_index=True)
    if focus is None:
        return ranked
    return _scorecard(raw, ranked, focus)


def _scorecard(raw: pd.DataFrame, ranked: pd.DataFrame, focus: str) -> pd.DataFrame:
    """The focus coder and the team, suppressed so that neither the coder nor the rest is recoverable."""
    mine = raw[raw["coder_id"] == focus]
    rest = _team_row(raw[raw["coder_id"] != focus], "Rest of team", _REST_ID)
    view = pd.concat([mine, rest, _team_row(raw)], ignore_index=True)
    view = _flags(_shape_accuracy(view.assign(is_team=view["coder_id"] == TEAM_ID), _ACC_QUERY,
                                  (*ACCURACY_METRICS, *IMPACT_METRICS), "is_team"))
    view = view[view["coder_id"] != _REST_ID]
    rank = ranked.set_index("coder_id")["rank"]
    view["rank"] = pd.array([rank.get(c, pd.NA) if c != TEAM_ID else pd.NA for c in view["coder_id"]],
                            dtype="Int64")
    mine_small = ranked.set_index("coder_id")["small_sample"]
    view["small_sample"] = [bool(mine_small.get(c, s)) or s for c, s in zip(view["coder_id"], view["small_sample"])]
    return view.reset_index(drop=True)


def _coder_vs_team(con, query: str, filters: dict, scope: flt.Scope, key: str, metrics,
                   intervals: bool = False) -> pd.DataFrame:
    """Rows of `query` by `key` for the team (series 'team') and, in a scorecard, the coder ('coder').

    A scorecard shows the coder beside the team, so the rest of the team (team minus coder) is a
    hidden part of the same view: it is suppressed with them (complementary suppression against the
    team row of each key) and then dropped.
    """
    rules = load(query).rules.with_dependents(metric_dependents(metrics))
    if intervals:
        rules = rules.with_dependents(_interval_dependents())

    def shape(frame: pd.DataFrame) -> pd.DataFrame:
        shaped = with_metrics(frame, metrics)
        return _with_intervals(shaped) if intervals else shaped

    coder = scorecard_coder(filters)
    if not coder:
        raw = run(con, query, filters, scope=scope, suppress=False)
        return suppress(shape(raw).assign(series="team"), rules)
    mine = run(con, query, filters, scope=scope, suppress=False)
    team = run(con, query, team_filters(filters), scope=scope, suppress=False)
    numeric = [c for c in team.columns if c != key and pd.api.types.is_numeric_dtype(team[c])
               and not pd.api.types.is_bool_dtype(team[c])]
    rest = team.set_index(key)[numeric].sub(mine.set_index(key)[numeric], fill_value=0).reset_index()
    for m in rules.margins:
        if m.total_column and len(team):           # a total column is one number per frame, not per row
            rest[m.total_column] = team[m.total_column].iloc[0] - (mine[m.total_column].iloc[0] if len(mine) else 0)
    view = pd.concat([mine.assign(series="coder"), rest.assign(series="rest"), team.assign(series="team")],
                     ignore_index=True)
    view["_is_team"] = view["series"] == "team"
    margins = tuple(Margin(m.parts, ("series", *m.groups), m.total_row, m.total_column) for m in rules.margins)
    margins += (Margin(rules.counts, (key,), total_row="_is_team"),)
    view = suppress(shape(view), Rules(**{**rules.__dict__, "margins": margins}))
    return view[view["series"] != "rest"].drop(columns="_is_team").reset_index(drop=True)


def accuracy_trend(con, filters: dict | None = None, scope: flt.Scope = flt.ALL) -> pd.DataFrame:
    """Monthly accuracy with intervals; with one coder selected, the coder's rows (series='coder')
    and the team's (series='team'), else the team only."""
    return _coder_vs_team(con, "coding__accuracy_by_month", _clean(filters), scope, "month", ACCURACY_METRICS,
                          intervals=True)


def accuracy_by_code_system(con, filters: dict | None = None, scope: flt.Scope = flt.ALL) -> pd.DataFrame:
    """Code-over-code accuracy by code system with Wilson intervals (series 'coder'/'team' as above)."""
    df = _coder_vs_team(con, "coding__accuracy_by_code_system", _clean(filters), scope, "code_system",
                        (CODE_ACCURACY,))
    lows, highs = [], []
    for s, t in zip(df["audit_codes_correct"], df["audit_codes_reviewed"]):
        ci = wilson_interval(int(s), int(t)) if pd.notna(s) and pd.notna(t) else None
        lows.append(ci[0] if ci else None)
        highs.append(ci[1] if ci else None)
    df["coding_accuracy_low"] = pd.Series(lows, index=df.index, dtype="float64")
    df["coding_accuracy_high"] = pd.Series(highs, index=df.index, dtype="float64")
    return df


def error_taxonomy(con, filters: dict | None = None, scope: flt.Scope = flt.ALL) -> pd.DataFrame:
    """Audit changes by finding type with their share (series 'coder'/'team' as above)."""
    return _coder_vs_team(con, "coding__error_taxonomy", _clean(filters), scope, "finding_type", (ERROR_SHARE,))


PAIRS_SHOWN = 200   # the code-pair grid pages through the most frequent pairs (was 25, with no more to page)


def code_pairs(con, filters: dict | None = None, finding_type: str | None = None, limit: int = PAIRS_SHOWN,
               scope: flt.Scope = flt.ALL) -> pd.DataFrame:
    """Most frequent original -> corrected code pairs (optionally of one finding type), with display labels:
    `original_label` / `corrected_label` are the code with its CPT/HCPCS modifiers ("99214-25"), and `change`
    reads "99214-25 → 99214", so a modifier finding shows what changed rather than the same code twice."""
    pairs = run(con, "coding__code_pairs", {**_clean(filters), "finding_type": finding_type, "limit": limit},
                scope=scope)
    return with_change_labels(pairs)


def code_label(code, modifiers) -> str | None:
    """A code with its modifiers for display: '99214' + '25,59' -> '99214-25-59'; None without a code."""
    if code is None or pd.isna(code):
        return None
    if modifiers is None or pd.isna(modifiers) or not str(modifiers):
        return str(code)
    return f"{code}-" + "-".join(str(modifiers).split(","))


def with_change_labels(pairs: pd.DataFrame) -> pd.DataFrame:
    out = pairs.copy()
    orig_mods = out["original_modifiers"] if "original_modifiers" in out else pd.Series(None, index=out.index)
    corr_mods = out["corrected_modifiers"] if "corrected_modifiers" in out else pd.Series(None, index=out.index)
    orig = [code_label(c, m) for c, m in zip(out["original_code"], orig_mods)]
    corr = [code_label(c, m) for c, m in zip(out["corrected_code"], corr_mods)]
    out["original_label"] = pd.Series(orig, index=out.index, dtype=object)
    out["corrected_label"] = pd.Series(corr, index=out.index, dtype=object)
    out["change"] = [f"{o if o is not None else '(none: added)'} → {c if c is not None else '(deleted)'}"
                     for o, c in zip(orig, corr)]
    return out


ALL_TYPES = "all types"


def _all_types_rows(rows: pd.DataFrame, targets: dict[str, float], per_day: float) -> pd.DataFrame:
    """One 'all types' row per coder id in `rows`: encounters per coder-day across every encounter type
    (a coder's day counts once however many types it mixed) and the day target of that coder's own mix."""
    if rows.empty:
        return rows.iloc[:0].assign(target_days=pd.Series(dtype="float64"))
    r = rows.assign(target_days=rows["n_coded"] / (rows["encounter_type"].map(targets) * per_day))
    out = r.groupby(["coder_id", "coder_name"], as_index=False, dropna=False).agg(
        n_coded=("n_coded", "sum"), coding_hours=("coding_hours", "sum"), coder_days=("coder_days_all", "first"),
        target_days=("target_days", "sum"))
    return out.assign(encounter_type=ALL_TYPES, coder_days_all=out["coder_days"])


def productivity(con, filters: dict | None = None, scope: flt.Scope = flt.ALL) -> pd.DataFrame:
    """Per coder and encounter type plus team rows (coder_id 'TEAM'): encounters per hour with the targets
    from settings; and one row per coder and team with encounter_type 'all types' for the per-day measure.

    Per day is computed per coder-day across encounter types: coders split their days across types, so
    a type's encounters over the days it was touched are not comparable with a full-day target. The
    'all types' row divides all the coder's encounters by their distinct coding days and compares them
    with the day target of their own mix (target_per_day = n ÷ Σ_t n_t / (target per hour_t × hours per
    day); `day_target_share` = encounters per day ÷ that target). Per-type rows carry no per-day value.
    Coders and the team row of each type (and of 'all types') are one view, suppressed together
    (complementary suppression); in a scorecard the rest of the team is the hidden other part."""
    filters = _clean(filters)
    coder = scorecard_coder(filters)
    raw = run(con, "coding__productivity", team_filters(filters) if coder else filters, scope=scope,
              suppress=False)
    targets = productivity_targets()
    per_day = hours_per_day()
    sums = ["n_coded", "coding_hours", "coder_days"]
    team = raw.groupby("encounter_type", as_index=False)[sums].sum().assign(coder_id=TEAM_ID, coder_name="Team")
    all_coders = _all_types_rows(raw, targets, per_day)
    team_all = all_coders[["n_coded", "coding_hours", "coder_days", "target_days"]].sum().to_frame().T.assign(
        coder_id=TEAM_ID, coder_name="Team", encounter_type=ALL_TYPES)
    if coder:
        rest = raw[raw["coder_id"] != coder].groupby("encounter_type", as_index=False)[sums].sum().assign(
            coder_id=_REST_ID, coder_name="Rest of team")
        rest_all = all_coders[all_coders["coder_id"] != coder][["n_coded", "coding_hours", "coder_days",
                                                                "target_days"]].sum().to_frame().T.assign(
            coder_id=_REST_ID, coder_name="Rest of team", encounter_type=ALL_TYPES)
        rows = pd.concat([raw[raw["coder_id"] == coder], rest, all_coders[all_coders["coder_id"] == coder],
                          rest_all], ignore_index=True)
    else:
        rows = pd.concat([raw, all_coders], ignore_index=True)
    both = pd.concat([rows, team, team_all], ignore_index=True).drop(columns=["coder_days_all"], errors="ignore")
    for col in ("n_coded", "coder_days"):
        both[col] = both[col].astype("int64")
    both["is_team"] = both["coder_id"] == TEAM_ID
    base = load("coding__productivity").rules
    rules = Rules(guarded=base.guarded, public=("coder_days",),
                  dependents={"n_coded": ("coding_hours", "coder_days", "target_days")})
    rules = rules.with_dependents(metric_dependents(PRODUCTIVITY_METRICS)).with_dependents(
        {"n_coded": ("target_per_day", "day_target_share")})
    rules = Rules(**{**rules.__dict__, "margins": (Margin(rules.counts, ("encounter_type",), total_row="is_team"),)})
    shaped = with_metrics(both, PRODUCTIVITY_METRICS)
    is_all = shaped["encounter_type"] == ALL_TYPES
    shaped["target_per_hour"] = shaped["encounter_type"].map(targets)
    shaped["target_per_day"] = (shaped["n_coded"] / shaped["target_days"]).where(is_all & (shaped["target_days"] > 0))
    shaped["day_target_share"] = (shaped["target_days"] / shaped["coder_days"]).where(is_all & (shaped["coder_days"] > 0))
    shaped.loc[~is_all, "encounters_per_day"] = float("nan")   # per type: not comparable with a day target
    shaped.loc[is_all, "encounters_per_hour"] = float("nan")   # per hour is compared per type
    out = suppress(shaped, rules)
    out = out[out["coder_id"] != _REST_ID].drop(columns=["target_days"]).reset_index(drop=True)
    return out


def turnaround(con, filters: dict | None = None, scope: flt.Scope = flt.ALL) -> pd.DataFrame:
    """Discharge-to-final-coding distribution by encounter type, each bucket's share of its type,
    and the type's mean (turnaround_days), computed from unsuppressed sums then suppressed.
    The type's total (type_n_coded) is shown beside its buckets, so a hidden bucket is protected
    against it (complementary suppression)."""
    raw = run(con, "coding__turnaround", _clean(filters), scope=scope, suppress=False)
    totals = raw.groupby("encounter_type")[["n_coded", "turnaround_days_sum"]].transform("sum")
    out = raw.assign(type_n_coded=totals["n_coded"], type_days_sum=totals["turnaround_days_sum"])
    out["bucket_share"] = out["n_coded"] / out["type_n_coded"]
    out["turnaround_days"] = out["type_days_sum"] / out["type_n_coded"]
    base = load("coding__turnaround").rules
    rules = Rules(guarded=base.guarded, derived={"type_n_coded": None}, public=base.public,
                  dependents={"n_coded": ("turnaround_days_sum", "bucket_share"),
                              "type_n_coded": ("type_days_sum", "turnaround_days", "bucket_share")},
                  margins=(Margin(("n_coded",), ("encounter_type",), total_column="type_n_coded"),))
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
