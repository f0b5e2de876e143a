"""Denials page: panels, cross-filter (page state in the URL), links and exports as plain functions on the
hand-made fixture."""
import pandas as pd
import pytest
from dash.development.base_component import Component

from codedash.dashboard.figures import denials as figs
from codedash.dashboard.pages import denials as page
from codedash.queries import denials as dn
from tests.queries import fixtures_denials

PERIOD = {"start_date": "2025-01-01", "end_date": "2025-02-28"}
PAGE = page.PAGE


@pytest.fixture(scope="module")
def con():
    return fixtures_denials.build()


def _find(node, id_):
    if isinstance(node, Component):
        if getattr(node, "id", None) == id_:
            return node
        return _find(getattr(node, "children", None), id_)
    if isinstance(node, (list, tuple)):
        for n in node:
            hit = _find(n, id_)
            if hit is not None:
                return hit
    return None


def _money_stats(con, filters, state):
    _fig, stats = PAGE.render_panel("money", con, filters, state)
    return stats


def test_money_stats_exact(con, no_suppression):
    stats = _money_stats(con, PERIOD, {})
    assert _find(stats, "denials-stat-ncr").children == "90.8%"        # 5460 / 6010
    assert _find(stats, "denials-stat-gcr").children == "77.4%"        # 5460 / 7050
    assert _find(stats, "denials-stat-charges").children == "$7.0K"


def test_selection_is_validated_against_the_database(con):
    assert dn.validate_selection(con, {"payer": "PB", "category": "coding_bundling", "carc": "97"}) == \
        {"payer": "PB", "category": "coding_bundling", "carc": "97"}
    assert dn.validate_selection(con, {"payer": "' or 1=1", "category": "nope", "x": "y"}) == {}
    assert dn.validate_selection(con, "garbage") == {}
    state = PAGE.validate_state(con, {"payer": "NOPE", "category": "uncategorised", "reimb": "specialty",
                                      "days": ["x"]})
    assert state == {"payer": None, "category": "uncategorised", "carc": None, "reimb": "specialty",
                     "days": "denial_to_appeal"}


def test_clicks_toggle_the_cross_filter_and_write_the_url(con):
    click = {"payer": {"points": [{"customdata": "PB"}]}}
    state, search, *_ = PAGE.sync_state(con, "denials-payer-graph", "?start=2025-01-01", click, {},
                                        PAGE.default_state())
    assert state["payer"] == "PB" and search == "?start=2025-01-01&focus_payer=PB"
    again, search2, *_ = PAGE.sync_state(con, "denials-payer-graph", search, click, {}, state)
    assert again["payer"] is None and search2 == "?start=2025-01-01"
    forged = {"payer": {"points": [{"customdata": "NOPE"}]}}
    with pytest.raises(Exception):           # an unknown id changes nothing (PreventUpdate)
        PAGE.sync_state(con, "denials-payer-graph", "", forged, {}, PAGE.default_state())
    cleared, search3, *_ = PAGE.sync_state(con, "denials-clear", "?focus_payer=PB&carc=97&reimb=specialty", {}, {},
                                           {**PAGE.default_state(), "payer": "PB", "carc": "97", "reimb": "specialty"})
    assert (cleared["payer"], cleared["carc"], cleared["reimb"]) == (None, None, "specialty")
    assert search3 == "?reimb=specialty"


@pytest.mark.parametrize("search,state", [
    ("?focus_payer=PB", {"payer": "PB"}),
    ("?carc_category=coding_bundling&carc=97", {"category": "coding_bundling", "carc": "97"}),
    ("?reimb=specialty", {"reimb": "specialty"}),
    ("?days=service_to_payment", {"days": "service_to_payment"}),
])
def test_every_piece_of_page_state_round_trips_through_the_url(con, search, state):
    full = {**PAGE.default_state(), **state}
    assert PAGE.state_from_search(con, search) == (full, [])
    assert PAGE.search_with_state("", full) == search


def test_unknown_ids_in_the_url_are_dropped_with_the_notice(con):
    state, problems = PAGE.state_from_search(con, "?focus_payer=NOPE&carc=999&reimb=facility")
    assert state == PAGE.default_state()
    assert problems == ["ignored focus_payer: not a known payer", "ignored carc: not a known CARC code",
                        "ignored reimb: not a known reimbursement grouping"]
    out = PAGE.sync_state(con, "url", "?start=2025-01-01&focus_payer=NOPE", {}, {}, PAGE.default_state())
    assert out[1] == "?start=2025-01-01"


