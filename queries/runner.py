"""Load a query by name from queries/sql/, validate and bind its parameters, return a DataFrame.

A query file starts with a header of `-- key: value` lines:

    -- purpose: what question it answers
    -- grain: one row per ...
    -- params: filters, limit int = 20      (`filters` = the global filters of queries.filters)
    -- suppress: n_encounters -> paid_amount, denial_rate; n_patients

`suppress` names the count columns subject to small-cell suppression and the columns
derived from each. The only text substituted into SQL is the project's own shared
fragments ({{filtered_encounters}}, {{encounter_filter}}, ...); every value is a bound $parameter.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from queries import filters as flt
from queries.params import ParameterError, ParamSpec, parse_spec
from queries.suppression import suppress as apply_suppression

SQL_DIR = Path(__file__).with_name("sql")
_FRAGMENTS = {"filtered_encounters": flt.FILTERED_ENCOUNTERS_SQL, "initial_claims": flt.INITIAL_CLAIMS_SQL,
              "encounter_filter": flt.ENCOUNTER_FILTER_SQL, "date_filter": flt.DATE_FILTER_SQL,
              "dimension_filter": flt.DIMENSION_FILTER_SQL, "full_months": flt.FULL_MONTHS_SQL,
              "monthly_claims": flt.MONTHLY_CLAIMS_SQL, "monthly_procedures": flt.MONTHLY_PROCEDURES_SQL}
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


class QueryError(Exception):
    """Unknown query or a malformed query file."""


@dataclass(frozen=True)
class Query:
    name: str
    purpose: str
    grain: str
    params: tuple[ParamSpec, ...]
    suppress_rules: dict[str, list[str]] = field(default_factory=dict)
    sql: str = ""

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def bind(self, values: dict | None, scope: flt.Scope) -> dict:
        """Validated parameters for DuckDB; unknown names and bad values raise ParameterError."""
        values = dict(values or {})
        unknown = sorted(set(values) - set(self.param_names))
        if unknown:
            allowed = ", ".join(self.param_names) or "none"
            raise ParameterError(f"query {self.name}: unknown parameter(s) {', '.join(unknown)}; allowed: {allowed}")
        bound = {p.name: p.parse(values.get(p.name)) for p in self.params}
        if bound.get("start_date") and bound.get("end_date") and bound["start_date"] > bound["end_date"]:
            raise ParameterError(f"query {self.name}: start_date {bound['start_date']} is after end_date {bound['end_date']}")
        if "$" + flt.SCOPE_PARAM in self.sql:
            bound[flt.SCOPE_PARAM] = scope.bind_value()
        # DuckDB rejects unused named parameters: bind only what the SQL mentions.
        return {k: v for k, v in bound.items() if re.search(rf"\${k}\b", self.sql)}


def _parse_header(name: str, text: str) -> dict[str, str]:
    header: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        m = re.match(r"--\s*([a-z_]+):\s*(.*)$", line)
        if m:
            header[m.group(1)] = m.group(2).strip()
    for required in ("purpose", "grain", "params"):
        if required not in header:
            raise QueryError(f"queries/sql/{name}.sql: header lacks '-- {required}:'")
    return header


def _parse_params(decl: str) -> tuple[ParamSpec, ...]:
    specs: list[ParamSpec] = []
    for part in (p.strip() for p in decl.split(",")):
        if not part or part == "none":
            continue
        if part == "filters":
            specs.extend(flt.FILTER_SPECS)
        else:
            specs.append(parse_spec(part))
    return tuple(specs)


def _parse_suppress(decl: str | None) -> dict[str, list[str]]:
    rules: dict[str, list[str]] = {}
    for part in (p.strip() for p in (decl or "").split(";")):
        if not part:
            continue
        count, _, deps = part.partition("->")
        rules[count.strip()] = [d.strip() for d in deps.split(",") if d.strip()]
    return rules


@functools.cache
def load(name: str) -> Query:
    """The query called `name` (file queries/sql/<name>.sql)."""
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise QueryError(f"unknown query: {str(name)[:60]!r}")
    path = SQL_DIR / f"{name}.sql"
    if not path.is_file():
        raise QueryError(f"unknown query: {name!r} (see `codedash query --list`)")
    return parse_query(name, path.read_text(encoding="utf-8"))


def parse_query(name: str, text: str) -> Query:
    """A Query from the text of a query file (its header, parameters, fragments and SQL)."""
    header = _parse_header(name, text)
    sql = text
    for _ in range(4):                       # fragments may include fragments, not endlessly
        sql = _PLACEHOLDER.sub(lambda m: _fragment(name, m.group(1)), sql)
    if _PLACEHOLDER.search(sql):
        raise QueryError(f"queries/sql/{name}.sql: fragments nested too deeply")
    return Query(name=name, purpose=header["purpose"], grain=header["grain"],
                 params=_parse_params(header["params"]),
                 suppress_rules=_parse_suppress(header.get("suppress")), sql=sql)


def _fragment(query: str, key: str) -> str:
    if key not in _FRAGMENTS:
        raise QueryError(f"queries/sql/{query}.sql: unknown fragment {{{{{key}}}}}")
    return _FRAGMENTS[key]


def catalog() -> list[Query]:
    """Every query, sorted by name."""
    return [load(p.stem) for p in sorted(SQL_DIR.glob("*.sql"))]


def run(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None, *,
        scope: flt.Scope = flt.ALL, suppress: bool = True) -> pd.DataFrame:
    """Run query `name` with validated `params` under `scope`.

    suppress=False is for internal aggregation only: callers that need raw counts to
    compute totals must suppress their own output before anything is shown or exported.
    """
    query = load(name)
    bound = query.bind(params, scope)
    df = con.execute(query.sql, bound).df()
    if suppress and query.suppress_rules:
        df = apply_suppression(df, query.suppress_rules)
    return df
