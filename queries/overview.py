"""Overview KPIs for a period, against the period it is compared with, with monthly trends."""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict

import duckdb
import pandas as pd

from codedash.queries import filters as flt
from codedash.queries.definitions.overview import HFMA_METRICS, OVERVIEW_CARDS, OVERVIEW_METRICS
from codedash.queries.hfma import hfma_for_periods
from codedash.queries.metrics import metric_dependents, with_metrics
from codedash.queries.periods import Period, incomplete_months, mark_incomplete, resolve_period
from codedash.queries.runner import load, run
from codedash.queries.suppression import hidden_cells, suppress

_QUERY = "overview__monthly_components"
_TOTAL = "is_period_total"


def _with_total(components: pd.DataFrame) -> pd.DataFrame:
    """The months and one period-total row (flag `is_period_total`), with every metric computed."""
    total = components.drop(columns=["month"]).sum(numeric_only=True).to_frame().T
    both = pd.concat([components.assign(**{_TOTAL: False}), total.assign(**{_TOTAL: True})], ignore_index=True)
    return with_metrics(both, OVERVIEW_METRICS)


def _rules():
    """The query's declarations, metrics hidden with their components, and the months beside their
    period total (the KPI cards): complementary suppression across months."""
    return load(_QUERY).rules.with_dependents(metric_dependents(OVERVIEW_METRICS)).with_total_row(_TOTAL)


def overview_kpis(con: duckdb.DuckDBPyConnection, filters: dict | None = None,
                  scope: flt.Scope = flt.ALL) -> dict:
    """Overview KPIs for the filtered period (no dates: the default period, the last 12 complete run-out
    months), the period it is compared with (queries.periods.Period.previous: the previous calendar month,
    quarter or run of whole months, else the equal-length range before), and monthly trends whose
    `incomplete` / `share_adjudicated` columns mark run-out months. The HFMA claim-level denial rates
    (queries/hfma.py) are by reporting month; every other KPI by discharge month. Each KPI says whether it
    is a `headline` card (definitions.overview.OVERVIEW_CARDS) or a secondary measure.

    Totals are summed from unsuppressed monthly components and suppressed afterwards, so a
    suppressed month never distorts a total and no small count leaves this function.
    """
    filters = {k: v for k, v in (filters or {}).items() if k in flt.FILTER_NAMES}
    period = resolve_period(con, filters, scope)
    result = {"period": None, "previous_period": None, "kpis": [], "monthly": pd.DataFrame()}
    if period is None:
        return result
    prev_period = period.previous()
    comp_now, comp_prev = _components(con, filters, period, prev_period, scope)

    rules = _rules()
    now_all = _with_total(comp_now) if len(comp_now) else None
    hidden_now = hidden_cells(now_all, rules) if now_all is not None else None
    now_shown = suppress(now_all, rules) if now_all is not None else None
    now_s = now_shown[now_shown[_TOTAL]].iloc[0] if now_shown is not None else None
    prev_all = _with_total(comp_prev) if len(comp_prev) else None
    prev_s = None
    if prev_all is not None:
        prev_shown = suppress(prev_all, rules)
        prev_s = prev_shown[prev_shown[_TOTAL]].iloc[0]
    total_idx = now_all.index[now_all[_TOTAL]][0] if now_all is not None else None

    (hfma_now, hfma_total), (_, hfma_prev) = hfma_for_periods(con, filters, (period, prev_period), scope)
    for m in (*OVERVIEW_METRICS, *HFMA_METRICS):
        hfma = m in HFMA_METRICS
        row_now, row_prev = (hfma_total, hfma_prev) if hfma else (now_s, prev_s)
        value = _value(row_now, m.key)
        prev = _value(row_prev, m.key)
        if hfma:
            suppressed = bool(row_now.get("suppressed", False)) and value is None
        else:
            suppressed = (hidden_now is not None and m.key in hidden_now
                          and bool(hidden_now.at[total_idx, m.key]))
        result["kpis"].append({
            **{k: v for k, v in asdict(m).items() if k not in ("numerator", "denominator", "guards")},
            "value": value,
            "previous": prev,
            "change": _change(value, prev, m.change_kind),
            "suppressed": suppressed,
            "headline": m.key in OVERVIEW_CARDS,
            "numerator": _value(row_now, m.numerator) if m.numerator != m.key else None,
            "denominator": _value(row_now, m.denominator) if m.denominator else None,
        })
    order = {k: i for i, k in enumerate(OVERVIEW_CARDS)}
    result["kpis"].sort(key=lambda k: order.get(k["key"], len(order)))
    monthly = (now_shown[~now_shown[_TOTAL]].drop(columns=[_TOTAL]) if now_shown is not None
               else _with_total(comp_now).iloc[:0].assign(suppressed=False))
    monthly = monthly[["month", *(m.key for m in OVERVIEW_METRICS), "suppressed"]]
    hf = hfma_now[["month", *(m.key for m in HFMA_METRICS), "suppressed"]].rename(columns={"suppressed": "_hs"})
    monthly = monthly.assign(month=pd.to_datetime(monthly["month"])).merge(hf, on="month", how="outer")
    monthly["suppressed"] = monthly["suppressed"].fillna(False).astype(bool) | monthly["_hs"].fillna(False).astype(bool)
    monthly = monthly.drop(columns=["_hs"]).sort_values("month").reset_index(drop=True)
    if not len(comp_now):   # no encounters discharged in the period: no trend (the page shows its empty state)
        monthly = monthly.iloc[:0]
    cols = ["month", *(m.key for m in OVERVIEW_METRICS), *(m.key for m in HFMA_METRICS), "suppressed"]
    result["period"] = period
    result["previous_period"] = prev_period
    result["monthly"] = mark_incomplete(monthly[cols], incomplete_months(con, scope))
    return result


def _components(con, filters: dict, period: Period, prev_period: Period,
                scope: flt.Scope) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(this period's monthly components, the previous period's), unsuppressed. When the previous period
    ends the day before this one starts on a 1st of a month (whole-month periods), no discharge month lies
    in both, so one query over the two answers both, split at the start."""
    def one(p: Period) -> pd.DataFrame:
        return run(con, _QUERY, {**filters, "start_date": p.start, "end_date": p.end}, scope=scope, suppress=False)

    if period.start.day != 1 or prev_period.end + dt.timedelta(days=1) != period.start:
        return one(period), one(prev_period)
    both = one(Period(prev_period.start, period.end))
    before = pd.to_datetime(both["month"]) < pd.Timestamp(period.start)
    return both[~before].reset_index(drop=True), both[before].reset_index(drop=True)


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
