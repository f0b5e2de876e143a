"""The formula-neutralising rule for text cells of every CSV codedash writes (its reasons and the full rule:
dashboard/safe_text.py, which applies it to DataFrames). It lives here, in `data`, so that the app-state
exports of `data` (the audit log) apply the very same rule without importing the dashboard."""
from __future__ import annotations

import re

FORMULA_CHARS = "=+-@\uff1d\uff0b\uff0d\uff20"
_F = re.escape(FORMULA_CHARS)
_AT_START = re.compile(rf"^(?=[\t\r\n]|[ \"]*[{_F}])")
_AFTER_SEPARATOR = re.compile(rf"(?<=[,;|\t\r\n])(?=[ \t\"]*[{_F}])")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise_text(text: str) -> str:
    """`text` with a `'` wherever a spreadsheet could start a formula (see dashboard/safe_text.py)."""
    if _NUMBER.fullmatch(text):
        return text
    return _AFTER_SEPARATOR.sub("'", _AT_START.sub("'", text, count=1))
