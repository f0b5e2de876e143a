"""HFMA Claim Integrity Task Force initial denial rate, claim level, with its three-month denominator.

HFMA, *Standardizing Denial Metrics for Revenue Cycle Benchmarking and Process Improvement* (Claim
Integrity Task Force), KPI 1 "Initial denials as a percentage of volume and charges — claim level":

    count:   total initial denial claims ÷ total claims submitted*
    dollars: total initial denial claims' gross charges ÷ total claims submitted gross charges*
    * average of the 3-month period prior to the start of the reporting month

so the denials a month receives are set against the claims they answer, submitted in the months before.
Here a reporting month's numerator counts the claims whose first adjudication (remittance) in that month
denied them in whole or in part; its denominator is the mean of claims submitted (and their gross charges)
in the three calendar months before it. A month whose three prior months are not all in the data (before
the first claim submitted in the filtered set) has no denominator, so no rate. The rate of a period of
several months is Σ numerators ÷ Σ monthly denominators over its reporting months that have one.

Reporting months are the calendar months touching the period, whole (a monthly measure; the global date
filter otherwise selects discharges). The other filters select the claims' encounters.
"""
from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd

from codedash.queries import filters as flt
from codedash.queries.definitions.overview import HFMA_METRICS
from codedash.queries.metrics import metric_dependents
from codedash.queries.periods import Period, add_months, month_start
from codedash.queries.runner import run
from codedash.queries.suppression import Margin, Rules, suppress

_QUERY = "denials__hfma_monthly"
TOTAL_FLAG = "is_period_total"
# 3-month sums are counts of claims (guarded); the averages and rates are blanked with them. The average
# itself (a third of a count, the shown denominator) is guarded too: an average of 1..threshold claims a
# month is hidden with its rates, conservatively (its 3-month sum is then at most 3 x threshold).
_RULES = Rules(
    guarded=("claims_initially_denied", "claims_submitted_3m", "claims_submitted_avg"),
    dependents={"claims_initially_denied": ("denied_gross_charges",),
                "claims_submitted_3m": ("submitted_gross_charges_3m", "claims_submitted_avg",
                                        "submitted_gross_charges_avg")},
    margins=(Margin(("claims_initially_denied", "claims_submitted_3m"), total_row=TOTAL_FLAG),),
).with_dependents(metric_dependents(HFMA_METRICS))

COLUMNS = ("month", "claims_initially_denied", "denied_gross_charges", "claims_submitted_3m",
           "submitted_gross_charges_3m", "claims_submitted_avg", "submitted_gross_charges_avg",
           "hfma_denial_rate_claims", "hfma_denial_rate_dollars")


def reporting_months(period: Period) -> list[dt.date]:
    months, m = [], month_start(period.start)
    while m <= period.end:
        months.append(m)
        m = add_months(m, 1)
    return months


def _calendar_months(con: duckdb.DuckDBPyConnection, filters: dict, periods: tuple[Period, ...],
                     scope: flt.Scope) -> pd.DataFrame:
    """The query's calendar months (unsuppressed) over a window covering every period: each month's sums
    and the first submission month do not depend on the window, so one window serves several periods."""
    params = {**{k: v for k, v in filters.items() if k in flt.FILTER_NAMES},
              "start_date": min(p.start for p in periods), "end_date": max(p.end for p in periods)}
    return run(con, _QUERY, params, scope=scope, suppress=False)


