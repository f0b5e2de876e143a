"""Text from the data made inert where it lands: spreadsheets (CSV formula injection) and terminals.

A spreadsheet opening a CSV runs any cell that starts with `=`, `+`, `-` or `@` (some apps also the
fullwidth ＝＋－＠, and a leading tab or carriage return) as a formula, so a payer named
`=HYPERLINK(...)` or `+cmd|' /C calc'!A0` attacks whoever opens an export (OWASP "CSV injection").
The rule, applied to every text cell of every CSV codedash writes (dashboard downloads and
`codedash query --format csv`):

- a single quote `'` goes before a text that starts with a formula character (after optional
  spaces or double quotes) or with tab/CR/LF, and after every `,` `;` `|` tab CR LF inside a text
  that is followed by one: a spreadsheet guessing another separator (`;` in many locales, tab) must
  not find a formula at the start of any cell either;
- such cells, and cells holding a separator, a quote or a line break, are written quoted;
- numbers stay numbers: numeric columns are never touched, and neither is a text that is exactly a
  number literal (`-12.50` cannot run anything).

To recover a raw value, drop a `'` that precedes a formula character. The rule's code is
`data/csv_text.py` (so that `data`, which never imports the dashboard, applies it to its own exports).
"""
from __future__ import annotations

import re
from typing import IO

import pandas as pd

from codedash.data.csv_text import FORMULA_CHARS, neutralise_text  # noqa: F401  (the rule, in one place)

_NEEDS_QUOTES = re.compile(r"[,;\"\t\r\n]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def comment_line(text: str) -> str:
    """One '#' context line of an export: line breaks and double quotes from filter values cannot end
    the line or open a quoted cell, and no cell of it can start a formula."""
    return neutralise_text(text.replace("\r", " ").replace("\n", " ").replace('"', "'"))


def _is_text_column(s: pd.Series) -> bool:
    return (pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)
            or isinstance(s.dtype, pd.CategoricalDtype))


def _cell(value, text_column: bool) -> str:
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return ""
    if not text_column:
        return str(value)
    safe = neutralise_text(str(value))
    if safe != str(value) or _NEEDS_QUOTES.search(safe):
        return '"' + safe.replace('"', '""') + '"'
    return safe


def _prepared(df: pd.DataFrame) -> pd.DataFrame:
    """Datetime columns as ISO text, as pandas writes them (a date when every value is midnight)."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            out[col] = s.astype(str).astype(object).where(s.notna(), None)
    return out


def write_csv(df: pd.DataFrame, out: IO[str]) -> None:
    """`df` as CSV (header, no index, "\\n" line ends) with every text cell formula-neutralised."""
    data = _prepared(df)
    text = [_is_text_column(data[c]) for c in data.columns]
    out.write(",".join(_cell(str(c), True) for c in data.columns) + "\n")
    for row in data.itertuples(index=False, name=None):
        out.write(",".join(_cell(v, t) for v, t in zip(row, text)) + "\n")


def terminal_text(text: str) -> str:
    """`text` with control characters (ANSI escapes, bells, NULs) shown as \\x.. instead of obeyed."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
