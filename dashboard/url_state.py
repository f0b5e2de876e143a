"""Global filters <-> URL query string, so any view can be bookmarked and shared.

Pure functions. Values read from a URL are untrusted: each is validated with the same
parameter specs the query runner uses; anything invalid is dropped, never passed on.
"""
from __future__ import annotations

import functools
from urllib.parse import parse_qs, urlencode

from dash.exceptions import PreventUpdate

from queries.filters import FILTER_SPECS
from queries.params import ParameterError

# URL key <-> filter name; lists repeat the key (?payer=A&payer=B).
URL_KEYS = {"start": "start_date", "end": "end_date", "facility": "facilities",
            "specialty": "specialties", "payer": "payers", "coder": "coders"}
_SPECS = {s.name: s for s in FILTER_SPECS}


def filters_from_search(search: str | None) -> tuple[dict, list[str]]:
    """(valid filters, messages about what was dropped) from a '?a=b&...' string."""
    filters: dict = {}
    problems: list[str] = []
    query = parse_qs((search or "").lstrip("?"), keep_blank_values=False, max_num_fields=2000)
    for key, values in query.items():
        name = URL_KEYS.get(key)
        if name is None:
            problems.append(f"ignored unknown URL parameter {key[:30]!r}")
            continue
        spec = _SPECS[name]
        try:
            value = spec.parse(values if spec.is_list else values[-1])
        except ParameterError as exc:
            problems.append(f"ignored {key}: {exc}")
            continue
        if value is not None:
            filters[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return filters, problems


def search_from_filters(filters: dict) -> str:
    """'?start=...&payer=A&payer=B' (keys in a fixed order, so equal views give equal URLs)."""
    pairs: list[tuple[str, str]] = []
    for key, name in URL_KEYS.items():
        value = filters.get(name)
        if not value:
            continue
        for item in (value if isinstance(value, list) else [value]):
            pairs.append((key, str(item)))
    return "?" + urlencode(pairs) if pairs else ""


def validate_filters(raw: dict | None) -> dict:
    """Server-side re-validation of a filter dict sent back by the browser (drops bad values)."""
    clean: dict = {}
    for name, spec in _SPECS.items():
        try:
            value = spec.parse((raw or {}).get(name))
        except ParameterError:
            continue
        if value is not None:
            clean[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return clean


def needs_filters(callback):
    """Decorator for page callbacks whose first input is the filters store.

    On a fresh load the store is still empty (None) until the shell has read the URL; skipping that
    first call avoids computing every panel twice (once for all data, once for the real filters).
    """
    @functools.wraps(callback)
    def wrapper(raw_filters, *args):
        if raw_filters is None:
            raise PreventUpdate
        return callback(raw_filters, *args)
    return wrapper
