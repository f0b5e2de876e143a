"""The audit log: append-only and tamper-evident (hash-chained), in the app-state database.

HIPAA §164.312(b) asks for audit controls: who signed in or failed to, who changed which account, who saw
which view with which filters, who exported what. Every such event is one row of `audit_log`
(data/appstate.sql, migration 3):

    id, at (UTC text), actor, event, client, detail (canonical JSON), prev_hash, hash

The chain: `hash = sha256(prev_hash || canonical(entry))`, hex, where `canonical(entry)` is the JSON object
of id, at, actor, event, client and detail with sorted keys and no spaces (`detail` is itself stored as
canonical JSON text). The first entry's prev_hash is 64 zeros; every later entry's prev_hash is the hash of
the entry before it. So:

- editing any field of an entry changes its hash: that entry fails (first_bad_id = its id), or, if the
  editor recomputed the hash too, the next entry's prev_hash no longer matches (first_bad_id = the next id);
- deleting an entry leaves a gap in the ids (AUTOINCREMENT never reuses one) and a prev_hash that matches
  nothing: the entry after the gap fails; deleting the last entries leaves `sqlite_sequence` ahead of the
  last id: first_bad_id = the first missing id;
- inserting or reordering entries breaks ids, prev_hash or hash at the first moved entry.

SQLite triggers refuse UPDATE and DELETE on the table (the application cannot change history by mistake);
someone who rewrites the file can still rebuild a consistent chain from any point, since the hash has no
secret: `codedash audit verify` prints the last hash, and a security officer who records it elsewhere (a
ticket, a log server) can later prove nothing before it was rewritten.

Retention: `purge(older_than_days)` removes the oldest entries in one transaction that drops the delete
trigger, deletes, recreates the trigger, records an anchor (the hash and id of the last purged entry) in
`audit_anchors`, and appends an `audit_purged` entry naming the same anchor. `verify` starts the chain at the
latest anchor and checks that the surviving log itself records it, so a forged anchor that hides deleted
entries is detected too.

Concurrency: `append` reads the last entry and inserts the next inside BEGIN IMMEDIATE (one writer at a time
across threads and processes), or inside the caller's transaction when there is one (the account functions
append in the same transaction as the change they record). `prev_hash` is UNIQUE, so even a caller whose
deferred transaction read a stale last entry cannot fork the chain: its insert fails instead.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import sqlite3
from dataclasses import dataclass
from typing import TextIO

from codedash.data.appstate import transaction, utc_text
from codedash.data.csv_text import neutralise_text

GENESIS = "0" * 64
COLUMNS = ("id", "at", "actor", "event", "client", "detail", "prev_hash", "hash")
PURGE_EVENT = "audit_purged"
_DELETE_TRIGGER = "audit_log_no_delete"


def _plain(value):
    """JSON for what json does not know: sets as sorted lists, dates and times in ISO form, else str()."""
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=lambda v: (type(v).__name__, str(v)))
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def canonical_json(value) -> str:
    """Sorted keys, no spaces, UTF-8 kept, no NaN: the same value always gives the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False,
                      default=_plain)


def entry_hash(prev_hash: str, id: int, at: str, actor: str | None, event: str, client: str | None,
               detail: str | None) -> str:
    """sha256(prev_hash || canonical entry), hex; `detail` is the stored canonical JSON text (or None)."""
    body = canonical_json({"id": id, "at": at, "actor": actor, "event": event, "client": client,
                           "detail": detail})
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def _last_sequence(con: sqlite3.Connection) -> int:
    row = con.execute("select seq from sqlite_sequence where name = 'audit_log'").fetchone()
    return int(row[0]) if row else 0


def _latest_anchor(con: sqlite3.Connection) -> tuple[int, str] | None:
    row = con.execute("select through_id, hash from audit_anchors order by anchor_id desc limit 1").fetchone()
    return (int(row[0]), row[1]) if row else None


def _chain_head(con: sqlite3.Connection) -> str:
    row = con.execute("select hash from audit_log order by id desc limit 1").fetchone()
    if row:
        return row[0]
    anchor = _latest_anchor(con)
    return anchor[1] if anchor else GENESIS


def append(con: sqlite3.Connection, event: str, *, actor: str | None, detail: dict | None = None,
           client: str | None = None, now: dt.datetime | None = None) -> int:
    """Append one entry; returns its id. In the caller's transaction if there is one, else in its own."""
    if not event or not isinstance(event, str):
        raise ValueError("an audit event needs a name")
    detail_text = None if detail is None else canonical_json(detail)
    at = utc_text(now)
    with transaction(con):
        new_id = _last_sequence(con) + 1
        prev = _chain_head(con)
        digest = entry_hash(prev, new_id, at, actor, event, client, detail_text)
        con.execute("insert into audit_log (id, at, actor, event, client, detail, prev_hash, hash) "
                    "values (?, ?, ?, ?, ?, ?, ?, ?)", [new_id, at, actor, event, client, detail_text, prev, digest])
    return new_id


@dataclass(frozen=True)
class Verification:
    ok: bool
    entries: int                 # entries checked
    first_bad_id: int | None     # the first entry (or missing id) where the chain breaks
    reason: str                  # 'ok', or what is wrong there
    last_hash: str | None = None # the hash of the last entry (record it elsewhere to anchor the log)


