"""For all tiny data sets and filters: no shown or exported count is 1..k, and no hidden cell can be
recovered from the total its view shows (k = 3, so random data is always near the threshold).

Checked for every query of the catalog (through queries.runner.run), the services that add totals
(overview KPIs, coders beside the team, productivity, error taxonomy, turnaround) and every CSV export
of the overview, coding quality and denials pages.
"""
from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from queries import coding_quality as cq
from queries.overview import overview_kpis
from queries.runner import catalog, run
from queries.suppression import Margin, is_small
from tests.queries.random_data import CARCS, CODERS, PAYERS, build, datasets

K = 3
_CHECKS = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
PROFILE = settings(max_examples=50, deadline=None, suppress_health_check=_CHECKS)
filter_sets = st.sampled_from([
    {}, {"coders": ["C1"]}, {"payers": ["PA"]}, {"coders": ["C2"], "payers": ["PB"]},
    {"start_date": "2025-02-01", "end_date": "2025-02-28"}, {"facilities": ["F1"]},
    {"start_date": "2025-01-01", "end_date": "2025-03-31", "coders": ["C3"]}])
VARIANTS = {"denials__rate_by_group": {"dimension": "facility"}, "denials__rate_by_reason": {"level": "carc_group"},
            "denials__coding_related_by_person": {"role": "provider"},
            "denials__monthly_trend": {"focus_payer": "PA", "focus_carc": "11"},
            "denials__pareto": {"carc_category": "coding_bundling"}}
HIDABLE = {c for q in catalog() for c in q.rules.counts} | {"type_n_coded", "encounters"}


@pytest.fixture(autouse=True)
def low_threshold(monkeypatch):
    monkeypatch.setenv("CODEDASH_SUPPRESSION_THRESHOLD", str(K))


def _no_small(df: pd.DataFrame, cols, where: str) -> None:
    for col in cols:
        if col in df:
            small = df.loc[is_small(df[col], K), col]
            assert small.empty, f"{where}: {col} shows {small.tolist()}"


def _protected(raw: pd.DataFrame, shown: pd.DataFrame, margin: Margin, where: str) -> None:
    """Within each group, the hidden parts are none, or at least two whose sum is not 1..k, unless the
    total is hidden too (or, for a total shown elsewhere, every part is hidden: that view has the same rule)."""
    keys = list(margin.groups)
    groups = [raw.index] if not keys else list(raw.groupby(keys[0] if len(keys) == 1 else keys,
                                                           dropna=False).groups.values())
    for idx in groups:
        totals = [i for i in idx if margin.total_row and bool(raw.at[i, margin.total_row])]
        parts = [i for i in idx if i not in totals]
        for col in margin.parts:
            if col not in raw:
                continue
            hidden = [i for i in parts if pd.isna(shown.at[i, col]) and pd.notna(raw.at[i, col])]
            if totals:
                total_shown = shown.loc[totals, col].notna().any()
            elif margin.total_column:
                total_shown = shown.loc[idx, margin.total_column].notna().any()
            else:   # shown elsewhere: it gives back only what the shown non-zero parts do not cover
                total_shown = any(pd.notna(shown.at[i, col]) and float(raw.at[i, col] or 0) > 0 for i in parts)
            if not hidden or not total_shown:
                continue
            h = float(pd.to_numeric(raw.loc[hidden, col]).fillna(0).sum())
            assert len(hidden) != 1 and not (1 <= h <= K), (
                f"{where}: {col} hidden in rows {hidden} (sum {h}) beside a shown total")


def _same_order(raw: pd.DataFrame, shown: pd.DataFrame) -> None:
    assert len(raw) == len(shown)


@PROFILE
@given(rows=datasets, filters=filter_sets)
def test_every_query_shows_no_small_count_and_protects_its_totals(rows, filters):
    con = build(rows)
    for q in catalog():
        params = {**(filters if "start_date" in q.param_names else {}), **VARIANTS.get(q.name, {})}
        if q.name == "dq__example_failures":
            params = {"run_id": None, "check_id": "x"}
        raw = run(con, q.name, params, suppress=False)
        shown = run(con, q.name, params)
        _same_order(raw, shown)
        _no_small(shown, q.rules.counts, f"{q.name} {params}")
        for margin in q.rules.margins:
            _protected(raw, shown, margin, f"{q.name} {params}")


def _count_rows(df: pd.DataFrame, flag: str) -> pd.DataFrame:
    return df.assign(**{flag: df[flag].astype(bool)})


