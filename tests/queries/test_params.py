"""Scalar parameter parsing is strict: the whole value is the value, nothing is cut off or guessed."""
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codedash.queries.params import MAX_INT, ParamSpec, ParameterError

DATE, INT, FLOAT, BOOL = (ParamSpec("p", t) for t in ("date", "int", "float", "bool"))


@pytest.mark.parametrize("text", ["2025-10-01", " 2025-10-01 ", "2025-10-01T00:00:00", "2025-10-01 00:00:00"])
def test_dates_in_the_forms_date_widgets_send(text):
    assert DATE.parse(text) == dt.date(2025, 10, 1)


@pytest.mark.parametrize("text", [
    "2025-10-01'; DROP TABLE claims; --",   # was accepted: only the first 10 characters were read
    "2025-10-01x", "2025-10-01T00:00:01", "2025-10-01T12:00:00", "2025-10-01T00:00:00Z",
    "20251001", "2025-W40-3", "2025-274",  # other ISO forms fromisoformat takes
    "2025-02-30", "2025-1-1", "٢٠٢٥-١٠-٠١", "1899-12-31", "2300-01-01",
])
def test_anything_else_is_not_a_date(text):
    with pytest.raises(ParameterError, match="p: "):
        DATE.parse(text)


@pytest.mark.parametrize("value", [[], {}, 20251001, 2025.1, True])
def test_non_strings_are_not_dates(value):
    with pytest.raises(ParameterError):
        DATE.parse(value)


@pytest.mark.parametrize("text", ["nan", "NaN", "inf", "-Infinity", "1e400", "1_000", "0x10", "1.5.2", "", " "])
def test_floats_are_finite_decimal_numbers(text):
    if not text.strip():
        assert FLOAT.parse(text) is None          # blank = not given
        return
    with pytest.raises(ParameterError, match="finite number"):
        FLOAT.parse(text)


def test_float_values():
    assert [FLOAT.parse(v) for v in ("0.95", " -2e3", ".5", "7", 3, 0.25)] == [0.95, -2000.0, 0.5, 7.0, 3.0, 0.25]
    for value in (float("nan"), float("inf"), True, [1.0]):
        with pytest.raises(ParameterError):
            FLOAT.parse(value)


def test_ints_are_bounded():
    assert INT.parse("+12") == 12 and INT.parse(-7) == -7
    for value in (MAX_INT, "1" * 13, "١٢", "1.0", 1.0, True, "1_000"):
        with pytest.raises(ParameterError):
            INT.parse(value)


def test_query_booleans_take_the_documented_words():
    assert [BOOL.parse(v) for v in ("true", "False", "1", "0", "YES", "no", True)] == [
        True, False, True, False, True, False, True]
    for value in ("y", "t", "on", 1, 0):
        with pytest.raises(ParameterError):
            BOOL.parse(value)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2299, 12, 31)), st.text(max_size=12))
def test_a_date_is_accepted_only_when_nothing_but_midnight_follows(day, tail):
    text = day.isoformat() + tail
    if tail.rstrip() in ("", "T00:00:00", " 00:00:00"):
        assert DATE.parse(text) == day
    else:
        with pytest.raises(ParameterError):
            DATE.parse(text)
