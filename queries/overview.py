"""Overview KPIs for a period, against the period before it, with monthly trends."""
from __future__ import annotations

from dataclasses import asdict

import duckdb
import pandas as pd

from queries import filters as flt
from queries.definitions.overview import OVERVIEW_METRICS
from queries.metrics import suppression_rules, with_metrics
from queries.periods import resolve_period
from queries.runner import run
from queries.suppression import is_small, suppress, threshold


def _totals(components: pd.DataFrame) -> pd.DataFrame:
    return components.drop(columns=["month"]).sum(numeric_only=True).to_frame().T


def overview_kpis(con: duckdb.DuckDBPyConnection, filters: dict | None = None,
                  scope: flt.Scope = flt.ALL) -> dict:
    """Overview KPIs for the filtered period, the previous period of equal length, and monthly trends.

    Totals are summed from unsuppressed monthly components and suppressed afterwards, so a
    suppressed month never distorts a total and no small count leaves this function.
    """
    filters = {k: v for k, v in (filters or {}).items() if k in flt.FILTER_NAMES}
    period = resolve_period(con, filters, scope)
    result = {"period": None, "previous_period": None, "kpis": [], "monthly": pd.DataFrame()}
    if period is None:
        return result
    current = {**filters, "start_date": period.start, "end_date": period.end}
    prev_period = period.previous()
    previous = {**filters, "start_date": prev_period.start, "end_date": prev_period.end}
    comp_now = run(con, "overview__monthly_components", current, scope=scope, suppress=False)
    comp_prev = run(con, "overview__monthly_components", previous, scope=scope, suppress=False)

    rules = suppression_rules(OVERVIEW_METRICS)
    tot_now = with_metrics(_totals(comp_now), OVERVIEW_METRICS) if len(comp_now) else None
    tot_prev = with_metrics(_totals(comp_prev), OVERVIEW_METRICS) if len(comp_prev) else None
    now_s = suppress(tot_now, rules).iloc[0] if tot_now is not None else None
    prev_s = suppress(tot_prev, rules).iloc[0] if tot_prev is not None else None

    for m in OVERVIEW_METRICS:
        value = _value(now_s, m.key)
        prev = _value(prev_s, m.key)
        result["kpis"].append({
            **{k: v for k, v in asdict(m).items() if k not in ("numerator", "denominator", "guards")},
            "value": value,
            "previous": prev,
            "change": _change(value, prev, m.change_kind),
            "suppressed": tot_now is not None and any(
                bool(is_small(tot_now[g], threshold()).iloc[0]) for g in m.guards),
            "numerator": _value(now_s, m.numerator) if m.numerator != m.key else None,
            "denominator": _value(now_s, m.denominator) if m.denominator else None,
        })
    monthly = suppress(with_metrics(comp_now, OVERVIEW_METRICS), rules)
    result["period"] = period
    result["previous_period"] = prev_period
    result["monthly"] = monthly[["month", *(m.key for m in OVERVIEW_METRICS), "suppressed"]]
    return result


def _value(row: pd.Series | None, col: str) -> float | None:
    if row is None or col not in row or pd.isna(row[col]):
        return None
    return float(row[col])


def _change(value: float | None, previous: float | None, kind: str) -> float | None:
    if value is None or previous is None:
        return None
    if kind == "points":
        return value - previous
    return None if previous == 0 else (value - previous) / previous
