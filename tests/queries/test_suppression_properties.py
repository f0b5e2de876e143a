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

from codedash.queries import coding_quality as cq
from codedash.queries.overview import overview_kpis
from codedash.queries.runner import catalog, run
from codedash.queries.suppression import Margin, is_small
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
            kind = part["encounter_type"].iloc[0]
            if kind != cq.ALL_TYPES:   # 'all types' rows: every encounter type of the coder
                raw = raw[raw["encounter_type"] == kind]
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
    from codedash.dashboard.pages import coding_quality as cq_page
    from codedash.dashboard.pages import denials as den_page
    from codedash.dashboard.pages import overview as ov_page

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


# ---------------------------------------------------------------------------------------------------
# Exact recoverability: a hidden cell is recoverable when the equations of the view (each total = the
# sum of its parts), with every shown cell known, determine it; by linear algebra, when its unit vector
# lies in the row space of the equations restricted to the hidden cells (same rank with it appended).
# ---------------------------------------------------------------------------------------------------

def _recoverable(equations: list[tuple[int, list[int]]], hidden: set[int], n_cells: int) -> list[int]:
    import numpy as np

    rows = []
    for total, parts in equations:
        row = np.zeros(n_cells)
        row[total] = 1.0
        for p in parts:
            row[p] -= 1.0
        rows.append(row)
    cols = sorted(hidden)
    if not rows or not cols:
        return []
    a = np.array(rows)[:, cols]
    rank = np.linalg.matrix_rank(a)
    out = []
    for j, cell in enumerate(cols):
        e = np.zeros((1, len(cols)))
        e[0, j] = 1.0
        if np.linalg.matrix_rank(np.vstack([a, e])) == rank:
            out.append(cell)
    return out


@st.composite
def trees(draw):
    """A random 3-level hierarchy (chapter > block > category > code) with additive counts near K."""
    rows = []
    for c in range(draw(st.integers(1, 3))):
        chapter = f"C{c}"
        blocks = []
        for b in range(draw(st.integers(1, 3))):
            block = f"{chapter}B{b}"
            cats = []
            for g in range(draw(st.integers(1, 3))):
                cat = f"{block}G{g}"
                codes = [draw(st.integers(0, 3 * K)) for _ in range(draw(st.integers(1, 3)))]
                for i, v in enumerate(codes):
                    rows.append(("code", f"{cat}X{i}", cat, v))
                cats.append(sum(codes))
                rows.append(("category", cat, block, sum(codes)))
            blocks.append(sum(cats))
            rows.append(("block", block, chapter, sum(cats)))
        rows.append(("chapter", chapter, None, sum(blocks)))
    return pd.DataFrame(rows, columns=["level", "node", "parent", "n_encounters"])


@PROFILE
@given(tree=trees())
def test_a_tree_shows_no_small_count_and_no_hidden_node_is_recoverable(tree):
    from codedash.queries.suppression import Rules, Tree, suppress

    rules = Rules(guarded=("n_encounters",), tree=Tree("node", "parent", "level", ("chapter", "block", "category", "code")))
    shown = suppress(tree, rules, K)
    _no_small(shown, ["n_encounters"], "tree")
    position = {node: i for i, node in enumerate(tree["node"])}
    equations = [(position[p], [position[c] for c in kids["node"]])
                 for p, kids in tree[tree["parent"].notna()].groupby("parent")]
    hidden = set(shown.index[shown["n_encounters"].isna()])
    assert _recoverable(equations, hidden, len(tree)) == [], shown.to_string()


@st.composite
def tables(draw):
    """A random r x c table of counts near K with its row totals, column totals and grand total (long form)."""
    n_rows, n_cols = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    cells = [[draw(st.integers(0, 3 * K)) for _ in range(n_cols)] for _ in range(n_rows)]
    out = []
    for i in range(n_rows):
        for j in range(n_cols):
            out.append((f"r{i}", f"c{j}", cells[i][j]))
        out.append((f"r{i}", "all", sum(cells[i])))
    for j in range(n_cols):
        out.append(("all", f"c{j}", sum(cells[i][j] for i in range(n_rows))))
    out.append(("all", "all", sum(map(sum, cells))))
    df = pd.DataFrame(out, columns=["row", "col", "n"])
    return df.assign(row_total=df["col"] == "all", col_total=df["row"] == "all")


