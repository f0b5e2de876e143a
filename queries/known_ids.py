"""Which ids the database knows: a link naming a payer, coder, facility or specialty that is not there is
told so (dashboard/url_state.py drops it with the same notice as any invalid link value)."""
from __future__ import annotations

import duckdb

from codedash.queries import filters as flt
from codedash.queries.runner import run

# filter name -> the query listing its known ids (column `value`)
_LISTS = {"facilities": "filters__facilities", "specialties": "filters__specialties", "payers": "filters__payers"}
URL_NAMES = {"facilities": "facility", "specialties": "specialty", "payers": "payer", "coders": "coder"}


def known_values(con: duckdb.DuckDBPyConnection, name: str, wanted: list[str], scope: flt.Scope = flt.ALL) -> set[str]:
    """The ids of `wanted` the database has for filter `name` (inside the user's scope)."""
    if name == "coders":
        df = run(con, "filters__search_coders", {"selected": wanted, "limit_rows": 0}, scope=scope)
    else:
        df = run(con, _LISTS[name], scope=scope)
    return set(df["value"].astype(str)) & set(wanted)


def drop_unknown(con: duckdb.DuckDBPyConnection, filters: dict, scope: flt.Scope = flt.ALL) -> tuple[dict, list[str]]:
    """(filters without unknown ids, one message per filter that lost ids)."""
    out, problems = dict(filters), []
    for name, url_key in URL_NAMES.items():
        wanted = out.get(name)
        if not wanted:
            continue
        known = known_values(con, name, list(wanted), scope)
        missing = [v for v in wanted if v not in known]
        if missing:
            kept = [v for v in wanted if v in known]
            if kept:
                out[name] = kept
            else:
                del out[name]
            shown = ", ".join(repr(v[:30]) for v in missing[:3]) + (" …" if len(missing) > 3 else "")
            problems.append(f"ignored {url_key} {shown}: not in this database")
    return out, problems


def labels(con: duckdb.DuckDBPyConnection, name: str, ids: list[str], scope: flt.Scope = flt.ALL) -> dict[str, str]:
    """id -> display label (a coder's or payer's name) for the known ones of `ids`."""
    if name == "coders":
        df = run(con, "filters__search_coders", {"selected": list(ids), "limit_rows": 0}, scope=scope)
    else:
        df = run(con, _LISTS[name], scope=scope)
    wanted = set(ids)
    return {str(v): str(lbl) for v, lbl in zip(df["value"], df["label"]) if str(v) in wanted}
