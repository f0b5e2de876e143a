"""Small-cell suppression on hand-checkable frames: which cell is hidden, and why (threshold k = 3)."""
import pandas as pd
import pytest

from codedash.queries.runner import QueryError, parse_query
from codedash.queries.suppression import Margin, Rules, hidden_cells, suppress

K = 3


def _hidden(df, rules, col):
    return [bool(v) for v in hidden_cells(df, rules, K)[col]]


def _parts(values, total=None):
    rows = [{"who": f"p{i}", "n": v, "is_total": False} for i, v in enumerate(values)]
    rows.append({"who": "total", "n": sum(values) if total is None else total, "is_total": True})
    return pd.DataFrame(rows)


TOTAL_ROW = Rules(guarded=("n",), margins=(Margin(("n",), total_row="is_total"),))


def test_one_hidden_part_beside_its_total_hides_the_next_smallest():
    # p0 = 2 is small; total 23 - (7 + 9) - 5 would give it back, so p2 (5, next smallest) goes too
    assert _hidden(_parts([2, 7, 5, 9]), TOTAL_ROW, "n") == [True, False, True, False, False]


def test_ties_hide_the_earlier_row():
    assert _hidden(_parts([1, 6, 6]), TOTAL_ROW, "n") == [True, True, False, False]


def test_hidden_parts_whose_sum_is_small_are_joined_by_another():
    # 1 + 1 = 2 would be recoverable as a small group: hide 8 as well (sum 10 > k)
    assert _hidden(_parts([1, 1, 8, 20]), TOTAL_ROW, "n") == [True, True, True, False, False]


def test_zero_parts_are_not_used_to_protect_and_the_total_goes_when_nothing_else_can():
    # a distinct count: the total (20) is more than the parts; hiding the zero would protect nothing
    assert _hidden(_parts([2, 0], total=20), TOTAL_ROW, "n") == [True, False, True]


def test_no_hidden_part_changes_nothing_and_zero_is_shown():
    out = suppress(_parts([0, 7, 9]), TOTAL_ROW, K)
    assert list(out["n"]) == [0, 7, 9, 16] and not out["suppressed"].any()


def test_groups_are_protected_separately():
    df = pd.DataFrame({"g": ["a", "a", "a", "b", "b", "b"], "n": [2, 4, 6, 5, 6, 11],
                       "is_total": [False, False, True, False, False, True]})
    rules = Rules(guarded=("n",), margins=(Margin(("n",), ("g",), total_row="is_total"),))
    assert _hidden(df, rules, "n") == [True, True, False, False, False, False]


def test_a_total_shown_elsewhere_makes_parts_hide_each_other():
    df = pd.DataFrame({"month": [1, 2, 3], "n": [9, 2, 40]})
    rules = Rules(guarded=("n",), margins=(Margin(("n",)),))
    assert _hidden(df, rules, "n") == [True, True, False]


def test_a_total_column_is_hidden_when_no_part_is_left():
    # n_error_findings repeats the total of n_findings on each row
    df = pd.DataFrame({"n_findings": [2, 0], "n_error_findings": [9, 9]})
    rules = Rules(derived={"n_findings": None, "n_error_findings": None},
                  margins=(Margin(("n_findings",), total_column="n_error_findings"),))
    hidden = hidden_cells(df, rules, K)
    assert list(hidden["n_findings"]) == [True, False] and list(hidden["n_error_findings"]) == [True, True]


def test_a_small_total_column_is_hidden_itself():
    df = pd.DataFrame({"n_audited_encounters": [5], "n_findings": [8], "n_error_findings": [3]})
    rules = Rules(guarded=("n_audited_encounters",), derived={"n_findings": "n_audited_encounters",
                                                              "n_error_findings": None})
    assert _hidden(df, rules, "n_error_findings") == [True]


DRG = Rules(guarded=("drg_audits",), parts={"drg_unchanged": "drg_audits", "drg_changed": "drg_audits"},
            dependents={"drg_unchanged": ("drg_accuracy",)})


def test_a_small_part_hides_its_sibling_and_what_derives_from_it_but_not_its_parent():
    df = pd.DataFrame({"drg_audits": [20, 20, 20], "drg_unchanged": [19, 3, 12], "drg_changed": [1, 17, 8],
                       "drg_accuracy": [0.95, 0.15, 0.6]})
    out = suppress(df, DRG, K)
    assert list(out["drg_audits"]) == [20, 20, 20]
    # row 0: changed 1 is small; row 1: unchanged 3 is small; row 2: nothing small
    assert out["drg_changed"].isna().tolist() == [True, True, False]
    assert out["drg_unchanged"].isna().tolist() == [True, True, False]
    assert out["drg_accuracy"].isna().tolist() == [True, True, False]
    assert out["suppressed"].tolist() == [True, True, False]


def test_a_part_whose_complement_is_small_is_hidden():
    df = pd.DataFrame({"n_audits": [20], "records_no_change": [18]})
    rules = Rules(guarded=("n_audits",), parts={"records_no_change": "n_audits"})
    assert _hidden(df, rules, "records_no_change") == [True]


