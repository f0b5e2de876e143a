"""Row-level security (issue 13): every query applies the facility scope, or says why it needs none.

The signed-in user's facility grants reach SQL only as $scope_facilities, which the runner binds itself
(callers cannot pass it); a query that does not mention it would show every facility's rows to everyone.
"""
from __future__ import annotations

import pytest

from codedash.queries import filters as flt
from codedash.queries import request_context, runner
from codedash.queries.runner import QueryError, parse_query
from tests.fixtures import build as make_db


def test_every_query_binds_the_scope_or_declares_why_not():
    missing = [q.name for q in runner.catalog()
               if "$" + flt.SCOPE_PARAM not in q.sql and not q.scope_exemption]
    assert missing == []


def test_exemptions_are_few_and_reasoned():
    exempt = {q.name: q.scope_exemption for q in runner.catalog() if q.scope_exemption}
    assert all(len(why) > 20 for why in exempt.values())
    # reference data, load metadata and the administrators' data-quality page only
    assert all(n.startswith(("dq__", "dataset__", "filters__carc", "diagnosis__search", "compliance__edit_sources"))
               for n in exempt)


def test_scope_header_is_checked():
    head = "-- purpose: p\n-- grain: g\n-- params: none\n"
    with pytest.raises(QueryError, match="must read"):
        parse_query("x", head + "-- scope: whatever\nselect 1")
    with pytest.raises(QueryError, match="binds"):
        parse_query("x", head + "-- scope: none: reference data only here\n"
                    "select 1 where $scope_facilities::varchar[] is null")
    assert parse_query("x", head + "-- scope: none: reference data only here\nselect 1").scope_exemption == \
        "reference data only here"


def test_request_scope_narrows_what_the_caller_asked_for():
    a, b = flt.Scope(("F1", "F2")), flt.Scope(("F2", "F3"))
    assert request_context.intersect(a, b) == flt.Scope(("F2",))
    assert request_context.intersect(flt.ALL, b) == b
    assert request_context.intersect(a, flt.ALL) == a
    assert request_context.intersect(flt.Scope(("F1",)), flt.Scope(("F3",))) == flt.Scope(())


def test_a_request_scope_binds_into_every_query_and_records_it():
    con = make_db()
    facilities = sorted(con.execute("select distinct facility_id from encounters").fetchdf()["facility_id"])
    assert len(facilities) >= 2
    everything = runner.run(con, "filters__facilities", scope=flt.ALL, suppress=False)
    assert sorted(everything["value"]) == facilities
    ctx = request_context.RequestContext(scope=flt.Scope((facilities[0],)), username="u")
    with request_context.serving(ctx):
        mine = runner.run(con, "filters__facilities", scope=flt.ALL, suppress=False)
        # a caller asking for another facility explicitly still gets only the granted one's rows
        other = runner.run(con, "filters__facilities", scope=flt.Scope((facilities[1],)), suppress=False)
    assert list(mine["value"]) == [facilities[0]]
    assert other.empty
    assert [q["query"] for q in ctx.queries] == ["filters__facilities", "filters__facilities"]
    assert ctx.queries[0]["params"]["scope_facilities"] == [facilities[0]]
    # outside a request nothing is narrowed
    assert sorted(runner.run(con, "filters__facilities", suppress=False)["value"]) == facilities
