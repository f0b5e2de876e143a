"""The `codedash` command: build the demo, load data, check it, serve the dashboard, run queries, print KPIs."""
from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
from pathlib import Path

from dashboard import cli_worklist
from queries import settings


def _db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", default=None,
                   help=f"DuckDB database file (default: $CODEDASH_DB or {settings.get('db_path')})")


def _db_path(args) -> Path:
    return Path(args.db or settings.get("db_path"))


def _size(text: str) -> int:
    from data.demo import SIZES
    if text in SIZES:
        return SIZES[text]
    try:
        n = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected one of {', '.join(SIZES)} or a number of encounters") from None
    if not 1 <= n <= 50_000_000:
        raise argparse.ArgumentTypeError("number of encounters must be between 1 and 50,000,000")
    return n


def cmd_demo(args) -> int:
    from tqdm import tqdm

    from data.database import build_database
    from data.demo import generate
    from data.loading import record_table_checks
    from data.reference import build_reference

    path = _db_path(args)
    if args.if_missing and path.exists():
        print(f"demo database already present: {path}")
        return 0
    print(f"building demo database ({args.size:,} encounters, seed {args.seed}) -> {path}")
    with tqdm(total=args.size, unit=" encounters", unit_scale=True, desc="demo", file=sys.stderr) as bar:
        def progress(done: int, total: int) -> None:
            if bar.n == 0:
                bar.set_postfix_str("generating encounters")
            bar.total = total
            bar.update(done - bar.n)

        build_database(
            path,
            lambda con: build_reference(con, progress=lambda step: bar.set_postfix_str(step)),
            lambda con: generate(con, args.size, seed=args.seed, progress=progress),
            lambda con: (bar.set_postfix_str("data-quality checks"), record_table_checks(con, kind="demo")),
        )
    print(f"done: {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


def cmd_load(args) -> int:
    from tqdm import tqdm

    from data.importers import ImportFormatError
    from data.loading import LoadRejected, load_native
    from data.loading.loader import import_rejected

    path = _db_path(args)
    print(f"loading {len(args.paths)} path(s) into {path} (mode {args.mode})", flush=True)
    bar = tqdm(total=1, unit=" steps", desc="load", file=sys.stderr, delay=1.0)

    def progress(what: str, done: int, total: int) -> None:
        bar.total = total
        bar.set_postfix_str(what)
        bar.update(done - bar.n)

    fmt = args.format
    try:
        fmt = resolve_format(args.format, args.paths)
        with _converted(fmt, args.paths, path, args.mode) as (native_paths, notes, source_files):
            if fmt != "native":
                print(f"format: {fmt}" + (" (detected)" if args.format == "auto" else ""), flush=True)
            report = load_native(native_paths, path, mode=args.mode, progress=progress,
                                 max_examples=args.max_examples, source_format=fmt, dataset_notes=notes,
                                 source_files=source_files)
    except ImportFormatError as exc:
        bar.close()
        out = import_rejected(exc, args.mode, fmt).write_rejected(path)
        print(f"codedash: cannot import: {exc}; nothing was loaded and {path} is unchanged. Report: {out}",
              file=sys.stderr)
        return 2
    except LoadRejected as exc:
        bar.close()
        if (args.format == "auto" and fmt == "native" and all(Path(p).exists() for p in args.paths)
                and not _native_names(args.paths)):          # detection was tried and found no importer
            exc.report.notes.append(AUTO_FALLBACK)
        out = exc.report.write_rejected(path)
        print(exc.report.summary(), file=sys.stderr)
        print(f"codedash: load rejected: a blocking check failed; nothing was loaded and {path} is unchanged. "
              f"Report: {out}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        bar.close()
        print(f"codedash: load interrupted; {path} is unchanged", file=sys.stderr)
        return 130
    except (OSError, ValueError) as exc:
        bar.close()
        print(f"codedash: load failed ({exc}); {path} is unchanged", file=sys.stderr)
        return 2
    bar.close()
    print(report.summary())
    print(f"done: {path} ({report.status})")
    return 0


AUTO_FALLBACK = ("could not recognise the format of these files as an importer's either (--format auto): the "
                 "failures above are those of the native format; pass --format tuva|x12-835|x12-837|desynpuf|"
                 "cms-rif|mimic-iv for another")


def _native_names(paths: list[str]) -> bool:
    """Every path is, or every folder holds only, files named after canonical tables and readable."""
    from data.loading.files import discover

    sources, failures, _ = discover(paths)
    return bool(sources) and not failures


def resolve_format(requested: str, paths: list[str]) -> str:
    """The format to load: as requested, or for 'auto' native when files are named after canonical
    tables, else the one importer whose detect() recognises the files, else native again, so that the
    native loader reports the specific reason (a table given twice, a file name that is no table, an
    empty folder, a missing file, a link loop) and writes the `.rejected` report."""
    from data.importers import detect_format

    if requested != "auto":
        return requested
    if _native_names(paths) or any(not Path(p).exists() for p in paths):
        return "native"
    return detect_format([Path(p) for p in paths]) or "native"


@contextlib.contextmanager
def _converted(fmt: str, paths: list[str], db: Path, mode: str):
    """Native paths to load and dataset notes: the inputs themselves, or an importer's Parquet output
    in a scratch folder beside the database (removed afterwards).

    Appending remittances (835) to a database that holds the claims (837) they pay: the importer reads
    the target read-only to attach each payment to its claim and line instead of creating encounters."""
    if fmt == "native":
        yield paths, {}, None
        return
    from data.database import open_readonly
    from data.importers import get
    from data.importers.base import empty_reasons

    db.parent.mkdir(parents=True, exist_ok=True)
    target = open_readonly(db) if fmt == "x12-835" and mode == "append" and db.exists() else None
    try:
        with tempfile.TemporaryDirectory(prefix=f".{db.name}.import-", dir=db.parent) as tmp:
            summary = get(fmt).convert([Path(p) for p in paths], Path(tmp), con=target)
            if target is not None:
                target.close()
                target = None
            print(summary.describe(), flush=True)
            reasons = summary.empty_reasons or empty_reasons(summary.rows_written, {})
            yield [tmp], {f"empty_reason:{table}": why for table, why in reasons.items()}, summary.files
    finally:
        if target is not None:
            target.close()


def cmd_check(args) -> int:
    from data.database import DatabaseError, open_readonly
    from data.loading.stored import latest_report, rerun_checks

    try:
        con = open_readonly(_db_path(args))
    except DatabaseError as exc:
        print(f"codedash: {exc}", file=sys.stderr)
        return 2
    report = rerun_checks(con, max_examples=args.max_examples) if args.rerun else latest_report(con, args.run)
    if report is None:
        print("codedash: no data-quality run recorded in this database "
              "(load files with `codedash load`, or use `codedash check --rerun`)", file=sys.stderr)
        return 2
    print(report.summary())
    return 0


def cmd_serve(args) -> int:
    from dashboard.app import create_app
    from data.database import DatabaseError

    path = _db_path(args)
    host = args.host or settings.get("host")
    try:
        app = create_app(path, bind_host=host)
    except DatabaseError as exc:
        print(f"codedash: cannot serve: {exc}", file=sys.stderr)
        return 2
    port = args.port or settings.get("port")
    debug = args.debug or settings.get("debug")
    print(f"codedash is serving {path} on http://{host}:{port}/  (Ctrl-C to stop)", flush=True)
    if debug:
        # the version check would fetch from plotly.com, which the CSP (connect-src 'self') blocks
        app.run(host=host, port=port, debug=True, use_reloader=False, dev_tools_disable_version_check=True)
    else:
        from waitress import serve
        serve(app.server, host=host, port=port, threads=8, ident="codedash")
    return 0


def _parse_pairs(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(f"codedash: --param expects key=value, got {pair!r}")
        params[key.strip()] = value
    return params


def cmd_query(args) -> int:
    from data.database import DatabaseError, open_readonly
    from queries.params import ParameterError
    from queries.runner import QueryError, catalog, run

    if args.list or not args.name:
        for q in catalog():
            params = ", ".join(f"{p.name} {p.type}" for p in q.params) or "none"
            print(f"{q.name}\n    {q.purpose}\n    grain: {q.grain}\n    params: {params}")
        return 0
    try:
        con = open_readonly(_db_path(args))
        df = run(con, args.name, _parse_pairs(args.param))
    except (DatabaseError, QueryError, ParameterError) as exc:
        print(f"codedash: {exc}", file=sys.stderr)
        return 2
    from dashboard.safe_text import terminal_text, write_csv
    if args.format == "csv":
        write_csv(df, sys.stdout)          # formula-neutralised: the output is often opened in a spreadsheet
    elif args.format == "json":
        print(df.to_json(orient="records", date_format="iso", indent=2))
    else:
        print(terminal_text(df.to_string(index=False)) if len(df) else "(no rows)")
    return 0


def kpi_filters(args) -> dict:
    return {k: v for k, v in {
        "start_date": args.start_date, "end_date": args.end_date,
        "facilities": args.facility, "specialties": args.specialty,
        "payers": args.payer, "coders": args.coder}.items() if v}


def cmd_kpis(args) -> int:
    from data.database import DatabaseError, open_readonly
    from queries.overview import overview_kpis
    from queries.params import ParameterError
    from queries.suppression import threshold

    try:
        con = open_readonly(_db_path(args))
        result = overview_kpis(con, kpi_filters(args))
    except (DatabaseError, ParameterError) as exc:
        print(f"codedash: {exc}", file=sys.stderr)
        return 2
    period, prev = result["period"], result["previous_period"]
    out = {
        "period": None if period is None else {"start_date": str(period.start), "end_date": str(period.end)},
        "previous_period": None if prev is None else {"start_date": str(prev.start), "end_date": str(prev.end)},
        "filters": kpi_filters(args),
        "suppression_threshold": threshold(),
        "kpis": result["kpis"],
    }
    if args.json:
        print(json.dumps(out, indent=2, default=str))
    else:
        from dashboard.formatting import format_change, format_value
        for k in result["kpis"]:
            print(f"{k['label']:<32} {format_value(k['value'], k['unit'], k['suppressed']):>16}"
                  f"   {format_change(k['change'], k['change_kind'])}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from data.demo import SIZES
    from data.importers import FORMATS as IMPORT_FORMATS

    parser = argparse.ArgumentParser(prog="codedash", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="build the deterministic demo database")
    _db_arg(p)
    p.add_argument("--size", type=_size, default=SIZES["default"],
                   help=f"{' | '.join(f'{k} ({v:,})' for k, v in SIZES.items())} or a number of encounters")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--if-missing", action="store_true", help="do nothing if the database already exists")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("load", help="load native files (one CSV/Parquet per canonical table), checked, atomically")
    _db_arg(p)
    p.add_argument("paths", nargs="+", metavar="PATH", help="files named <table>.csv[.gz]/.parquet, or folders of them")
    p.add_argument("--format", choices=["auto", "native", *IMPORT_FORMATS], default="auto",
                   help="input format (default: detect; native: see data/README.md)")
    p.add_argument("--mode", choices=["replace", "append"], default="replace",
                   help="replace: the loaded tables become the data; append: add rows to what is loaded")
    p.add_argument("--max-examples", type=int, default=100, help="example failures kept per check and table")
    p.set_defaults(func=cmd_load)

    p = sub.add_parser("check", help="print the data-quality report of what is loaded")
    _db_arg(p)
    p.add_argument("--run", default=None, help="a dq_runs.run_id (default: the latest run)")
    p.add_argument("--rerun", action="store_true",
                   help="run the table-level checks on the loaded tables now (read-only; not saved)")
    p.add_argument("--max-examples", type=int, default=20, help="example failures per check and table (--rerun)")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("serve", help="serve the dashboard (read-only)")
    _db_arg(p)
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    p.add_argument("--debug", action="store_true", help="Dash debug mode (development only)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("query", help="run a catalog query (queries/sql/*.sql)")
    _db_arg(p)
    p.add_argument("name", nargs="?")
    p.add_argument("--list", action="store_true", help="list the catalog")
    p.add_argument("--param", action="append", metavar="KEY=VALUE", help="parameter (lists comma-separated)")
    p.add_argument("--format", choices=["csv", "json", "table"], default="table")
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("kpis", help="print the overview KPIs exactly as the dashboard computes them")
    _db_arg(p)
    p.add_argument("--start-date")
    p.add_argument("--end-date")
    p.add_argument("--facility", action="append")
    p.add_argument("--specialty", action="append")
    p.add_argument("--payer", action="append")
    p.add_argument("--coder", action="append")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_kpis)
    cli_worklist.add_commands(sub)
    __import__("dashboard.cli_compliance", fromlist=["add_commands"]).add_commands(sub)   # outliers, load-edits
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
