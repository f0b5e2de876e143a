"""Reporting periods: the filter's period, the period it is compared with, and run-out (complete months).

Comparison (`Period.previous`): a period of whole calendar months (one month, a quarter, twelve months,
any run of whole months) compares with the same number of whole calendar months just before it, so
February compares with January and Q2 with Q1; any other range compares with the range of equal length
in days that ends the day before it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd

from codedash.queries import filters as flt
from codedash.queries import settings
from codedash.queries.runner import run


def month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def add_months(d: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after d's month (negative: before)."""
    index = d.year * 12 + d.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(d: dt.date) -> dt.date:
    return add_months(d, 1) - dt.timedelta(days=1)


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def whole_months(self) -> int | None:
        """Number of whole calendar months the period covers exactly, or None if it is not whole months."""
        if self.start.day != 1 or self.end != month_end(self.end) or self.end < self.start:
            return None
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    @property
    def kind(self) -> str:
        """'month', 'quarter' (a calendar quarter), 'months' (other whole months) or 'days'."""
        n = self.whole_months
        if n is None:
            return "days"
        if n == 1:
            return "month"
        if n == 3 and self.start.month in (1, 4, 7, 10):
            return "quarter"
        return "months"

    def previous(self) -> "Period":
        """The period this one is compared with (module docstring)."""
        n = self.whole_months
        if n is not None:
            start = add_months(self.start, -n)
            return Period(start, self.start - dt.timedelta(days=1))
        end = self.start - dt.timedelta(days=1)
        return Period(end - dt.timedelta(days=self.days - 1), end)


DEFAULT_MONTHS = 12


def runout(con: duckdb.DuckDBPyConnection, scope: flt.Scope = flt.ALL) -> pd.DataFrame:
    """Run-out of each discharge month with claims: month, share_adjudicated, complete.

    A month is complete once at least the setting `runout_complete_share` of its claims (claims of the
    encounters discharged in it) have a first adjudication. The share is None where the month has 1..threshold
    claims (the count is not shown; the flag still is). Months with no claims at all are not listed: there is
    nothing to wait for, so they count as complete.
    """
    from codedash.queries.suppression import threshold

    df = run(con, "periods__runout", scope=scope, suppress=False)
    need = float(settings.get("runout_complete_share"))
    n = df["n_claims"].astype("float64")
    share = df["claims_first_adjudicated"].astype("float64") / n
    out = pd.DataFrame({"month": pd.to_datetime(df["month"]), "share_adjudicated": share.where(n > threshold()),
                        "complete": share >= need})
    return out.reset_index(drop=True)


def incomplete_months(con: duckdb.DuckDBPyConnection, scope: flt.Scope = flt.ALL) -> dict[pd.Timestamp, float | None]:
    """Incomplete (run-out) months -> their share of claims with a first adjudication (None if not shown)."""
    r = runout(con, scope)
    r = r[~r["complete"]]
    return {m: (None if pd.isna(s) else float(s)) for m, s in zip(r["month"], r["share_adjudicated"])}


def mark_incomplete(monthly: pd.DataFrame, incomplete: dict, month_col: str = "month") -> pd.DataFrame:
    """`monthly` with columns `incomplete` (bool) and `share_adjudicated` (the month's run-out share, or None)."""
    months = pd.to_datetime(monthly[month_col]) if len(monthly) else pd.Series([], dtype="datetime64[ns]")
    out = monthly.copy()
    out["incomplete"] = [m in incomplete for m in months]
    out["share_adjudicated"] = [incomplete.get(m) for m in months]
    return out


def runout_note(monthly: pd.DataFrame) -> str | None:
    """A sentence naming the incomplete (run-out) months of a trend, or None when every month is complete."""
    if "incomplete" not in monthly or not monthly["incomplete"].any():
        return None
    need = float(settings.get("runout_complete_share"))
    parts = []
    for m, share in zip(monthly.loc[monthly["incomplete"], "month"], monthly.loc[monthly["incomplete"], "share_adjudicated"]):
        shown = "" if share is None or pd.isna(share) else f" ({share:.0%} of claims adjudicated)"
        parts.append(f"{pd.Timestamp(m):%b %Y}{shown}")
    return (f"Incomplete (run-out): {', '.join(parts)}; a month is complete once {need:.0%} of its claims "
            "have a first adjudication.")


def _as_date(value) -> dt.date | None:
    if value is None or pd.isna(value):
        return None
    return value.date() if hasattr(value, "date") else value


def default_period(con: duckdb.DuckDBPyConnection, scope: flt.Scope = flt.ALL) -> Period | None:
    """The default reporting period: the last DEFAULT_MONTHS (12) calendar months ending with the last complete
    (run-out) discharge month, never before the first discharge nor after the last one. With no complete
    month (or no claims at all) it ends at the last discharge. The dashboard and `codedash kpis` both use it."""
    bounds = run(con, "filters__date_range", scope=scope).iloc[0]
    first, last = _as_date(bounds["first_date"]), _as_date(bounds["last_date"])
    if first is None or last is None:
        return None
    r = runout(con, scope)
    complete = r[r["complete"]]["month"]
    end = last
    if len(r) and len(complete):
        last_complete = pd.Timestamp(complete.max()).date()
        later = r[(r["month"] > pd.Timestamp(last_complete))]
        if len(later):  # only months after it are incomplete: end with it
            end = min(last, month_end(last_complete))
    start = max(first, add_months(month_start(end), 1 - DEFAULT_MONTHS))
    return Period(start, end)


def resolve_period(con: duckdb.DuckDBPyConnection, filters: dict, scope: flt.Scope = flt.ALL) -> Period | None:
    """The filter's period. No dates at all: the default period (last 12 complete months, `default_period`);
    one open end is closed with the first/last discharge in scope."""
    if not filters.get("start_date") and not filters.get("end_date"):
        return default_period(con, scope)
    bounds = run(con, "filters__date_range", scope=scope).iloc[0]
    if pd.isna(bounds["first_date"]):
        return None
    spec = dict((s.name, s) for s in flt.FILTER_SPECS)
    start = spec["start_date"].parse(filters.get("start_date")) or bounds["first_date"]
    end = spec["end_date"].parse(filters.get("end_date")) or bounds["last_date"]
    start = start.date() if isinstance(start, dt.datetime) else start
    end = end.date() if isinstance(end, dt.datetime) else end
    # A given start after the last discharge (or end before the first) with the other end open: the
    # period is that one day, with no data, rather than an inverted range no query accepts.
    if start > end and not filters.get("end_date"):
        end = start
    elif start > end and not filters.get("start_date"):
        start = end
    return Period(start, end)