def test_a_derived_count_is_hidden_when_small_and_with_its_guard():
    df = pd.DataFrame({"claims": [40, 2], "lines": [2, 30]})
    rules = Rules(guarded=("claims",), derived={"lines": "claims"})
    out = suppress(df, rules, K)
    assert out["lines"].isna().tolist() == [True, True]
    assert out["claims"].tolist()[0] == 40 and pd.isna(out["claims"].tolist()[1])


def test_a_running_total_is_blanked_from_the_first_hidden_row_on():
    df = pd.DataFrame({"claims_denied": [50, 2, 30, 20], "cumulative_share": [0.5, 0.52, 0.8, 1.0]})
    rules = Rules(guarded=("claims_denied",), dependents={"claims_denied": ("cumulative_share",)},
                  running=("cumulative_share",))
    assert suppress(df, rules, K)["cumulative_share"].isna().tolist() == [False, True, True, True]


def test_the_older_mapping_still_means_guarded_counts_and_their_dependents():
    df = pd.DataFrame({"n_encounters": [2, 40], "paid_amount": [10.0, 20.0]})
    out = suppress(df, {"n_encounters": ["paid_amount"]}, K)
    assert out["paid_amount"].isna().tolist() == [True, False]


def test_threshold_zero_shows_everything():
    out = suppress(_parts([1, 2]), TOTAL_ROW, 0)
    assert out["n"].tolist() == [1, 2, 3] and not out["suppressed"].any()


def _header(lines: str) -> str:
    return "-- purpose: p\n-- grain: g\n-- params: none\n" + lines + "\nselect 1 as n\n"


def test_header_declarations_are_parsed():
    q = parse_query("t__t", _header(
        "-- counts: guarded n, m; derived lines <- n; derived total_findings; part sub_n <- n; public bucket_order\n"
        "-- suppress: n -> amount\n-- totals: row is_total; parts n, m by month; column total_findings <- lines\n"
        "-- running: cumulative_share"))
    r = q.rules
    assert r.guarded == ("n", "m") and r.derived == {"lines": "n", "total_findings": None}
    assert r.parts == {"sub_n": "n"} and r.public == ("bucket_order",) and r.dependents == {"n": ("amount",)}
    assert r.margins == (Margin(("n", "m", "lines", "total_findings", "sub_n"), total_row="is_total"),
                         Margin(("n", "m"), ("month",)), Margin(("lines",), total_column="total_findings"))
    assert r.running == ("cumulative_share",)


@pytest.mark.parametrize("lines, message", [
    ("-- counts: secret n", "must start with one of"),
    ("-- counts: part n", "names its parent"),
    ("-- counts: guarded n <- m", "has no '<-'"),
    ("-- counts: guarded n; public n", "declared twice"),
    ("-- counts: guarded n\n-- suppress: m -> amount", "not declared"),
    ("-- counts: guarded n\n-- totals: sideways n", "'-- totals:' clause"),
])
def test_bad_declarations_are_rejected(lines, message):
    with pytest.raises(QueryError, match=message):
        parse_query("t__t", _header(lines))


def test_a_header_from_before_counts_declarations_guards_its_suppress_keys():
    q = parse_query("t__t", _header("-- suppress: n -> amount"))
    assert q.rules.guarded == ("n",) and q.rules.dependents == {"n": ("amount",)}


# ---------------------------------------------------------------- services on the 9-encounter fixture

@pytest.fixture
def tiny(monkeypatch):
    from tests import fixtures
    monkeypatch.setenv("CODEDASH_SUPPRESSION_THRESHOLD", "1")
    return fixtures.build()


def test_a_coder_hidden_beside_the_team_row_hides_the_next_smallest_coder(tiny):
    from codedash.queries import coding_quality as cq
    # C1 has 2 audits (A1, A3), C2 one (A2): C2 is small at k = 1; the team row (3) would give it back
    acc = cq.accuracy_by_coder(tiny, {}).set_index("coder_id")
    assert acc["n_audited_encounters"].isna().tolist() == [True, True, False]   # C1, C2, then TEAM
    # the team's 10 reviewed codes (deleted ones excluded), 7 of them correct
    assert acc.loc["TEAM", "n_audited_encounters"] == 3 and acc.loc["TEAM", "coding_accuracy"] == 7 / 10


def test_the_scorecard_hides_the_coder_when_the_rest_of_the_team_is_small(tiny):
    from codedash.queries import coding_quality as cq
    # scorecard of C1 (2 audits) beside the team (3): the rest (C2) is 1, so C1 goes with it
    acc = cq.accuracy_by_coder(tiny, {}, focus="C1").set_index("coder_id")
    assert list(acc.index) == ["C1", "TEAM"]
    assert pd.isna(acc.loc["C1", "n_audited_encounters"]) and acc.loc["TEAM", "n_audited_encounters"] == 3


def test_a_month_hidden_beside_the_period_cards_hides_the_next_smallest_month(tiny):
    from codedash.queries.overview import overview_kpis
    # December 2024 has 1 encounter, January and February 4 each: January (the earlier tie) goes too
    result = overview_kpis(tiny, {"start_date": "2024-12-01", "end_date": "2025-02-28"})
    assert result["monthly"]["encounters"].isna().tolist() == [True, True, False]
    assert result["monthly"]["encounters"].iloc[2] == 4
    cards = {k["key"]: k for k in result["kpis"]}
    assert cards["encounters"]["value"] == 9 and not cards["encounters"]["suppressed"]