def monthly_components(con: duckdb.DuckDBPyConnection, filters: dict, period: Period,
                       scope: flt.Scope = flt.ALL, raw: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per reporting month of `period`, plus a period-total row (flag `is_period_total`), unsuppressed.
    raw: the query's months over a window covering the period (_calendar_months), when already read."""
    if raw is None:
        raw = _calendar_months(con, filters, (period,), scope)
    by_month = {pd.Timestamp(m).date(): r for m, r in zip(raw["month"], raw.itertuples())} if len(raw) else {}
    first = raw["first_submitted_month"].dropna() if len(raw) else pd.Series(dtype=object)
    first = pd.Timestamp(first.iloc[0]).date() if len(first) else None

    def get(m, col):
        r = by_month.get(m)
        return 0.0 if r is None else float(getattr(r, col))

    rows = []
    for m in reporting_months(period):
        prior = [add_months(m, -k) for k in (3, 2, 1)]
        has_base = first is not None and prior[0] >= first
        n3 = sum(get(p, "claims_submitted") for p in prior) if has_base else np.nan
        c3 = sum(get(p, "submitted_gross_charges") for p in prior) if has_base else np.nan
        rows.append({"month": pd.Timestamp(m), "claims_initially_denied": get(m, "claims_initially_denied"),
                     "denied_gross_charges": get(m, "denied_gross_charges"),
                     "claims_submitted_3m": n3, "submitted_gross_charges_3m": c3})
    df = pd.DataFrame(rows, columns=list(COLUMNS[:5]))
    based = df["claims_submitted_3m"].notna()
    total = {"month": pd.NaT,
             "claims_initially_denied": df.loc[based, "claims_initially_denied"].sum(),
             "denied_gross_charges": df.loc[based, "denied_gross_charges"].sum(),
             "claims_submitted_3m": df.loc[based, "claims_submitted_3m"].sum() if based.any() else np.nan,
             "submitted_gross_charges_3m": df.loc[based, "submitted_gross_charges_3m"].sum() if based.any() else np.nan}
    df = pd.concat([df.assign(**{TOTAL_FLAG: False}), pd.DataFrame([total]).assign(**{TOTAL_FLAG: True})],
                   ignore_index=True)
    df["claims_submitted_avg"] = df["claims_submitted_3m"] / 3
    df["submitted_gross_charges_avg"] = df["submitted_gross_charges_3m"] / 3
    # Σ numerators ÷ Σ (3-month sums / 3): the same 1/3 in every month, so a ratio of sums times 3.
    den_n = df["claims_submitted_avg"].astype("float64")
    den_c = df["submitted_gross_charges_avg"].astype("float64")
    df["hfma_denial_rate_claims"] = (df["claims_initially_denied"].astype("float64") / den_n).where(den_n > 0)
    df["hfma_denial_rate_dollars"] = (df["denied_gross_charges"].astype("float64") / den_c).where(den_c > 0)
    # months without a denominator carry no numerator either (it would count in no rate)
    df.loc[~df["claims_submitted_3m"].notna(), ["claims_initially_denied", "denied_gross_charges"]] = np.nan
    return df


def hfma_initial_denials(con: duckdb.DuckDBPyConnection, filters: dict, period: Period,
                         scope: flt.Scope = flt.ALL) -> tuple[pd.DataFrame, pd.Series]:
    """(reporting months, period total), suppressed: counts of 1..threshold claims and what derives from them
    are blank, and months beside their period total are protected by complementary suppression."""
    return hfma_for_periods(con, filters, (period,), scope)[0]


def hfma_for_periods(con: duckdb.DuckDBPyConnection, filters: dict, periods: tuple[Period, ...],
                     scope: flt.Scope = flt.ALL) -> list[tuple[pd.DataFrame, pd.Series]]:
    """hfma_initial_denials of each period (a period and the one it is compared with), from one query."""
    raw = _calendar_months(con, filters, periods, scope)
    out = []
    for period in periods:
        shown = _suppress(monthly_components(con, filters, period, scope, raw=raw))
        months = shown[~shown[TOTAL_FLAG]].drop(columns=[TOTAL_FLAG]).reset_index(drop=True)
        out.append((months, shown[shown[TOTAL_FLAG]].iloc[0]))
    return out


def _suppress(comp: pd.DataFrame) -> pd.DataFrame:
    # months with no denominator are undefined, not small: suppression sees zeros there
    work = comp.copy()
    undefined = work["claims_submitted_3m"].isna()
    work.loc[undefined, ["claims_initially_denied", "claims_submitted_3m"]] = 0
    shown = suppress(work, _RULES)
    for col in ("claims_initially_denied", "denied_gross_charges", "claims_submitted_3m",
                "submitted_gross_charges_3m", "claims_submitted_avg", "submitted_gross_charges_avg",
                "hfma_denial_rate_claims", "hfma_denial_rate_dollars"):
        shown.loc[undefined, col] = np.nan
    return shown
