"""Accounts (data/accounts.py): Argon2id hashing, the password policy, lockout and rate limiting, no user
enumeration, grants, single-sign-on accounts, the audit entries, and the app-state migration."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from argon2 import PasswordHasher

from codedash.data import accounts, appstate, audit_log
from codedash.data.accounts import AccountError, PasswordPolicyError
from tests.data.accounts_support import PASSWORD, T0, fresh_app

MIN = dt.timedelta(minutes=1)
SEC = dt.timedelta(seconds=1)


@pytest.fixture
def app(monkeypatch):
    yield from fresh_app(monkeypatch)


class Counting:
    """The hasher, counting the hashes it is asked to verify against."""

    def __init__(self, inner):
        self.inner, self.calls = inner, []

    def verify(self, stored, password):
        self.calls.append(stored)
        return self.inner.verify(stored, password)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def events(con) -> list[tuple[str, str | None, dict | None]]:
    return [(e["event"], e["actor"], e["detail"]) for e in audit_log.entries(con)]


# ------------------------------------------------------------------------------------------- hashing

def test_passwords_are_hashed_with_argon2id_at_the_library_defaults(monkeypatch):
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher())
    con = appstate.open_app(":memory:")
    accounts.add_user(con, "ann", PASSWORD)
    stored = con.execute("select password_hash from users").fetchone()[0]
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")        # RFC 9106 second profile
    assert PasswordHasher().verify(stored, PASSWORD)
    assert PASSWORD not in stored


def test_a_hash_made_with_older_parameters_is_replaced_at_sign_in(app, monkeypatch):
    accounts.add_user(app, "ann", PASSWORD)                              # cheap parameters (m=8, t=1)
    assert "$m=8,t=1,p=1$" in app.execute("select password_hash from users").fetchone()[0]
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher())          # the defaults move on
    result = accounts.authenticate(app, "ann", PASSWORD, client="10.0.0.1", now=T0)
    assert result.reason == "ok"
    stored = app.execute("select password_hash from users").fetchone()[0]
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert events(app)[-1] == ("sign_in", "ann", {"username": "ann", "reason": "ok", "rehashed": True})
    assert accounts.authenticate(app, "ann", PASSWORD, client="10.0.0.1", now=T0).reason == "ok"


def test_the_password_is_nfkc_normalised_before_hashing(app):
    accounts.add_user(app, "ann", "ｆｕｌｌｗｉｄｔｈ ｐａｓｓｐｈｒａｓｅ")   # fullwidth letters
    assert accounts.authenticate(app, "ann", "fullwidth passphrase", client="c", now=T0).reason == "ok"


# ------------------------------------------------------------------------------------------- policy

@pytest.mark.parametrize(("password", "username", "min_length", "message"), [
    ("a" * 5 + "bcdefg", "ann", 12, "at least 12 characters"),               # 11 characters
    ("seven w", "ann", 4, "at least 8 characters"),                            # the floor beats the setting
    ("x" + "ab cd ef gh" * 25, "ann", 12, "at most 256 characters"),           # 276 characters
    ("my name is Ann Smith", "ann", 12, "must not contain the username"),      # case-insensitive
    ("I use CODEDASH daily", "ann", 12, "service's name"),
    ("1qaz2wsx3edc", "ann", 12, "too easy to guess"),                          # in the NCSC list
    ("1QAZ2WSX3EDC", "ann", 12, "too easy to guess"),                          # casefolded
    ("aaaaaaaaaaaa", "ann", 12, "too easy to guess"),                          # one character repeated
    ("123456789012", "ann", 12, "too easy to guess"),                          # a run of digits
    ("abcdefghijklm", "ann", 12, "too easy to guess"),                         # a run of letters
    ("zyxwvutsrqpo", "ann", 12, "too easy to guess"),                          # backwards
    ("abcabcabcabc", "ann", 12, "too easy to guess"),                          # a short unit repeated
    ("baseballbaseball", "ann", 12, "too easy to guess"),                      # a common word repeated
])
def test_passwords_the_policy_refuses(password, username, min_length, message):
    with pytest.raises(PasswordPolicyError, match=message):
        accounts.check_password_policy(password, username, min_length)


@pytest.mark.parametrize("password", [
    "correct horse battery staple",           # a passphrase
    "alllowercaseletters",                    # no composition rules: no digit, no capital, no symbol needed
    "abcdefghijkl"[::2] + "zzzzzz",           # 12 characters, neither a run nor a repetition
    "x" * 1 + "y" * 11,                       # two characters: not one repeated
    "ab cd ef gh " * 21 + "ijkl",             # exactly 256 characters
])
def test_passwords_the_policy_accepts(password):
    accounts.check_password_policy(password, "ann", 12)


def test_exactly_min_length_is_accepted_and_one_less_refused():
    accounts.check_password_policy("tulip river", "ann", 11)
    with pytest.raises(PasswordPolicyError):
        accounts.check_password_policy("tulip river", "ann", 12)


def test_the_common_password_list_is_the_shipped_file():
    common = accounts.common_passwords()
    assert len(common) == 669
    assert {"password1", "1qaz2wsx3edc", "iloveyou"} <= common and "correct horse" not in common
    assert all(len(p) >= 8 and p == p.casefold() for p in common)


def test_a_refused_password_creates_no_account(app):
    with pytest.raises(PasswordPolicyError):
        accounts.add_user(app, "ann", "short")
    assert accounts.list_users(app) == [] and audit_log.entries(app) == []


# ------------------------------------------------------------------------------------------- accounts

def test_usernames_are_case_insensitive_and_stored_lowercased(app):
    user = accounts.add_user(app, "  Ann.Smith@Example.org ", PASSWORD, display_name="Ann Smith")
    assert user.username == "ann.smith@example.org" and user.display_name == "Ann Smith"
    assert accounts.get_user(app, "ANN.SMITH@example.ORG") == user
    assert accounts.get_user_by_id(app, user.id) == user
    with pytest.raises(AccountError, match="already exists"):
        accounts.add_user(app, "ann.smith@EXAMPLE.org", PASSWORD + " two")
    for bad in ("", "   ", "ann smith", "-ann", "a" * 129, "ann;drop"):
        with pytest.raises(AccountError, match="username"):
            accounts.add_user(app, bad, PASSWORD)
        assert accounts.get_user(app, bad) is None


def test_add_user_with_roles_facilities_and_export(app):
    user = accounts.add_user(app, "ann", PASSWORD, roles=("researcher", "compliance", "researcher"),
                             facilities=("F2", "F1"), can_export=True)
    assert user == accounts.User(user.id, "ann", "ann", ("compliance", "researcher"), ("F1", "F2"), True, False,
                                 "local")
    everyone = accounts.add_user(app, "bob", PASSWORD, all_facilities=True)
    assert everyone.facilities is None and everyone.roles == () and not everyone.can_export
    nobody = accounts.add_user(app, "cat", PASSWORD)
    assert nobody.facilities == ()                                        # no grant: no facility at all
    assert [u.username for u in accounts.list_users(app)] == ["ann", "bob", "cat"]
    with pytest.raises(AccountError, match="unknown role"):
        accounts.add_user(app, "dan", PASSWORD, roles=("superuser",))
    with pytest.raises(AccountError, match="facility id"):
        accounts.add_user(app, "dan", PASSWORD, facilities=("*",))


def test_grant_and_revoke(app):
    accounts.add_user(app, "ann", PASSWORD, roles=("researcher",), facilities=("F1",))
    user = accounts.grant(app, "ANN", roles=("coding_manager",), facilities=("F2", "F1"), export=True, actor="adm")
    assert (user.roles, user.facilities, user.can_export) == (("coding_manager", "researcher"), ("F1", "F2"), True)
    user = accounts.grant(app, "ann", all_facilities=True, actor="adm")
    assert user.facilities is None
    user = accounts.revoke(app, "ann", all_facilities=True, roles=("researcher",), actor="adm")
    assert (user.roles, user.facilities) == (("coding_manager",), ("F1", "F2"))  # specific grants remain
    user = accounts.revoke(app, "ann", facilities=("F1", "F9"), export=True, actor="adm")  # F9: never had it
    assert (user.facilities, user.can_export) == (("F2",), False)
    with pytest.raises(AccountError, match="no user named 'zed'"):
        accounts.grant(app, "zed", roles=("researcher",), actor="adm")
    granted = [d for e, a, d in events(app) if e == "user_granted"]
    assert granted[0]["roles"] == ["coding_manager"] and granted[0]["now"]["facilities"] == ["F1", "F2"]
    assert [e for e, _, _ in events(app)] == ["user_added", "user_granted", "user_granted", "user_revoked",
                                              "user_revoked"]


def test_every_change_is_audited_in_the_same_transaction(app, monkeypatch):
    accounts.add_user(app, "ann", PASSWORD, actor="cli:root")
    assert events(app) == [("user_added", "cli:root", {
        "username": "ann", "display_name": "ann", "roles": [], "facilities": [], "all_facilities": False,
        "can_export": False, "disabled": False, "source": "local"})]

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(audit_log, "append", broken)
    with pytest.raises(OSError):
        accounts.add_user(app, "bob", PASSWORD)
    with pytest.raises(OSError):
        accounts.grant(app, "ann", roles=("administrator",), actor="x")
    with pytest.raises(OSError):
        accounts.set_disabled(app, "ann", True, actor="x")
    assert accounts.get_user(app, "bob") is None                              # nothing without its entry
    assert accounts.get_user(app, "ann").roles == () and not accounts.get_user(app, "ann").disabled


def test_account_errors_never_carry_a_hash(app):
    accounts.add_user(app, "ann", PASSWORD)
    for call in (lambda: accounts.add_user(app, "ann", PASSWORD),
                 lambda: accounts.reset_password(app, "ann", "short", actor="x"),
                 lambda: accounts.grant(app, "ann", roles=("root",), actor="x")):
        with pytest.raises(AccountError) as info:
            call()
        assert "$argon2" not in str(info.value) and PASSWORD not in str(info.value)
    assert "password" not in {f.name for f in dataclasses.fields(accounts.User)}


# ------------------------------------------------------------------------------------------- sign-in

def test_sign_in_ok_and_case_insensitive(app):
    user = accounts.add_user(app, "ann", PASSWORD)
    assert accounts.authenticate(app, " ANN ", PASSWORD, client="10.0.0.1", now=T0) == \
        accounts.SignInResult(user, "ok")
    assert events(app)[-1] == ("sign_in", "ann", {"username": "ann", "reason": "ok"})
    assert audit_log.entries(app)[-1]["client"] == "10.0.0.1"


def test_unknown_user_and_wrong_password_look_the_same(app, monkeypatch):
    accounts.add_user(app, "ann", PASSWORD)
    counting = Counting(accounts._hasher)
    monkeypatch.setattr(accounts, "_hasher", counting)
    wrong = accounts.authenticate(app, "ann", "not the password", client="c1", now=T0)
    unknown = accounts.authenticate(app, "nobody", "not the password", client="c2", now=T0)
    assert (wrong.reason, unknown.reason) == ("bad_password", "unknown_user")
    assert dataclasses.replace(wrong, reason="") == dataclasses.replace(unknown, reason="") == \
        accounts.SignInResult(None, "")
    assert len(counting.calls) == 2 and counting.calls[1] == accounts._dummy_hash()     # one verify each
    assert [(e, d["reason"]) for e, _, d in events(app)[1:]] == [("sign_in_failed", "bad_password"),
                                                                  ("sign_in_failed", "unknown_user")]


def test_lockout_after_exactly_max_failures_and_release_after_the_window(app, monkeypatch):
    user = accounts.add_user(app, "ann", PASSWORD)
    kw = {"client": "10.0.0.1", "max_failures": 3, "lockout_minutes": 15}
    for i in range(2):
        assert accounts.authenticate(app, "ann", "wrong", now=T0 + i * SEC, **kw).reason == "bad_password"
    assert accounts.authenticate(app, "ann", "wrong", now=T0 + 2 * SEC, **kw).reason == "bad_password"  # 3rd
    counting = Counting(accounts._hasher)
    monkeypatch.setattr(accounts, "_hasher", counting)
    locked = accounts.authenticate(app, "ann", PASSWORD, now=T0 + 3 * SEC, **kw)
    assert locked == accounts.SignInResult(None, "locked")
    # still locked one second before the first failure leaves the 15-minute window, also from elsewhere
    assert accounts.authenticate(app, "ann", PASSWORD, now=T0 + 15 * MIN - SEC,
                                 **{**kw, "client": "10.9.9.9"}).reason == "locked"
    assert counting.calls == []                                                 # the password was not checked
    # at T0 + 15 min the failure at T0 is out of the window: 2 failures left, below 3
    assert accounts.authenticate(app, "ann", PASSWORD, now=T0 + 15 * MIN, **kw) == \
        accounts.SignInResult(user, "ok")
    # the success cleared the account's failures: two more do not lock it
    for i in range(2):
        accounts.authenticate(app, "ann", "wrong", now=T0 + 16 * MIN + i * SEC, **{**kw, "client": "10.0.0.2"})
    assert accounts.authenticate(app, "ann", PASSWORD, now=T0 + 17 * MIN,
                                 **{**kw, "client": "10.0.0.2"}).reason == "ok"
    assert [d["reason"] for e, _, d in events(app) if e.startswith("sign_in")] == [
        "bad_password", "bad_password", "bad_password", "locked", "locked", "ok", "bad_password", "bad_password",
        "ok"]


def test_unknown_usernames_lock_exactly_like_known_ones(app):
    kw = {"client": "10.0.0.1", "max_failures": 2, "lockout_minutes": 15}
    accounts.add_user(app, "ann", PASSWORD)
    for name in ("ann", "nobody"):
        assert [accounts.authenticate(app, name, "wrong", now=T0, **kw).reason for _ in range(3)][2] == "locked"
        kw["client"] = "10.0.0.2"


def test_per_client_rate_limit(app):
    for name in ("ann", "bob", "cat", "dan"):
        accounts.add_user(app, name, PASSWORD)
    kw = {"max_failures": 3, "lockout_minutes": 15}
    for name in ("ann", "bob", "cat"):                      # one failure each: no account reaches 3
        assert accounts.authenticate(app, name, "wrong", client="10.6.6.6", now=T0, **kw).reason == "bad_password"
    assert accounts.authenticate(app, "dan", PASSWORD, client="10.6.6.6", now=T0 + SEC, **kw) == \
        accounts.SignInResult(None, "rate_limited")
    assert accounts.authenticate(app, "dan", PASSWORD, client="10.0.0.7", now=T0 + SEC, **kw).reason == "ok"
    # dan's success cleared dan's failures, not the client's: 10.6.6.6 stays limited until the window passes
    assert accounts.authenticate(app, "ann", PASSWORD, client="10.6.6.6", now=T0 + 15 * MIN - SEC,
                                 **kw).reason == "rate_limited"
    assert accounts.authenticate(app, "ann", PASSWORD, client="10.6.6.6", now=T0 + 15 * MIN, **kw).reason == "ok"


def test_old_attempts_are_forgotten(app):
    for i in range(3):
        accounts.authenticate(app, "ann", "x", client="c", now=T0 + i * MIN)
    assert app.execute("select count(*) from sign_in_attempts").fetchone()[0] == 3
    accounts.authenticate(app, "ann", "x", client="c", now=T0 + dt.timedelta(days=1, seconds=30))
    assert app.execute("select at from sign_in_attempts").fetchall() == [("2026-03-02T09:01:00Z",),
                                                                      ("2026-03-02T09:02:00Z",),
                                                                      ("2026-03-03T09:00:30Z",)]


def test_attempts_are_shared_through_the_database(tmp_path):
    """Two connections (two server processes) see each other's failures."""
    path = tmp_path / "app.sqlite"
    one, two = appstate.open_app(path), appstate.open_app(path)
    kw = {"client": "c", "max_failures": 2, "lockout_minutes": 15, "now": T0}
    assert accounts.authenticate(one, "ann", "x", **kw).reason == "unknown_user"
    assert accounts.authenticate(two, "ann", "x", **kw).reason == "unknown_user"
    assert accounts.authenticate(one, "ann", "x", **kw).reason == "locked"


