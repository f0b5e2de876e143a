"""`codedash users` (local accounts, roles, facility grants) and `codedash audit` (the hash-chained audit log).

    codedash users add USERNAME [--role R ...] [--facility ID ... | --all-facilities] [--export]
                                [--display-name NAME] [--password-stdin]
    codedash users list
    codedash users disable|enable USERNAME
    codedash users grant|revoke USERNAME [--role R ...] [--facility ID ...] [--all-facilities] [--export]
    codedash users reset-password USERNAME [--password-stdin]
    codedash audit verify                       (exit 1 and the first bad entry when the chain is broken)
    codedash audit export [--since YYYY-MM-DD] [--format jsonl|csv] [--out FILE]
    codedash audit purge [--older-than-days N]  (default: the audit_retention_days setting)

Every command takes --app-db PATH (default: $CODEDASH_APP_DB, else codedash-app.sqlite beside the analytics
database, as queries/worklist.py app_db_path resolves it). Passwords are read with getpass (twice) or, with
--password-stdin, as the first line of standard input; they never appear in arguments, output or the log.
Facility ids given to add/grant are checked against the analytics database's `facilities` when that
database exists (a warning otherwise). The work is data/accounts.py and data/audit_log.py; the changes are
audited with the actor `cli:<operating-system user>`.
"""
from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
from pathlib import Path

from codedash.queries import settings


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):       # no user name in this environment (some containers)
        return "cli"


def _err(message: str) -> int:
    print(f"codedash: {message}", file=sys.stderr)
    return 2


def _app(args):
    from codedash.queries import worklist as wl

    return wl.open_app_state(args.app_db or wl.app_db_path(getattr(args, "db", None)))


def _password(args, username: str) -> str | None:
    if args.password_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    first = getpass.getpass(f"New password for {username}: ")
    if getpass.getpass("Repeat it: ") != first:
        print("codedash: the two passwords differ; nothing was changed", file=sys.stderr)
        return None
    return first


def _unknown_facilities(args, facilities: list[str]) -> list[str] | None:
    """Facility ids not in the analytics database; None (after a warning) when it cannot be checked."""
    import duckdb

    from codedash.data.database import DatabaseError, open_readonly

    path = Path(args.db or settings.get("db_path"))
    if not path.exists():
        print(f"codedash: warning: no analytics database at {path}; facility ids {', '.join(facilities)} "
              "are granted unchecked", file=sys.stderr)
        return None
    try:
        con = open_readonly(path)
        try:
            known = {r[0] for r in con.execute("select facility_id from facilities").fetchall()}
        finally:
            con.close()
    except (DatabaseError, duckdb.Error) as exc:
        print(f"codedash: warning: cannot read the facilities of {path} ({exc}); facility ids "
              f"{', '.join(facilities)} are granted unchecked", file=sys.stderr)
        return None
    return [f for f in facilities if f not in known]


def _facilities_ok(args) -> bool:
    facilities = args.facility or []
    unknown = _unknown_facilities(args, facilities) if facilities else []
    if unknown:
        print(f"codedash: unknown facility id(s) {', '.join(unknown)} (not in the analytics database's "
              "facilities); nothing was changed", file=sys.stderr)
        return False
    return True


def _describe(user) -> str:
    facilities = "*" if user.facilities is None else ",".join(user.facilities) or "-"
    return (f"{user.username} ({user.source}): roles {','.join(user.roles) or '-'}; facilities {facilities}; "
            f"export {'yes' if user.can_export else 'no'}{'; DISABLED' if user.disabled else ''}")


