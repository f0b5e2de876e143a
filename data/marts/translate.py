"""The mart SQL (DuckDB dialect, the project's one copy) translated for Apache Spark SQL by sqlglot.

There is no second, hand-written Spark copy of any mart: `to_spark` translates the file's text, and
`portability_problems` rejects the constructs that sqlglot translates wrongly or not at all
(DESIGN.md, "Write portable SQL"), so a new mart that would silently compute something else on Spark
fails a test instead of a cluster run.
"""
from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from codedash.data.marts import Mart, catalog

# Functions whose DuckDB meaning has no faithful Spark translation in sqlglot (or differs in edge cases).
_UNPORTABLE_FUNCTIONS = {
    "quantile_cont": "use an explicit rank/ntile CTE; quantile_cont interpolates differently on Spark",
    "quantile_disc": "use an explicit rank CTE",
    "percentile_cont": "percentile_cont ... within group is not translated faithfully",
    "percentile_disc": "percentile_disc ... within group is not translated faithfully",
    "dayname": "dayname() has no Spark equivalent; use a CASE over dayofweek",
    "list_contains": "lists are a query-time fragment, not mart SQL",
}


class UnportableSQL(Exception):
    """A mart uses SQL that cannot run faithfully on Spark."""


def _functions(tree: exp.Expression):
    for node in tree.walk():
        if isinstance(node, exp.Anonymous):
            yield node.name.lower(), node
        elif isinstance(node, exp.Func):
            yield node.sql_name().lower(), node


def portability_problems(sql: str) -> list[str]:
    """What in `sql` (DuckDB dialect) would not mean the same on Spark; [] when it is portable."""
    problems = []
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        return [f"does not parse: {exc}"]
    for name, node in _functions(tree):
        if name in _UNPORTABLE_FUNCTIONS:
            problems.append(f"{name}(): {_UNPORTABLE_FUNCTIONS[name]}")
        if isinstance(node, exp.DateDiff) and (node.unit is None or node.text("unit").lower() in {"month", "year", "quarter"}):
            problems.append("date_diff/datediff by month/quarter/year counts boundaries on DuckDB and not on Spark; "
                            "compute months from extract(year)*12 + extract(month)")
        if isinstance(node, exp.Avg) and any(isinstance(lit, exp.Literal) and not lit.is_string and "." in lit.this
                                             for lit in node.find_all(exp.Literal)):
            problems.append("a decimal literal inside avg() averages as DECIMAL on one engine and DOUBLE on the other; "
                            "write cast(1 as double)")
    if any(True for _ in tree.find_all(exp.Pivot)):
        problems.append("PIVOT/UNPIVOT is not translated faithfully; aggregate with CASE instead")
    try:
        sqlglot.transpile(sql, read="duckdb", write="spark", unsupported_level=ErrorLevel.RAISE)
    except sqlglot.errors.UnsupportedError as exc:
        problems.append(f"sqlglot cannot translate it to Spark: {exc}")
    return problems


def to_spark(mart: Mart) -> str:
    """The mart's SELECT in Spark SQL; raises UnportableSQL naming the file and the construct."""
    problems = portability_problems(mart.sql)
    if problems:
        raise UnportableSQL(f"{mart.path.name}: " + "; ".join(problems))
    return sqlglot.transpile(mart.sql, read="duckdb", write="spark", unsupported_level=ErrorLevel.RAISE,
                             comments=False)[0]


def input_tables(marts: list[Mart] | None = None) -> list[str]:
    """The canonical and reference tables the marts read (not other marts, not CTE names), sorted."""
    marts = catalog() if marts is None else marts
    names = {m.name for m in marts}
    found: set[str] = set()
    for mart in marts:
        tree = sqlglot.parse_one(mart.sql, read="duckdb")
        ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
        for table in tree.find_all(exp.Table):
            if table.name and table.name not in ctes and table.name not in names:
                found.add(table.name)
    return sorted(found)
