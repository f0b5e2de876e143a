"""Every overview, reimbursement and denials query reads marts and returns exactly what its raw-table copy returned.

For each query: every filter combination of tests/queries/marts_exactness.py (no filters, date windows of 1,
6 and 24 months and one mid-month window, 1-3 facilities / specialties / payers / coders, combinations, a
coder matching nothing) with the page's default parameters, and every other page-local parameter value
(dimension, level, role, focus, CARC category, limit) with six of those combinations, unsuppressed; under
a facility scope; then once suppressed at the CMS threshold. Run on
the 9-encounter fixture, the denials fixture and the small demo (5k encounters). Only the sums of DOUBLE
MS-DRG weights are compared with a tolerance (rtol 1e-9), because their summation order differs.
"""
import pytest

from codedash.data.database import open_readonly
from codedash.queries import filters as flt
from tests import fixtures
from tests.queries import fixtures_denials
from tests.queries.marts_exactness import check_query, check_suppressed, filter_combinations

WEIGHTS = frozenset({"drg_weight_sum"})


def categories(con):
    """No category, every CARC category of the reference, the fallback 'uncategorised' and one unknown."""
    cats = [r[0] for r in con.execute("select distinct category from ref_carc order by 1").fetchall()]
    return [{}] + [{"carc_category": c} for c in (*cats, "uncategorised", "no such category")]


def focus(con):
    """No focus; the busiest payer, CARC and category each alone; two together; all three; an unknown CARC."""
    payer = con.execute("select payer_id from encounters group by 1 order by count(*) desc, 1 limit 1").fetchone()[0]
    carc, category = con.execute(
        """select j.carc_code, r.category from adjudications as j join ref_carc as r on r.carc_code = j.carc_code
           where j.denied group by 1, 2 order by count(*) desc, 1 limit 1""").fetchone() or ("97", "coding_bundling")
    return [{}, {"focus_payer": payer}, {"focus_carc": carc}, {"focus_category": category},
            {"focus_category": "uncategorised"}, {"focus_payer": payer, "focus_carc": carc},
            {"focus_payer": payer, "focus_carc": carc, "focus_category": category}, {"focus_carc": "no such"}]


def procedure_params(con):
    return [{**c, "limit_rows": n} for c in categories(con)[:4] for n in (1, 5, 50)]


# query -> (page-local parameter sets, DOUBLE columns)
QUERIES = {
    "overview__monthly_components": ([{}], WEIGHTS),
    "reimbursement__monthly": ([{}], frozenset()),
    "reimbursement__by_group": ([{"dimension": "payer"}, {"dimension": "specialty"}, {"dimension": "facility"}],
                                frozenset()),
    "denials__case_mix_monthly": ([{}], WEIGHTS),
    "denials__rate_by_group": ([{"dimension": d} for d in ("payer", "specialty", "facility", "provider")], frozenset()),
    "denials__rate_by_reason": ([{"level": v} for v in ("category", "carc_group", "code")], frozenset()),
    "denials__pareto": (categories, frozenset()),
    "denials__appeals": (categories, frozenset()),
    "denials__days_distribution": (categories, frozenset()),
    "denials__rate_by_procedure": (procedure_params, frozenset()),
    "denials__coding_related_by_person": ([{"role": r} for r in ("coder", "provider", "auditor")], frozenset()),
    "denials__monthly_trend": (focus, frozenset()),
    "denials__hfma_monthly": ([{}], frozenset()),
}


def _locals(con, name):
    locals_, doubles = QUERIES[name]
    return (locals_(con) if callable(locals_) else locals_), doubles


@pytest.fixture(scope="module", params=["fixture", "denials_fixture", "small_demo"])
def con(request):
    if request.param == "fixture":
        return fixtures.build()
    if request.param == "denials_fixture":
        return fixtures_denials.build()
    return open_readonly(request.getfixturevalue("small_demo_db"))


@pytest.fixture(scope="module")
def combos(con):
    return filter_combinations(con)


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_mart_query_equals_raw_query(con, combos, name):
    """Every filter combination with the page's default parameters; every other page parameter with a few."""
    locals_, doubles = _locals(con, name)
    assert check_query(con, name, combos, locals_[:1], doubles) == len(combos)
    few = [combos[i] for i in (0, 1, 3, -4, -3, -2)]
    assert check_query(con, name, few, locals_[1:], doubles) == len(few) * (len(locals_) - 1)


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_mart_query_equals_raw_query_under_a_facility_scope(con, name):
    locals_, doubles = _locals(con, name)
    first = con.execute("select min(facility_id) from encounters").fetchone()[0]
    check_query(con, name, [{}], locals_, doubles, scope=flt.Scope((first,)))


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_mart_query_equals_raw_query_suppressed(con, combos, name, cms_suppression):
    locals_, doubles = _locals(con, name)
    check_suppressed(con, name, {**combos[2], **locals_[-1]}, doubles)
