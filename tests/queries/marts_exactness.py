"""Helpers for the mart exactness tests: filter combinations drawn from a database, and a frame comparison.

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

from queries import filters as flt
from queries.runner import run
from tests.queries.raw_reference import run_raw

RTOL = 1e-9


def _months_before(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(y, m + 1, min(day.day, 28)) + dt.timedelta(days=1)


def filter_combinations(con) -> list[dict]:
    """No filters; windows of 1, 6 and 24 months ending at the last discharge (and one mid-month window);
    1-3 facilities, specialties, payers and coders; and combinations of them."""
    last = con.execute("select max(discharge_date) from encounters").fetchone()[0]

    def values(column: str) -> list[str]:
        # column names are the literals below, never user input
        rows = con.execute(f"select {column}, count(*) from encounters where {column} is not null "
                           f"group by 1 order by 2 desc, 1").fetchall()
        return [r[0] for r in rows]

    fac, spec, pay, cod = values("facility_id"), values("specialty_code"), values("payer_id"), values("coder_id")
    combos: list[dict] = [{}]
    for months in (1, 6, 24):
        combos.append({"start_date": _months_before(last, months).isoformat(), "end_date": last.isoformat()})
    combos.append({"start_date": _months_before(last, 7).isoformat(),
                   "end_date": (_months_before(last, 2) + dt.timedelta(days=9)).isoformat()})
    for key, vals in (("facilities", fac), ("specialties", spec), ("payers", pay), ("coders", cod)):
        for n in (1, 2, 3):
            if len(vals) >= n:
                combos.append({key: vals[:n]})
    window = combos[2]
    combos.append({**window, "facilities": fac[:1], "payers": pay[:2]})
    combos.append({**combos[3], "specialties": spec[:2], "coders": cod[:3]})
    combos.append({"facilities": fac[-1:], "specialties": spec[-3:], "payers": pay[-1:], "coders": cod[-2:]})
    combos.append({**window, "coders": ["no such coder"]})
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
