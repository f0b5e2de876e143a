"""Reporting periods: the filter's period and the equal-length period before it."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd

from queries import filters as flt
from queries.runner import run


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
    # A given start after the last discharge (or end before the first) with the other end open: the
    # period is that one day, with no data, rather than an inverted range no query accepts.
    if start > end and not filters.get("end_date"):
        end = start
    elif start > end and not filters.get("start_date"):
        start = end
    return Period(start, end)