def test_disabled_and_single_sign_on_accounts_cannot_sign_in_with_a_password(app):
    accounts.add_user(app, "ann", PASSWORD)
    accounts.set_disabled(app, "ann", True, actor="adm")
    assert accounts.authenticate(app, "ann", PASSWORD, client="c", now=T0) == accounts.SignInResult(None,
                                                                                                  "disabled")
    assert accounts.authenticate(app, "ann", "wrong", client="c", now=T0).reason == "bad_password"
    accounts.set_disabled(app, "ann", False, actor="adm")
    assert accounts.authenticate(app, "ann", PASSWORD, client="c", now=T0).reason == "ok"
    accounts.upsert_oidc_user(app, issuer="https://idp", subject="1", username="sso", display_name="S",
                              roles=None, facilities=None)
    assert accounts.authenticate(app, "sso", "", client="c", now=T0).reason == "bad_password"
    assert [e for e, _, _ in events(app) if e in ("user_disabled", "user_enabled")] == ["user_disabled",
                                                                                      "user_enabled"]


def test_reset_password_clears_the_lockout(app):
    accounts.add_user(app, "ann", PASSWORD)
    kw = {"client": "c", "max_failures": 2, "lockout_minutes": 15, "now": T0}
    for _ in range(2):
        accounts.authenticate(app, "ann", "wrong", **kw)
    assert accounts.authenticate(app, "ann", PASSWORD, **kw).reason == "locked"
    accounts.reset_password(app, "ann", "a brand new passphrase", actor="adm")
    assert accounts.authenticate(app, "ann", "a brand new passphrase", **{**kw, "client": "d"}).reason == "ok"
    assert accounts.authenticate(app, "ann", PASSWORD, **{**kw, "client": "d"}).reason == "bad_password"
    with pytest.raises(PasswordPolicyError):
        accounts.reset_password(app, "ann", "ann is my name", actor="adm")
    assert events(app)[-3][0] == "password_reset"


