"""The raw-table queries as they were before the marts: the reference every mart-backed query must equal.

tests/queries/raw_sql/ holds a frozen copy of each rewritten query as it read the canonical tables
(service lines, adjudications, audit findings) at request time. `run_raw` runs that copy exactly as
queries.runner.run runs the live one (same parameter validation, binding and suppression), so an
exactness test can compare the two frames row for row.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from codedash.queries import filters as flt
from codedash.queries.runner import load, parse_query
from codedash.queries.suppression import suppress as apply_suppression

RAW_DIR = Path(__file__).with_name("raw_sql")

# Fragments whose live text now reads marts: the frozen copies include them as they read the raw tables.
RAW_FRAGMENTS = {
    "initial_claims": """(
    select j.claim_id,
           min(j.encounter_id) as encounter_id,
           sum(j.billed_amount) as billed_amount,
           sum(case when j.denied then j.billed_amount else 0 end) as denied_amount,
           max(case when j.denied then 1 else 0 end) as is_denied
    from adjudications as j
    join {{filtered_encounters}} as fe on fe.encounter_id = j.encounter_id
    where j.adjudication_seq = 1
    group by j.claim_id
)""",
}
_RAW_PLACEHOLDER = re.compile(r"\{\{\s*(" + "|".join(RAW_FRAGMENTS) + r")\s*\}\}")


def raw_names() -> list[str]:
    return sorted(p.stem for p in RAW_DIR.glob("*.sql"))


def run_raw(con, name: str, params: dict | None = None, *, scope: flt.Scope = flt.ALL,
            suppress: bool = True) -> pd.DataFrame:
    text = (RAW_DIR / f"{name}.sql").read_text(encoding="utf-8")
    query = parse_query(name, _RAW_PLACEHOLDER.sub(lambda m: RAW_FRAGMENTS[m.group(1)], text))
    df = con.execute(query.sql, query.bind(params, scope)).df()
    if suppress:
        # compared under the live query's declarations: the frozen header may predate `-- counts:`
        df = apply_suppression(df, load(name).rules)
    return df
