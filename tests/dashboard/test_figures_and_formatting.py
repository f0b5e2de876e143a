"""Figures and formats are pure functions: DataFrame/values in, figure/text out."""
import datetime as dt

import pandas as pd
import pytest

from codedash.dashboard import figures
from codedash.dashboard.formatting import change_tone, format_change, format_value


def monthly(values, suppressed=None):
    months = pd.to_datetime([dt.date(2025, m, 1) for m in range(1, len(values) + 1)])
    df = pd.DataFrame({"month": months, "paid_amount": values})
    df["suppressed"] = suppressed if suppressed is not None else [False] * len(values)
    return df


def test_trend_plots_values_and_marks_suppressed_months():
    fig = figures.kpi_trend(monthly([100.0, None, 300.0], [False, True, False]), "paid_amount", "Paid", "usd")
    line, marker = fig.data
    assert list(line.y[[0, 2]]) == [100.0, 300.0] and pd.isna(line.y[1])
    assert line.connectgaps is False
    assert list(marker.text) == ["‡"]
    assert list(pd.to_datetime(marker.x)) == [pd.Timestamp("2025-02-01")]
    assert fig.layout.yaxis.tickformat == "$,.3s"


def test_empty_and_all_suppressed_states():
    empty = figures.kpi_trend(monthly([]), "paid_amount", "Paid", "usd")
    assert empty.layout.annotations[0].text == "No encounters in this period"
    hidden = figures.kpi_trend(monthly([None, None], [True, True]), "paid_amount", "Paid", "usd")
    assert "suppressed" in hidden.layout.annotations[0].text


@pytest.mark.parametrize("n, step", [(1, "M1"), (6, "M1"), (7, "M3"), (12, "M3"), (24, "M6"), (37, "M12")])
def test_month_ticks_never_repeat_a_label(n, step):
    assert figures.month_tick_step(n) == step


@pytest.mark.parametrize("value, unit, text", [
    (0.9412, "percent", "94.1%"), (2155505.98, "usd", "$2.16M"), (117002.4, "usd", "$117.0K"),
    (950, "usd", "$950"), (1.48247, "index", "1.482"), (1798, "count", "1,798"), (None, "count", "—"),
])
def test_format_value(value, unit, text):
    assert format_value(value, unit) == text


def test_suppressed_value_shows_the_marker_not_a_number():
    assert format_value(5, "count", suppressed=True) == "‡ suppressed"


def test_change_formats_and_tones():
    assert format_change(0.0296, "points") == "+3.0 pts"
    assert format_change(-0.103, "relative") == "-10.3%"
    assert format_change(None, "relative") == "no comparison"
    assert change_tone(0.02, False) == "bad"
    assert change_tone(0.02, True) == "good"
    assert change_tone(0.02, None) == "neutral"
