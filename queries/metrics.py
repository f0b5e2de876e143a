"""Every metric codedash shows, defined once: its numerator, denominator, guard and source.

SQL computes the components (counts and sums) in queries/sql; this module is the single
place where components become rates, where periods are compared, and where a metric's
definition text lives (shown beside each chart and mirrored in docs/metrics.md).
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass

import duckdb
import pandas as pd

from queries import filters as flt
from queries.runner import run
from queries.suppression import is_small, suppress, threshold


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str                 # 'count' | 'percent' | 'usd' | 'index'
    numerator: str            # component column
    denominator: str | None   # component column; None = the numerator is the value
    guards: tuple[str, ...]   # counts of encounters/claims behind the value (small-cell suppression)
    definition: str
    numerator_text: str
    denominator_text: str
    source: str
    higher_is_better: bool | None = None
    change_kind: str = "relative"  # 'relative' (percent change) | 'points' (difference in percentage points)


OVERVIEW_METRICS: tuple[Metric, ...] = (
    Metric("encounters", "Encounters", "count", "n_encounters", None, ("n_encounters",),
           "Encounters discharged in the period (inpatient stays, ED, outpatient and office visits).",
           "Encounters with a discharge date in the period", "—",
           "codedash volume count; period assigned by discharge date as in CMS PEPPER."),
    Metric("coding_accuracy", "Coding accuracy (code level)", "percent", "audit_codes_correct",
           "audit_codes_reviewed", ("n_audited_encounters",),
           "Share of the auditor's final codes that the coder had assigned correctly.",
           "Codes the coder assigned that the auditor confirmed unchanged",
           "Codes in the auditor's final record (every finding except codes the auditor deleted)",
           "AHIMA code-over-code accuracy (AHIMA Practice Brief 'Benchmarking for Coding Quality').",
           higher_is_better=True, change_kind="points"),
    Metric("denial_rate_count", "Initial denial rate (claims)", "percent", "claims_denied",
           "claims_submitted", ("claims_submitted", "claims_denied"),
           "Share of claims with at least one line denied on the payer's first adjudication.",
           "Claims with a denied line on initial adjudication", "Claims adjudicated (first adjudication)",
           "HFMA Claim Integrity Task Force / MAP Key 'Initial Denial Rate' (count form).",
           higher_is_better=False, change_kind="points"),
    Metric("denial_rate_dollars", "Initial denial rate (dollars)", "percent", "denied_amount",
           "billed_amount", ("claims_submitted", "claims_denied"),
           "Share of billed charges on lines denied on the payer's first adjudication.",
           "Billed charges of lines denied on initial adjudication", "Billed charges of adjudicated claims",
           "HFMA Claim Integrity Task Force / MAP Key 'Initial Denial Rate' (dollar form).",
           higher_is_better=False, change_kind="points"),
    Metric("paid_amount", "Paid amount", "usd", "paid_amount", None, ("n_encounters",),
           "Payer payments on the period's encounters after adjudication and appeals.",
           "Sum of final paid amount of service lines", "—",
           "835 remittance payment amounts (CLP04 / SVC03), final after appeals.",
           higher_is_better=True),
    Metric("case_mix_index", "Case mix index", "index", "drg_weight_sum", "drg_discharges", ("drg_discharges",),
           "Average MS-DRG relative weight of inpatient discharges.",
           "Sum of MS-DRG relative weights of inpatient discharges",
           "Inpatient discharges with a weighted MS-DRG",
           "CMS IPPS: CMI = sum of MS-DRG relative weights / number of discharges (Table 5 weights)."),
)
METRICS_BY_KEY = {m.key: m for m in OVERVIEW_METRICS}


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when undefined (no denominator)."""
    if numerator is None or denominator is None or pd.isna(numerator) or pd.isna(denominator) or denominator == 0:
        return None
    return float(numerator) / float(denominator)


def wilson_interval(successes: int, n: int, z: float = 1.959963984540054) -> tuple[float, float] | None:
    """95% Wilson score interval for a proportion (Wilson 1927); None when n is 0."""
    if n <= 0:
        return None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def with_metrics(components: pd.DataFrame) -> pd.DataFrame:
    """Component columns plus one column per metric, computed row by row (no suppression)."""
    out = components.copy()
    for m in OVERVIEW_METRICS:
        if m.denominator is None:
            out[m.key] = components[m.numerator].astype("float64")
        else:
            den = components[m.denominator].astype("float64")
            out[m.key] = (components[m.numerator].astype("float64") / den).where(den > 0)
    return out


def suppression_rules() -> dict[str, list[str]]:
    """Each guard count -> the metrics and components that would reveal it."""
    rules: dict[str, list[str]] = {}
    for m in OVERVIEW_METRICS:
        for guard in m.guards:
            deps = rules.setdefault(guard, [])
            for col in (m.key, m.numerator, m.denominator):
                if col and col != guard and col not in deps:
                    deps.append(col)
    return rules


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        end = self.start - dt.timedelta(days=1)
        return Period(end - dt.timedelta(days=self.days - 1), end)


def resolve_period(con: duckdb.DuckDBPyConnection, filters: dict, scope: flt.Scope = flt.ALL) -> Period | None:
    """The filter's period; open ends are closed with the first/last discharge in scope."""
    bounds = run(con, "filters__date_range", scope=scope).iloc[0]
    if pd.isna(bounds["first_date"]):
        return None
    spec = dict((s.name, s) for s in flt.FILTER_SPECS)
    start = spec["start_date"].parse(filters.get("start_date")) or bounds["first_date"]
    end = spec["end_date"].parse(filters.get("end_date")) or bounds["last_date"]
    start = start.date() if isinstance(start, dt.datetime) else start
    end = end.date() if isinstance(end, dt.datetime) else end
    return Period(start, end)


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

    rules = suppression_rules()
    tot_now = with_metrics(_totals(comp_now)) if len(comp_now) else None
    tot_prev = with_metrics(_totals(comp_prev)) if len(comp_prev) else None
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
    monthly = suppress(with_metrics(comp_now), rules)
    result["period"] = period
    result["previous_period"] = prev_period
    result["monthly"] = monthly[["month", *METRICS_BY_KEY, "suppressed"]]
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
