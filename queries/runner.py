"""Load a query by name from queries/sql/, validate and bind its parameters, return a DataFrame.

A query file starts with a header of `-- key: value` lines:

    -- purpose: what question it answers
    -- grain: one row per ...
    -- params: filters, limit int = 20      (`filters` = the global filters of queries.filters)
    -- counts: guarded n_encounters, n_patients; derived n_lines <- n_encounters; part n_denied <- n_encounters; public n_facilities
    -- suppress: n_encounters -> paid_amount, denial_rate
    -- totals: row is_total          (a total row beside its parts; or `column n_all <- n_part`: a total
                                     column; or `parts n_encounters`: rows that add up to a total shown
                                     elsewhere, e.g. months beside a period KPI;
                                     `parts n_coded by encounter_type`: one total per type)
    -- running: cumulative_share     (running totals: blanked from the first suppressed row on)
    -- tree: node <- parent by level: chapter, block, category, code
                                     (rows are a hierarchy's nodes: each level protected against the next)
    -- scope: none: why             (a query that does not bind the facility scope $scope_facilities, e.g.
                                     reference data; tests/queries/test_scope_catalog.py requires one or the other)

`counts` declares every count column the query returns (queries/suppression.py says what each kind
means; tests/queries/test_suppression_catalog.py fails on an undeclared one); `suppress` names the
other values derived from each count (amounts, shares, text), blanked with it. The only text substituted into SQL is the project's own shared
fragments ({{filtered_encounters}}, {{encounter_filter}}, {{mart_filter}}, ...); every value is a bound $parameter.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from codedash.queries import cache as result_cache
from codedash.queries import filters as flt
from codedash.queries import mart_filters, request_context
from codedash.queries.dx_filters import (DX_NO_DIMENSIONS_SQL, DX_NODE_LABELS_SQL, DX_NODES_SQL,
                                         DX_SELECTION_CATEGORIES_SQL, DX_SELECTION_SQL, DX_WHOLE_MONTHS_SQL)
from codedash.queries.params import ParameterError, ParamSpec, parse_spec
from codedash.queries.suppression import KINDS, Margin, Rules, Tree
from codedash.queries.suppression import suppress as apply_suppression
from codedash.queries.suppression import threshold

SQL_DIR = Path(__file__).with_name("sql")
_FRAGMENTS = {"filtered_encounters": flt.FILTERED_ENCOUNTERS_SQL, "initial_claims": flt.INITIAL_CLAIMS_SQL,
              "mart_filter": mart_filters.MART_FILTER_SQL,
              "audit_accuracy_sums": mart_filters.AUDIT_ACCURACY_SUMS_SQL,
              "encounter_filter": flt.ENCOUNTER_FILTER_SQL, "date_filter": flt.DATE_FILTER_SQL,
              "dimension_filter": flt.DIMENSION_FILTER_SQL, "full_months": flt.FULL_MONTHS_SQL,
              "partial_months": flt.PARTIAL_MONTHS_SQL,
              "monthly_claims": flt.MONTHLY_CLAIMS_SQL, "monthly_procedures": flt.MONTHLY_PROCEDURES_SQL,
              "dx_selection": DX_SELECTION_SQL, "dx_selection_categories": DX_SELECTION_CATEGORIES_SQL,
              "dx_no_dimensions": DX_NO_DIMENSIONS_SQL, "dx_node_labels": DX_NODE_LABELS_SQL,
              "dx_whole_months": DX_WHOLE_MONTHS_SQL, "dx_nodes": DX_NODES_SQL}
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
    rules: Rules = field(default_factory=Rules)
    sql: str = ""
    scope_exemption: str = ""            # `-- scope: none: why`; empty = the query binds $scope_facilities

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


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]


def _parse_rules(name: str, header: dict[str, str]) -> Rules:
    """The count declarations, dependents, totals and running totals of a query's header."""
    where = f"queries/sql/{name}.sql"
    guarded: list[str] = []
    derived: dict[str, str | None] = {}
    parts: dict[str, str] = {}
    public: list[str] = []
    for clause in (c.strip() for c in header.get("counts", "").split(";")):
        if not clause:
            continue
        kind, _, rest = clause.partition(" ")
        if kind not in KINDS:
            raise QueryError(f"{where}: '-- counts:' clause must start with one of {', '.join(KINDS)}: {clause!r}")
        cols, arrow, guard = rest.partition("<-")
        guard = guard.strip() or None
        if kind == "part" and not guard:
            raise QueryError(f"{where}: a part names its parent count: 'part x <- parent'")
        if kind in ("guarded", "public") and arrow:
            raise QueryError(f"{where}: a {kind} count has no '<-': {clause!r}")
        for col in _names(cols):
            if col in guarded or col in derived or col in parts or col in public:
                raise QueryError(f"{where}: count column {col} declared twice")
            if kind == "guarded":
                guarded.append(col)
            elif kind == "public":
                public.append(col)
            elif kind == "derived":
                derived[col] = guard
            else:
                parts[col] = guard
    dependents = _parse_suppress(header.get("suppress"))
    if "counts" not in header:
        guarded = list(dependents)       # a header from before `-- counts:` (tests' frozen copies)
    counts = [*guarded, *derived, *parts]
    undeclared = sorted(set(dependents) - set(counts))
    if undeclared:
        raise QueryError(f"{where}: '-- suppress:' names {', '.join(undeclared)}, not declared in '-- counts:'")
    margins = []
    for clause in (c.strip() for c in header.get("totals", "").split(";")):
        if not clause:
            continue
        kind, _, rest = clause.partition(" ")
        if kind == "row":
            margins.append(Margin(parts=tuple(counts), total_row=rest.strip()))
        elif kind == "parts":
            cols, _, by = rest.partition(" by ")
            margins.append(Margin(parts=tuple(_names(cols)), groups=tuple(_names(by))))
        elif kind == "column":
            total, _, of = rest.partition("<-")
            margins.append(Margin(parts=tuple(_names(of)), total_column=total.strip()))
        else:
            raise QueryError(f"{where}: '-- totals:' clause must be 'row <flag column>', "
                             "'column <total> <- <parts>' or 'parts <counts>'")
    tree = None
    if header.get("tree"):
        # `-- tree: node <- parent by level: chapter, block, category, code` (levels root first)
        m = re.fullmatch(r"([a-z_]+)\s*<-\s*([a-z_]+)\s+by\s+([a-z_]+)\s*:\s*(.+)", header["tree"])
        if not m:
            raise QueryError(f"{where}: '-- tree:' must be 'node <- parent by level: root, ..., leaf'")
        tree = Tree(m.group(1), m.group(2), m.group(3), tuple(_names(m.group(4))))
    return Rules(guarded=tuple(guarded), derived=derived, parts=parts, public=tuple(public),
                 dependents={k: tuple(v) for k, v in dependents.items()}, margins=tuple(margins),
                 running=tuple(_names(header.get("running", ""))), tree=tree)


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
    _refuse_commented_placeholders(f"queries/sql/{name}.sql", text)
    sql = text
    for _ in range(4):                       # fragments may include fragments, not endlessly
        sql = _PLACEHOLDER.sub(lambda m: _fragment(name, m.group(1)), sql)
    if _PLACEHOLDER.search(sql):
        raise QueryError(f"queries/sql/{name}.sql: fragments nested too deeply")
    return Query(name=name, purpose=header["purpose"], grain=header["grain"],
                 params=_parse_params(header["params"]),
                 suppress_rules=_parse_suppress(header.get("suppress")), rules=_parse_rules(name, header), sql=sql,
                 scope_exemption=_parse_scope(name, header.get("scope"), sql))