@settings(max_examples=40, deadline=None, suppress_health_check=_CHECKS)
@given(rows=datasets, filters=filter_sets)
def test_services_show_no_small_count_and_protect_their_totals(rows, filters):
    con = build(rows)
    # overview: months beside the period KPI cards
    result = overview_kpis(con, filters)
    if result["period"] is not None:
        kpis = {k["key"]: k for k in result["kpis"]}
        for k in result["kpis"]:
            for v in (k["numerator"], k["denominator"], k["value"] if k["unit"] == "count" else None):
                assert v is None or not 1 <= v <= K, (k["key"], v)
        monthly = result["monthly"]
        _no_small(monthly, ["encounters"], "overview monthly")
        p = result["period"]
        raw = run(con, "overview__monthly_components", {**filters, "start_date": p.start, "end_date": p.end},
                  suppress=False)
        shown = monthly.rename(columns={"encounters": "n_encounters"}).reset_index(drop=True)
        both_raw = pd.concat([raw[["n_encounters"]], pd.DataFrame({"n_encounters": [raw["n_encounters"].sum()]})],
                             ignore_index=True).assign(t=[False] * len(raw) + [True])
        both_shown = pd.concat([shown[["n_encounters"]], pd.DataFrame({"n_encounters": [kpis["encounters"]["value"]]})],
                               ignore_index=True)
        _protected(both_raw, both_shown, Margin(("n_encounters",), total_row="t"), "overview encounters")

    # coding quality: coders (or the scorecard's coder) beside the team row
    acc = cq.accuracy_by_coder(con, cq.team_filters(filters), focus=cq.scorecard_coder(filters))
    _no_small(acc, HIDABLE, "accuracy_by_coder")
    if cq.scorecard_coder(filters) is None:
        raw = run(con, "coding__accuracy_by_coder", cq.team_filters(filters), suppress=False)
        raw_view = pd.concat([raw, raw.drop(columns=["coder_id", "coder_name"]).sum(numeric_only=True).to_frame().T
                              .assign(coder_id=cq.TEAM_ID)], ignore_index=True)
        shown = acc.set_index("coder_id").loc[raw_view["coder_id"]].reset_index()
        raw_view["is_team"] = raw_view["coder_id"] == cq.TEAM_ID
        counts = [c for c in raw.columns if c in HIDABLE]
        _protected(raw_view, shown, Margin(tuple(counts), total_row="is_team"), "accuracy_by_coder")
    for name, df in (("trend", cq.accuracy_trend(con, filters)), ("code systems", cq.accuracy_by_code_system(con, filters)),
                     ("taxonomy", cq.error_taxonomy(con, filters)), ("pairs", cq.code_pairs(con, filters)),
                     ("turnaround", cq.turnaround(con, filters)), ("dnfb", cq.dnfb(con, filters))):
        _no_small(df, HIDABLE, name)
    tax = cq.error_taxonomy(con, filters)
    for series, part in tax.groupby("series"):
        if part["n_error_findings"].notna().any():
            raw = run(con, "coding__error_taxonomy", filters if series == "coder" else cq.team_filters(filters)
                      if cq.scorecard_coder(filters) else filters, suppress=False)
            rest = raw["n_findings"].sum() - part["n_findings"].fillna(0).sum()
            assert rest == 0 or rest > K, ("taxonomy", series, rest)
    prod = cq.productivity(con, filters)
    _no_small(prod, ["n_coded"], "productivity")
    for _, part in prod.groupby("encounter_type"):
        team = part[part["is_team"]]
        if cq.scorecard_coder(filters) is None and len(team) and team["n_coded"].notna().all():
            raw = run(con, "coding__productivity", filters, suppress=False)
            raw = raw[raw["encounter_type"] == part["encounter_type"].iloc[0]]
            rest = raw["n_coded"].sum() - part.loc[~part["is_team"], "n_coded"].fillna(0).sum()
            assert rest == 0 or rest > K, ("productivity", rest)
    assert cq.dnfb_totals(con, filters)["n_encounters"] in (None, 0) or cq.dnfb_totals(con, filters)["n_encounters"] > K


_COUNT_IN_TEXT = re.compile(r"\(\s*(\d+)\s*\)|\b(\d+)\s+(?:encounters?|patients?|claims?|lines?|audits?)\b")


def _check_csv(content: str, where: str) -> None:
    # every line but the one stating the rule ("counts of 1-3 ... are blank")
    comments = [line for line in content.splitlines() if line.startswith("#") and not line.startswith("# suppression:")]
    for line in comments:
        for m in _COUNT_IN_TEXT.finditer(line):
            assert not 1 <= int(m.group(1) or m.group(2)) <= K, f"{where}: {line}"
    body = "\n".join(line for line in content.splitlines() if not line.startswith("#"))
    df = pd.read_csv(io.StringIO(body)) if body.strip() else pd.DataFrame()
    _no_small(df, HIDABLE, where)


@settings(max_examples=25, deadline=None, suppress_health_check=_CHECKS)
@given(rows=datasets, filters=filter_sets,
       selection=st.sampled_from([{}, {"payer": "PA"}, {"carc": "11"}, {"payer": "PB", "carc": "50"},
                                  {"category": "coding_bundling"}]))
def test_every_export_shows_no_small_count(rows, filters, selection):
    from dashboard.pages import coding_quality as cq_page
    from dashboard.pages import denials as den_page
    from dashboard.pages import overview as ov_page

    con = build(rows)
    _check_csv(ov_page.export(con, filters)["content"], "overview export")
    for pid in cq_page.EXPORT_PANELS:
        _check_csv(cq_page.export(con, filters, pid)["content"], pid)
    for panel in den_page.PANELS:
        for extra in ({}, {"reimb": "specialty", "days": "service_to_payment"}):
            state = {**selection, **extra}
            _check_csv(den_page.PAGE.export_panel(panel.key, con, filters, state)["content"], f"{panel.key} {state}")


def test_the_generator_builds_what_the_queries_need():
    con = build([("F1", "inpatient", pd.Timestamp("2025-01-01").date(), 3, "PA", "C1",
                  [(100, True, "11", "pending")], (["correct", "revised"], True, 100), 2, False)])
    assert run(con, "denials__appeals", {}, suppress=False)["lines_pending"].tolist() == [1.0, 1.0]
    assert run(con, "coding__accuracy_by_coder", {}, suppress=False)["drg_changed"].tolist() == [1.0]
    assert len(CODERS) == 3 and len(PAYERS) == 3 and len(CARCS) == 3