def test_payer_cross_filter_narrows_other_panels(con, no_suppression):
    assert dn.effective_filters(PERIOD, {"payer": "PB"})["payers"] == ["PB"]
    assert dn.effective_filters({**PERIOD, "payers": ["PA"]}, {"payer": "PB"}) == {**PERIOD, "payers": ["PA"]}
    stats = _money_stats(con, PERIOD, {"payer": "PB"})
    assert _find(stats, "denials-stat-ncr").children == "82.8%"        # 2650 / 3200
    chip = page.selection_chip(PAGE.context(con, PERIOD, {"payer": "PB"}))
    assert chip.children == "Filtered to payer Acme Commercial (PB)"


def test_chip_shows_labels_not_keys(con):
    chip = page.selection_chip(PAGE.context(con, PERIOD, {"category": "coding_bundling", "carc": "97"}))
    assert chip.children == "Filtered to CARC category Coding / bundling, CARC 97 (Coding / bundling)"
    assert page.selection_chip(PAGE.context(con, PERIOD, {})).id == "denials-chip-hint"


def test_coder_grid_links_to_coding_quality_with_filters(con, no_suppression):
    rows, = PAGE.render_panel("coder", con, {**PERIOD, "payers": ["PA", "PB"]}, {})
    by_id = {r["person_id"]: r for r in rows}
    assert by_id["C2"]["scorecard"] == \
        "[scorecard](/coding-quality?start=2025-01-01&end=2025-02-28&payer=PA&payer=PB&coder=C2)"
    assert by_id["C2"]["coding_denial_rate_lines"] == pytest.approx(0.2)


def test_export_carries_filters_definitions_and_page_state(con, no_suppression):
    out = PAGE.export_panel("pareto", con, {**PERIOD, "payers": ["PB"]}, {"category": "coding_bundling"})
    lines = out["content"].splitlines()
    assert out["filename"] == "codedash-denials-pareto.csv"
    assert "# filter payers: PB" in lines
    assert any(line.startswith("# pareto_cumulative_share:") for line in lines)
    assert lines[0].endswith("— page state carc_category=coding_bundling")
    assert lines[-1].startswith("1,CO,97,CO-97,coding_bundling")


def test_each_export_is_its_own_panel(con, no_suppression):
    outs = {p.key: PAGE.export_panel(p.key, con, PERIOD, {}) for p in page.PANELS}
    titles = {k: o["content"].splitlines()[0] for k, o in outs.items()}
    assert all(t.startswith("# codedash: Reimbursement & denials: ") for t in titles.values())
    assert len(set(titles.values())) == len(outs) and len({o["filename"] for o in outs.values()}) == len(outs)

    def first_column(key):
        return {line.split(",")[0] for line in outs[key]["content"].splitlines()[1:] if not line.startswith("#")}
    assert first_column("payer") == {"group_id", "PA", "PB"}
    assert first_column("specialty") != first_column("payer")
    coder = PAGE.export_panel("coder", con, PERIOD, {})["content"]
    assert "scorecard" not in coder                                  # the link is the grid's, not the data's
    days = PAGE.export_panel("days", con, PERIOD, {"days": "service_to_payment"})["content"]
    assert {line.split(",")[0] for line in days.splitlines() if not line.startswith(("#", "measure"))} == \
        {"service_to_payment"}


def test_suppressed_stats_show_the_marker(con, cms_suppression):
    stats = _money_stats(con, PERIOD, {})
    assert _find(stats, "denials-stat-paid").children == "‡ suppressed"


def test_cmi_says_why_months_have_no_value(con, no_suppression):
    _fig, note = PAGE.render_panel("cmi", con, {"start_date": "2024-12-01", "end_date": "2025-02-28"}, {})
    assert "FY2026" in note.children


def test_figures():
    df = pd.DataFrame({"group_id": ["A", "B"], "group_label": ["Alpha", "B"], "rate": [0.2, None],
                       "suppressed": [False, True]})
    fig = figs.rate_bars(df, "group_id", "group_label", "rate", "rate", selected="A")
    assert list(fig.data[0].customdata) == ["B", "A"]
    assert fig.data[0].text[0] == "‡ suppressed"
    assert figs.pareto(pd.DataFrame()).layout.annotations[0].text == "No denied lines in this period"
