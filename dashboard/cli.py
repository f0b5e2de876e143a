"""The `codedash` command: build the demo, load data, check it, serve the dashboard, run queries, print KPIs."""
from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
from pathlib import Path

from codedash.dashboard import cli_worklist
from codedash.queries import settings
from codedash.queries.settings import DB_FILE_NAME


def _db_arg(p: argparse.ArgumentParser) -> None:
    path, source = settings.db_path_source()
    where = f"from {source}" if source.startswith("$") else f"in {source}; $CODEDASH_DB overrides it"
    p.add_argument("--db", default=None, metavar="PATH", help=f"DuckDB database file (default: {path}, {where})")


def _db_epilog() -> str:
    path, source = settings.db_path_source()
    return (f"database: every command uses --db PATH if given, else $CODEDASH_DB, else {DB_FILE_NAME} in the "
            f"per-user data directory. Here that is {path} (from {source}). `make run` uses var/demo.duckdb "
            "in the checkout.")


def _db_path(args) -> Path:
    return Path(args.db or settings.get("db_path"))


def _size(text: str) -> int:
    from codedash.data.demo import SIZES
    if text in SIZES:
        return SIZES[text]
    try:
        n = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected one of {', '.join(SIZES)} or a number of encounters") from None
    if not 1 <= n <= 50_000_000:
        raise argparse.ArgumentTypeError("number of encounters must be between 1 and 50,000,000")
    return n


# The stages of `codedash demo`, in the order they run (each gets a progress bar of its own).
DEMO_STAGES = ("reference tables", "entities", "encounters", "billing", "audits", "data-quality checks", "marts")
# The chunked generation reports three steps per chunk of encounters; their share of a chunk's time
# (measured on 2 cores: generating 30%, billing 50%, audits and writing 20%) moves one bar smoothly.
_CHUNK_CUMULATIVE = {"encounters": 0.3, "billing": 0.8, "audits": 1.0}
# Each reference table's share of the reference build (measured on 2 shared cores: ICD-10-CM about three
# quarters of it, ICD-10-PCS a tenth, the other seven together the rest).
_REF_SHARE = {"ref_icd10cm": 0.75, "ref_icd10pcs": 0.1}
_REF_SHARE_OTHERS = 0.15 / 7


class StageProgress:
    """One tqdm bar per stage of a build, each counting its real unit (tables, steps, encounters, marts).

    The chunked steps (encounters, billing, audits of each chunk of encounters) share one bar,
    "generate", whose postfix names the step that just finished. When the output is not a terminal
    (a log, CI, a pipe) each report is one plain line instead: "marts: 3/16 marts, mart_encounters"."""

    def __init__(self, file=None):
        self.file = file if file is not None else sys.stderr
        self.plain = not (hasattr(self.file, "isatty") and self.file.isatty())
        self.name: str | None = None
        self.unit = ""
        self.done = 0
        self.total = 0
        self.detail = ""
        self.share = False
        self.bar = None

    def stage(self, name: str, done: float, total: int, unit: str, detail: str = "",
              share: float | None = None) -> None:
        """Report `done` of `total` (a fraction of a step allowed) for stage `name`; the bar shows `share`
        (0-1 of the stage's time) when the steps take very different times, else done/total."""
        if self.plain:
            done = int(done + 1e-6)                           # whole steps in a log line
            if (name, done, detail) != (self.name, self.done, self.detail):
                print(f"{name}: {done:,}/{total:,} {unit}" + (f", {detail}" if detail else ""),
                      file=self.file, flush=True)
        else:
            from tqdm import tqdm

            if name != self.name:
                self.close()
                import shutil

                width = shutil.get_terminal_size((100, 24)).columns or 100
                self.bar = tqdm(total=total, desc=f"{name:<19}", unit=f" {unit}", file=self.file, leave=True,
                                ncols=max(60, min(width, 120)), mininterval=0.2,
                                bar_format="{desc} {percentage:3.0f}%|{bar:24}| [{elapsed}{postfix}]")
            position, length = (done, total) if share is None else (share * 1000, 1000)
            self.bar.total = length
            self.bar.set_postfix_str(f"{int(done + 1e-6):,}/{total:,} {unit}" + (f", {detail}" if detail else ""),
                                     refresh=False)
            self.bar.update(position - self.bar.n)
        self.name, self.unit, self.done, self.total, self.detail = name, unit, done, total, detail
        self.share = share is not None

    def finish(self) -> None:
        """End the current stage at 100% (its callbacks report each step as it starts)."""
        if self.name is not None and (self.done != self.total or self.bar is not None and self.bar.n < self.bar.total):
            self.stage(self.name, self.total, self.total, self.unit, "done", share=1.0 if self.share else None)
        self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        self.bar, self.name = None, None

    # one callback per builder

    def reference(self, tables: tuple[str, ...]):
        """Callbacks for build_reference; the bar moves by each table's measured share of the time."""
        weights = [_REF_SHARE.get(t, _REF_SHARE_OTHERS) for t in tables]
        scale = sum(weights)

        def at(table: str) -> int:
            return tables.index(table) if table in tables else 0

        def share(index: float) -> float:
            whole = int(index)
            return (sum(weights[:whole]) + (index - whole) * (weights[whole] if whole < len(weights) else 0)) / scale

        def on_table(table: str) -> None:
            self.stage("reference tables", at(table), len(tables), "tables", f"building {table}", share(at(table)))

        def on_detail(table: str, fraction: float, what: str) -> None:
            self.stage("reference tables", at(table) + fraction, len(tables), "tables",
                       f"building {table}: {what}", share(at(table) + fraction))
        return on_table, on_detail

    def generation(self):
        state = {"base": 0}                                 # encounters of the chunks finished before this one

        def on_step(step: str, done: int, total: int) -> None:
            if step == "entities":
                self.stage("entities", done, total, "steps",
                           ("code book, patients, grouper", "facilities, payers, providers, coders", "done")[done])
                return
            if self.name == "entities":
                self.close()
            base = state["base"]
            at = base + (done - base) * _CHUNK_CUMULATIVE[step]
            if step == "audits":
                state["base"] = done
            self.stage("generate", at, total, "encounters", f"{step} of {base + 1:,}-{done:,} done")
        return on_step

    def checks(self, tables: tuple[str, ...]):
        def on_check(what: str) -> None:
            table = what.split(":")[0]
            self.stage("data-quality checks", tables.index(table) if table in tables else 0, len(tables),
                       "tables", f"checking {table}")
        return on_check

    def marts(self, names: list[str]):
        def on_mart(name: str) -> None:
            self.stage("marts", names.index(name) if name in names else 0, len(names), "marts", f"building {name}")
        return on_mart


