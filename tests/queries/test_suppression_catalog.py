"""Every count column of every query is declared, and none leaves the runner small, on the small demo.

Also the leaks reported in issue 9 (a DRG change of 1 in June 2024, pending appeal lines, a small error
total for one coder and payer), checked on the same demo with the CMS threshold of 10.
"""
import itertools
import re

import pandas as pd
import pytest

from codedash.data.database import open_readonly
from codedash.queries.runner import catalog, load, run
from codedash.queries.suppression import is_small

K = 10
# Names that say "this counts something", whatever its dtype (SQL sums come back as floats).
COUNT_NAME = re.compile(r"^(n_|claims_|lines_|records_|drg_(?!weight)|rows_|checks_|focus_claims_)|_count$|"
                        r"_discharges$|_findings$|_encounters$|_days$|_correct$|_reviewed$|_deleted$|_no_change$|"
                        r"_unchanged$|_changed$")
FILTERS = [{}, {"coders": ["C005"]}, {"payers": ["P008"]}, {"coders": ["C005"], "payers": ["P008"]},
           {"start_date": "2024-06-01", "end_date": "2024-06-30"},
           {"start_date": "2024-06-01", "end_date": "2024-06-30", "coders": ["C003"], "payers": ["P003"]}]
VARIANTS = {
    "denials__rate_by_group": [{"dimension": d} for d in ("payer", "specialty", "facility")],
    "denials__rate_by_reason": [{"level": v} for v in ("category", "carc_group")],
    "denials__coding_related_by_person": [{"role": v} for v in ("coder", "provider")],
    "denials__monthly_trend": [{}, {"focus_payer": "P008"}, {"focus_carc": "11"},
                               {"focus_payer": "P003", "focus_carc": "50"}, {"focus_category": "coding_bundling"}],
    "denials__pareto": [{}, {"carc_category": "coding_bundling"}],
    "denials__appeals": [{}, {"carc_category": "medical_necessity"}],
    "denials__days_distribution": [{}, {"carc_category": "medical_necessity"}],
    "denials__rate_by_procedure": [{}, {"carc_category": "coding_bundling"}],
    "coding__code_pairs": [{}, {"finding_type": "revised"}],
}


@pytest.fixture(scope="module")
def demo(small_demo_db):
    return open_readonly(small_demo_db)


@pytest.fixture(autouse=True)
def cms(cms_suppression):
    yield


def _param_sets(q):
    takes_filters = "start_date" in q.param_names
    filters = FILTERS if takes_filters else [{}]
    return [{**f, **v} for f, v in itertools.product(filters, VARIANTS.get(q.name, [{}]))]


_RESULTS: dict[str, list] = {}


def _results(con, q):
    """Each parameter set's suppressed result (computed once per query for both catalog tests)."""
    if q.name not in _RESULTS:
        _RESULTS[q.name] = [(p, run(con, q.name, p)) for p in _param_sets(q)]
    return _RESULTS[q.name]


def _count_like(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if c != "suppressed" and (
        (pd.api.types.is_integer_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])) or COUNT_NAME.search(c))]


@pytest.mark.parametrize("name", [q.name for q in catalog()])
def test_every_count_column_is_declared_and_none_is_small(demo, name):
    q = load(name)
    declared, hidable = q.rules.declared, set(q.rules.counts)
    for params, df in _results(demo, q):
        undeclared = sorted(set(_count_like(df)) - declared)
        assert not undeclared, f"{name}: declare {undeclared} in its '-- counts:' header"
        for col in hidable:
            small = df[is_small(df[col], K)]
            assert small.empty, f"{name} {params}: {col} shows {small[col].tolist()}"


# A number in parentheses next to a code ("CO-11 (8)") or "8 encounters" is a count inside text.
_COUNT_IN_TEXT = re.compile(r"\(\s*(\d+)\s*\)|\b(\d+)\s+(?:encounters?|patients?|claims?|lines?|audits?)\b")
# Offending values in data-quality examples are the user's own data, shown to fix it; a specialty's
# label carries its CMS code in parentheses ("Gastroenterology (10)"), not a count.
_TEXT_EXEMPT = {"dq__example_failures": {"value", "message", "file"}, "filters__specialties": {"label"}}


def _counts_in_text(df: pd.DataFrame, name: str) -> list[str]:
    found = []
    for col in df.columns:
        if col in _TEXT_EXEMPT.get(name, set()) or not (
                pd.api.types.is_object_dtype(df[col]) or pd.api.types.is_string_dtype(df[col])):
            continue
        for value in df[col].dropna():
            for m in _COUNT_IN_TEXT.finditer(str(value)):
                n = int(m.group(1) or m.group(2))
                if 1 <= n <= K:
                    found.append(f"{col}: {value!r}")
    return found


_TEXT_CASES = [q.name for q in catalog()]


