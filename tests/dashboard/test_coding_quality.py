"""Coding quality page: render functions, figures and exports as plain functions on the fixture."""
import pytest

from codedash.dashboard.figures import coding_quality as figs
from codedash.dashboard.pages import coding_quality as page
from codedash.queries import coding_quality as cq
from tests.queries import fixtures_coding

P = {"start_date": "2025-01-01", "end_date": "2025-02-28"}


@pytest.fixture(scope="module")
def con():
    return fixtures_coding.build()


def test_coder_grid_rows_exact(con, no_suppression):
    rows = {r["coder_id"]: r for r in page.render_coders(con, P)}
    assert rows["C2"]["coding_accuracy"] == pytest.approx(0.85)
    assert rows["C2"]["ci"] == "64.0%–94.8%"
    assert rows["C2"]["flag"] == "small sample, below target"
    assert rows["C2"]["rank"] is None
    assert rows["TEAM"]["net_impact"] == 1300


def test_scorecard_header_and_rows(con, no_suppression):
    f = {**P, "coders": ["C2"]}
    header = page.render_header(con, f)
    assert header.children[0].children == "Scorecard: Coder Two"
    assert header.children[1].href == "/coding-quality?start=2025-01-01&end=2025-02-28"
    assert [r["coder_id"] for r in page.render_coders(con, f)] == ["C2", "TEAM"]


def test_accuracy_figure_marks_small_samples_and_target(con, no_suppression):
    fig = page.render_accuracy(con, P, "coding_accuracy")
    trace = fig.data[0]
    assert list(trace.customdata) == ["TEAM", "C1", "C2"]           # drawn bottom-up; best first from the top
    assert all("small sample" in y for y in trace.y[1:])
    assert figs.SMALL in list(trace.marker.color)
    assert any(s.x0 == 0.95 for s in fig.layout.shapes)
    # a tampered metric choice falls back to code-level accuracy
    assert page.render_accuracy(con, P, "'; drop").data[0].x[0] == pytest.approx(0.8)


def test_cross_filter_and_scorecard_navigation_are_validated(con, no_suppression):
    assert page.toggle_finding_type({"points": [{"customdata": "revised"}]}, None) == "revised"
    assert page.toggle_finding_type({"points": [{"customdata": "revised"}]}, "revised") is None
    assert page.toggle_finding_type({"points": [{"customdata": "<script>"}]}, None) is None
    rows, text = page.render_pairs(con, P, "revised")
    assert text == "Finding type: revised" and {r["finding_type"] for r in rows} == {"revised"}
    assert page.scorecard_search(P, "C2") == "?start=2025-01-01&end=2025-02-28&coder=C2"
    assert page.scorecard_search(P, "x' or 1=1;") is None
    assert page._clicked_coder("cq-coders-grid", None, {"rowId": "C1", "rowIndex": 0}, None) == "C1"
    assert page._clicked_coder("cq-coders-grid", None, {"rowIndex": 1}, [{"coder_id": "C2"}, {"coder_id": "C1"}]) == "C1"
    assert page._clicked_coder("cq-acc-graph", {"points": [{"customdata": "C2"}]}, None, None) == "C2"


def test_suppressed_view_shows_marker_not_zero(con, cms_suppression):
    rows = {r["coder_id"]: r for r in page.render_coders(con, P)}
    assert rows["C2"]["coding_accuracy"] is None and rows["C2"]["flag"] == "‡ suppressed"
    summary, _ = page.render_dnfb(con, P)
    assert "DNFB encounters: ‡ suppressed" in [c.children for c in summary.children[:1]]


def test_empty_period_gives_empty_states(con, no_suppression):
    f = {"start_date": "2030-01-01", "end_date": "2030-02-01"}
    assert page.render_accuracy(con, f, "coding_accuracy").layout.annotations[0].text.startswith("‡") or \
        page.render_accuracy(con, f, "coding_accuracy").layout.annotations
    assert page.render_coders(con, f)[0]["coder_id"] == "TEAM"
    assert page.render_turnaround(con, f)[0].id == "cq-turnaround-empty"
    assert page.render_trend(con, f).layout.annotations[0].text == "No audits in this period"


def test_exports_carry_filters_definitions_and_rows(con, no_suppression):
    out = page.export(con, {**P, "payers": ["PA"]}, "cq-coders")
    lines = out["content"].splitlines()
    assert out["filename"] == "codedash-cq-coders.csv"
    assert "# filter payers: PA" in lines
    assert any(line.startswith("# record_accuracy: ") and "AHIMA" in line for line in lines)
    out = page.export(con, P, "cq-pairs", "revised")
    assert out["content"].startswith("# codedash: Coding quality: original to corrected code pairs — page state "
                                      "finding=revised\n")
    # modifiers (none here), counts, then the display labels and the change
    assert "ICD10CM,revised,E119,E1165,,,1,2,False,E119,E1165,E119 → E1165" in out["content"]
    for pid in page.EXPORT_PANELS:
        assert page.export(con, P, pid)["content"].startswith("# codedash: Coding quality: ")


def _header(content: str) -> str:
    return next(line for line in content.splitlines() if not line.startswith("#"))


def test_each_panel_exports_its_own_data(con, no_suppression):
    """The accuracy chart, the coder grid and the impact chart once all downloaded the same file."""
    acc = _header(page.PAGE.export_panel("acc", con, P, {})["content"])
    assert acc == ("rank,coder_id,coder_name,is_team,audit_codes_correct,audit_codes_reviewed,coding_accuracy,"
                   "coding_accuracy_low,coding_accuracy_high,small_sample,vs_target,below_team,suppressed")
    record = _header(page.PAGE.export_panel("acc", con, P, {"metric": "record_accuracy"})["content"])
    assert "record_accuracy_low" in record and "coding_accuracy" not in record
    grid = _header(page.PAGE.export_panel("coders", con, P, {})["content"])
    assert grid == ("rank,coder_name,coder_id,audit_codes_reviewed,coding_accuracy,ci,flag,record_accuracy,"
                    "drg_audits,drg_change_rate,under_coded_amount,over_coded_amount,net_impact,drg_none,suppressed")
    impact = _header(page.PAGE.export_panel("impact", con, P, {})["content"])
    assert impact == ("coder_id,coder_name,is_team,drg_audits,drg_changed,drg_change_rate,n_under_coded,"
                      "under_coded_amount,n_over_coded,over_coded_amount,net_impact,suppressed")


def test_page_state_round_trips_through_the_url(con):
    state = {"finding_type": "revised", "metric": "drg_accuracy", "prod": "encounters_per_day"}
    search = page.PAGE.search_with_state("?coder=C2", state)
    assert search == "?coder=C2&finding=revised&accuracy=drg_accuracy&per=encounters_per_day"
    assert page.PAGE.state_from_search(con, search) == (state, [])
    assert page.PAGE.state_from_search(con, "?finding=%3Cscript%3E")[1] == ["ignored finding: not a known finding type"]


def test_productivity_figure_has_targets(con, no_suppression):
    fig, rows = page.render_productivity(con, {**P, "coders": ["C2"]}, "encounters_per_hour")
    assert [t.name for t in fig.data] == ["Team", "Coder", "Target"]
    assert list(fig.data[2].y) == [cq.productivity_targets()[t] for t in fig.data[2].x]
    assert {r["coder_name"] for r in rows} == {"Coder Two", "Team"}