def cmd_demo(args) -> int:
    print("codedash demo: loading the generator and reference packages", flush=True)
    from codedash.data.database import build_database
    from codedash.data.demo import generate
    from codedash.data.loading import record_table_checks
    from codedash.data.loading.tables import LOADABLE
    from codedash.data.marts import catalog as mart_catalog
    from codedash.data.reference import REF_TABLES, build_reference

    path = _db_path(args)
    if args.if_missing and path.exists():
        print(f"demo database already present: {path}")
        return 0
    print(f"building demo database ({args.size:,} encounters, seed {args.seed}) -> {path}", flush=True)
    print("stages: " + ", ".join(DEMO_STAGES), flush=True)
    bars = StageProgress()

    def step(fn):
        def run(con):
            fn(con)
            bars.finish()
        return run

    try:
        build_database(
            path,
            step(lambda con: build_reference(con, *bars.reference(REF_TABLES))),
            lambda con: generate(con, args.size, seed=args.seed, stage=bars.generation()),
            step(lambda con: record_table_checks(con, kind="demo", progress=bars.checks(tuple(LOADABLE)))),
            progress=bars.marts([m.name for m in mart_catalog()]),
        )
        bars.finish()
    finally:
        bars.close()
    print(f"done: {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


def cmd_load(args) -> int:
    from tqdm import tqdm

    from codedash.data.importers import ImportFormatError
    from codedash.data.loading import LoadRejected, load_native
    from codedash.data.loading.loader import import_rejected
    from codedash.data.marts.publish import MartPublishError

    path = _db_path(args)
    if args.marts and args.mode == "append":
        print("codedash: --marts publishes marts built elsewhere and replaces the data; it cannot append "
              f"(append the tables, then rebuild the marts); {path} is unchanged", file=sys.stderr)
        return 2
    if not args.paths and not args.marts:
        print("codedash: give files or folders to load, or --marts DIR", file=sys.stderr)
        return 2
    if not args.paths:
        return _publish_marts_only(path, args.marts)
    print(f"loading {len(args.paths)} path(s) into {path} (mode {args.mode})"
          + (f", marts from {args.marts}" if args.marts else ""), flush=True)
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
                                 source_files=source_files, marts_dir=args.marts)
    except MartPublishError as exc:
        bar.close()
        print(f"codedash: cannot publish the marts: {exc}; nothing was loaded and {path} is unchanged",
              file=sys.stderr)
        return 2
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


