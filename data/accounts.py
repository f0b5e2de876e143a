"""Accounts: local users (Argon2id passwords) and single-sign-on users, their roles and facility grants, and
sign-in with lockout and rate limiting, in the app-state database (data/appstate.sql, migration 2).

- Roles: `ROLES`. Facility grants are facility ids; the grant '*' (`all_facilities=True`) means every
  facility (`User.facilities is None`); no grant means none. Export is a separate permission (`can_export`).
  A User is read afresh from the database (sessions.lookup does so on every request), so a grant, revoke or
  disable takes effect on the next request.
- Usernames are case-insensitive: stripped and stored lowercased, 1-128 characters of a-z 0-9 . _ @ + -.
- Passwords (NIST SP 800-63B): NFKC-normalised, then at least `min_length` (never below 8) and at most 256
  characters, not containing the username or the service's name, not in the built-in list of common
  passwords (`common_passwords.txt`, see data/README.md) nor a repetition or run of characters; no
  composition rules. Hashed with Argon2id, argon2-cffi's `PasswordHasher()` defaults (RFC 9106's second
  recommended profile: t=3, m=64 MiB, p=4); rehashed at sign-in when those defaults change.
- Sign-in (`authenticate`): failures are counted per username (known or not, so lockout itself reveals
  nothing) and per client address within `lockout_minutes`; at `max_failures` or more, further attempts fail
  without checking the password ('locked' for the username, 'rate_limited' for the client) until the oldest
  counted failure leaves the window. A success clears the account's failures (not the client's). An unknown
  username is verified against a fixed dummy hash, so it takes as long as a wrong password; both return
  `SignInResult(None, reason)` and only the audit log tells them apart.
- Every change and every sign-in result appends an audit entry (data/audit_log.py) in the same transaction.

`data` imports neither `queries` nor `dashboard`: settings (min length, lockout) are passed in by the caller.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from codedash.data import audit_log
from codedash.data.appstate import transaction, utc_text

ROLES = ("administrator", "coding_manager", "revenue_cycle", "researcher", "compliance")
ALL_FACILITIES = "*"
MIN_LENGTH_FLOOR = 8            # NIST SP 800-63B: never shorter than 8, whatever the setting says
MAX_PASSWORD_LENGTH = 256
SERVICE_NAME = "codedash"
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@+-]{0,127}$")
_FACILITY = re.compile(r"^[^\x00-\x1f\x7f*]{1,128}$")
_hasher = PasswordHasher()      # module attribute so that tests can swap in cheaper parameters


class AccountError(ValueError):
    """A request about an account that cannot be done; the message is safe to show an administrator."""


class PasswordPolicyError(AccountError):
    """A password the policy refuses; the message says which rule."""


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    roles: tuple[str, ...]                  # sorted, subset of ROLES
    facilities: tuple[str, ...] | None      # granted facility ids, sorted; None = all facilities ('*' grant)
    can_export: bool
    disabled: bool
    source: str                             # 'local' | 'oidc'


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    reason: str     # for the audit log only: 'ok', 'unknown_user', 'bad_password', 'locked', 'disabled',
                    # 'rate_limited'; the UI shows one generic message whatever it is


# ------------------------------------------------------------------------------------------- passwords

@functools.cache
def common_passwords() -> frozenset[str]:
    """The built-in list of common passwords, casefolded."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(ln.strip().casefold() for ln in lines if ln.strip() and not ln.startswith("#"))


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash("codedash: a password nobody has, verified for unknown usernames")


def _normalise_password(password: str) -> str:
    if not isinstance(password, str):
        raise PasswordPolicyError("the password must be text")
    return unicodedata.normalize("NFKC", password)


