"""One formatter per unit (dashboard/formatting.py), the same in Python and in the grids' d3 formatters."""
import math

import pytest

from codedash.dashboard.formatting import (SUPPRESSED, UNITS, change_tone, format_change, format_value, grid_formatter,
                                  unit_of)


@pytest.mark.parametrize("value,unit,text", [
    (1234, "count", "1,234"), (0.5, "count", "0"), (-0.2, "count", "0"),
    (0.1234, "percent", "12.3%"), (-0.0001, "percent", "0.0%"), (1, "percent", "100.0%"),
    (3.14159, "rate", "3.14"), (1234.5, "rate", "1,234.50"),
    (12.345, "days", "12.3 days"), (0, "days", "0.0 days"),
    (7.25, "hours", "7.2 h"),
    (1.23456, "index", "1.235"), (1.234567, "weight", "1.2346"),
    (999, "usd", "$999"), (3720, "usd", "$3.7K"), (2_500_000, "usd", "$2.50M"), (3720, "money", "$3.7K"),
    ("CO-45", "text", "CO-45"),
])
def test_each_unit_has_one_format(value, unit, text):
    assert format_value(value, unit) == text


def test_full_money_for_grids_and_tables():
    assert format_value(3720, "usd", compact=False) == "$3,720"


@pytest.mark.parametrize("unit", UNITS)
def test_missing_and_suppressed_are_the_same_for_every_unit(unit):
    assert format_value(None, unit) == "—"
    assert format_value(math.nan, unit) == "—"
    assert format_value(5, unit, suppressed=True) == SUPPRESSED == "‡ suppressed"


def test_unknown_unit_is_an_error():
    with pytest.raises(ValueError):
        unit_of("furlongs")


@pytest.mark.parametrize("unit,d3", [("count", ",.0f"), ("percent", ".1%"), ("rate", ",.2f"), ("days", ",.1f"),
                                     ("index", ".3f"), ("weight", ".4f"), ("usd", "$,.0f")])
def test_grid_formatters_use_the_same_format_and_marker(unit, d3):
    js = grid_formatter(unit)["function"]
    assert f"d3.format('{d3}')(params.value)" in js
    assert "'‡ suppressed'" in js and "'—'" in js
    assert grid_formatter("days")["function"].endswith("+ ' days'")


def test_a_zero_change_is_neutral_and_unsigned():
    assert format_change(0.0, "points") == "0.0 pts"
    assert format_change(-0.00001, "points") == "0.0 pts"
    assert format_change(-0.00001, "relative") == "0.0%"
    assert change_tone(-0.00001, True) == "neutral"
    assert format_change(0.012, "points") == "+1.2 pts"
    assert change_tone(0.012, False) == "bad" and change_tone(0.012, True) == "good"
    assert format_change(None, "points") == "no comparison"