def _publish_marts_only(path: Path, marts_dir: str) -> int:
    from codedash.data.marts.publish import MartPublishError, publish_database

    print(f"publishing marts from {marts_dir} into {path} (no canonical tables)", flush=True)
    try:
        names = publish_database(path, marts_dir, progress=lambda what: print(f"  {what}", flush=True))
    except MartPublishError as exc:
        print(f"codedash: cannot publish the marts: {exc}; {path} is unchanged", file=sys.stderr)
        return 2
    print(f"done: {path} ({len(names)} marts)")
    return 0


AUTO_FALLBACK = ("could not recognise the format of these files as an importer's either (--format auto): the "
                 "failures above are those of the native format; pass --format tuva|x12-835|x12-837|desynpuf|"
                 "cms-rif|mimic-iv|omop for another")


def _native_names(paths: list[str]) -> bool:
    """Every path is, or every folder holds only, files named after canonical tables and readable."""
    from codedash.data.loading.files import discover

    sources, failures, _ = discover(paths)
    return bool(sources) and not failures


def resolve_format(requested: str, paths: list[str]) -> str:
    """The format to load: as requested, or for 'auto' native when files are named after canonical
    tables, else the one importer whose detect() recognises the files, else native again, so that the
    native loader reports the specific reason (a table given twice, a file name that is no table, an
    empty folder, a missing file, a link loop) and writes the `.rejected` report."""
    from codedash.data.importers import detect_format

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
    from codedash.data.database import open_readonly
    from codedash.data.importers import get
    from codedash.data.importers.base import empty_reasons

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
    from codedash.data.database import DatabaseError, open_readonly
    from codedash.data.loading.stored import latest_report, rerun_checks

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
    from codedash.dashboard import auth, serving
    from codedash.dashboard.app import create_app
    from codedash.data import appstate
    from codedash.data.database import DatabaseError, open_readonly
    from codedash.queries.worklist import app_db_path

    path = _db_path(args)
    host = args.host or settings.get("host")
    port = args.port or settings.get("port")
    debug = args.debug or settings.get("debug")
    multi_user = bool(args.multi_user or settings.get("multi_user"))
    requested = args.workers if args.workers is not None else settings.get("workers")
    if requested < 0:
        print(f"codedash: cannot serve: --workers must be 0 (automatic) or more, got {requested}", file=sys.stderr)
        return 2
    workers = 1 if debug else serving.worker_count(requested, multi_user)
    if debug and multi_user:
        print("codedash: cannot serve: --debug shows tracebacks in the browser; never with multi-user mode",
              file=sys.stderr)
        return 2

    def boot_error(exc: Exception) -> str | None:
        return f"codedash: cannot serve: {exc}" if isinstance(exc, (auth.ServeError, DatabaseError)) else None

    try:
        auth.check_bind(host, multi_user)
        config = auth.AuthConfig.from_settings(path) if multi_user else None
        if workers > 1:
            # what would stop every worker, checked once here before forking (serving.py: no DuckDB or
            # SQLite handle may cross the fork, so the app itself is built in each worker)
            open_readonly(path).close()
            appstate.open_app(config.app_db if config is not None else app_db_path(path)).close()
            app = None
        else:
            app = create_app(path, bind_host=host, auth_config=config)
    except (auth.ServeError, DatabaseError) as exc:
        print(boot_error(exc), file=sys.stderr)
        return 2
    if multi_user:
        print(f"codedash: multi-user mode: sign-in required; users, sessions and the audit log in {config.app_db}",
              flush=True)
    else:
        print("codedash: single-user mode: no sign-in. Anyone who can open this address on this machine sees all "
              "data; for a team use multi-user mode (docs/deployment.md).", flush=True)
    processes = f"{workers} processes × {serving.THREADS} threads" if workers > 1 else f"{serving.THREADS} threads"
    print(f"codedash is serving {path} on http://{host}:{port}/  ({processes}; Ctrl-C to stop)", flush=True)
    if debug:
        # the version check would fetch from plotly.com, which the CSP (connect-src 'self') blocks
        app.run(host=host, port=port, debug=True, use_reloader=False, dev_tools_disable_version_check=True)
        return 0
    serving.serve(lambda: (app or create_app(path, bind_host=host, auth_config=config)).server, host, port, workers,
                  on_boot_error=boot_error)
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
    from codedash.data.database import DatabaseError, open_readonly
    from codedash.queries.params import ParameterError
    from codedash.queries.runner import QueryError, catalog, run

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
    from codedash.dashboard.safe_text import terminal_text, write_csv
    if args.format == "csv":
        write_csv(df, sys.stdout)          # formula-neutralised: the output is often opened in a spreadsheet
    elif args.format == "json":
        print(df.to_json(orient="records", date_format="iso", indent=2))
    else:
        print(terminal_text(df.to_string(index=False)) if len(df) else "(no rows)")
    return 0


