"""`codedash users` and `codedash audit` end to end through main(), on an app-state file."""
from __future__ import annotations

import datetime as dt
import io
import json

import pytest

from codedash.dashboard.cli import main
from codedash.data import accounts, appstate, audit_log
from tests.data.accounts_support import PASSWORD, raw, use_cheap_hasher
from tests.fixtures import build_file


@pytest.fixture
def env(tmp_path, monkeypatch):
    """App-state and analytics paths; the analytics file (facilities F1, F2) only when a test builds it."""
    use_cheap_hasher(monkeypatch)
    monkeypatch.setattr("getpass.getuser", lambda: "tester")
    app_db, db = tmp_path / "app.sqlite", tmp_path / "analytics.duckdb"
    return {"app": app_db, "db": db, "args": ["--app-db", str(app_db), "--db", str(db)]}


def analytics(path) -> None:
    """The query-test fixture as an analytics database file (facilities F1 and F2)."""
    build_file(path)


def run(env, monkeypatch, *argv, stdin: str | None = None) -> int:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main([*argv, *env["args"]])


def users(env):
    con = appstate.open_app(env["app"])
    try:
        return {u.username: u for u in accounts.list_users(con)}
    finally:
        con.close()


def test_users_add_list_grant_revoke_disable(env, monkeypatch, capsys):
    analytics(env["db"])
    assert run(env, monkeypatch, "users", "add", "Admin", "--role", "administrator", "--all-facilities",
               "--export", "--display-name", "Ada Admin", "--password-stdin", stdin=PASSWORD + "\n") == 0
    assert "added admin (local): roles administrator; facilities *; export yes" in capsys.readouterr().out
    assert run(env, monkeypatch, "users", "add", "bob", "--role", "researcher", "--role", "compliance",
               "--facility", "F1", "--password-stdin", stdin=PASSWORD) == 0
    capsys.readouterr()
    assert run(env, monkeypatch, "users", "list") == 0
    out = capsys.readouterr().out
    assert "$argon2" not in out and "admin" in out and "compliance,researcher" in out
    assert run(env, monkeypatch, "users", "grant", "BOB", "--facility", "F2", "--export") == 0
    assert users(env)["bob"].facilities == ("F1", "F2") and users(env)["bob"].can_export
    assert run(env, monkeypatch, "users", "revoke", "bob", "--role", "compliance", "--facility", "F1") == 0
    assert (users(env)["bob"].roles, users(env)["bob"].facilities) == (("researcher",), ("F2",))
    assert run(env, monkeypatch, "users", "disable", "bob") == 0 and users(env)["bob"].disabled
    assert run(env, monkeypatch, "users", "enable", "bob") == 0 and not users(env)["bob"].disabled
    con = appstate.open_app(env["app"])
    assert [e["event"] for e in audit_log.entries(con)] == ["user_added", "user_added", "user_granted",
                                                            "user_revoked", "user_disabled", "user_enabled"]
    assert {e["actor"] for e in audit_log.entries(con)} == {"cli:tester"}


def test_users_list_table(env, monkeypatch, capsys):
    run(env, monkeypatch, "users", "add", "ann", "--role", "researcher", "--facility", "F1", "--password-stdin",
        stdin=PASSWORD)
    capsys.readouterr()
    assert run(env, monkeypatch, "users", "list") == 0
    assert capsys.readouterr().out.splitlines() == [
        "username  display name  source  roles       facilities  export  status",
        "ann       ann           local   researcher  F1          no      active"]


def test_facility_ids_are_checked_against_the_analytics_database(env, monkeypatch, capsys):
    run(env, monkeypatch, "users", "add", "ann", "--facility", "F9", "--password-stdin", stdin=PASSWORD)
    assert "no analytics database" in capsys.readouterr().err                  # no database: warned, granted
    assert users(env)["ann"].facilities == ("F9",)
    analytics(env["db"])
    assert run(env, monkeypatch, "users", "grant", "ann", "--facility", "F1", "--facility", "F7") == 2
    assert "unknown facility id(s) F7" in capsys.readouterr().err
    assert users(env)["ann"].facilities == ("F9",)
    assert run(env, monkeypatch, "users", "add", "bob", "--facility", "F3", "--password-stdin", stdin=PASSWORD) == 2
    assert "bob" not in users(env)
    assert run(env, monkeypatch, "users", "revoke", "ann", "--facility", "F9") == 0      # revoke is never checked


