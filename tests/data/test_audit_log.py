"""The hash-chained audit log (data/audit_log.py): the chain worked out by hand, every kind of tampering found
at the right entry (done with raw SQL past the triggers), retention purge with its anchor, exports, appends
from many threads keeping one chain, and a hypothesis property: any one tampering is detected."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import sqlite3
import subprocess
import sys
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codedash.data import appstate, audit_log
from codedash.data.appstate import transaction
from tests.data.accounts_support import T0, raw

DAY = dt.timedelta(days=1)


@pytest.fixture
def log():
    con = appstate.open_app(":memory:")
    yield con
    con.close()


def fill(con, n: int, start=T0, step=dt.timedelta(minutes=1)) -> None:
    for i in range(n):
        audit_log.append(con, "page_view", actor=f"user{i % 3}", client="10.0.0.1",
                         detail={"page": f"/p{i}", "filters": {"facilities": ["F1"]}}, now=start + i * step)


def row(con, id_):
    return con.execute("select id, at, actor, event, client, detail, prev_hash, hash from audit_log where id = ?",
                       [id_]).fetchone()


def test_the_chain_by_hand(log):
    assert audit_log.append(log, "sign_in", actor="ann", client="10.0.0.1", detail={"reason": "ok", "a": [1]},
                            now=T0) == 1
    first = row(log, 1)
    body = ('{"actor":"ann","at":"2026-03-02T09:00:00Z","client":"10.0.0.1",'
            '"detail":"{\\"a\\":[1],\\"reason\\":\\"ok\\"}","event":"sign_in","id":1}')
    assert first == (1, "2026-03-02T09:00:00Z", "ann", "sign_in", "10.0.0.1", '{"a":[1],"reason":"ok"}', "0" * 64,
                     hashlib.sha256(("0" * 64 + body).encode()).hexdigest())
    assert audit_log.append(log, "sign_out", actor=None, now=T0) == 2
    second = row(log, 2)
    body2 = '{"actor":null,"at":"2026-03-02T09:00:00Z","client":null,"detail":null,"event":"sign_out","id":2}'
    assert second[6:] == (first[7], hashlib.sha256((first[7] + body2).encode()).hexdigest())
    assert audit_log.verify(log) == audit_log.Verification(True, 2, None, "ok", second[7])


def test_details_are_canonical_json(log):
    audit_log.append(log, "export", actor="a", now=T0,
                     detail={"b": 1, "a": {"z": [1, 2], "y": "é"}, "day": dt.date(2026, 3, 1), "ids": {"F2", "F1"}})
    assert row(log, 1)[5] == '{"a":{"y":"é","z":[1,2]},"b":1,"day":"2026-03-01","ids":["F1","F2"]}'
    with pytest.raises(ValueError):
        audit_log.append(log, "x", actor="a", detail={"n": float("nan")})
    assert audit_log.entries(log, T0 + dt.timedelta(seconds=1)) == [] and len(audit_log.entries(log, T0)) == 1


def test_the_triggers_refuse_update_and_delete(log):
    fill(log, 2)
    for sql in ("update audit_log set actor = 'x' where id = 1", "delete from audit_log where id = 2",
                "delete from audit_log"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            log.execute(sql)
    assert audit_log.verify(log).ok and audit_log.verify(log).entries == 2


def test_an_empty_log_verifies():
    assert audit_log.verify(appstate.open_app(":memory:")) == audit_log.Verification(True, 0, None, "ok", None)


def _rehash(con, id_):
    r = row(con, id_)
    raw(con, "update audit_log set hash = ? where id = ?", [audit_log.entry_hash(r[6], *r[:6]), id_])


def _slip_in(con, at_id: int) -> None:
    """Insert a well-formed entry as `at_id` (the later ones move up by one) chained to the entry before it,
    and point the entry after it at its hash, as a careful forger would (prev_hash is unique)."""
    raw(con, "update audit_log set id = id + 1000 where id >= ?", [at_id])
    raw(con, "update audit_log set id = id - 999 where id >= 1000")
    prev = audit_log.GENESIS if at_id == 1 else row(con, at_id - 1)[7]
    at = "2026-03-02T09:00:00Z"
    digest = audit_log.entry_hash(prev, at_id, at, "x", "e", None, None)
    raw(con, "update audit_log set prev_hash = ? where id = ?", [digest, at_id + 1])
    raw(con, "insert into audit_log values (?, ?, 'x', 'e', null, null, ?, ?)", [at_id, at, prev, digest])


@pytest.mark.parametrize(("tamper", "first_bad_id", "reason"), [
    (lambda c: raw(c, "update audit_log set actor = 'mallory' where id = 3"), 3, "content does not match"),
    (lambda c: raw(c, "update audit_log set detail = '{}' where id = 6"), 6, "content does not match"),
    (lambda c: raw(c, "update audit_log set at = '2026-01-01T00:00:00Z' where id = 1"), 1, "content"),
    # edited and its hash recomputed: the next entry no longer chains to it
    (lambda c: (raw(c, "update audit_log set actor = 'mallory' where id = 3"), _rehash(c, 3)), 4, "prev_hash"),
    (lambda c: raw(c, "delete from audit_log where id = 3"), 4, "expected id 3"),
    (lambda c: raw(c, "delete from audit_log where id = 1"), 2, "expected id 1"),
    (lambda c: raw(c, "delete from audit_log where id = 6"), 6, "missing from the end"),
    (lambda c: raw(c, "delete from audit_log where id >= 4"), 4, "entries 4-6 are missing from the end"),
    # a row appended by hand with a made-up hash
    (lambda c: raw(c, "insert into audit_log values (7, '2026-03-02T10:00:00Z', 'x', 'e', null, null, ?, ?)",
                   [row(c, 6)[7], "f" * 64]), 7, "content does not match"),
    # a row slipped in after entry 3, chained and hashed correctly, and the next entry relinked to it
    (lambda c: _slip_in(c, 4), 5, "content does not match"),
    # two entries swapped (every field but the id)
    (lambda c: (raw(c, "update audit_log set id = 100 where id = 2"), raw(c, "update audit_log set id = 2 where id = 3"),
                raw(c, "update audit_log set id = 3 where id = 100")), 2, "prev_hash"),
])
def test_tampering_is_found_at_the_right_entry(log, tamper, first_bad_id, reason):
    fill(log, 6)
    assert audit_log.verify(log).ok
    tamper(log)
    result = audit_log.verify(log)
    assert (result.ok, result.first_bad_id) == (False, first_bad_id)
    assert reason in result.reason


def test_purge_removes_the_oldest_and_the_chain_still_verifies(log):
    fill(log, 5, start=T0, step=DAY)                         # entries on 2 .. 6 March
    now = T0 + 10 * DAY                                      # 12 March: older than 7 days = before 5 March
    assert audit_log.purge(log, 7, actor="cli:root", now=now) == 3
    assert [e["id"] for e in audit_log.entries(log)] == [4, 5, 6]
    anchor = log.execute("select through_id, hash, purged_rows, purged_at, actor from audit_anchors").fetchall()
    purged = audit_log.entries(log)[-1]
    assert purged["event"] == "audit_purged" and purged["actor"] == "cli:root"
    assert purged["detail"] == {"through_id": 3, "anchor_hash": anchor[0][1], "purged_rows": 3,
                                "older_than_days": 7, "cutoff": "2026-03-05T09:00:00Z"}
    assert anchor[0][0] == 3 and anchor[0][2:] == (3, "2026-03-12T09:00:00Z", "cli:root")
    assert row(log, 4)[6] == anchor[0][1]                    # the first kept entry chains to the anchor
    assert audit_log.verify(log) == audit_log.Verification(True, 3, None, "ok", row(log, 6)[7])
    fill(log, 2, start=now)
    assert audit_log.verify(log).ok
    with pytest.raises(sqlite3.IntegrityError):              # the delete trigger is back
        log.execute("delete from audit_log where id = 4")
    with pytest.raises(sqlite3.IntegrityError):
        log.execute("delete from audit_anchors")
    assert audit_log.purge(log, 7, actor="x", now=now) == 0  # nothing old enough: nothing happens
    assert log.execute("select count(*) from audit_anchors").fetchone()[0] == 1


def test_purge_everything_then_again(log):
    fill(log, 3, start=T0)
    assert audit_log.purge(log, 1, actor="a", now=T0 + 30 * DAY) == 3
    assert [e["event"] for e in audit_log.entries(log)] == ["audit_purged"] and audit_log.verify(log).ok
    fill(log, 2, start=T0 + 31 * DAY)
    assert audit_log.purge(log, 1, actor="a", now=T0 + 60 * DAY) == 3     # the first purge entry goes too
    assert audit_log.verify(log).ok and audit_log.verify(log).entries == 1


def test_after_a_purge_tampering_is_still_found(log):
    fill(log, 5, start=T0, step=DAY)
    audit_log.purge(log, 7, actor="a", now=T0 + 10 * DAY)
    raw(log, "update audit_log set client = 'x' where id = 5")
    assert audit_log.verify(log).first_bad_id == 5


def test_a_forged_anchor_hiding_deleted_entries_is_found(log):
    fill(log, 6)
    # delete entries 1-3 and record an anchor for them, as a purge would, but without the log saying so
    raw(log, "delete from audit_log where id <= 3")
    raw(log, "insert into audit_anchors (through_id, hash, purged_rows, purged_at, actor) values (3, ?, 3, ?, 'x')",
        [row(log, 4)[6], "2026-03-02T10:00:00Z"])
    result = audit_log.verify(log)
    assert (result.ok, result.first_bad_id) == (False, 4) and "not recorded in the log" in result.reason


def test_a_rolled_back_caller_transaction_leaves_no_entry_and_no_gap(log):
    fill(log, 2)
    with pytest.raises(RuntimeError):
        with transaction(log):
            audit_log.append(log, "user_added", actor="x")
            raise RuntimeError("the change failed")
    assert audit_log.append(log, "after", actor="x") == 3
    assert audit_log.verify(log).ok


def test_entries_and_exports(log):
    fill(log, 3, start=T0, step=DAY)
    audit_log.append(log, "export", actor="=HYPERLINK(\"http://x\")", client="+cmd", detail={"n": "-2+3"},
                     now=T0 + 3 * DAY)
    since = (T0 + 2 * DAY).date()
    assert [e["id"] for e in audit_log.entries(log, since)] == [3, 4]
    assert audit_log.entries(log)[0]["detail"] == {"page": "/p0", "filters": {"facilities": ["F1"]}}
    out = io.StringIO()
    assert audit_log.export(log, out, since, "jsonl") == 2
    lines = [json.loads(ln) for ln in out.getvalue().splitlines()]
    assert lines == audit_log.entries(log, since)
    out = io.StringIO()
    assert audit_log.export(log, out, since, "csv") == 2
    text = out.getvalue().splitlines()
    assert text[0] == "id,at,actor,event,client,detail,prev_hash,hash"
    assert text[2].startswith("4,2026-03-05T09:00:00Z,\"'=HYPERLINK(\"\"http://x\"\")\",export,'+cmd,")
    assert ",\"{\"\"n\"\":\"\"-2+3\"\"}\"," in text[2]
    with pytest.raises(ValueError):
        audit_log.export(log, io.StringIO(), None, "xml")


def test_concurrent_appends_from_threads_keep_one_chain(tmp_path):
    path = tmp_path / "app.sqlite"
    appstate.open_app(path).close()
    errors = []

    def worker(k: int) -> None:
        con = appstate.open_app(path)
        try:
            for i in range(25):
                if k % 2:                       # half of them inside a transaction of their own
                    with transaction(con):
                        con.execute("select count(*) from users").fetchone()
                        audit_log.append(con, "page_view", actor=f"t{k}", detail={"i": i})
                else:
                    audit_log.append(con, "page_view", actor=f"t{k}", detail={"i": i})
        except Exception as exc:                # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            con.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    con = appstate.open_app(path)
    result = audit_log.verify(con)
    assert (result.ok, result.entries) == (True, 150)
    assert con.execute("select count(distinct prev_hash) from audit_log").fetchone()[0] == 150


def test_concurrent_appends_from_processes_keep_one_chain(tmp_path):
    path = tmp_path / "app.sqlite"
    appstate.open_app(path).close()
    script = ("import sys\nfrom codedash.data import appstate, audit_log\n"
              "con = appstate.open_app(sys.argv[1])\n"
              "for i in range(40):\n    audit_log.append(con, 'page_view', actor=sys.argv[2], detail={'i': i})\n")
    procs = [subprocess.Popen([sys.executable, "-c", script, str(path), f"p{k}"]) for k in range(3)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    con = appstate.open_app(path)
    assert (audit_log.verify(con).ok, audit_log.verify(con).entries) == (True, 120)
    assert sorted(e["detail"]["i"] for e in audit_log.entries(con) if e["actor"] == "p1") == list(range(40))


# ------------------------------------------------------------------------------------------- property

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
appends = st.lists(st.tuples(st.sampled_from(["sign_in", "page_view", "export", "user_added"]),
                             st.none() | text, st.none() | text,
                             st.none() | st.dictionaries(text, st.integers() | text, max_size=3),
                             st.integers(0, 10_000)),
                   min_size=1, max_size=12)


@st.composite
def tampering(draw, n: int):
    kind = draw(st.sampled_from(["edit", "delete", "swap", "insert", "truncate"] if n > 1 else
                                ["edit", "delete", "insert"]))
    target = draw(st.integers(1, n))
    if kind == "edit":
        return kind, target, draw(st.sampled_from(["at", "actor", "event", "client", "detail", "prev_hash"]))
    if kind == "swap":
        other = draw(st.integers(1, n).filter(lambda x: x != target))
        return kind, target, other
    return kind, target, None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), entries=appends)
def test_any_single_tampering_is_detected(data, entries):
    con = appstate.open_app(":memory:")
    for event, actor, client, detail, seconds in entries:
        audit_log.append(con, event, actor=actor, client=client, detail=detail,
                         now=T0 + dt.timedelta(seconds=seconds))
    assert audit_log.verify(con).ok
    n = len(entries)
    kind, target, extra = data.draw(tampering(n))
    if kind == "edit":
        old = con.execute(f"select {extra} from audit_log where id = ?", [target]).fetchone()[0]
        raw(con, f"update audit_log set {extra} = ? where id = ?", [("" if old is None else old) + "x", target])
    elif kind == "delete":
        raw(con, "delete from audit_log where id = ?", [target])
    elif kind == "truncate":
        raw(con, "delete from audit_log where id >= ?", [target])
    elif kind == "swap":
        raw(con, "update audit_log set id = -1 where id = ?", [target])
        raw(con, "update audit_log set id = ? where id = ?", [target, extra])
        raw(con, "update audit_log set id = ? where id = -1", [extra])
    else:                                                   # a well-formed entry slipped in before `target`
        _slip_in(con, target)
    result = audit_log.verify(con)
    assert not result.ok and result.first_bad_id is not None
    con.close()