# ------------------------------------------------------------------------------------------- single sign-on

def test_upsert_oidc_user(app):
    kw = {"issuer": "https://idp.example", "subject": "u-1"}
    user = accounts.upsert_oidc_user(app, **kw, username="Ann@Example.org", display_name="Ann",
                                     roles=("compliance", "wizard"), facilities=("F2", "F1"))
    assert user == accounts.User(user.id, "ann@example.org", "Ann", ("compliance",), ("F1", "F2"), False, False,
                                 "oidc")
    # claims not configured (None): the locally assigned roles and facilities stay
    accounts.grant(app, "ann@example.org", roles=("researcher",), facilities=("F3",), actor="adm")
    same = accounts.upsert_oidc_user(app, **kw, username="ann@example.org", display_name="Ann",
                                     roles=None, facilities=None)
    assert (same.roles, same.facilities) == (("compliance", "researcher"), ("F1", "F2", "F3"))
    n = len(audit_log.entries(app))
    assert accounts.upsert_oidc_user(app, **kw, username="ann@example.org", display_name="Ann", roles=None,
                                     facilities=None) == same
    assert len(audit_log.entries(app)) == n                                   # nothing changed, nothing logged
    # claims configured: they replace; '*' grants every facility; a renamed identity keeps its account
    moved = accounts.upsert_oidc_user(app, **kw, username="ann.b@example.org", display_name="Ann B",
                                      roles=("coding_manager",), facilities=("*",))
    assert (moved.id, moved.username, moved.roles, moved.facilities) == (user.id, "ann.b@example.org",
                                                                         ("coding_manager",), None)
    last = events(app)[-1]
    assert last[0] == "oidc_user_updated" and last[2]["changed"]["username"] == {"from": "ann@example.org",
                                                                                 "to": "ann.b@example.org"}
    assert [e for e, _, _ in events(app)].count("oidc_user_created") == 1


