"""Denials page: bodies, cross-filter, links and exports as plain functions on the hand-made fixture."""
import pytest
from dash.development.base_component import Component

from dashboard.figures import denials as figs
from dashboard.pages import denials as page
from tests.queries import fixtures_denials

PERIOD = {"start_date": "2025-01-01", "end_date": "2025-02-28"}


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


def test_money_stats_exact(con, no_suppression):
    body = page.body_money(con, PERIOD, {})
    assert _find(body, "denials-stat-ncr").children == "90.8%"        # 5460 / 6010
    assert _find(body, "denials-stat-gcr").children == "77.4%"        # 5460 / 7050
    assert _find(body, "denials-stat-charges").children == "$7.0K"


def test_selection_is_validated_and_toggles(con):
    assert page.validate_selection(con, {"payer": "PB", "category": "coding_bundling", "carc": "97"}) == \
        {"payer": "PB", "category": "coding_bundling", "carc": "97"}
    assert page.validate_selection(con, {"payer": "' or 1=1", "category": "nope", "x": "y"}) == {}
    assert page.validate_selection(con, "garbage") == {}
    click = {"points": [{"customdata": "PB"}]}
    assert page.next_selection({}, "payer", click) == {"payer": "PB"}
    assert page.next_selection({"payer": "PB"}, "payer", click) == {}
    assert page.next_selection({"payer": "PB"}, None, None) == {}          # clear button


def test_payer_cross_filter_narrows_other_panels(con, no_suppression):
    assert page.effective_filters(PERIOD, {"payer": "PB"})["payers"] == ["PB"]
    assert page.effective_filters({**PERIOD, "payers": ["PA"]}, {"payer": "PB"}) == {**PERIOD, "payers": ["PA"]}
    body = page.body_money(con, PERIOD, {"payer": "PB"})
    assert _find(body, "denials-stat-ncr").children == "82.8%"        # 2650 / 3200
    chip = page.selection_chip(con, PERIOD, {"payer": "PB"})
    assert chip.children == "Filtered to payer PB"


def test_coder_grid_links_to_coding_quality_with_filters(con, no_suppression):
    grid = _find(page.body_coding(con, {**PERIOD, "payers": ["PA", "PB"]}, {}), "denials-coder-grid")
    rows = {r["person_id"]: r for r in grid.rowData}
    assert rows["C2"]["scorecard"] == "[scorecard](/coding-quality?start=2025-01-01&end=2025-02-28&payer=PA&payer=PB&coder=C2)"
    assert rows["C2"]["coding_denial_rate_lines"] == pytest.approx(0.2)


def test_export_carries_filters_definitions_and_page_filter(con, no_suppression):
    out = page.export(con, "denials-pareto", {**PERIOD, "payers": ["PB"]}, {"category": "coding_bundling"})
    lines = out["content"].splitlines()
    assert out["filename"] == "codedash-denials-pareto.csv"
    assert "# filter payers: PB" in lines
    assert any(line.startswith("# pareto_cumulative_share:") for line in lines)
    assert "page filter category=coding_bundling" in lines[0]
    assert lines[-1].startswith("1,CO,97,CO-97,coding_bundling")


def test_exports_exist_for_every_panel(con, no_suppression):
    for pid in (*page.PANELS, "denials-reimbursement"):
        assert page.export(con, pid, PERIOD, {})["content"].startswith("# codedash:"), pid


def test_suppressed_stats_show_the_marker(con, cms_suppression):
    body = page.body_money(con, PERIOD, {})
    assert _find(body, "denials-stat-paid").children == "‡ suppressed"


def test_cmi_says_why_months_have_no_value(con, no_suppression):
    body = page.body_cmi(con, {"start_date": "2024-12-01", "end_date": "2025-02-28"}, {})
    assert "FY2026" in body[1].children


def test_figures():
    import pandas as pd
    df = pd.DataFrame({"group_id": ["A", "B"], "group_label": ["Alpha", "B"], "rate": [0.2, None],
                       "suppressed": [False, True]})
    fig = figs.rate_bars(df, "group_id", "group_label", "rate", "rate", selected="A")
    assert list(fig.data[0].customdata) == ["B", "A"]
    assert fig.data[0].text[0] == "‡ suppressed"
    assert figs.pareto(pd.DataFrame()).layout.annotations[0].text == "No denied lines in this period"
