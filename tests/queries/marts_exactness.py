"""Helpers for the mart exactness tests (claims and coding): filter combinations drawn from a database,
and a frame comparison.

A mart-backed query must return what its frozen raw-table copy (tests/queries/raw_sql/) returns: the same
rows and the same values. Both frames are sorted by every column before comparing, because ties in a
query's ORDER BY may come back in either order. Values are compared exactly, except the DOUBLE columns a
test names: a sum of DOUBLE weights depends on summation order, which differs between the raw join and
the mart, so those get a relative tolerance of 1e-9.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from codedash.queries import filters as flt
from codedash.queries.runner import run
from tests.queries.raw_reference import run_raw

RTOL = 1e-9


DIMENSIONS = {"facilities": "facility_id", "specialties": "specialty_code", "payers": "payer_id",
              "coders": "coder_id"}


def _months_before(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(y, m + 1, min(day.day, 28)) + dt.timedelta(days=1)


def _month_start(d: dt.date, back: int = 0) -> dt.date:
    y, m = divmod(d.year * 12 + d.month - 1 - back, 12)
    return dt.date(y, m + 1, 1)


def filter_combinations(con) -> list[dict]:
    """Filters drawn from the database's own values, so every database gets non-trivial cases: no filter;
    windows of 1, 6 and 24 months ending at the last discharge (from a month start and from a day within
    a month), mid-month, single-day, open-ended and after-the-data windows; 1-3 of the most and least
    frequent facilities, specialties, payers and coders; empty lists; unknown ids; and combinations."""
    lo, hi = con.execute("select min(discharge_date), max(discharge_date) from encounters").fetchone()

    def values(column: str, by_count: bool) -> list[str]:
        # column names are the constants of DIMENSIONS, never user input
        order = "count(*) desc, 1" if by_count else "1"
        return [r[0] for r in con.execute(f"select {column} from encounters where {column} is not null "
                                          f"group by 1 order by {order}").fetchall()]

    alpha = {k: values(col, False) for k, col in DIMENSIONS.items()}
    frequent = {k: values(col, True) for k, col in DIMENSIONS.items()}
    combos: list[dict] = [{}]
    for months in (1, 6, 24):
        combos.append({"start_date": _month_start(hi, months - 1).isoformat(), "end_date": hi.isoformat()})
        combos.append({"start_date": _months_before(hi, months).isoformat(), "end_date": hi.isoformat()})
    mid = lo + (hi - lo) / 2
    combos += [
        {"start_date": _months_before(hi, 7).isoformat(),
         "end_date": (_months_before(hi, 2) + dt.timedelta(days=9)).isoformat()},
        {"start_date": (mid - dt.timedelta(days=17)).isoformat(), "end_date": (mid + dt.timedelta(days=3)).isoformat()},
        {"start_date": lo.isoformat(), "end_date": lo.isoformat()},                 # a single day
        {"end_date": mid.isoformat()},                                             # open start
        {"start_date": mid.isoformat()},                                           # open end
        {"start_date": (hi + dt.timedelta(days=1)).isoformat()},                   # after the data: empty
    ]
    for key in DIMENSIONS:
        for n in (1, 2, 3):
            combos.append({key: alpha[key][:n]})
            if frequent[key][:n] != alpha[key][:n]:
                combos.append({key: frequent[key][:n]})
        combos.append({key: alpha[key][-2:]})
        combos.append({key: []})                                                   # empty list = all
    six = {"start_date": _month_start(hi, 5).isoformat(), "end_date": hi.isoformat()}
    combos += [
        {**six, "facilities": alpha["facilities"][:2], "payers": alpha["payers"][-1:]},
        {"start_date": _month_start(hi, 23).isoformat(), "end_date": hi.isoformat(),
         "specialties": alpha["specialties"][:3], "coders": alpha["coders"][:2]},
        {"start_date": _month_start(hi).isoformat(), "end_date": hi.isoformat(), "facilities": alpha["facilities"][:1],
         "specialties": alpha["specialties"][:1], "payers": alpha["payers"][:1], "coders": alpha["coders"][:1]},
        {**six, "coders": alpha["coders"][-3:], "payers": alpha["payers"][:2], "facilities": []},
        {"start_date": _months_before(hi, 1).isoformat(), "end_date": hi.isoformat(),
         "facilities": frequent["facilities"][:1], "payers": frequent["payers"][:2]},
        {"facilities": frequent["facilities"][-1:], "specialties": frequent["specialties"][-3:],
         "payers": frequent["payers"][-1:], "coders": frequent["coders"][-2:]},
        {"facilities": ["NO-SUCH-FACILITY"]},
        {**six, "coders": ["no such coder"]},
    ]
    return combos


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    if df.empty:
        return df.reset_index(drop=True)
    return df.sort_values(list(df.columns), na_position="first", kind="mergesort").reset_index(drop=True)


def assert_same(live: pd.DataFrame, raw: pd.DataFrame, double_columns: frozenset[str] = frozenset(), where=""):
    assert list(live.columns) == list(raw.columns), f"{where}: columns differ"
    assert len(live) == len(raw), f"{where}: {len(live)} rows from the marts, {len(raw)} from the raw tables"
    exact = [c for c in live.columns if c not in double_columns]
    a, b = _sorted(live), _sorted(raw)
    if double_columns:
        # sort by the exact columns only, so a last-digit difference in a DOUBLE cannot reorder rows
        a = live.sort_values(exact, na_position="first", kind="mergesort").reset_index(drop=True)
        b = raw.sort_values(exact, na_position="first", kind="mergesort").reset_index(drop=True)
    pd.testing.assert_frame_equal(a[exact], b[exact], check_exact=True, check_dtype=True, obj=where)
    for c in double_columns:
        assert np.allclose(a[c].astype(float), b[c].astype(float), rtol=RTOL, atol=0, equal_nan=True), \
            f"{where}: column {c} differs beyond rtol {RTOL}"


def check_query(con, name: str, combos: list[dict], locals_: list[dict], double_columns=frozenset(),
                scope: flt.Scope = flt.ALL) -> int:
    """Compare `name` on marts with its raw copy for every filter combination x page-local parameters."""
    n = 0
    for f in combos:
        for local in locals_:
            params = {**f, **local}
            assert_same(run(con, name, params, scope=scope, suppress=False),
                        run_raw(con, name, params, scope=scope, suppress=False), frozenset(double_columns),
                        where=f"{name} {params}")
            n += 1
    return n


def check_suppressed(con, name: str, params: dict, double_columns=frozenset()) -> None:
    assert_same(run(con, name, params), run_raw(con, name, params), frozenset(double_columns),
                where=f"{name} suppressed {params}")
