"""Diagnosis trends for researchers: hierarchy, rates over time, period change, co-occurrence.

Every function takes the global filters and the server-side scope, runs the queries of
queries/sql/diagnosis__*.sql unsuppressed, computes its statistics (queries/stats/) on the raw counts,
and returns frames that are suppressed afterwards, with every rate and interval blanked with the count
it comes from and complementary suppression wherever a view shows a total beside its parts. No small
count leaves this module.

A selection is a tuple of node tokens: 'chapter:10', 'block:J09-J18', 'category:J18', 'code:J101'
(a code or subcategory selects every code under it). Only ICD-10-CM codes enter a series.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import duckdb
import pandas as pd

from codedash.queries import filters as flt
from codedash.queries.periods import Period, resolve_period
from codedash.queries.runner import load, run
from codedash.queries.stats.cooccurrence import with_lift
from codedash.queries.stats.period_change import MIN_COUNT, compare_periods
from codedash.queries.stats.rates import with_rates
from codedash.queries.suppression import suppress

LEVELS = ("chapter", "block", "category", "code")
STRATA = {"none": "None", "age_band": "Age band", "sex": "Sex", "payer_type": "Payer type", "facility": "Facility"}
_TOKEN = re.compile(r"^(chapter|block|category|subcategory|code):([A-Z0-9][A-Z0-9.\-]{0,15})$")
MAX_SELECTION = 50
# Acute respiratory infections: the demo plants their winter seasonality (data/demo/calendar.py).
DEFAULT_SELECTION = ("block:J00-J06", "block:J09-J18", "block:J20-J22")
TOTAL = "is_total"
ICD10_START = dt.date(2015, 10, 1)


@dataclass(frozen=True)
class Selection:
    chapters: tuple[str, ...] = ()
    blocks: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.chapters or self.blocks or self.categories or self.codes)

    def params(self) -> dict:
        return {"dx_chapters": list(self.chapters) or None, "dx_blocks": list(self.blocks) or None,
                "dx_categories": list(self.categories) or None, "dx_codes": list(self.codes) or None}

    def tokens(self) -> list[str]:
        return ([f"chapter:{c}" for c in self.chapters] + [f"block:{b}" for b in self.blocks]
                + [f"category:{c}" for c in self.categories] + [f"code:{c}" for c in self.codes])


def parse_selection(tokens) -> Selection:
    """A Selection from untrusted node tokens; anything malformed is dropped (never reaches SQL)."""
    if isinstance(tokens, str):
        tokens = [t for t in tokens.split(",") if t.strip()]
    if not isinstance(tokens, (list, tuple)):
        return Selection()
    parts: dict[str, list[str]] = {"chapter": [], "block": [], "category": [], "code": []}
    for token in list(tokens)[:MAX_SELECTION]:
        if not isinstance(token, str):
            continue
        m = _TOKEN.match(token.strip().upper().replace("CHAPTER", "chapter").replace("BLOCK", "block")
                         .replace("SUBCATEGORY", "code").replace("CATEGORY", "category").replace("CODE", "code"))
        if not m:
            continue
        kind, value = m.groups()
        if kind in ("category", "code"):
            value = value.replace(".", "")
        if kind == "category" and len(value) != 3:
            kind = "code"
        elif kind == "code" and len(value) == 3:
            kind = "category"
        if value not in parts[kind]:
            parts[kind].append(value)
    return Selection(*(tuple(sorted(parts[k])) for k in ("chapter", "block", "category", "code")))


def _filters(filters: dict | None) -> dict:
    return {k: v for k, v in (filters or {}).items() if k in flt.FILTER_NAMES}


def _stratum(stratum: str | None) -> str:
    return stratum if stratum in STRATA else "none"


def _level(level: str | None) -> str:
    return level if level in LEVELS else "category"


def search_codes(con: duckdb.DuckDBPyConnection, text: str | None, limit: int = 25) -> pd.DataFrame:
    """Hierarchy nodes whose code or description contains `text`, each with its selection token."""
    # characters the parameter parser refuses (queries/params.py) are spaces here: typing '%' finds nothing
    text = re.sub(r"[^A-Za-z0-9 _.,:/()&'+\-]", " ", text if isinstance(text, str) else "").strip()[:60]
    if not text:
        return pd.DataFrame(columns=["level", "node", "shown", "label", "match_rank", "token"])
    df = run(con, "diagnosis__search", {"search": text, "limit": max(1, min(int(limit), 100))})
    kind = df["level"].replace({"subcategory": "code"})
    return df.assign(token=kind + ":" + df["node"])


def hierarchy(con: duckdb.DuckDBPyConnection, filters: dict | None = None, principal_only: bool = False,
              scope: flt.Scope = flt.ALL) -> pd.DataFrame:
    """Encounters and distinct patients per chapter, block, category and code (ICD-10-CM), suppressed as
    a tree: a hidden node can be recovered neither from its parent nor from its children."""
    name = "diagnosis__hierarchy"
    raw = run(con, name, {**_filters(filters), "principal_only": bool(principal_only)}, scope=scope, suppress=False)
    raw = raw.assign(token=raw["level"] + ":" + raw["node"].astype(str))
    return suppress(raw, load(name).rules)          # the query declares its tree (-- tree:)


def monthly_rates(con: duckdb.DuckDBPyConnection, filters: dict | None = None, selection: Selection | None = None,
                  principal_only: bool = False, stratum: str | None = "none",
                  scope: flt.Scope = flt.ALL) -> pd.DataFrame:
    """Per month (and stratum), encounters with the selection per 1,000 encounters and patients with it per
    1,000 patients seen, with Clopper-Pearson 95% intervals. With a stratum, each month also has its
    all-strata row (is_total), and the strata are protected against it (complementary suppression)."""
    selection = selection if selection is not None else parse_selection(DEFAULT_SELECTION)
    stratum = _stratum(stratum)
    name = "diagnosis__monthly_rates"
    params = {**_filters(filters), **selection.params(), "principal_only": bool(principal_only)}
    # one query: with a stratum, each month's all-strata row (stratum 'All', is_total) comes with its strata
    raw = run(con, name, {**params, "stratum": stratum, "with_total": True}, scope=scope, suppress=False)
    raw = with_rates(raw, "dx_encounters", "n_encounters", "encounter_rate")
    raw = with_rates(raw, "dx_patients", "n_patients", "patient_rate")
    rules = load(name).rules.with_dependents({
        "dx_encounters": ["encounter_rate", "encounter_rate_lower", "encounter_rate_upper"],
        "n_encounters": ["encounter_rate", "encounter_rate_lower", "encounter_rate_upper"],
        "dx_patients": ["patient_rate", "patient_rate_lower", "patient_rate_upper"],
        "n_patients": ["patient_rate", "patient_rate_lower", "patient_rate_upper"]})
    if stratum != "none":
        rules = rules.with_total_row(TOTAL, groups=("month",))   # the strata of a month beside its All row
    out = suppress(raw, rules)
    return out.sort_values(["month", TOTAL, "stratum"], kind="stable").reset_index(drop=True)


def seasonality(rates: pd.DataFrame, column: str = "encounter_rate") -> dict:
    """Mean monthly rate in winter (Dec-Feb) and summer (Jun-Aug) over the all-strata rows shown."""
    rows = rates[rates[TOTAL]] if TOTAL in rates else rates
    moy = pd.to_datetime(rows["month"]).dt.month
    winter = rows.loc[moy.isin((12, 1, 2)), column].mean()
    summer = rows.loc[moy.isin((6, 7, 8)), column].mean()
    return {"winter": float(winter), "summer": float(summer)}


def default_periods(con: duckdb.DuckDBPyConnection, filters: dict | None, scope: flt.Scope = flt.ALL):
    """Period 2 = the filter's period, or its last 12 months when it is longer than a year (the whole
    data set, by default); period 1 = the equal-length period just before period 2."""
    period = resolve_period(con, _filters(filters), scope)
    if period is None:
        return None, None
    if period.days > 366:
        start = (pd.Timestamp(period.end) + pd.Timedelta(days=1) - pd.DateOffset(years=1)).date()
        period = Period(start, period.end)
    return period.previous(), period


def period_change(con: duckdb.DuckDBPyConnection, filters: dict | None = None, level: str = "category",
                  principal_only: bool = False, periods: tuple[Period, Period] | None = None,
                  min_count: int = MIN_COUNT, scope: flt.Scope = flt.ALL) -> dict:
    """Nodes at `level` ranked by rise or fall between period 1 and period 2 (rates per 1,000 encounters,
    exact conditional test, Benjamini-Hochberg q). Nodes with fewer than `min_count` encounters over
    both periods are never ranked; suppressed counts blank their rates and changes."""
    level = _level(level)
    p1, p2 = periods if periods else default_periods(con, filters, scope)
    out = {"period_1": p1, "period_2": p2, "level": level, "min_count": int(min_count), "table": pd.DataFrame()}
    if p1 is None:
        return out
    name = "diagnosis__period_change"
    raw = run(con, name, {**_filters(filters), "period1_start": p1.start, "period1_end": p1.end,
                          "period2_start": p2.start, "period2_end": p2.end, "level": level,
                          "principal_only": bool(principal_only)}, scope=scope, suppress=False)
    table = compare_periods(raw, min_count=max(int(min_count), 0))
    stats_cols = ["rate_1", "rate_2", "rate_ratio", "change", "p_value", "q_value", "significant", "direction"]
    rules = load(name).rules.with_dependents({
        "dx_encounters_1": stats_cols, "dx_encounters_2": stats_cols,
        "n_encounters_1": stats_cols, "n_encounters_2": stats_cols})
    out["table"] = suppress(table, rules)
    return out


def cooccurrence(con: duckdb.DuckDBPyConnection, filters: dict | None = None, selection: Selection | None = None,
                 principal_only: bool = False, level: str = "category", limit: int = 20,
                 scope: flt.Scope = flt.ALL) -> dict:
    """The nodes most often coded with the selection (count, share, lift with 95% intervals) and the
    co-occurrence matrix among the top `heatmap` of them and the selection."""
    selection = selection if selection is not None else parse_selection(DEFAULT_SELECTION)
    level = _level(level)
    params = {**_filters(filters), **selection.params(), "principal_only": bool(principal_only), "level": level}
    name = "diagnosis__cooccurrence"
    raw = run(con, name, {**params, "limit": max(1, min(int(limit), 100))}, scope=scope, suppress=False)
    raw = with_lift(raw)
    derived = ["share", "share_lower", "share_upper", "lift", "lift_lower", "lift_upper"]
    rules = load(name).rules.with_dependents({c: derived for c in ("n_both", "n_code", "n_selected", "n_total")})
    table = suppress(raw, rules)
    # n_both is also a part of n_selected: the selection's encounters without the node must not be a small group
    from codedash.queries.suppression import is_small, threshold
    rest = is_small(raw["n_selected"] - raw["n_both"], threshold()) if len(raw) else pd.Series(dtype=bool)
    if rest.any():
        table.loc[rest, ["n_both", *derived]] = None
        table.loc[rest, "suppressed"] = True
    nodes = [n for n in table.loc[~table["suppressed"], "node"].head(10).tolist()]
    matrix = run(con, "diagnosis__cooccurrence_matrix", {**params, "nodes": nodes or None}, scope=scope)
    matrix = _consistent(matrix, table)
    return {"table": table, "matrix": matrix, "level": level}


def _consistent(matrix: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """The heatmap hides what the table hides: (selection, node) cells are the table's n_both, (node, node)
    its n_code and (selection, selection) its n_selected, so a cell the table hid (for its complement) is
    not given back by the heatmap."""
    if matrix.empty or table.empty:
        return matrix
    out = matrix.copy()
    both = dict(zip(table["node"], table["n_both"]))
    code = dict(zip(table["node"], table["n_code"]))
    selected_hidden = bool(table["n_selected"].isna().any())
    for i, (a, b) in enumerate(zip(out["node_a"], out["node_b"])):
        hide = False
        if a == "selection" and b == "selection":
            hide = selected_hidden
        elif "selection" in (a, b):
            other = b if a == "selection" else a
            hide = other in both and pd.isna(both[other])
        elif a == b:
            hide = a in code and pd.isna(code[a])
        if hide:
            out.loc[out.index[i], "n_both"] = None
            out.loc[out.index[i], "suppressed"] = True
    return out


def code_system_notes(con: duckdb.DuckDBPyConnection, filters: dict | None = None,
                      scope: flt.Scope = flt.ALL) -> list[str]:
    """What the page must say about code systems in the filtered set (ICD-9-CM beside ICD-10-CM)."""
    df = run(con, "diagnosis__code_systems", _filters(filters), scope=scope, suppress=False)
    systems = set(df["code_system"]) if len(df) else set()
    notes = []
    if "ICD9CM" in systems:
        months = df.loc[df["code_system"] == "ICD9CM", "month"]
        first, last = pd.to_datetime(months.min()).strftime("%Y-%m"), pd.to_datetime(months.max()).strftime("%Y-%m")
        notes.append(f"ICD-9-CM diagnoses are present ({first} to {last}). The series on this page are "
                     "ICD-10-CM only and never mix the two code systems; ICD-9-CM encounters are left out "
                     "of the numerators. No maintained package providing the CMS general equivalence "
                     "mappings (GEMs) was found, so no mapping is offered.")
    return notes


def code_set_annotations(start: dt.date | None, end: dt.date | None) -> list[dict]:
    """Dates to mark on a monthly trend: the October 1 ICD-10-CM fiscal-year updates inside [start, end],
    and the ICD-9-CM -> ICD-10-CM transition (2015-10-01) when the range reaches it."""
    if start is None or end is None:
        return []
    out = []
    for year in range(start.year, end.year + 1):
        day = dt.date(year, 10, 1)
        if start <= day <= end:
            if day == ICD10_START:
                out.append({"date": day, "label": "ICD-9-CM → ICD-10-CM", "kind": "transition"})
            elif day > ICD10_START:
                out.append({"date": day, "label": f"ICD-10-CM FY{year + 1}", "kind": "update"})
    return out


def month_range(rates: pd.DataFrame) -> tuple[dt.date | None, dt.date | None]:
    if rates.empty:
        return None, None
    months = pd.to_datetime(rates["month"])
    return months.min().date(), (months.max() + pd.offsets.MonthEnd(0)).date()


def node_labels(df: pd.DataFrame) -> pd.Series:
    """'J18 Pneumonia, unspecified organism'-style labels for a frame with `shown`/`node` and `label`."""
    first = df["shown"] if "shown" in df else df["node"]
    return first.astype(str) + " " + df["label"].astype(str)


__all__ = ["DEFAULT_SELECTION", "LEVELS", "STRATA", "Selection", "parse_selection", "search_codes", "hierarchy",
           "monthly_rates", "seasonality", "period_change", "cooccurrence", "code_system_notes",
           "code_set_annotations", "default_periods", "month_range", "node_labels"]


def reference_versions(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...]) -> list[tuple[str, str]]:
    """(reference table, source version) of the named ref_* tables the database was built with."""
    df = run(con, "dataset__reference_versions")
    return [(t, v) for t, v in zip(df["table_name"], df["source_version"]) if t in tables]
