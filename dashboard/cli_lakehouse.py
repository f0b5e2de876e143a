"""`codedash export` and `codedash marts build`: the canonical tables out as Parquet, the marts built from them
on DuckDB or Spark (published back with `codedash load --marts DIR`)."""
from __future__ import annotations

import sys
import time


def cmd_export(args) -> int:
    from codedash.data.database import DatabaseError, open_readonly
    from codedash.data.lakehouse import export_parquet

    from codedash.dashboard.cli import _db_path

    db = _db_path(args)
    try:
        con = open_readonly(db, writes_files=True)
    except DatabaseError as exc:
        print(f"codedash: {exc}", file=sys.stderr)
        return 2
    try:
        started = time.perf_counter()
        tables = export_parquet(con, args.out)
    finally:
        con.close()
    print(f"wrote {len(tables)} tables to {args.out} in {time.perf_counter() - started:.1f} s: {', '.join(tables)}")
    return 0


def cmd_marts_build(args) -> int:
    from codedash.data.lakehouse import LakehouseError
    from codedash.data.marts.engines import build
    from codedash.data.marts.translate import UnportableSQL

    if args.engine != "spark" and (args.master or args.remote):
        print("codedash: --master and --remote are Spark options (--engine spark)", file=sys.stderr)
        return 2
    if args.master and args.remote:
        print("codedash: give --master (a Spark master URL) or --remote (Spark Connect), not both", file=sys.stderr)
        return 2
    print(f"building marts on {args.engine} from {args.input} into {args.output}", flush=True)

    def progress(name: str, done: int, total: int) -> None:
        print(f"  [{done + 1}/{total}] {name}", flush=True)

    started = time.perf_counter()
    try:
        result = build(args.engine, args.input, args.output, master=args.master, remote=args.remote,
                       progress=progress)
    except (LakehouseError, UnportableSQL) as exc:
        print(f"codedash: {exc}", file=sys.stderr)
        return 2
    except ImportError:
        print("codedash: the Spark engine needs pyspark (pip install -r requirements.lock) and Java 17",
              file=sys.stderr)
        return 2
    rows = sum(result.rows.values())
    print(f"done: {len(result.marts)} marts, {rows:,} rows, {time.perf_counter() - started:.1f} s; "
          f"publish them with `codedash load --marts {args.output}`")
    return 0


def add_commands(sub, db_arg) -> None:
    p = sub.add_parser("export", help="write the canonical tables as a Parquet dataset (one folder per table)")
    db_arg(p)
    p.add_argument("--format", choices=["parquet"], default="parquet", help="output format (Parquet)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write: DIR/<table>/<table>.parquet")
    p.set_defaults(func=cmd_export)

    marts = sub.add_parser("marts", help="build the marts outside a database (DuckDB or Apache Spark)")
    msub = marts.add_subparsers(dest="marts_command", required=True)
    p = msub.add_parser("build", help="build every mart from a Parquet dataset, on DuckDB or Spark")
    p.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb")
    p.add_argument("--input", required=True, metavar="DIR", help="a dataset written by `codedash export`")
    p.add_argument("--output", required=True, metavar="DIR", help="folder for the marts: DIR/<mart>/*.parquet")
    p.add_argument("--master", default=None, help="Spark master URL (default local[2])")
    p.add_argument("--remote", default=None, metavar="sc://HOST:PORT", help="Spark Connect server")
    p.set_defaults(func=cmd_marts_build)
