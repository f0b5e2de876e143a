"""Row-for-row comparison of marts built elsewhere (Spark, the DuckDB engine) with the marts DuckDB built in a database.

Values are compared as the DuckDB build types them: the other side is cast to those types first (Spark writes
sums as BIGINT and DECIMAL(24,2) where DuckDB has HUGEINT and DECIMAL(38,2)). Integers, decimals, text,
dates and booleans must be equal exactly (compared as text); floating-point columns within `rtol`.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from codedash.data.marts import catalog

FLOAT_TYPES = {"DOUBLE", "FLOAT", "REAL"}
RTOL = 1e-9        # sums of doubles differ only in the order the engines add them


def _lit(path: Path) -> str:
    return str(path).replace("'", "''")


def mart_differences(con, marts_dir: str | Path, rtol: float = RTOL) -> dict[str, str]:
    """{mart: what differs} between the mart tables on `con` and `marts_dir/<mart>/*.parquet`; {} when equal."""
    problems: dict[str, str] = {}
    for mart in catalog():
        types = [(r[0], r[1]) for r in con.execute(f"describe {mart.name}").fetchall()]
        source = f"read_parquet('{_lit(Path(marts_dir) / mart.name)}/*.parquet')"
        found = {r[0] for r in con.execute(f"describe select * from {source}").fetchall()}
        if found != {n for n, _ in types}:
            problems[mart.name] = f"columns differ: {sorted(found ^ {n for n, _ in types})}"
            continue
        exact = [n for n, t in types if t not in FLOAT_TYPES]
        floats = [n for n, t in types if t in FLOAT_TYPES]

        def shaped(rel: str) -> str:
            cols = [f'cast(cast("{n}" as {t}) as varchar) as "{n}"' if t not in FLOAT_TYPES
                    else f'cast("{n}" as double) as "{n}"' for n, t in types]
            order = ", ".join(f'"{n}"' for n in exact + floats) or "1"
            return f"select {', '.join(cols)} from {rel} order by {order}"

        a = con.execute(shaped(mart.name)).df()
        b = con.execute(shaped(source)).df()
        if len(a) != len(b):
            problems[mart.name] = f"{len(a)} rows in DuckDB, {len(b)} built elsewhere"
            continue
        for n in exact:
            left, right = a[n].tolist(), b[n].tolist()
            if left != right:
                i = next(i for i, (x, y) in enumerate(zip(left, right)) if x != y)
                problems[mart.name] = f"{n} differs at sorted row {i}: {left[i]!r} vs {right[i]!r}"
                break
        else:
            for n in floats:
                if not np.allclose(a[n].to_numpy(float), b[n].to_numpy(float), rtol=rtol, atol=0, equal_nan=True):
                    problems[mart.name] = f"{n} differs beyond rtol {rtol}"
                    break
    return problems