def _parse_scope(name: str, value: str | None, sql: str) -> str:
    bound = "$" + flt.SCOPE_PARAM in sql
    if value is None:
        return ""
    m = re.fullmatch(r"none:\s*(\S.*)", value)
    if not m:
        raise QueryError(f"queries/sql/{name}.sql: '-- scope:' must read 'none: <why this query needs no facility scope>'")
    if bound:
        raise QueryError(f"queries/sql/{name}.sql: declares '-- scope: none' but binds ${flt.SCOPE_PARAM}")
    return m.group(1)


def _refuse_commented_placeholders(where: str, text: str) -> None:
    """A fragment spans lines, so one written after `--` would comment out only its first line and run the
    rest: a placeholder in a comment is an error, not an expansion."""
    for number, line in enumerate(text.splitlines(), 1):
        comment = line.find("--")
        if comment >= 0 and _PLACEHOLDER.search(line, comment):
            raise QueryError(f"{where}, line {number}: a {{{{fragment}}}} placeholder inside a '--' comment "
                             "would be expanded; name the fragment without braces")


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
    Results from read-only databases with a build id are cached (queries/cache.py); the frame
    returned is the caller's own.
    """
    query = load(name)
    scope = request_context.effective_scope(scope)
    bound = query.bind(params, scope)
    request_context.record_query(name, bound)
    cache = result_cache.shared()
    identity = result_cache.database_identity(con) if cache is not None else None
    if identity is not None:
        key = (name, result_cache.freeze(bound), result_cache.freeze(scope.bind_value()), suppress,
               threshold() if suppress else None, identity)
        hit = cache.get(key)
        if hit is not None:
            return hit
    df = con.execute(query.sql, bound).df()
    if suppress and query.rules.counts:
        df = apply_suppression(df, query.rules)
    if identity is not None:
        cache.put(key, df)
    return df
