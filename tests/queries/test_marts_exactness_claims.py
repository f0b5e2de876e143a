"""Every overview, reimbursement and denials query reads marts and returns exactly what its raw-table copy returned.

For each query: every filter combination of tests/queries/marts_exactness.py (no filters, date windows of 1,
6 and 24 months, 1-3 facilities / specialties / payers / coders, combinations, a coder matching nothing)
times every page-local parameter value, unsuppressed; then once suppressed at the CMS threshold. Run on
the 9-encounter fixture, the denials fixture and the small demo (5k encounters). Only the sums of DOUBLE
MS-DRG weights are compared with a tolerance (rtol 1e-9), because their summation order differs.
"""
import pytest

from data.database import open_readonly
from queries import filters as flt
from tests import fixtures
from tests.queries import fixtures_denials
from tests.queries.marts_exactness import check_query, check_suppressed, filter_combinations

WEIGHTS = frozenset({"drg_weight_sum"})
CATEGORIES = [{}, {"carc_category": "coding_bundling"}, {"carc_category": "medical_necessity"},
              {"carc_category": "authorization"}, {"carc_category": "uncategorised"},
              {"carc_category": "no such category"}]

# query -> (page-local parameter sets, DOUBLE columns)
QUERIES = {
    "overview__monthly_components": ([{}], WEIGHTS),
    "reimbursement__monthly": ([{}], frozenset()),
    "reimbursement__by_group": ([{"dimension": "payer"}, {"dimension": "specialty"}, {"dimension": "facility"}],
                                frozenset()),
}


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
    locals_, doubles = QUERIES[name]
    assert check_query(con, name, combos, locals_, doubles) == len(combos) * len(locals_)


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_mart_query_equals_raw_query_under_a_facility_scope(con, name):
    locals_, doubles = QUERIES[name]
    first = con.execute("select min(facility_id) from encounters").fetchone()[0]
    check_query(con, name, [{}], locals_, doubles, scope=flt.Scope((first,)))


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_mart_query_equals_raw_query_suppressed(con, combos, name, cms_suppression):
    locals_, doubles = QUERIES[name]
    check_suppressed(con, name, {**combos[2], **locals_[-1]}, doubles)
