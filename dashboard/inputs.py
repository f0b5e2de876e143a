"""Coercion of callback arguments: every value a browser sends is untrusted JSON of any type.

A forged request can put a list where a string belongs, a number where a dict belongs, or nest
anything anywhere. Callbacks read their arguments through these helpers, which return either a
value of the expected type or the caller's default, and never raise; domain validation (is this a
known payer, a real date) happens afterwards in queries.params / url_state.
"""
from __future__ import annotations

from collections.abc import Collection

MAX_ITEMS = 1000          # the same bound the query parameters use (queries.params.MAX_LIST)


def as_dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def as_str(value, default: str | None = None) -> str | None:
    return value if isinstance(value, str) else default


def as_choice(value, allowed: Collection[str], default):
    """value when it is one of the allowed strings (lists and dicts are unhashable: never looked up)."""
    return value if isinstance(value, str) and value in allowed else default


def as_int(value, default: int | None = None) -> int | None:
    """A JSON integer (booleans are ints in Python, not in JSON: rejected)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def as_list(value) -> list | None:
    """A list of at most MAX_ITEMS items, or None."""
    return value if isinstance(value, list) and len(value) <= MAX_ITEMS else None


def clicked_value(click_data) -> str | None:
    """The customdata of the first point of Plotly clickData, as text, when it is a scalar."""
    points = as_list(as_dict(click_data).get("points"))
    if not points:
        return None
    value = as_dict(points[0]).get("customdata")
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    return str(value)