def test_an_identity_provider_never_takes_over_another_account(app):
    accounts.add_user(app, "admin", PASSWORD, roles=("administrator",))
    with pytest.raises(AccountError, match="belongs to another account"):
        accounts.upsert_oidc_user(app, issuer="https://idp", subject="evil", username="ADMIN", display_name="x",
                                  roles=("administrator",), facilities=("*",))
    accounts.upsert_oidc_user(app, issuer="https://idp", subject="1", username="sam", display_name="Sam",
                              roles=None, facilities=None)
    with pytest.raises(AccountError):
        accounts.upsert_oidc_user(app, issuer="https://other-idp", subject="1", username="sam", display_name="x",
                                  roles=None, facilities=None)
    with pytest.raises(AccountError, match="single sign-on"):
        accounts.reset_password(app, "sam", "a perfectly fine passphrase", actor="adm")
    assert len(accounts.list_users(app)) == 2


# ------------------------------------------------------------------------------------------- migration

def test_a_file_at_migration_1_upgrades_and_keeps_its_worklists(tmp_path):
    path = tmp_path / "old.sqlite"
    import sqlite3

    old = sqlite3.connect(path, isolation_level=None)
    appstate.migrate(old, appstate.migrations()[:1])                         # worklists only, as before
    old.execute("insert into worklists (created_at, criteria_json, requested_size, drawn_size, population_n, "
                "seed, method) values ('2026-11-30T10:00:00Z', '{}', 5, 5, 20, 7, 'm')")
    assert appstate.schema_version(old) == 1
    old.close()
    con = appstate.open_app(path)
    assert appstate.schema_version(con) == appstate.latest_version() == 3
    assert [r[0] for r in con.execute("select name from schema_migrations order by version")] == [
        "worklists", "accounts", "audit_log"]
    assert con.execute("select seed from worklists").fetchall() == [(7,)]
    accounts.add_user(con, "ann", PASSWORD, roles=("administrator",))
    assert audit_log.verify(con).ok
