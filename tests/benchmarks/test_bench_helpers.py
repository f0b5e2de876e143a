"""The benchmark's own helpers: percentiles, random filters inside the data, callback discovery and
request bodies, and the pandas baseline agreeing with the codedash queries (timings are never tested)."""
import datetime as dt
import random

import pytest

from tests import fixtures
from tests.benchmarks import callbacks as cbm
from tests.benchmarks import pandas_baseline as pb


def test_nearest_rank_percentiles_are_observed_values():
    assert cbm.pct(list(range(1, 11)), 95) == 10
    assert cbm.pct(list(range(1, 21)), 95) == 19
    assert cbm.pct(list(range(1, 21)), 50) == 10
    assert cbm.pct([7.0], 95) == 7.0


def test_random_filters_stay_inside_the_data_and_the_declared_shapes():
    lists = {"facilities": ["F1", "F2", "F3", "F4"], "specialties": ["06"], "payers": ["PA", "PB"], "coders": []}
    s = cbm.Sampler(dt.date(2023, 10, 1), dt.date(2026, 9, 30), lists, rng=random.Random(1))
    for _ in range(300):
        f = s.filters()
        start, end = dt.date.fromisoformat(f["start_date"]), dt.date.fromisoformat(f["end_date"])
        assert dt.date(2023, 10, 1) <= start <= end <= dt.date(2026, 9, 30)
        assert start.day == 1
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        assert 1 <= months <= 24
        for name, values in lists.items():
            assert len(f.get(name, [])) <= 3 and set(f.get(name, [])) <= set(values)
        assert "coders" not in f


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from codedash.dashboard.app import create_app
    from codedash.data.database import build_database
    from tests.queries.test_cache import _fixture_rows

    return create_app(build_database(tmp_path_factory.mktemp("bench") / "b.duckdb", _fixture_rows))


def test_every_callback_is_discovered_with_its_page(app):
    found = {cb.output: cb for cb in cbm.discover(app)}
    assert set(found) == {k for k, cb in app.callback_map.items() if "callback" in cb}   # server-side ones
    assert len(found) < len(app.callback_map)            # the keyboard cross-filter selects are clientside
    overview = next(cb for cb in found.values() if cb.label.startswith("overview-kpis-body"))
    assert (overview.page, overview.on_filter_change, overview.renders, overview.export) == ("overview", True, True, False)
    assert found["overview-kpis-download.data"].export and not found["overview-kpis-download.data"].renders
    assert {cb.page for cb in found.values() if cb.label.startswith("denials-")} == {"denials"}
    assert found["f-coders.data"].page == "shell"


def test_bodies_are_what_the_browser_sends_and_every_callback_answers(app, no_suppression):
    callbacks = cbm.discover(app)
    sampler = cbm.Sampler.from_database(app._codedash_db.cursor(), app)
    client = app.server.test_client()
    client.get("/")
    values = sampler.values({"start_date": "2025-01-01", "end_date": "2025-02-28", "payers": ["PA"]})
    for cb in callbacks:
        payload = cbm.body(cb, values)
        assert [i["id"] + "." + i["property"] for i in payload["inputs"]] == \
            [i["id"] + "." + i["property"] for i in app.callback_map[cb.output]["inputs"]]
        if cb.on_filter_change:
            assert payload["changedPropIds"] == ["filters.data"]
        assert cbm.post(client, payload)[1] in (200, 204), cb.output


@pytest.mark.parametrize("filters", [
    {"start_date": "2025-01-01", "end_date": "2025-02-28"},
    {"start_date": "2024-12-01", "end_date": "2025-02-28", "payers": ["PA"], "facilities": ["F1"]},
    {"start_date": "2025-01-01", "end_date": "2025-01-31", "coders": ["C2"]},
])
def test_the_pandas_views_return_what_the_codedash_queries_return(filters):
    con = fixtures.build()
    tables, _ = pb.load(con)
    assert pb.check(con, tables, filters) == {name: True for name in pb.VIEWS}
    assert len(pb.overview_components(tables, filters)) and len(pb.denial_rate_by_payer(tables, filters))
    assert len(pb.coder_accuracy(tables, filters))           # not equal by being empty


def test_multi_user_load_reads_the_encounters_card_and_percentiles():
    import json

    from tests.benchmarks.multi_user_load import _encounters_in, pct
    response = {"multi": True, "response": {"overview-kpis-body": {"children": [
        {"props": {"id": "overview-period", "children": "Discharges …"}},
        {"props": {"children": [{"props": {"id": "kpi-encounters-value", "children": "1,234"}}]}}]}}}
    assert _encounters_in(json.dumps(response)) == "1,234"
    assert _encounters_in("not json") is None
    assert pct([5, 1, 3, 2, 4], 0.5) == 3 and pct([5, 1, 3, 2, 4], 0.95) == 5


def test_the_diagnosis_page_is_timed_under_every_selection_level_and_choice():
    from codedash.dashboard.pages.diagnosis_trends import PAGE
    from tests.queries import fixtures_trends

    con = fixtures_trends.build()
    states = cbm._dx_states(con)
    assert states[0] is None                                       # the default state is drawn too
    # the most coded node of each level (ties by name): chapter 10 and 9 have 5 encounters each
    tops = ("chapter:10", "block:I10-I1A", "category:I10", "code:J189", "block:E08-E13,block:I10-I1A,block:J09-J18")
    assert [s["selection"] for s in states[1:]] == [x for x in tops for _ in range(3)]
    for s in states[1:]:
        assert set(s) == {k.name for k in PAGE.state}
        assert PAGE.validate_state(con, s) == s                    # a state the page accepts as it is