@PROFILE
@given(table=tables())
def test_a_table_with_both_margins_shows_no_small_count_and_no_hidden_cell_is_recoverable(table):
    """The trends exports' shape (e.g. months x strata with their All row and column): a Margin per
    direction; the engine's complementary suppression leaves no hidden cell determined by the margins."""
    from codedash.queries.suppression import Rules, suppress

    rules = Rules(guarded=("n",), margins=(Margin(("n",), groups=("row",), total_row="row_total"),
                                           Margin(("n",), groups=("col",), total_row="col_total")))
    shown = suppress(table, rules, K)
    _no_small(shown, ["n"], "table")
    at = {(r, c): i for i, (r, c) in enumerate(zip(table["row"], table["col"]))}
    rows = sorted(set(table["row"]) - {"all"})
    cols = sorted(set(table["col"]) - {"all"})
    equations = [(at[(r, "all")], [at[(r, c)] for c in cols]) for r in [*rows, "all"]]
    equations += [(at[("all", c)], [at[(r, c)] for r in rows]) for c in [*cols, "all"]]
    hidden = set(shown.index[shown["n"].isna()])
    assert _recoverable(equations, hidden, len(table)) == [], shown.to_string()


# ---------------------------------------------------------------------------------------------------
# Diagnosis trends: random diagnoses on the trends fixture's encounters (tests/queries/fixtures_trends.py)
# ---------------------------------------------------------------------------------------------------
_DX_CODES = ["J189", "J101", "I10", "E119", "E785"]
dx_sets = st.lists(st.lists(st.sampled_from(_DX_CODES), min_size=0, max_size=3, unique=True), min_size=9, max_size=9)


@settings(max_examples=30, deadline=None, suppress_health_check=_CHECKS)
@given(codes=dx_sets, stratum=st.sampled_from(["age_band", "sex", "payer_type", "facility"]),
       multiplier=st.integers(1, 3))
def test_trends_services_show_no_small_count_and_strata_are_not_recoverable(codes, stratum, multiplier):
    import numpy as np

    from codedash.queries import diagnosis_trends as svc
    from tests.fixtures import with_marts
    from tests.queries.fixtures_trends import build as build_trends

    con = build_trends()
    con.execute("delete from diagnoses")
    encounters = [r[0] for r in con.execute("select encounter_id from encounters order by 1").fetchall()]
    if multiplier > 1:     # more encounters per cell: copies of each encounter under new ids and patients
        for i in range(2, multiplier + 1):
            con.execute(f"insert into encounters select * replace (encounter_id || '_{i}' as encounter_id, "
                        f"patient_id || '_{i}' as patient_id) from encounters where encounter_id not like '%\\_%' escape '\\'")
    rows = [(e + suffix, n + 1, c) for suffix in ["", *[f"_{i}" for i in range(2, multiplier + 1)]]
            for e, cs in zip(encounters, codes) for n, c in enumerate(cs)]
    if rows:
        con.executemany("insert into diagnoses (encounter_id, sequence, code_system, code) values (?, ?, 'ICD10CM', ?)", rows)
    with_marts(con)
    sel = svc.parse_selection(["block:J09-J18", "category:E11"])
    rates = svc.monthly_rates(con, selection=sel, stratum=stratum)
    _no_small(rates, ["n_encounters", "n_patients", "dx_encounters", "dx_patients"], "trend rates")
    # encounters add up across strata: no hidden stratum cell is fixed by its month's All row
    for col in ("n_encounters", "dx_encounters"):
        for _, month in rates.groupby("month"):
            idx = list(month.index)
            total = [i for i in idx if bool(month.at[i, "is_total"])]
            parts = [i for i in idx if not bool(month.at[i, "is_total"])]
            pos = {i: j for j, i in enumerate(idx)}
            hidden = np.array([pd.isna(month.at[i, col]) for i in idx])
            eq = [(pos[total[0]], [pos[p] for p in parts])]
            assert _recoverable(eq, set(np.flatnonzero(hidden)), len(idx)) == [], (col, month.to_string())
    _no_small(svc.hierarchy(con), ["n_encounters", "n_patients"], "hierarchy")
    change = svc.period_change(con, min_count=1)["table"]
    _no_small(change, ["dx_encounters_1", "dx_encounters_2", "n_encounters_1", "n_encounters_2"], "period change")
    co = svc.cooccurrence(con, selection=sel)
    _no_small(co["table"], ["n_both", "n_code", "n_selected", "n_total"], "co-occurrence")
    _no_small(co["matrix"], ["n_both"], "co-occurrence matrix")
