"""Server-side sessions (data/sessions.py): only the token's hash is stored, idle and absolute expiry at the
exact boundary, sign-out, and a disabled account's or reset password's sessions ending."""
from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from codedash.data import accounts, audit_log, sessions
from tests.data.accounts_support import PASSWORD, T0, fresh_app

MIN = dt.timedelta(minutes=1)
SEC = dt.timedelta(seconds=1)
LIMITS = {"idle_minutes": 15, "absolute_hours": 2}


@pytest.fixture
def app(monkeypatch):
    yield from fresh_app(monkeypatch)


@pytest.fixture
def ann(app):
    return accounts.add_user(app, "ann", PASSWORD, roles=("researcher",), facilities=("F1",))


def ended(app, session_id):
    return app.execute("select ended_at, end_reason from sessions where session_id = ?", [session_id]).fetchone()


def test_create_stores_only_the_hash_of_the_token(app, ann):
    token, session = sessions.create(app, ann, client="10.0.0.1", now=T0)
    assert len(token) == 43 and len(session.csrf_token) == 43 and token != session.csrf_token   # 32 random bytes
    row = app.execute("select * from sessions").fetchone()
    assert token not in row and hashlib.sha256(token.encode()).hexdigest() in row
    assert (session.user, session.created_at, session.last_seen_at) == (ann, T0, T0)
    other, _ = sessions.create(app, ann, client="10.0.0.1", now=T0)
    assert other != token
    assert audit_log.entries(app)[-1]["event"] == "session_started"


def test_lookup_returns_the_live_session_and_touches_it(app, ann):
    token, session = sessions.create(app, ann, client="c", now=T0)
    found = sessions.lookup(app, token, **LIMITS, now=T0 + 5 * MIN)
    assert found == session                                                   # last_seen as it was before
    assert app.execute("select last_seen_at from sessions").fetchone()[0] == "2026-03-02T09:05:00Z"
    sessions.lookup(app, token, **LIMITS, now=T0 + 6 * MIN, touch=False)
    assert app.execute("select last_seen_at from sessions").fetchone()[0] == "2026-03-02T09:05:00Z"
    for bad in ("", "x" * 43, token + "x", "a" * 10_000, None):
        assert sessions.lookup(app, bad, **LIMITS, now=T0) is None


def test_idle_expiry_at_the_exact_boundary(app, ann):
    token, session = sessions.create(app, ann, client="c", now=T0)
    assert sessions.lookup(app, token, **LIMITS, now=T0 + 15 * MIN - SEC, touch=False) is not None
    n = len(audit_log.entries(app))
    assert sessions.lookup(app, token, **LIMITS, now=T0 + 15 * MIN) is None          # 15:00 idle: logged off
    assert ended(app, session.id) == ("2026-03-02T09:15:00Z", "idle")
    expired = audit_log.entries(app)[n:]
    assert [(e["event"], e["actor"], e["detail"]) for e in expired] == [("session_expired", "ann", {
        "session_id": session.id, "reason": "idle", "created_at": "2026-03-02T09:00:00Z",
        "last_seen_at": "2026-03-02T09:00:00Z"})]
    assert sessions.lookup(app, token, **LIMITS, now=T0 + 15 * MIN - SEC) is None    # ended stays ended
    assert len(audit_log.entries(app)) == n + 1                                       # audited once


def test_activity_keeps_a_session_alive_until_the_absolute_limit(app, ann):
    token, session = sessions.create(app, ann, client="c", now=T0)
    for minutes in range(14, 120, 14):                            # a request every 14 minutes
        assert sessions.lookup(app, token, **LIMITS, now=T0 + minutes * MIN) is not None
    assert sessions.lookup(app, token, **LIMITS, now=T0 + 2 * 60 * MIN - SEC) is not None
    assert sessions.lookup(app, token, **LIMITS, now=T0 + 2 * 60 * MIN) is None      # 2 h after sign-in
    assert ended(app, session.id)[1] == "absolute"


def test_sign_out(app, ann):
    token, session = sessions.create(app, ann, client="c", now=T0)
    sessions.end(app, token)
    assert sessions.lookup(app, token, **LIMITS, now=T0) is None
    assert ended(app, session.id)[1] == "sign_out"
    assert audit_log.entries(app)[-1]["event"] == "session_ended"
    n = len(audit_log.entries(app))
    sessions.end(app, token)
    sessions.end(app, "not a token")
    assert len(audit_log.entries(app)) == n


def test_disabling_an_account_ends_all_its_sessions(app, ann):
    bob = accounts.add_user(app, "bob", PASSWORD)
    tokens = [sessions.create(app, ann, client="c", now=T0)[0] for _ in range(2)]
    bobs, _ = sessions.create(app, bob, client="c", now=T0)
    accounts.set_disabled(app, "ann", True, actor="adm")
    assert [sessions.lookup(app, t, **LIMITS, now=T0) for t in tokens] == [None, None]
    assert app.execute("select end_reason from sessions where user_id = ?", [ann.id]).fetchall() == [
        ("disabled",), ("disabled",)]
    assert sessions.lookup(app, bobs, **LIMITS, now=T0) is not None
    accounts.set_disabled(app, "ann", False, actor="adm")
    assert sessions.lookup(app, tokens[0], **LIMITS, now=T0) is None              # re-enabling revives nothing
    with pytest.raises(ValueError):
        sessions.create(app, accounts.set_disabled(app, "bob", True, actor="adm"), client="c")
    assert sessions.lookup(app, bobs, **LIMITS, now=T0) is None


def test_a_session_of_an_account_disabled_behind_its_back_ends_at_lookup(app, ann):
    token, session = sessions.create(app, ann, client="c", now=T0)
    app.execute("update users set disabled = 1")
    assert sessions.lookup(app, token, **LIMITS, now=T0) is None
    assert ended(app, session.id)[1] == "disabled"


def test_reset_password_ends_sessions_and_end_all_for_user_counts(app, ann):
    tokens = [sessions.create(app, ann, client="c", now=T0)[0] for _ in range(3)]
    sessions.end(app, tokens[0])
    accounts.reset_password(app, "ann", "another long passphrase", actor="adm")
    assert app.execute("select end_reason from sessions order by session_id").fetchall() == [
        ("sign_out",), ("password_reset",), ("password_reset",)]
    reset = [e for e in audit_log.entries(app) if e["event"] == "password_reset"][0]
    assert reset["detail"] == {"username": "ann", "sessions_ended": 2}
    assert sessions.end_all_for_user(app, ann.id, reason="x") == 0


def test_grants_apply_to_live_sessions_at_once(app, ann):
    token, _ = sessions.create(app, ann, client="c", now=T0)
    accounts.grant(app, "ann", facilities=("F2",), actor="adm")
    assert sessions.lookup(app, token, **LIMITS, now=T0).user.facilities == ("F1", "F2")
    accounts.revoke(app, "ann", roles=("researcher",), actor="adm")
    assert sessions.lookup(app, token, **LIMITS, now=T0).user.roles == ()
