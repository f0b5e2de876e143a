-- codedash application state (SQLite): what people create while using the dashboard, kept apart from the
-- analytics DuckDB file that every load replaces (DESIGN.md, "Serving people safely").
--
-- Versioned: each `-- migration: N name` section below is applied once, in order, inside one transaction,
-- and PRAGMA user_version records the last one applied (data/appstate.py). Never edit an applied section;
-- add a new one (2 accounts and sessions, 3 the hash-chained audit log; saved views come later). Timestamps are UTC ISO 8601 text ('2026-12-01T18:02:03Z').

-- migration: 1 worklists
-- Grain: one row per migration applied to this file.
create table schema_migrations (
    version     integer primary key,   -- the N of `-- migration: N`
    name        text not null,          -- its name
    applied_at  text not null           -- UTC, when this file got it
);

-- Grain: one row per audit worklist drawn (a reproducible stratified random sample of flagged encounters).
create table worklists (
    worklist_id     integer primary key autoincrement,
    created_at      text not null,      -- UTC draw time
    measure_id      text,               -- outlier measure of the flagged cell (compliance catalog id)
    entity_id       text,               -- provider / coder / facility flagged
    criteria_json   text not null,      -- every criterion the population was selected by (measure, entity,
                                        -- filters, scope), as sorted JSON
    strata_col      text,               -- column the population was stratified by; null = one stratum
    requested_size  integer not null,   -- sample size asked for
    drawn_size      integer not null,   -- encounters drawn (min(requested, population))
    population_n    integer not null,   -- encounters in the flagged cell (the sampling frame)
    seed            integer not null,   -- seed of numpy Generator(PCG64(seed))
    method          text not null,      -- allocation, rounding and draw rule, with the numpy version
    build_id        text,               -- build_info.build_id of the analytics database drawn from
    source_db       text,               -- that database's path
    created_by      text                -- who drew it (null until sign-in exists)
);

-- Grain: one row per stratum of a worklist: frame size and encounters allocated to it.
create table worklist_strata (
    worklist_id     integer not null references worklists (worklist_id) on delete cascade,
    stratum         text not null,      -- value of strata_col ('(missing)' for null; 'all' without strata)
    population      integer not null,   -- encounters of the frame in this stratum
    allocated       integer not null,   -- encounters drawn from it
    primary key (worklist_id, stratum)
);

-- Grain: one row per encounter drawn into a worklist.
create table worklist_items (
    worklist_id     integer not null references worklists (worklist_id) on delete cascade,
    position        integer not null,   -- 1.. in stratum order, then draw order
    encounter_id    text not null,      -- analytics encounters.encounter_id
    stratum         text not null,
    primary key (worklist_id, position),
    unique (worklist_id, encounter_id)
);
create index worklist_items_encounter on worklist_items (encounter_id);

-- migration: 2 accounts
-- Local and single-sign-on accounts, their roles and facility grants, sign-in attempts (for lockout and rate
-- limiting, shared by every server process) and server-side sessions (data/accounts.py, data/sessions.py).
-- Grain: one row per account. Usernames are stored lowercased (sign-in is case-insensitive).
create table users (
    user_id         integer primary key autoincrement,
    username        text not null unique,   -- lowercased
    display_name    text not null,
    source          text not null check (source in ('local', 'oidc')),
    password_hash   text,                   -- Argon2id PHC string ('$argon2id$...'); null for oidc accounts
    oidc_issuer     text,                   -- oidc accounts: issuer and subject identify the person
    oidc_subject    text,
    can_export      integer not null default 0 check (can_export in (0, 1)),
    disabled        integer not null default 0 check (disabled in (0, 1)),
    created_at      text not null,          -- UTC
    updated_at      text not null,          -- UTC, last change of anything on the account
    password_changed_at text,               -- UTC, local accounts
    unique (oidc_issuer, oidc_subject),
    check (source = 'local' or (oidc_issuer is not null and oidc_subject is not null))
);