def test_password_prompt_policy_and_errors(env, monkeypatch, capsys):
    answers = iter(["first passphrase ok", "a different one"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert run(env, monkeypatch, "users", "add", "ann") == 2
    assert "the two passwords differ" in capsys.readouterr().err and users(env) == {}
    answers = iter(["short", "short"])
    assert run(env, monkeypatch, "users", "add", "ann") == 2
    assert "at least 12 characters" in capsys.readouterr().err and users(env) == {}
    answers = iter([PASSWORD, PASSWORD])
    assert run(env, monkeypatch, "users", "add", "ann") == 0
    assert run(env, monkeypatch, "users", "add", "ANN", "--password-stdin", stdin=PASSWORD) == 2
    assert "already exists" in capsys.readouterr().err
    assert run(env, monkeypatch, "users", "grant", "nobody", "--role", "researcher") == 2
    assert "no user named 'nobody'" in capsys.readouterr().err
    assert run(env, monkeypatch, "users", "grant", "ann") == 2
    assert "nothing to grant" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run(env, monkeypatch, "users", "grant", "ann", "--role", "root")
    assert run(env, monkeypatch, "users", "add", "x", "--facility", "F1", "--all-facilities",
               "--password-stdin", stdin=PASSWORD) == 2


def test_reset_password(env, monkeypatch, capsys):
    run(env, monkeypatch, "users", "add", "ann", "--password-stdin", stdin=PASSWORD)
    con = appstate.open_app(env["app"])
    for _ in range(5):
        accounts.authenticate(con, "ann", "wrong", client="c")
    assert accounts.authenticate(con, "ann", PASSWORD, client="c").reason == "locked"
    assert run(env, monkeypatch, "users", "reset-password", "ann", "--password-stdin",
               stdin="a new long passphrase\n") == 0
    assert "lockout cleared" in capsys.readouterr().out
    assert accounts.authenticate(con, "ann", "a new long passphrase", client="d").reason == "ok"
    assert run(env, monkeypatch, "users", "reset-password", "nobody", "--password-stdin", stdin=PASSWORD) == 2


def test_audit_verify_export_purge(env, monkeypatch, capsys, tmp_path):
    con = appstate.open_app(env["app"])
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
    for i in range(3):
        audit_log.append(con, "page_view", actor="=ann", detail={"i": i}, now=old + dt.timedelta(days=i))
    audit_log.append(con, "export", actor="bob", detail={"rows": 12})
    assert run(env, monkeypatch, "audit", "verify") == 0
    assert "audit log intact: 4 entries; last hash " in capsys.readouterr().out

    out = tmp_path / "audit.csv"
    since = (old + dt.timedelta(days=1)).date().isoformat()
    assert run(env, monkeypatch, "audit", "export", "--since", since, "--format", "csv", "--out", str(out)) == 0
    assert "exported 3 audit entries" in capsys.readouterr().err
    lines = out.read_text().splitlines()
    assert lines[0] == "id,at,actor,event,client,detail,prev_hash,hash" and len(lines) == 4
    assert lines[1].startswith("2,") and ",'=ann,page_view," in lines[1]                 # formula-neutralised
    assert run(env, monkeypatch, "audit", "export") == 0
    rows = [json.loads(ln) for ln in capsys.readouterr().out.splitlines()]
    assert [r["event"] for r in rows] == ["page_view"] * 3 + ["export", "audit_exported"]
    assert audit_log.entries(con)[-1]["detail"] == {"since": None, "format": "jsonl", "entries": 5, "out": None}
    with pytest.raises(SystemExit):
        run(env, monkeypatch, "audit", "export", "--since", "yesterday")

    monkeypatch.setenv("CODEDASH_AUDIT_RETENTION_DAYS", "365")
    assert run(env, monkeypatch, "audit", "purge") == 0
    assert "purged 3 audit entries older than 365 days" in capsys.readouterr().out
    assert run(env, monkeypatch, "audit", "verify") == 0

    raw(con, "update audit_log set actor = 'mallory' where id = 5")
    assert run(env, monkeypatch, "audit", "verify") == 1
    assert "audit log BROKEN at entry 5: entry 5: content does not match its hash" in capsys.readouterr().out
