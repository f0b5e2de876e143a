"""Server-side sessions: the cookie holds only a random token; the app-state database holds its sha256, the
account, a per-session CSRF token and the times (data/appstate.sql, `sessions`).

Why server-side (docs/decisions.md): a session can be ended for real — sign-out, idle and absolute timeouts
(HIPAA §164.312(a)(2)(iii) automatic logoff), disabling an account or resetting its password end it
everywhere at once — and the cookie carries nothing but 256 random bits. Only the token's sha256 is stored,
so a copy of the app-state file does not hand out live sessions.

Timeouts: a session is idle-expired once `now - last_seen_at >= idle_minutes` and absolute-expired once
`now - created_at >= absolute_hours` (so exactly at the boundary it has expired). An expired session is
marked ended (reason 'idle' or 'absolute') and an audit entry 'session_expired' written; a disabled account's
session ends with reason 'disabled'. Audit entries: 'session_started' (create), 'session_ended' (end),
'session_expired' (lookup), 'sessions_ended' (end_all_for_user).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import sqlite3
from dataclasses import dataclass

from codedash.data import audit_log
from codedash.data.accounts import User, get_user_by_id
from codedash.data.appstate import parse_utc, transaction, utc_text


@dataclass(frozen=True)
class Session:
    id: int
    user: User
    created_at: dt.datetime         # UTC, aware
    last_seen_at: dt.datetime       # UTC, aware (before this lookup touched it)
    csrf_token: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _moment(now: dt.datetime | None) -> dt.datetime:
    """`now` (naive = UTC) to whole seconds, as stored."""
    now = dt.datetime.now(dt.UTC) if now is None else now
    return parse_utc(utc_text(now))


def create(con: sqlite3.Connection, user: User, *, client: str, now: dt.datetime | None = None
           ) -> tuple[str, Session]:
    """A new session for `user`: returns (token for the cookie, Session)."""
    if user.disabled:
        raise ValueError("a disabled account cannot start a session")
    moment = _moment(now)
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    at = utc_text(moment)
    with transaction(con):
        session_id = con.execute(
            "insert into sessions (token_hash, user_id, csrf_token, client, created_at, last_seen_at) "
            "values (?, ?, ?, ?, ?, ?)", [token_hash(token), user.id, csrf, client, at, at]).lastrowid
        audit_log.append(con, "session_started", actor=user.username, client=client, now=moment,
                         detail={"session_id": session_id})
    return token, Session(int(session_id), user, moment, moment, csrf)


def _end(con, session_id: int, username: str | None, reason: str, event: str, moment: dt.datetime,
         extra: dict | None = None) -> None:
    con.execute("update sessions set ended_at = ?, end_reason = ? where session_id = ? and ended_at is null",
                [utc_text(moment), reason, session_id])
    audit_log.append(con, event, actor=username, now=moment,
                     detail={"session_id": session_id, "reason": reason, **(extra or {})})


def lookup(con: sqlite3.Connection, token: str, *, idle_minutes: int, absolute_hours: int,
           now: dt.datetime | None = None, touch: bool = True) -> Session | None:
    """The live session of `token`, or None (unknown, ended, idle- or absolute-expired, account disabled or
    gone). The User is read afresh, so grants and revokes apply at once. `touch` records this request as
    the session's last activity (one write per second at most)."""
    if not token or not isinstance(token, str) or len(token) > 512:
        return None
    moment = _moment(now)
    row = con.execute("select session_id, user_id, csrf_token, created_at, last_seen_at, ended_at "
                      "from sessions where token_hash = ?", [token_hash(token)]).fetchone()
    if row is None or row[5] is not None:
        return None
    session_id, user_id, csrf, created, last_seen = row[0], row[1], row[2], parse_utc(row[3]), parse_utc(row[4])
    user = get_user_by_id(con, user_id)
    reason = None
    if user is None or user.disabled:
        reason, event = "disabled", "session_ended"
    elif moment - created >= dt.timedelta(hours=absolute_hours):
        reason, event = "absolute", "session_expired"
    elif moment - last_seen >= dt.timedelta(minutes=idle_minutes):
        reason, event = "idle", "session_expired"
    if reason:
        with transaction(con):
            still_live = con.execute("select 1 from sessions where session_id = ? and ended_at is null",
                                     [session_id]).fetchone()
            if still_live:                  # another request may have ended it meanwhile: audit once
                _end(con, session_id, user.username if user else None, reason, event, moment,
                     {"last_seen_at": utc_text(last_seen), "created_at": utc_text(created)})
        return None
    if touch and moment > last_seen:
        con.execute("update sessions set last_seen_at = ? where session_id = ? and last_seen_at < ?",
                    [utc_text(moment), session_id, utc_text(moment)])
    return Session(int(session_id), user, created, last_seen, csrf)


def end(con: sqlite3.Connection, token: str, *, reason: str = "sign_out") -> None:
    """End the session of `token` (sign-out); nothing happens for an unknown or already ended token."""
    if not token or not isinstance(token, str):
        return
    moment = _moment(None)
    with transaction(con):
        row = con.execute("select s.session_id, u.username from sessions s left join users u using (user_id) "
                          "where s.token_hash = ? and s.ended_at is null", [token_hash(token)]).fetchone()
        if row:
            _end(con, row[0], row[1], reason, "session_ended", moment)


def end_all_for_user(con: sqlite3.Connection, user_id: int, *, reason: str) -> int:
    """End every live session of an account (disable, password reset); returns how many were ended."""
    moment = _moment(None)
    with transaction(con):
        ids = [r[0] for r in con.execute("select session_id from sessions where user_id = ? and ended_at is null",
                                         [user_id]).fetchall()]
        if ids:
            con.execute("update sessions set ended_at = ?, end_reason = ? where user_id = ? and ended_at is null",
                        [utc_text(moment), reason, user_id])
            user = get_user_by_id(con, user_id)
            audit_log.append(con, "sessions_ended", actor=user.username if user else None, now=moment,
                             detail={"user_id": user_id, "reason": reason, "session_ids": ids})
    return len(ids)