-- Grain: one row per role held by an account.
create table user_roles (
    user_id     integer not null references users (user_id) on delete cascade,
    role        text not null check (role in ('administrator', 'coding_manager', 'revenue_cycle', 'researcher',
                                              'compliance')),
    primary key (user_id, role)
);

-- Grain: one row per facility granted to an account; facility_id '*' grants every facility.
create table user_facilities (
    user_id     integer not null references users (user_id) on delete cascade,
    facility_id text not null,              -- analytics facilities.facility_id, or '*'
    primary key (user_id, facility_id)
);

-- Grain: one row per sign-in attempt (success or failure) with a password.
create table sign_in_attempts (
    attempt_id  integer primary key autoincrement,
    at          text not null,              -- UTC
    username    text not null,              -- as typed, lowercased (unknown usernames too)
    client      text not null,              -- client address
    outcome     text not null,              -- 'ok', 'unknown_user', 'bad_password', 'disabled', 'locked',
                                            -- 'rate_limited'
    counted     integer not null check (counted in (0, 1)),  -- a failure that counts towards lockout
    account_cleared integer not null default 0 check (account_cleared in (0, 1))
                                            -- 1 once a later success cleared the account's failures (the
                                            -- failure still counts for the client address)
);
create index sign_in_attempts_username on sign_in_attempts (username, at);
create index sign_in_attempts_client on sign_in_attempts (client, at);

-- Grain: one row per server-side session (the cookie holds only the random token; this holds its sha256).
create table sessions (
    session_id      integer primary key autoincrement,
    token_hash      text not null unique,   -- hex sha256 of the session token
    user_id         integer not null references users (user_id) on delete cascade,
    csrf_token      text not null,          -- random per session, checked on every form post
    client          text,                   -- client address at sign-in
    created_at      text not null,          -- UTC, sign-in
    last_seen_at    text not null,          -- UTC, last request
    ended_at        text,                   -- UTC; null while the session is live
    end_reason      text                    -- 'sign_out', 'idle', 'absolute', 'disabled', 'password_reset', ...
);
create index sessions_user on sessions (user_id, ended_at);

-- migration: 3 audit_log
-- The append-only, hash-chained audit log (data/audit_log.py). Each entry's hash is sha256 of the previous
-- entry's hash followed by the canonical JSON of this entry's fields (id included), so editing, deleting,
-- inserting or reordering an entry breaks the chain. Triggers refuse UPDATE and DELETE; retention
-- (`codedash audit purge`) removes the oldest entries in one transaction and records an anchor.
-- Grain: one row per audited event.
create table audit_log (
    id          integer primary key autoincrement,  -- 1, 2, 3 ... without gaps (AUTOINCREMENT never reuses)
    at          text not null,          -- UTC
    actor       text,                   -- username, 'cli', 'oidc' ...; null when nobody is signed in
    event       text not null,          -- 'sign_in', 'user_added', 'page_view', 'export', ...
    client      text,                   -- client address
    detail      text,                   -- canonical JSON (sorted keys, no spaces), or null
    prev_hash   text not null unique,   -- hash of the previous entry (64 zeros for the first, the anchor's
                                        -- hash after a purge); unique, so the chain cannot fork
    hash        text not null unique    -- hex sha256(prev_hash || canonical entry)
);
create index audit_log_at on audit_log (at);
create trigger audit_log_no_update before update on audit_log
begin
    select raise(abort, 'the audit log is append-only');
end;
create trigger audit_log_no_delete before delete on audit_log
begin
    select raise(abort, 'the audit log is append-only (retention: codedash audit purge)');
end;

-- Grain: one row per retention purge: the last purged entry, whose hash the first remaining entry chains to.
create table audit_anchors (
    anchor_id   integer primary key autoincrement,
    through_id  integer not null,       -- entries with id <= this were purged
    hash        text not null,          -- hash of entry through_id
    purged_rows integer not null,
    purged_at   text not null,          -- UTC
    actor       text
);
create trigger audit_anchors_no_update before update on audit_anchors
begin
    select raise(abort, 'audit anchors are append-only');
end;
create trigger audit_anchors_no_delete before delete on audit_anchors
begin
    select raise(abort, 'audit anchors are append-only');
end;
