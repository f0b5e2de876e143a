"""One formatter per unit, for cards, charts' tables, grids, exports' previews and the CLI (pure functions).

Units (Metric.unit and grid column units): count, usd (money; "money" is an alias), percent, rate
(a per-unit rate such as encounters per hour), days, hours, index (case mix index), weight (a DRG
relative weight), text. `format_value` is the Python side; `grid_formatter(unit)` is the same format as
an AG Grid valueFormatter (d3-format in the browser), so a grid never shows a number differently from
a card. A suppressed value is always `MARKER` + " suppressed" (SUPPRESSED), a missing one "—".
"""
from __future__ import annotations

import math

from codedash.queries.suppression import MARKER

SUPPRESSED = f"{MARKER} suppressed"
MISSING = "—"

# unit -> (python format of the value, d3 format in the browser, suffix); money is compact on cards
_UNITS: dict[str, tuple[str, str, str]] = {
    "count": ("{:,.0f}", ",.0f", ""),
    "percent": ("{:.1%}", ".1%", ""),
    "rate": ("{:,.2f}", ",.2f", ""),
    "days": ("{:,.1f}", ",.1f", " days"),
    "hours": ("{:,.1f}", ",.1f", " h"),
    "index": ("{:.3f}", ".3f", ""),
    "weight": ("{:.4f}", ".4f", ""),
    "usd": ("${:,.0f}", "$,.0f", ""),
}
_ALIASES = {"money": "usd", "number": "rate"}
UNITS = tuple(_UNITS) + tuple(_ALIASES) + ("text",)


def unit_of(unit: str) -> str:
    """The canonical unit name (ValueError for a unit no formatter exists for)."""
    unit = _ALIASES.get(unit, unit)
    if unit not in _UNITS and unit != "text":
        raise ValueError(f"no formatter for unit {unit!r}")
    return unit


def _missing(value) -> bool:
    try:
        return value is None or (isinstance(value, float) and math.isnan(value)) or str(value) in ("NaT", "<NA>")
    except (TypeError, ValueError):
        return False


def _money_compact(value: float) -> str:
    if abs(value) >= 1e6:
        return f"${value / 1e6:,.2f}M"
    if abs(value) >= 1e3:
        return f"${value / 1e3:,.1f}K"
    return f"${value:,.0f}"


def format_value(value, unit: str, suppressed: bool = False, compact: bool = True) -> str:
    """A value for display: '‡ suppressed', '—' when missing, else the unit's format.

    compact: money as $1.2K / $3.40M (cards, stats); False gives full dollars ($1,234) as grids show."""
    unit = unit_of(unit)
    if suppressed:
        return SUPPRESSED
    if _missing(value):
        return MISSING
    if unit == "text":
        return str(value)
    value = float(value)
    if unit == "usd" and compact:
        return _money_compact(value)
    pattern, _, suffix = _UNITS[unit]
    text = pattern.format(value)
    if "-" in text and not any(ch in "123456789" for ch in text):
        text = pattern.format(0.0)          # -0.0004 shows as 0.0%, not -0.0%
    return text + suffix


def grid_formatter(unit: str) -> dict:
    """An AG Grid valueFormatter showing what format_value(..., compact=False) shows for the same value:
    the marker on a suppressed row's blank cell, '—' on another blank cell."""
    unit = unit_of(unit)
    if unit == "text":
        value = "String(params.value)"
    else:
        _, d3, suffix = _UNITS[unit]
        value = f"d3.format('{d3}')(params.value)" + (f" + '{suffix}'" if suffix else "")
    return {"function": f"params.value == null ? (params.data && params.data.suppressed ? '{SUPPRESSED}' : "
                        f"'{MISSING}') : {value}"}


def format_change(change, kind: str) -> str:
    """'+1.2 pts' for rates compared in percentage points, '+3.4%' for relative change; a change that
    rounds to zero is '0.0 pts' / '0.0%' (no sign: it is neither up nor down)."""
    if _missing(change):
        return "no comparison"
    text = f"{change * 100:+.1f}"
    if float(text) == 0:
        text = "0.0"
    return f"{text} pts" if kind == "points" else f"{text}%"


def change_tone(change, higher_is_better: bool | None) -> str:
    """'good' | 'bad' | 'neutral' for colouring a change badge (a change shown as 0.0 is neutral)."""
    if _missing(change) or higher_is_better is None or round(change * 100, 1) == 0:
        return "neutral"
    return "good" if (change > 0) == higher_is_better else "bad"
