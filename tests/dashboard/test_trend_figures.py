"""Trend figures: suppressed months are gaps marked ‡ (never 0%), run-out months dashed and labelled."""
from __future__ import annotations

import math

import pandas as pd

from codedash.dashboard.figures import denials as figs
from codedash.dashboard.figures import overview as ovf
from codedash.dashboard.figures import trends

MONTHS = pd.to_datetime(["2026-05-01", "2026-06-01", "2026-07-01", "2026-08-01", "2026-09-01"])


def frame():
    return pd.DataFrame({
        "month": MONTHS, "denial_rate_count": [0.10, None, 0.12, 0.11, 0.05],
        "focus_denial_rate_count": [0.2, None, 0.3, 0.2, 0.1],
        "suppressed": [False, True, False, False, False],
        "incomplete": [False, False, False, False, True], "share_adjudicated": [None, None, None, None, 0.27]})


def _y(trace):
    return [None if v is None or (isinstance(v, float) and math.isnan(v)) else v for v in trace.y]


def test_suppressed_month_is_a_gap_with_a_marked_legend_entry():
    fig = figs.denial_trend(frame(), None)
    solid = fig.data[0]
    assert _y(solid) == [0.10, None, 0.12, 0.11, None]          # June suppressed: a gap, not 0%
    assert solid.connectgaps is False
    marks = [t for t in fig.data if t.name == trends.SUPPRESSED_NAME]
    assert len(marks) == 1 and list(marks[0].x) == [MONTHS[1]]
    assert marks[0].yaxis == "y9" and fig.layout.yaxis9.visible is False   # at the foot, not at 0% of the rate axis
    assert marks[0].mode == "markers+text" and marks[0].marker.symbol == "line-ns-open"   # a tick, not "Aa"
    assert "‡ suppressed" in marks[0].hovertemplate
    assert 0.0 not in [v for t in fig.data if t.yaxis in (None, "y") for v in _y(t)]


def test_incomplete_month_is_dashed_joined_and_labelled():
    fig = figs.denial_trend(frame(), None)
    dashed = [t for t in fig.data if t.line.dash == "dash"]
    assert len(dashed) == 1
    d = dashed[0]
    assert _y(d) == [None, None, None, 0.11, 0.05]               # from the last complete month (Aug) to Sep
    assert d.name == "All claims (initial denial rate) — incomplete month (run-out)"
    assert d.showlegend is True
    assert list(d.customdata)[-1] == " — incomplete (27% of claims adjudicated)"
    assert "%{customdata}" in d.hovertemplate


def test_focus_series_gets_its_own_dashed_part():
    fig = figs.denial_trend(frame(), "P003 · CO-197")
    names = [t.name for t in fig.data]
    assert "P003 · CO-197 — incomplete month (run-out)" in names


def test_kpi_sparkline_labels_the_incomplete_month():
    monthly = frame().rename(columns={"denial_rate_count": "hfma_denial_rate_claims"})
    fig = ovf.kpi_trend(monthly, "hfma_denial_rate_claims", "Initial denial rate (claims, HFMA)", "percent")
    assert [a.text for a in fig.layout.annotations] == ["incomplete"]
    assert any(t.line.dash == "dash" for t in fig.data)


def test_frames_without_flags_draw_one_solid_line():
    monthly = frame().drop(columns=["incomplete", "share_adjudicated", "suppressed"])
    fig = figs.denial_trend(monthly, None)
    assert len(fig.data) == 1 and fig.data[0].line.dash is None


def test_accuracy_trend_marks_suppressed_months():
    from codedash.dashboard.figures import coding_quality as cqf

    trend = pd.DataFrame({"series": ["team"] * 3, "month": MONTHS[:3], "coding_accuracy": [0.9, None, 0.95],
                          "coding_accuracy_low": [0.8, None, 0.9], "coding_accuracy_high": [0.95, None, 0.99],
                          "suppressed": [False, True, False]})
    fig = cqf.accuracy_trend(trend, "coding_accuracy", "Code accuracy", 0.95)
    marks = [t for t in fig.data if t.name == trends.SUPPRESSED_NAME]
    assert len(marks) == 1 and list(marks[0].x) == [MONTHS[1]]
    assert _y(fig.data[0])[1] is None