@pytest.mark.parametrize("name", _TEXT_CASES)
def test_no_small_count_inside_text(demo, name):
    q = load(name)
    for params, df in _results(demo, q):
        found = _counts_in_text(df, name)
        assert not found, f"{name} {params}: {found[:3]}"


def test_the_check_for_counts_in_text_finds_them():
    df = pd.DataFrame({"top_carcs": ["CO-97 (21), CO-11 (8)"], "label": ["3 encounters"], "ok": ["CO-11 (80)"]})
    assert _counts_in_text(df, "x") == ["top_carcs: 'CO-97 (21), CO-11 (8)'", "label: '3 encounters'"]


# ---------------------------------------------------------------- the leaks of issue 9

def test_june_2024_accuracy_does_not_show_one_drg_change(demo):
    raw = run(demo, "coding__accuracy_by_month", {"start_date": "2024-06-01", "end_date": "2024-06-30"},
              suppress=False)
    assert raw["drg_changed"].tolist() == [1]          # the leak the issue found
    shown = run(demo, "coding__accuracy_by_month", {"start_date": "2024-06-01", "end_date": "2024-06-30"})
    # 12 DRG audits, 11 unchanged: the change and its complement go, the 12 audits stay
    assert shown["drg_audits"].tolist() == [12]
    assert shown[["drg_changed", "drg_unchanged"]].isna().all(axis=None)
    assert shown["n_audited_encounters"].tolist() == [53] and bool(shown["suppressed"].iloc[0])


def test_cli_query_csv_for_june_2024_has_no_drg_change_of_one(small_demo_db, capsys):
    from codedash.dashboard.cli import main
    assert main(["query", "coding__accuracy_by_month", "--db", str(small_demo_db), "--param", "start_date=2024-06-01",
                 "--param", "end_date=2024-06-30", "--format", "csv"]) == 0
    header, row = capsys.readouterr().out.strip().splitlines()
    values = dict(zip(header.split(","), row.split(",")))
    assert values["drg_changed"] == "" and values["drg_unchanged"] == "" and values["drg_audits"] == "12.0"


def test_appeals_never_show_a_small_number_of_pending_lines(demo):
    raw = run(demo, "denials__appeals", {"payers": ["P008"], "carc_category": "medical_necessity"}, suppress=False)
    pending = [run(demo, "denials__appeals", p)["lines_pending"] for p in (
        {}, {"carc_category": "medical_necessity"}, {"payers": ["P003"]})]
    assert all(not is_small(s, K).any() for s in pending)
    assert raw is not None
    leaky = [p for p in _param_sets(load("denials__appeals"))
             if is_small(run(demo, "denials__appeals", p, suppress=False)["lines_pending"], K).any()]
    assert leaky, "the demo should hold pending counts of 1..10 for this test to mean anything"
    for p in leaky:
        assert not is_small(run(demo, "denials__appeals", p)["lines_pending"], K).any(), p


def test_error_taxonomy_for_one_coder_and_payer_hides_a_small_error_total(demo):
    found = 0
    for coder, payer in itertools.product(["C001", "C003", "C005", "C009"], ["P003", "P008", "P002"]):
        f = {"coders": [coder], "payers": [payer]}
        raw = run(demo, "coding__error_taxonomy", f, suppress=False)
        shown = run(demo, "coding__error_taxonomy", f)
        if len(raw) and is_small(raw["n_error_findings"], K).any():
            found += 1
            assert shown["n_error_findings"].isna().all(), f
        assert not is_small(shown["n_error_findings"], K).any(), f
        # the total minus the shown types never gives back a hidden type
        if len(shown) and shown["n_error_findings"].notna().all():
            rest = raw["n_findings"].sum() - shown["n_findings"].fillna(0).sum()
            assert rest == 0 or rest > K, (f, rest)
    assert found, "the demo should hold a coder and payer with 1..10 error findings"


def test_a_payer_focused_on_one_carc_cannot_recover_a_month_from_the_pareto_total(demo):
    from codedash.queries import denials as dn
    exercised = 0
    for payer, carc in itertools.product(["P001", "P003", "P008"], ["11", "50", "97", "197"]):
        sel = {"payer": payer, "carc": carc}
        pareto = dn.pareto(demo, {}, sel)
        row = pareto[pareto["carc_code"] == carc]
        trend = dn.trend(demo, {}, sel)
        raw = run(demo, "denials__monthly_trend", {"focus_payer": payer, "focus_carc": carc}, suppress=False)
        hidden = raw.loc[trend["focus_claims_denied"].isna() & raw["focus_claims_denied"].notna(),
                         "focus_claims_denied"]
        if len(row) and row["claims_denied"].notna().all() and len(hidden):
            exercised += 1
            total = int(row["claims_denied"].iloc[0])
            recovered = total - trend["focus_claims_denied"].fillna(0).sum()
            assert recovered == hidden.sum() and len(hidden[hidden > 0]) != 1 and not 1 <= recovered <= K, sel
    assert exercised, "the demo should hold a focus with a small month beside a shown Pareto total"
