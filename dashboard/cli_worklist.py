"""`codedash worklist`: draw a reproducible audit worklist from a flagged cell, list worklists, export one.

    codedash worklist --measure ID --entity ID --size N --seed S [--strata COL] [--population numerator|denominator]
                      [filters] [--out FILE]
    codedash worklist --list
    codedash worklist --show WORKLIST_ID [--out FILE]      (CSV with audit status from the analytics database)

The flagged cell's encounters come from queries.compliance.flag_encounters(con, measure_id, entity_id,
filters, scope) (the compliance measures); the sample, its recording and the CSV are queries/worklist.py and
dashboard/worklist_export.py.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from codedash.queries import settings


def _flag_encounters():
    """queries.compliance.flag_encounters, looked up when called (tests replace it with a fake)."""
    try:
        from codedash.queries import compliance
    except ImportError:
        return None
    return getattr(compliance, "flag_encounters", None)


def _write(text: str, out: str | None) -> None:
    if out:
        Path(out).write_text(text, encoding="utf-8", newline="")
        print(f"wrote {out}", file=sys.stderr)
    else:
        sys.stdout.write(text)


def cmd_worklist(args) -> int:
    from codedash.dashboard.cli import kpi_filters
    from codedash.dashboard.worklist_export import worklist_csv
    from codedash.data.database import DatabaseError, open_readonly
    from codedash.queries import worklist as wl
    from codedash.queries.filters import ALL
    from codedash.queries.params import ParameterError

    db_path = Path(args.db or settings.get("db_path"))
    try:
        app = wl.open_app_state(args.app_db or wl.app_db_path(getattr(args, "db", None)))
    except (OSError, RuntimeError) as exc:
        print(f"codedash: cannot open the app-state database: {exc}", file=sys.stderr)
        return 2
    if args.list:
        df = wl.list_worklists(app)
        print(df.to_string(index=False) if not df.empty else "no worklists yet")
        return 0
    try:
        con = open_readonly(db_path)
    except DatabaseError as exc:
        print(f"codedash: {exc}", file=sys.stderr)
        return 2
    if args.show is not None:
        try:
            drawn_from, now = wl.get_worklist(args.show, app)["build_id"], wl.database_build_id(con)
            if drawn_from and now and drawn_from != now:
                print(f"note: worklist {args.show} was drawn from database build {drawn_from}; {db_path} is now "
                      f"build {now} (audits loaded since are linked by encounter id)", file=sys.stderr)
            _write(worklist_csv(args.show, app, con), args.out)
        except KeyError as exc:
            print(f"codedash: {exc.args[0]}", file=sys.stderr)
            return 2
        return 0
    missing = [f"--{n}" for n in ("measure", "entity", "size", "seed") if getattr(args, n) is None]
    if missing:
        print(f"codedash worklist: {', '.join(missing)} required to draw a worklist", file=sys.stderr)
        return 2
    flag_encounters = _flag_encounters()
    if flag_encounters is None:
        print("codedash: the compliance measures (queries.compliance.flag_encounters) are not installed",
              file=sys.stderr)
        return 2
    filters = kpi_filters(args)
    try:
        encounters = flag_encounters(con, args.measure, args.entity, filters, ALL)
        criteria = {"measure": args.measure, "entity": args.entity, "filters": filters, "scope": "all facilities",
                    "population": args.population}
        frame = wl.select_population(encounters, args.population)
        worklist_id, rows = wl.draw_worklist(frame, args.strata, args.size, args.seed, criteria, app=app,
                                             build_id=wl.database_build_id(con), source_db=str(db_path))
    except (ParameterError, wl.WorklistError, KeyError) as exc:
        print(f"codedash: {exc}", file=sys.stderr)
        return 2
    print(f"worklist {worklist_id}: {len(rows)} encounters drawn (seed {args.seed}) -> {app_path(args)}",
          file=sys.stderr)
    _write(worklist_csv(worklist_id, app), args.out)
    return 0


def app_path(args) -> str:
    from codedash.queries import worklist as wl
    return str(args.app_db or wl.app_db_path(getattr(args, "db", None)))


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def add_commands(sub) -> None:
    from codedash.dashboard.cli import _db_arg, filter_args

    p = sub.add_parser("worklist", help="draw a reproducible stratified audit worklist from a flagged cell, "
                                        "list worklists, or export one")
    _db_arg(p)
    p.add_argument("--app-db", default=None,
                   help="app-state SQLite file (default: $CODEDASH_APP_DB or codedash-app.sqlite beside the database)")
    p.add_argument("--measure", help="outlier measure id (compliance catalog)")
    p.add_argument("--entity", help="flagged entity id (provider, coder or facility)")
    p.add_argument("--size", type=_positive, help="number of encounters to draw (1-1000)")
    p.add_argument("--seed", type=_positive, help="random seed (the same seed redraws the same worklist)")
    p.add_argument("--population", choices=["numerator", "denominator"], default="numerator",
                   help="sample the encounters counted in the flag (numerator, default) or all of the entity's "
                        "encounters on the measure (denominator)")
    p.add_argument("--strata", default=None, help="column to stratify by (proportional allocation)")
    filter_args(p)
    p.add_argument("--out", default=None, help="write the CSV here (default: standard output)")
    p.add_argument("--list", action="store_true", help="list the recorded worklists")
    p.add_argument("--show", type=_positive, default=None, metavar="WORKLIST_ID",
                   help="export a recorded worklist with its audit status")
    p.set_defaults(func=cmd_worklist)
