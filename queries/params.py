"""Parameter types for queries: parse and validate every value before it is bound.

Values arrive from the browser, the CLI or tests; none is trusted. Each type turns a
raw value (string, list, date, number) into the Python value DuckDB binds, or raises
ParameterError naming the parameter and what was expected.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

MAX_LIST = 1000          # more items than this is not a filter, it is an attack or a bug
MAX_TEXT = 100           # ids and codes are short
_TEXT_RE = re.compile(r"^[A-Za-z0-9 _.,:/()&'+\-]+$")
# The whole string must be the date: YYYY-MM-DD, or that day at exactly midnight in the two forms date
# widgets produce (ISO 'T00:00:00' from Dash's pickers, ' 00:00:00' from Mantine's with-time pickers;
# dmc.DatePickerInput itself sends plain YYYY-MM-DD). Anything after the date is rejected, not cut off.
# (re.ASCII: \d would otherwise match other scripts' digits, which int() and float() accept)
_DATE_RE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ]00:00:00)?", re.ASCII)
_INT_RE = re.compile(r"[+-]?\d{1,12}", re.ASCII)
_FLOAT_RE = re.compile(r"[+-]?(?:\d{1,15}(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?", re.ASCII)
MAX_INT = 10**12
_EARLIEST = dt.date(1900, 1, 1)
_LATEST = dt.date(2299, 12, 31)  # MIMIC-IV shifts real dates into 2110-2201 (see data/README.md)


class ParameterError(ValueError):
    """A query parameter is unknown, missing or of the wrong type."""


def _text(name: str, value) -> str:
    if not isinstance(value, str):
        raise ParameterError(f"{name}: expected text, got {type(value).__name__}")
    text = value.strip()
    if not text:
        raise ParameterError(f"{name}: empty text")
    if len(text) > MAX_TEXT:
        raise ParameterError(f"{name}: longer than {MAX_TEXT} characters")
    if not _TEXT_RE.match(text):
        raise ParameterError(f"{name}: {text[:40]!r} contains characters not allowed in an id or code")
    return text


def _date(name: str, value) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        parsed = value
    elif isinstance(value, str):
        # fromisoformat alone also takes 20251001 and 2025-W40-3; the pattern pins the one form
        m = _DATE_RE.fullmatch(value.strip())
        try:
            if not m:
                raise ValueError
            parsed = dt.date.fromisoformat(m.group(1))
        except ValueError:
            raise ParameterError(f"{name}: expected a date as YYYY-MM-DD, got {value[:40]!r}") from None
    else:
        raise ParameterError(f"{name}: expected a date as YYYY-MM-DD, got {type(value).__name__}")
    if not _EARLIEST <= parsed <= _LATEST:
        raise ParameterError(f"{name}: {parsed} is outside {_EARLIEST}..{_LATEST}")
    return parsed


def _int(name: str, value) -> int:
    if isinstance(value, bool):
        raise ParameterError(f"{name}: expected an integer, got a boolean")
    number = int(value) if isinstance(value, str) and _INT_RE.fullmatch(value.strip()) else value
    if isinstance(number, int) and abs(number) < MAX_INT:
        return number
    raise ParameterError(f"{name}: expected an integer of at most 12 digits, got {str(value)[:40]!r}")


def _float(name: str, value) -> float:
    if isinstance(value, bool):
        raise ParameterError(f"{name}: expected a number, got a boolean")
    # float() alone also takes 'nan', 'inf', 'infinity' and '1_000'; none is a parameter value
    number = float(value) if isinstance(value, str) and _FLOAT_RE.fullmatch(value.strip()) else value
    if isinstance(number, (int, float)) and math.isfinite(number):
        return float(number)
    raise ParameterError(f"{name}: expected a finite number, got {str(value)[:40]!r}")


def _bool(name: str, value) -> bool:
    # Query parameters (CLI --param, URLs) also take 1/0 and yes/no, case-insensitive; this is not the
    # loader's rule for data files (their format documents true/false only).
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false", "1", "0", "yes", "no"}:
        return value.strip().lower() in {"true", "1", "yes"}
    raise ParameterError(f"{name}: expected true or false, got {str(value)[:40]!r}")


_SCALARS = {"text": _text, "date": _date, "int": _int, "float": _float, "bool": _bool}


@dataclass(frozen=True)
class ParamSpec:
    """One declared parameter: `name type` or `name list[type]`, optional with a default."""
    name: str
    type: str                      # 'text' | 'date' | 'int' | 'float' | 'bool' | 'list[text]' | ...
    default: object = None

    @property
    def is_list(self) -> bool:
        return self.type.startswith("list[")

    @property
    def scalar(self) -> str:
        return self.type[5:-1] if self.is_list else self.type

    def parse(self, value):
        """Validated Python value for DuckDB; None means 'not given' (all, for filters)."""
        if value is None:
            return self.default
        convert = _SCALARS[self.scalar]
        if self.is_list:
            if isinstance(value, str):
                # CLI form: comma-separated
                value = [v for v in value.split(",") if v.strip()]
            if not isinstance(value, (list, tuple)):
                raise ParameterError(f"{self.name}: expected a list, got {type(value).__name__}")
            if len(value) > MAX_LIST:
                raise ParameterError(f"{self.name}: more than {MAX_LIST} values")
            items = [convert(self.name, v) for v in value]
            # An empty list means 'all', like an absent filter.
            return sorted(set(items)) if items else None
        if isinstance(value, str) and value.strip() == "" and self.scalar != "text":
            return self.default
        return convert(self.name, value)


def parse_spec(text: str) -> ParamSpec:
    """Parse one header declaration such as `limit int = 20` or `codes list[text]`."""
    m = re.fullmatch(r"\s*([a-z_][a-z0-9_]*)\s+((?:list\[)?[a-z]+\]?)\s*(?:=\s*(.+?))?\s*", text)
    if not m:
        raise ValueError(f"bad parameter declaration: {text!r}")
    name, type_, default = m.groups()
    scalar = type_[5:-1] if type_.startswith("list[") else type_
    if scalar not in _SCALARS or (type_.startswith("list[") != type_.endswith("]")):
        raise ValueError(f"bad parameter type in declaration: {text!r}")
    spec = ParamSpec(name, type_)
    if default is not None:
        spec = ParamSpec(name, type_, spec.parse(default))
    return spec