def filter_args(p: argparse.ArgumentParser) -> None:
    """The dashboard's global filters as options (read back by `kpi_filters`)."""
    p.add_argument("--start-date", help="first discharge date, YYYY-MM-DD")
    p.add_argument("--end-date", help="last discharge date, YYYY-MM-DD")
    for name in ("facility", "specialty", "payer", "coder"):
        p.add_argument(f"--{name}", action="append", help=f"a {name} id (repeatable)")


def kpi_filters(args) -> dict:
    return {k: v for k, v in {
        "start_date": args.start_date, "end_date": args.end_date,
        "facilities": args.facility, "specialties": args.specialty,
        "payers": args.payer, "coders": args.coder}.items() if v}


def _incomplete_months(monthly) -> list[str]:
    """Run-out months of the period (queries/periods.py), as YYYY-MM."""
    if "incomplete" not in monthly or monthly.empty:
        return []
    return [f"{m:%Y-%m}" for m in monthly.loc[monthly["incomplete"].astype(bool), "month"]]


def cmd_kpis(args) -> int:
    from codedash.data.database import DatabaseError, open_readonly
    from codedash.queries.overview import overview_kpis
    from codedash.queries.params import ParameterError
    from codedash.queries.suppression import threshold

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
        "incomplete_months": _incomplete_months(result["monthly"]),
    }
    if args.json:
        print(json.dumps(out, indent=2, default=str))
    else:
        from codedash.dashboard.formatting import format_change, format_value
        from codedash.queries.periods import runout_note
        if period is None:
            print("No encounters in scope.")
        else:
            default = "" if args.start_date or args.end_date else " (default: last 12 complete months)"
            print(f"Discharges {period.start} – {period.end}{default}, compared with {prev.start} – {prev.end}")
            note = runout_note(result["monthly"])
            if note:
                print(note)
        for k in result["kpis"]:
            print(f"{k['label']:<60} {format_value(k['value'], k['unit'], k['suppressed']):>16}"
                  f"   {format_change(k['change'], k['change_kind'])}")
    return 0


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's help layout, but a path in a help text is never broken at its hyphens."""

    def _split_lines(self, text, width):
        import textwrap

        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False, break_long_words=False)

    def _fill_text(self, text, width, indent):
        import textwrap

        return textwrap.fill(" ".join(text.split()), width, initial_indent=indent, subsequent_indent=indent,
                             break_on_hyphens=False, break_long_words=False)


class _Parser(argparse.ArgumentParser):
    """Every codedash parser and subcommand parser (add_subparsers uses this class) gets _HelpFormatter."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    from codedash.data.demo import SIZES
    from codedash.data.importers import FORMATS as IMPORT_FORMATS

    parser = _Parser(prog="codedash", description=__doc__, epilog=_db_epilog())
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
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="files named <table>.csv[.gz]/.parquet, or folders of them (a `codedash export` folder too)")
    p.add_argument("--marts", default=None, metavar="DIR",
                   help="publish marts built elsewhere (`codedash marts build`, Spark) from DIR instead of building "
                        "them here; with no PATH the database holds the marts alone")
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
    p.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1; any other needs "
                   "multi-user mode)")
    p.add_argument("--multi-user", action="store_true", help="sign-in, roles, facility grants and the audit log "
                   "(also CODEDASH_MULTI_USER=1; needs CODEDASH_SECRET_KEY)")
    p.add_argument("--port", type=int, default=None)
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="server processes (default CODEDASH_WORKERS; 0 = one per core, at most 4, in multi-user "
                   "mode and one otherwise)")
    p.add_argument("--debug", action="store_true", help="Dash debug mode (development only; one process)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("query", help="run a catalog query (queries/sql/*.sql)")
    _db_arg(p)
    p.add_argument("name", nargs="?")
    p.add_argument("--list", action="store_true", help="list the catalog")
    p.add_argument("--param", action="append", metavar="KEY=VALUE", help="parameter (lists comma-separated)")
    p.add_argument("--format", choices=["csv", "json", "table"], default="table")
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("kpis", help="print the overview KPIs exactly as the dashboard computes them "
                       "(no dates: the dashboard's default, the last 12 complete run-out months)")
    _db_arg(p)
    filter_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_kpis)
    cli_worklist.add_commands(sub)
    __import__("codedash.dashboard.cli_compliance", fromlist=["add_commands"]).add_commands(sub)   # outliers, load-edits
    __import__("codedash.dashboard.cli_accounts", fromlist=["add_commands"]).add_commands(sub)     # users, audit
    from codedash.dashboard import cli_lakehouse
    cli_lakehouse.add_commands(sub, _db_arg)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