def cmd_users(args) -> int:
    from codedash.dashboard.safe_text import terminal_text
    from codedash.data import accounts

    try:
        app = _app(args)
    except (OSError, RuntimeError) as exc:
        return _err(f"cannot open the app-state database: {exc}")
    actor = _actor()
    min_length = settings.get("password_min_length")
    try:
        if args.users_command == "list":
            users = accounts.list_users(app)
            if not users:
                print("no users yet (add one with `codedash users add USERNAME --role administrator`)")
                return 0
            rows = [("username", "display name", "source", "roles", "facilities", "export", "status")]
            for u in users:
                rows.append((u.username, u.display_name, u.source, ",".join(u.roles) or "-",
                             "*" if u.facilities is None else ",".join(u.facilities) or "-",
                             "yes" if u.can_export else "no", "disabled" if u.disabled else "active"))
            widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
            for r in rows:
                print(terminal_text("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()))
            return 0
        if args.users_command == "add":
            if args.all_facilities and args.facility:
                return _err("give --facility IDs or --all-facilities, not both")
            if accounts.get_user(app, args.username) is not None:
                return _err(f"a user named {args.username.strip().lower()!r} already exists")
            if not _facilities_ok(args):
                return 2
            password = _password(args, args.username)
            if password is None:
                return 2
            user = accounts.add_user(app, args.username, password, roles=args.role or (),
                                     facilities=args.facility or (), all_facilities=args.all_facilities,
                                     can_export=args.export, display_name=args.display_name,
                                     min_length=min_length, actor=actor)
            print(terminal_text(f"added {_describe(user)}"))
        elif args.users_command in ("disable", "enable"):
            user = accounts.set_disabled(app, args.username, args.users_command == "disable", actor=actor)
            print(terminal_text(f"{args.users_command}d {_describe(user)}"))
        elif args.users_command in ("grant", "revoke"):
            if not (args.role or args.facility or args.all_facilities or args.export):
                return _err(f"nothing to {args.users_command}: give --role, --facility, --all-facilities or "
                            "--export")
            if args.users_command == "grant" and not _facilities_ok(args):
                return 2
            change = accounts.grant if args.users_command == "grant" else accounts.revoke
            user = change(app, args.username, roles=args.role or (), facilities=args.facility or (),
                          all_facilities=args.all_facilities, export=args.export or None, actor=actor)
            print(terminal_text(f"{args.users_command} done: {_describe(user)}"))
        elif args.users_command == "reset-password":
            user = accounts.get_user(app, args.username)
            if user is None:
                return _err(f"no user named {args.username.strip().lower()!r}")
            password = _password(args, user.username)
            if password is None:
                return 2
            user = accounts.reset_password(app, user.username, password, min_length=min_length, actor=actor)
            print(terminal_text(f"password reset, lockout cleared and sessions ended for {user.username}"))
    except accounts.AccountError as exc:
        return _err(str(exc))
    finally:
        app.close()
    return 0


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a date YYYY-MM-DD") from None


def _days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a whole number of days") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1 day")
    return value


def cmd_audit(args) -> int:
    from codedash.data import audit_log

    try:
        app = _app(args)
    except (OSError, RuntimeError) as exc:
        return _err(f"cannot open the app-state database: {exc}")
    try:
        if args.audit_command == "verify":
            result = audit_log.verify(app)
            if not result.ok:
                print(f"audit log BROKEN at entry {result.first_bad_id}: {result.reason} "
                      f"({result.entries} entries checked)")
                return 1
            if result.entries:
                print(f"audit log intact: {result.entries} entries; last hash {result.last_hash} "
                      "(record it elsewhere to anchor the log)")
            else:
                print("audit log intact: no entries")
            return 0
        if args.audit_command == "export":
            fmt = args.format
            if args.out:
                with open(args.out, "w", encoding="utf-8", newline="") as out:
                    count = audit_log.export(app, out, args.since, fmt)
            else:
                count = audit_log.export(app, sys.stdout, args.since, fmt)
            audit_log.append(app, "audit_exported", actor=_actor(),
                             detail={"since": None if args.since is None else args.since.isoformat(),
                                     "format": fmt, "entries": count, "out": args.out})
            print(f"exported {count} audit entries" + (f" to {args.out}" if args.out else ""), file=sys.stderr)
            return 0
        if args.audit_command == "purge":
            days = args.older_than_days or settings.get("audit_retention_days")
            removed = audit_log.purge(app, days, actor=_actor())
            print(f"purged {removed} audit entries older than {days} days; the chain is anchored at the last one")
            return 0
    finally:
        app.close()
    return 2


def add_commands(sub) -> None:
    from codedash.dashboard.cli import _db_arg
    from codedash.data.accounts import ROLES

    def app_db(p):
        p.add_argument("--app-db", default=None,
                       help="app-state SQLite file (default: $CODEDASH_APP_DB or codedash-app.sqlite beside the "
                            "database)")

    def grants(p, *, grant: bool):
        verb = "grant" if grant else "revoke"
        p.add_argument("--role", action="append", choices=ROLES, help=f"role to {verb} (repeatable)")
        p.add_argument("--facility", action="append", metavar="ID", help=f"facility id to {verb} (repeatable)")
        p.add_argument("--all-facilities", action="store_true", help=f"{verb} the all-facilities grant ('*')")
        p.add_argument("--export", action="store_true", help=f"{verb} the export permission")

    users = sub.add_parser("users", help="local accounts: add, list, disable/enable, grant/revoke roles and "
                                         "facilities, reset passwords")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    p = users_sub.add_parser("add", help="add a local account (password prompted twice, or --password-stdin)")
    p.add_argument("username")
    grants(p, grant=True)
    p.add_argument("--display-name", default=None)
    p.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    p = users_sub.add_parser("list", help="list accounts, roles and grants (never password hashes)")
    for name, text in (("disable", "disable an account and end its sessions"), ("enable", "re-enable an account")):
        p = users_sub.add_parser(name, help=text)
        p.add_argument("username")
    for name in ("grant", "revoke"):
        p = users_sub.add_parser(name, help=f"{name} roles, facilities or the export permission")
        p.add_argument("username")
        grants(p, grant=name == "grant")
    p = users_sub.add_parser("reset-password", help="set a new password, clear the lockout, end the sessions")
    p.add_argument("username")
    p.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    for p in users_sub.choices.values():
        _db_arg(p)
        app_db(p)
    users.set_defaults(func=cmd_users)

    audit = sub.add_parser("audit", help="the tamper-evident audit log: verify the hash chain, export, purge")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    audit_sub.add_parser("verify", help="check the hash chain (exit 1 and the first bad entry when broken)")
    p = audit_sub.add_parser("export", help="write audit entries for the security officer")
    p.add_argument("--since", type=_date, default=None, metavar="YYYY-MM-DD", help="first UTC day (default: all)")
    p.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    p.add_argument("--out", default=None, help="file to write (default: standard output)")
    p = audit_sub.add_parser("purge", help="remove entries older than the retention period, anchoring the chain")
    p.add_argument("--older-than-days", type=_days, default=None,
                   help="default: the audit_retention_days setting ($CODEDASH_AUDIT_RETENTION_DAYS)")
    for p in audit_sub.choices.values():
        _db_arg(p)
        app_db(p)
    audit.set_defaults(func=cmd_audit)
