"""Global filters <-> URL query string, so any view can be bookmarked and shared.

Pure functions. Values read from a URL are untrusted: each is validated with the same
parameter specs the query runner uses; anything invalid is dropped, never passed on.
"""
from __future__ import annotations

import functools
from urllib.parse import parse_qs, parse_qsl, urlencode

import dash_mantine_components as dmc
from dash.exceptions import PreventUpdate

from codedash.dashboard import access
from codedash.dashboard.inputs import as_dict, as_str
from codedash.queries.filters import FILTER_SPECS
from codedash.queries.params import ParameterError

# URL key <-> filter name; lists repeat the key (?payer=A&payer=B).
URL_KEYS = {"start": "start_date", "end": "end_date", "facility": "facilities",
            "specialty": "specialties", "payer": "payers", "coder": "coders"}
_SPECS = {s.name: s for s in FILTER_SPECS}


MAX_URL_FIELDS = 2000

# URL keys of page state (cross-filters, tabs, metric choices) declared by pages (dashboard/panels.py):
# the shell leaves them to their page instead of reporting them unknown, and keeps them when it rewrites
# the global filters' part of the URL.
PAGE_KEYS: set[str] = set()
NOTICE_TITLE = "Some link parameters were ignored"


def register_page_keys(keys) -> None:
    keys = set(keys)
    clash = keys & set(URL_KEYS)
    if clash:
        raise ValueError(f"page state URL keys {sorted(clash)} are global filter keys")
    PAGE_KEYS.update(keys)


def page_pairs(search) -> list[tuple[str, str]]:
    """The (key, value) pairs of page state in a query string, in their order (the page validates them)."""
    try:
        pairs = parse_qsl((as_str(search) or "").lstrip("?"), max_num_fields=MAX_URL_FIELDS)
    except ValueError:
        return []
    return [(k, v) for k, v in pairs if k in PAGE_KEYS]


def notice_for(problems: list[str]):
    """The one notice about link parameters that were dropped (None when there are none)."""
    if not problems:
        return None
    return dmc.Alert("; ".join(problems), title=NOTICE_TITLE, color="yellow", mb="sm", withCloseButton=True)


def filters_from_search(search) -> tuple[dict, list[str]]:
    """(valid filters, messages about what was dropped) from a '?a=b&...' string (anything else: none)."""
    filters: dict = {}
    problems: list[str] = []
    try:
        query = parse_qs((as_str(search) or "").lstrip("?"), keep_blank_values=False,
                         max_num_fields=MAX_URL_FIELDS)
    except ValueError:
        return {}, [f"ignored the link's parameters: more than {MAX_URL_FIELDS}"]
    for key, values in query.items():
        name = URL_KEYS.get(key)
        if name is None and key in PAGE_KEYS:
            continue                    # page state: read and validated by its page
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
    if _drop_inverted_range(filters):
        problems.append("ignored start and end: the start is after the end")
    return filters, problems


def _drop_inverted_range(filters: dict) -> bool:
    """Remove a start date after the end date (no query accepts one); True when it did."""
    if filters.get("start_date") and filters.get("end_date") and filters["start_date"] > filters["end_date"]:
        del filters["start_date"], filters["end_date"]
        return True
    return False


def search_from_filters(filters: dict, keep_from: str | None = None) -> str:
    """'?start=...&payer=A&payer=B' (keys in a fixed order, so equal views give equal URLs).

    Expects validated filters (validate_filters / filters_from_search output). keep_from: a query string
    whose page-state pairs are kept after the filters (the shell rewriting the filters' part of a URL)."""
    pairs: list[tuple[str, str]] = []
    for key, name in URL_KEYS.items():
        value = filters.get(name)
        if not value:
            continue
        for item in (value if isinstance(value, list) else [value]):
            pairs.append((key, str(item)))
    if keep_from:
        pairs += page_pairs(keep_from)
    return "?" + urlencode(pairs) if pairs else ""


def validate_filters(raw) -> dict:
    """Server-side re-validation of a filter dict sent back by the browser (drops bad values; a
    value that is not a dict at all counts as no filters)."""
    raw = as_dict(raw)
    clean: dict = {}
    for name, spec in _SPECS.items():
        try:
            value = spec.parse(raw.get(name))
        except ParameterError:
            continue
        if value is not None:
            clean[name] = value.isoformat() if hasattr(value, "isoformat") else value
    _drop_inverted_range(clean)
    if "coders" in clean and not access.may_see_names():
        del clean["coders"]          # a coder filter would reveal one coder's figures to a role without names
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