def _trivial(password: str) -> bool:
    """One character repeated, a run such as 123456789012 or abcdefghijkl (either way), or a short or common
    unit repeated (abcabcabcabc, passwordpassword)."""
    folded = password.casefold()
    steps = {ord(b) - ord(a) for a, b in zip(folded, folded[1:])}
    if len(steps) <= 1 and steps <= {-1, 0, 1}:
        return True
    digits = "01234567890123456789"
    if folded.isdigit() and (folded in digits * 2 or folded in digits[::-1] * 2):
        return True
    for size in range(1, len(folded) // 2 + 1):
        if len(folded) % size == 0 and folded[:size] * (len(folded) // size) == folded:
            unit = folded[:size]
            if size <= 4 or unit in common_passwords() or _trivial_unit(unit):
                return True
    return False


def _trivial_unit(unit: str) -> bool:
    steps = {ord(b) - ord(a) for a, b in zip(unit, unit[1:])}
    return len(steps) <= 1 and steps <= {-1, 0, 1}


def check_password_policy(password: str, username: str, min_length: int) -> None:
    """Raise PasswordPolicyError naming the first rule `password` breaks (see the module docstring)."""
    text = _normalise_password(password)
    min_length = max(int(min_length), MIN_LENGTH_FLOOR)
    if len(text) < min_length:
        raise PasswordPolicyError(f"the password must be at least {min_length} characters long")
    if len(text) > MAX_PASSWORD_LENGTH:
        raise PasswordPolicyError(f"the password must be at most {MAX_PASSWORD_LENGTH} characters long")
    folded = text.casefold()
    name = (username or "").strip().casefold()
    if name and name in folded:
        raise PasswordPolicyError("the password must not contain the username")
    if SERVICE_NAME in folded:
        raise PasswordPolicyError(f"the password must not contain the service's name ({SERVICE_NAME})")
    if folded in common_passwords() or _trivial(text):
        raise PasswordPolicyError("the password is too easy to guess (a common password, or a repeated or "
                                  "sequential run of characters); choose a longer phrase of unrelated words")


def _hash(password: str) -> str:
    return _hasher.hash(_normalise_password(password))


# ------------------------------------------------------------------------------------------- reading

def normalise_username(username: str) -> str:
    """Stripped, lowercased; AccountError when it is not a valid username."""
    name = (username or "").strip().lower() if isinstance(username, str) else ""
    if not _USERNAME.match(name):
        raise AccountError("a username is 1-128 characters of letters, digits and . _ @ + - "
                           "(starting with a letter or digit)")
    return name


def _user(con: sqlite3.Connection, row) -> User:
    user_id, username, display_name, can_export, disabled, source = row
    roles = tuple(sorted(r for (r,) in con.execute("select role from user_roles where user_id = ?", [user_id])))
    grants = sorted(f for (f,) in con.execute("select facility_id from user_facilities where user_id = ?",
                                              [user_id]))
    facilities = None if ALL_FACILITIES in grants else tuple(grants)
    return User(int(user_id), username, display_name, roles, facilities, bool(can_export), bool(disabled), source)


_SELECT = "select user_id, username, display_name, can_export, disabled, source from users "


def get_user(con: sqlite3.Connection, username: str) -> User | None:
    try:
        name = normalise_username(username)
    except AccountError:
        return None
    row = con.execute(_SELECT + "where username = ?", [name]).fetchone()
    return _user(con, row) if row else None


def get_user_by_id(con: sqlite3.Connection, user_id: int) -> User | None:
    row = con.execute(_SELECT + "where user_id = ?", [int(user_id)]).fetchone()
    return _user(con, row) if row else None


def list_users(con: sqlite3.Connection) -> list[User]:
    return [_user(con, row) for row in con.execute(_SELECT + "order by username").fetchall()]


def _required(con: sqlite3.Connection, username: str) -> User:
    user = get_user(con, username)
    if user is None:
        raise AccountError(f"no user named {str(username).strip().lower()!r}")
    return user


def _described(user: User) -> dict:
    """An account as an audit detail (never a hash)."""
    return {"username": user.username, "display_name": user.display_name, "roles": list(user.roles),
            "facilities": None if user.facilities is None else list(user.facilities),
            "all_facilities": user.facilities is None, "can_export": user.can_export,
            "disabled": user.disabled, "source": user.source}


# ------------------------------------------------------------------------------------------- changes

def _check_roles(roles) -> tuple[str, ...]:
    roles = tuple(roles or ())
    unknown = sorted({r for r in roles if r not in ROLES})
    if unknown:
        raise AccountError(f"unknown role(s) {', '.join(map(repr, unknown))}; roles are {', '.join(ROLES)}")
    return tuple(sorted(set(roles)))


def _check_facilities(facilities) -> tuple[str, ...]:
    if isinstance(facilities, str):
        facilities = (facilities,)
    out = set()
    for f in facilities or ():
        if not isinstance(f, str) or not _FACILITY.match(f.strip()):
            raise AccountError(f"{f!r} is not a facility id (1-128 characters; all facilities: all_facilities)")
        out.add(f.strip())
    return tuple(sorted(out))


def _touch(con: sqlite3.Connection, user_id: int) -> None:
    con.execute("update users set updated_at = ? where user_id = ?", [utc_text(), user_id])


def add_user(con: sqlite3.Connection, username: str, password: str, *, roles=(), facilities=(),
             all_facilities: bool = False, can_export: bool = False, display_name: str | None = None,
             min_length: int = 12, actor: str = "cli") -> User:
    """Create a local account; AccountError when the name is taken or invalid, PasswordPolicyError."""
    name = normalise_username(username)
    roles, facilities = _check_roles(roles), _check_facilities(facilities)
    check_password_policy(password, name, min_length)
    display = (display_name or "").strip() or name
    password_hash = _hash(password)
    now = utc_text()
    with transaction(con):
        if con.execute("select 1 from users where username = ?", [name]).fetchone():
            raise AccountError(f"a user named {name!r} already exists")
        user_id = con.execute(
            "insert into users (username, display_name, source, password_hash, can_export, disabled, created_at, "
            "updated_at, password_changed_at) values (?, ?, 'local', ?, ?, 0, ?, ?, ?)",
            [name, display, password_hash, int(bool(can_export)), now, now, now]).lastrowid
        con.executemany("insert into user_roles (user_id, role) values (?, ?)", [(user_id, r) for r in roles])
        grants = facilities + ((ALL_FACILITIES,) if all_facilities else ())
        con.executemany("insert into user_facilities (user_id, facility_id) values (?, ?)",
                        [(user_id, f) for f in grants])
        user = get_user_by_id(con, user_id)
        audit_log.append(con, "user_added", actor=actor, detail=_described(user))
    return user


def set_disabled(con: sqlite3.Connection, username: str, disabled: bool, *, actor: str) -> User:
    """Disable (ending every session of the account) or re-enable an account."""
    from codedash.data import sessions

    with transaction(con):
        user = _required(con, username)
        if user.disabled != bool(disabled):
            con.execute("update users set disabled = ?, updated_at = ? where user_id = ?",
                        [int(bool(disabled)), utc_text(), user.id])
            ended = sessions.end_all_for_user(con, user.id, reason="disabled") if disabled else 0
            audit_log.append(con, "user_disabled" if disabled else "user_enabled", actor=actor,
                             detail={"username": user.username, "sessions_ended": ended})
        user = get_user_by_id(con, user.id)
    return user


def _change(con, username, *, add: bool, roles, facilities, all_facilities, export, actor) -> User:
    roles, facilities = _check_roles(roles), _check_facilities(facilities)
    with transaction(con):
        user = _required(con, username)
        grants = facilities + ((ALL_FACILITIES,) if all_facilities else ())
        if add:
            con.executemany("insert or ignore into user_roles (user_id, role) values (?, ?)",
                            [(user.id, r) for r in roles])
            con.executemany("insert or ignore into user_facilities (user_id, facility_id) values (?, ?)",
                            [(user.id, f) for f in grants])
        else:
            con.executemany("delete from user_roles where user_id = ? and role = ?", [(user.id, r) for r in roles])
            con.executemany("delete from user_facilities where user_id = ? and facility_id = ?",
                            [(user.id, f) for f in grants])
        if export:
            con.execute("update users set can_export = ? where user_id = ?", [int(add), user.id])
        _touch(con, user.id)
        after = get_user_by_id(con, user.id)
        audit_log.append(con, "user_granted" if add else "user_revoked", actor=actor, detail={
            "username": user.username, "roles": list(roles), "facilities": list(facilities),
            "all_facilities": bool(all_facilities), "export": bool(export), "now": _described(after)})
    return after


def grant(con: sqlite3.Connection, username: str, *, roles=(), facilities=(), all_facilities: bool = False,
          export: bool | None = None, actor: str) -> User:
    """Add roles, facility grants ('*' with all_facilities) and, with export=True, the export permission."""
    return _change(con, username, add=True, roles=roles, facilities=facilities, all_facilities=all_facilities,
                   export=export, actor=actor)


def revoke(con: sqlite3.Connection, username: str, *, roles=(), facilities=(), all_facilities: bool = False,
           export: bool | None = None, actor: str) -> User:
    """Remove roles, facility grants (the '*' grant with all_facilities) and, with export=True, the export
    permission. Removing what the account does not have is not an error."""
    return _change(con, username, add=False, roles=roles, facilities=facilities, all_facilities=all_facilities,
                   export=export, actor=actor)


def reset_password(con: sqlite3.Connection, username: str, new_password: str, *, min_length: int = 12,
                   actor: str) -> User:
    """Set a new password, clear the account's lockout and end its sessions."""
    from codedash.data import sessions

    user = _required(con, username)
    if user.source != "local":
        raise AccountError(f"{user.username!r} signs in with single sign-on and has no local password")
    check_password_policy(new_password, user.username, min_length)
    password_hash = _hash(new_password)
    with transaction(con):
        now = utc_text()
        con.execute("update users set password_hash = ?, password_changed_at = ?, updated_at = ? "
                    "where user_id = ?", [password_hash, now, now, user.id])
        con.execute("update sign_in_attempts set account_cleared = 1 where username = ? and counted = 1",
                    [user.username])
        ended = sessions.end_all_for_user(con, user.id, reason="password_reset")
        audit_log.append(con, "password_reset", actor=actor,
                         detail={"username": user.username, "sessions_ended": ended})
        user = get_user_by_id(con, user.id)
    return user


# ------------------------------------------------------------------------------------------- sign-in

_FAILURES_SQL = {
    "username": "select count(*) from sign_in_attempts where username = ? and counted = 1 and at > ? "
                "and account_cleared = 0",
    "client": "select count(*) from sign_in_attempts where client = ? and counted = 1 and at > ?",
}


def _failures(con, column: str, value: str, since: str) -> int:
    return con.execute(_FAILURES_SQL[column], [value, since]).fetchone()[0]


def authenticate(con: sqlite3.Connection, username: str, password: str, *, client: str, max_failures: int = 5,
                 lockout_minutes: int = 15, now: dt.datetime | None = None) -> SignInResult:
    """Check a local sign-in. The attempt is recorded (as a failure until proven otherwise) before the
    password is verified, so concurrent attempts cannot exceed the limit; the verify runs outside the write
    lock."""
    now = dt.datetime.now(dt.UTC) if now is None else now
    at, since = utc_text(now), utc_text(now - dt.timedelta(minutes=lockout_minutes))
    raw = username.strip().lower()[:256] if isinstance(username, str) else ""
    client = str(client or "")[:256]
    try:
        name = normalise_username(raw)
    except AccountError:
        name = None

    with transaction(con):
        # attempts older than a day (or the lockout window, if longer) count for nothing: forget them (the
        # audit log keeps every sign-in result)
        keep = utc_text(now - max(dt.timedelta(days=1), dt.timedelta(minutes=lockout_minutes)))
        con.execute("delete from sign_in_attempts where at < ?", [keep])
        blocked = None
        if _failures(con, "username", raw, since) >= max_failures:
            blocked = "locked"
        elif _failures(con, "client", client, since) >= max_failures:
            blocked = "rate_limited"
        if blocked:
            con.execute("insert into sign_in_attempts (at, username, client, outcome, counted) "
                        "values (?, ?, ?, ?, 0)", [at, raw, client, blocked])
            audit_log.append(con, "sign_in_failed", actor=raw or None, client=client, now=now,
                             detail={"username": raw, "reason": blocked})
            return SignInResult(None, blocked)
        attempt = con.execute("insert into sign_in_attempts (at, username, client, outcome, counted) "
                              "values (?, ?, ?, 'pending', 1)", [at, raw, client]).lastrowid
        row = con.execute("select user_id, password_hash, disabled from users where username = ?",
                          [name]).fetchone() if name else None

    stored = row[1] if row and row[1] else None
    try:
        good = _hasher.verify(stored or _dummy_hash(), _normalise_password(password))
    except (VerifyMismatchError, VerificationError, InvalidHashError, PasswordPolicyError):
        good = False
    good = good and stored is not None
    if row is None:
        reason = "unknown_user"
    elif not good:
        reason = "bad_password"
    elif row[2]:
        reason = "disabled"
    else:
        reason = "ok"

    with transaction(con):
        con.execute("update sign_in_attempts set outcome = ?, counted = ? where attempt_id = ?",
                    [reason, int(reason != "ok"), attempt])
        user = None
        rehashed = False
        if reason == "ok":
            con.execute("update sign_in_attempts set account_cleared = 1 where username = ? and counted = 1",
                        [raw])
            if _hasher.check_needs_rehash(stored):
                con.execute("update users set password_hash = ? where user_id = ?", [_hash(password), row[0]])
                rehashed = True
            user = get_user_by_id(con, row[0])
        detail = {"username": raw, "reason": reason}
        if rehashed:
            detail["rehashed"] = True
        audit_log.append(con, "sign_in" if reason == "ok" else "sign_in_failed", actor=raw or None,
                         client=client, now=now, detail=detail)
    return SignInResult(user, reason)


# ------------------------------------------------------------------------------------------- single sign-on

def upsert_oidc_user(con: sqlite3.Connection, *, issuer: str, subject: str, username: str, display_name: str,
                     roles: tuple[str, ...] | None, facilities: tuple[str, ...] | None,
                     actor: str = "oidc") -> User:
    """The account of an OpenID Connect identity (issuer + subject), created on first sign-in. Roles and
    facilities from token claims replace the local ones; None keeps the local ones (claims not configured).
    Unknown role names are ignored; a facility '*' grants all facilities. A username taken by another
    account (local, or another identity) is an AccountError: an identity provider never takes over a local
    account. Disabled accounts stay disabled (the caller refuses them)."""
    if not issuer or not subject:
        raise AccountError("an OpenID Connect identity needs an issuer and a subject")
    name = normalise_username(username)
    display = (display_name or "").strip() or name
    new_roles = None if roles is None else tuple(sorted({r for r in roles if r in ROLES}))
    new_grants = None
    if facilities is not None:
        wanted = [f for f in facilities if isinstance(f, str)]
        new_grants = _check_facilities([f for f in wanted if f.strip() != ALL_FACILITIES])
        if any(f.strip() == ALL_FACILITIES for f in wanted):
            new_grants += (ALL_FACILITIES,)
    with transaction(con):
        now = utc_text()
        row = con.execute("select user_id from users where oidc_issuer = ? and oidc_subject = ?",
                          [issuer, subject]).fetchone()
        taken = con.execute("select user_id from users where username = ?", [name]).fetchone()
        if taken and (row is None or taken[0] != row[0]):
            raise AccountError(f"the username {name!r} belongs to another account")
        if row is None:
            user_id = con.execute(
                "insert into users (username, display_name, source, oidc_issuer, oidc_subject, created_at, "
                "updated_at) values (?, ?, 'oidc', ?, ?, ?, ?)", [name, display, issuer, subject, now, now]).lastrowid
            before = None
        else:
            user_id = row[0]
            before = get_user_by_id(con, user_id)
            con.execute("update users set username = ?, display_name = ? where user_id = ?",
                        [name, display, user_id])
        if new_roles is not None:
            con.execute("delete from user_roles where user_id = ?", [user_id])
            con.executemany("insert into user_roles (user_id, role) values (?, ?)",
                            [(user_id, r) for r in new_roles])
        if new_grants is not None:
            con.execute("delete from user_facilities where user_id = ?", [user_id])
            con.executemany("insert into user_facilities (user_id, facility_id) values (?, ?)",
                            [(user_id, f) for f in new_grants])
        after = get_user_by_id(con, user_id)
        if before is None:
            audit_log.append(con, "oidc_user_created", actor=actor,
                             detail={**_described(after), "issuer": issuer, "subject": subject})
        elif after != before:
            _touch(con, user_id)
            old, new = _described(before), _described(after)
            audit_log.append(con, "oidc_user_updated", actor=actor, detail={
                "username": after.username, "issuer": issuer, "subject": subject,
                "changed": {k: {"from": old[k], "to": new[k]} for k in new if old[k] != new[k]}})
    return after
