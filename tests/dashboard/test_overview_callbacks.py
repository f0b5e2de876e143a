"""Overview callbacks as plain functions on the hand-made fixture."""
import pytest
from dash.development.base_component import Component

from codedash.dashboard.pages import overview
from tests import fixtures


@pytest.fixture(scope="module")
def con():
    return fixtures.build()


def _texts(component):
    """Every string inside a component tree."""
    out = []
    def walk(node):
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, Component):
            walk(getattr(node, "children", None))
        elif isinstance(node, (list, tuple)):
            for n in node:
                walk(n)
    walk(component)
    return out


def test_render_shows_six_cards_with_exact_values(con, no_suppression):
    cards, period = overview.render(con, {"start_date": "2025-01-01", "end_date": "2025-02-28"})
    texts = _texts(cards)
    # the HFMA denial rates are "—": Jan-Feb 2025 have no three months of prior submissions in this fixture
    for expected in ["8", "70.0%", "—", "$3.7K", "1.300", "+700.0%"]:
        assert expected in texts, expected
    assert period == "Discharges 01 Jan 2025 – 28 Feb 2025, compared with 01 Nov 2024 – 31 Dec 2024"


def test_render_empty_state(con, no_suppression):
    cards, period = overview.render(con, {"start_date": "2030-01-01", "end_date": "2030-02-01"})
    assert cards.id == "overview-empty"
    assert period == "No data in the selected period"


def test_render_revalidates_what_the_browser_sent(con, no_suppression):
    # a tampered store: bad values are dropped, so this is the unfiltered fixture (9 encounters)
    cards, _ = overview.render(con, {"payers": ["' or 1=1"], "start_date": "nope"})
    assert "9" in _texts(cards)


def test_render_suppresses_small_counts(con, cms_suppression):
    cards, _ = overview.render(con, {"start_date": "2025-01-01", "end_date": "2025-02-28"})
    texts = _texts(cards)
    assert texts.count("‡ suppressed") == 4   # + two HFMA rates undefined here (no 3 prior months): "—"
    assert "8" not in texts


def test_export_carries_filters_definitions_and_exact_rows(con, no_suppression):
    out = overview.export(con, {"start_date": "2025-01-01", "end_date": "2025-02-28", "payers": ["PA"]})
    lines = out["content"].splitlines()
    assert out["filename"] == "codedash-overview-kpis.csv"
    assert "# filter payers: PA" in lines
    assert lines[0] == "# codedash: Overview: KPIs by month (discharge month; HFMA rates by reporting month)"
    assert any(line.startswith("# coding_accuracy: ") and "AHIMA" in line for line in lines)
    rows = [line for line in lines if not line.startswith("#")]
    assert rows[0] == ("month,encounters,coding_accuracy,denial_rate_count,denial_rate_dollars,"
                       "paid_amount,case_mix_index,hfma_denial_rate_claims,hfma_denial_rate_dollars,suppressed,"
                       "incomplete,share_adjudicated")
    # PA in Jan: E01 (paid 800, DRG 291) and E02 (denied, DRG 292); Feb: E05 (150) and E08 (60); no HFMA
    # rate (no three months of prior submissions); every month complete (all claims adjudicated)
    assert rows[1] == "2025-01,2,0.5,0.5,0.6666666666666666,800.0,1.2,,,False,False,"
    assert rows[2] == "2025-02,2,,0.0,0.0,210.0,,,,False,False,"
