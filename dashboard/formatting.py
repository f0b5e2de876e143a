"""Display formats for metric values (pure functions, shared by pages, exports and the CLI)."""
from __future__ import annotations

import math

from queries.suppression import MARKER


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_value(value, unit: str, suppressed: bool = False) -> str:
    if suppressed:
        return f"{MARKER} suppressed"
    if _missing(value):
        return "—"
    if unit == "percent":
        return f"{value * 100:.1f}%"
    if unit == "usd":
        if abs(value) >= 1e6:
            return f"${value / 1e6:,.2f}M"
        if abs(value) >= 1e3:
            return f"${value / 1e3:,.1f}K"
        return f"${value:,.0f}"
    if unit == "index":
        return f"{value:.3f}"
    return f"{value:,.0f}"


def format_change(change, kind: str) -> str:
    """'+1.2 pts' for rates compared in percentage points, '+3.4%' for relative change."""
    if _missing(change):
        return "no comparison"
    if kind == "points":
        return f"{change * 100:+.1f} pts"
    return f"{change * 100:+.1f}%"


def change_tone(change, higher_is_better: bool | None) -> str:
    """'good' | 'bad' | 'neutral' for colouring a change badge."""
    if _missing(change) or change == 0 or higher_is_better is None:
        return "neutral"
    return "good" if (change > 0) == higher_is_better else "bad"
