"""`codedash outliers` and `codedash load-edits`: the compliance page's numbers and its NCCI edit tables, from a shell.

    codedash outliers --measure MOD25_PROV --start-date 2025-10-01 --end-date 2026-09-30 --json
    codedash outliers --list
    codedash load-edits ccipra-v321r0-f1.txt MCR_MUE_PractitionerServices.csv --release 2026Q1

`outliers` calls queries.compliance.measure_values, the function the page calls, with the same filters, so it
prints the same values, peer values, percentiles, z-scores, limits and flags (suppressed the same way).
"""
from __future__ import annotations

import json
import math
import sys


def _clean(value):
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    return value


def outliers_report(con, measure_ids, filters) -> dict:
    """{"filters", "suppression_threshold", "measures": [{measure, definition, entities: [...]}, ...]}."""
    from codedash.queries.compliance import measure, measure_values
    from codedash.queries.suppression import threshold

    out = {"filters": filters, "suppression_threshold": threshold(), "measures": []}
    for mid in measure_ids:
        m = measure(mid)
        values = measure_values(con, m.measure_id, filters)
        out["measures"].append({
            "measure_id": m.measure_id, "name": m.name, "entity_type": m.entity_type,
            "peer_group": m.peer_group, "direction": m.direction, "min_denominator": m.min_denominator,
            "numerator": m.numerator, "denominator": m.denominator, "definition": m.definition,
            "source": m.source,
            "entities": [{k: _clean(v) for k, v in row.items()} for row in values.to_dict(orient="records")],
        })
    return out


def cmd_outliers(args) -> int:
    from codedash.dashboard.cli import _db_path, kpi_filters
    from codedash.data.database import DatabaseError, open_readonly
    from codedash.queries.compliance import catalog_frame, measure_catalog
    from codedash.queries.params import ParameterError

    if args.list:
        for _, m in catalog_frame().iterrows():
            print(f"{m.measure_id}\n    {m['name']} ({m.entity_type} vs {m.peer_group}; {m.direction})\n"
                  f"    numerator: {m.numerator}\n    denominator: {m.denominator}")
        return 0
    filters = kpi_filters(args)
    try:
        con = open_readonly(_db_path(args))
        ids = args.measure or list(measure_catalog())
        report = outliers_report(con, ids, filters)
    except (DatabaseError, ParameterError) as exc:
        print(f"codedash: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report, indent=2, default=str))
        return 0
    from codedash.dashboard.safe_text import terminal_text
    for m in report["measures"]:
        print(f"{m['measure_id']}  {m['name']}")
        flagged = [e for e in m["entities"] if e["flag998"] in ("high", "low") or e["flag95"] in ("high", "low")]
        if not flagged:
            print("    no entity flagged at 95% or 99.8%")
        for e in flagged:
            value = "‡" if e["value"] is None else f"{e['value']:.1%}"
            z = "‡" if e["z"] is None else f"{e['z']:.2f}"
            print(terminal_text(f"    {e['entity_id']:<12} {str(e['entity_label'])[:32]:<32} value {value:>7} "
                                f"peer {e['peer_value']:.1%}  z {z:>6}  95%: {e['flag95']}  99.8%: {e['flag998']}"))
    return 0


def cmd_load_edits(args) -> int:
    from codedash.dashboard.cli import _db_path
    from codedash.data.database import DatabaseError
    from codedash.data.edits import EditFileError, load_edits

    path = _db_path(args)
    try:
        counts = load_edits(path, args.paths, release=args.release)
    except (EditFileError, DatabaseError) as exc:
        print(f"codedash: {exc}\nnothing was loaded; {path} is unchanged", file=sys.stderr)
        return 2
    for table, n in counts.items():
        print(f"{table}: {n:,} edits loaded")
    print(f"done: {path}")
    return 0


def add_commands(sub) -> None:
    """Register `outliers` and `load-edits` on the codedash subparsers."""
    from codedash.dashboard.cli import _db_arg, filter_args

    p = sub.add_parser("outliers", help="print every entity's compliance measure values and flags as the page does")
    _db_arg(p)
    p.add_argument("--measure", action="append", metavar="ID", help="a measure id (repeatable; default: all)")
    p.add_argument("--list", action="store_true", help="list the measure catalog")
    filter_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_outliers)

    p = sub.add_parser("load-edits", help="load NCCI PTP and MUE files (CMS layouts), validated, atomically")
    _db_arg(p)
    p.add_argument("paths", nargs="+", metavar="PATH", help="CMS PTP (.txt tab-delimited or .csv) and MUE (.csv) files")
    p.add_argument("--release", default=None, help="release label to record (default: from the file name)")
    p.set_defaults(func=cmd_load_edits)