def verify(con: sqlite3.Connection) -> Verification:
    """Walk the chain from the latest anchor (or the start): ids consecutive, each prev_hash the hash before
    it, each hash recomputed; then no entries missing at the end, and the anchor recorded by the log."""
    anchor = _latest_anchor(con)
    expected_id, expected_prev = (anchor[0] + 1, anchor[1]) if anchor else (1, GENESIS)
    checked = 0
    anchor_seen = anchor is None
    last_hash = None
    for row in con.execute("select id, at, actor, event, client, detail, prev_hash, hash from audit_log "
                           "order by id"):
        id_, at, actor, event, client, detail, prev, digest = row
        checked += 1
        if id_ != expected_id:
            what = "entries missing before it" if id_ > expected_id else "an id at or before the purge anchor"
            return Verification(False, checked, id_, f"entry {id_}: expected id {expected_id} ({what})")
        if prev != expected_prev:
            return Verification(False, checked, id_, f"entry {id_}: prev_hash does not match the entry before it")
        if entry_hash(prev, id_, at, actor, event, client, detail) != digest:
            return Verification(False, checked, id_, f"entry {id_}: content does not match its hash")
        if not anchor_seen and event == PURGE_EVENT and detail:
            try:
                recorded = json.loads(detail)
            except ValueError:
                recorded = {}
            anchor_seen = (recorded.get("through_id") == anchor[0] and recorded.get("anchor_hash") == anchor[1])
        expected_id, expected_prev, last_hash = id_ + 1, digest, digest
    sequence = _last_sequence(con)
    if sequence >= expected_id:
        return Verification(False, checked, expected_id,
                            f"entries {expected_id}-{sequence} are missing from the end of the log")
    if not anchor_seen:
        return Verification(False, checked, anchor[0] + 1,
                            f"the purge anchor (through entry {anchor[0]}) is not recorded in the log")
    return Verification(True, checked, None, "ok", last_hash)


def _since_text(since: dt.date | None) -> str:
    if since is None:
        return ""
    if isinstance(since, dt.datetime):
        return utc_text(since)
    return f"{since.isoformat()}T00:00:00Z"


def entries(con: sqlite3.Connection, since: dt.date | None = None) -> list[dict]:
    """Entries at or after `since` (UTC day), oldest first; detail parsed back into a dict."""
    rows = con.execute("select id, at, actor, event, client, detail, prev_hash, hash from audit_log "
                       "where at >= ? order by id", [_since_text(since)]).fetchall()
    out = []
    for row in rows:
        entry = dict(zip(COLUMNS, row))
        entry["detail"] = None if entry["detail"] is None else json.loads(entry["detail"])
        out.append(entry)
    return out


def export(con: sqlite3.Connection, out: TextIO, since: dt.date | None = None, fmt: str = "jsonl") -> int:
    """Write the entries at or after `since` to `out`: JSON lines (one canonical object per entry) or CSV
    (header + one row per entry, detail as its canonical JSON text, every text cell formula-neutralised as
    data/csv_text.py states). Returns the number of entries written."""
    if fmt not in ("jsonl", "csv"):
        raise ValueError("audit export format must be 'jsonl' or 'csv'")
    rows = entries(con, since)
    if fmt == "jsonl":
        for entry in rows:
            out.write(canonical_json(entry) + "\n")
        return len(rows)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for entry in rows:
        cells = []
        for col in COLUMNS:
            value = entry[col]
            if col == "detail" and value is not None:
                value = canonical_json(value)
            cells.append("" if value is None else value if col == "id" else neutralise_text(str(value)))
        writer.writerow(cells)
    return len(rows)


def purge(con: sqlite3.Connection, older_than_days: int, *, actor: str | None,
          now: dt.datetime | None = None) -> int:
    """Remove the entries older than `older_than_days` (the oldest run of them, by id, up to the first entry
    at or after the cut-off) and anchor the chain; returns the number removed. One transaction: the delete
    trigger is dropped and recreated inside it, so no other connection ever sees the log without it."""
    if older_than_days < 0:
        raise ValueError("older_than_days must be 0 or more")
    now = dt.datetime.now(dt.UTC) if now is None else now
    cutoff = utc_text(now - dt.timedelta(days=older_than_days))
    if con.in_transaction:
        raise RuntimeError("audit purge runs in a transaction of its own")
    with transaction(con):
        first_kept = con.execute("select min(id) from audit_log where at >= ?", [cutoff]).fetchone()[0]
        through = con.execute("select max(id) from audit_log" + ("" if first_kept is None else " where id < ?"),
                              [] if first_kept is None else [first_kept]).fetchone()[0]
        if through is None:
            return 0
        count, anchor_hash = con.execute("select (select count(*) from audit_log where id <= ?), "
                                         "(select hash from audit_log where id = ?)", [through, through]).fetchone()
        trigger_sql = con.execute("select sql from sqlite_master where type = 'trigger' and name = ?",
                                  [_DELETE_TRIGGER]).fetchone()
        if trigger_sql is None:
            raise RuntimeError("the audit log's delete trigger is missing; run `codedash audit verify`")
        con.execute(f"drop trigger {_DELETE_TRIGGER}")       # a module constant, not a value: DDL takes no parameters
        con.execute("delete from audit_log where id <= ?", [through])
        con.execute(trigger_sql[0])
        at = utc_text(now)
        con.execute("insert into audit_anchors (through_id, hash, purged_rows, purged_at, actor) "
                    "values (?, ?, ?, ?, ?)", [through, anchor_hash, count, at, actor])
        append(con, PURGE_EVENT, actor=actor, now=now,
               detail={"through_id": through, "anchor_hash": anchor_hash, "purged_rows": count,
                       "older_than_days": older_than_days, "cutoff": cutoff})
    return int(count)
