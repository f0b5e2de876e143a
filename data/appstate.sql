-- codedash application state (SQLite): what people create while using the dashboard, kept apart from the
-- analytics DuckDB file that every load replaces (DESIGN.md, "Serving people safely").
--
-- Versioned: each `-- migration: N name` section below is applied once, in order, inside one transaction,
-- and PRAGMA user_version records the last one applied (data/appstate.py). Never edit an applied section;
-- add a new one (users, sessions, grants, the hash-chained audit log and saved views come as later
-- migrations). Timestamps are UTC ISO 8601 text ('2026-12-01T18:02:03Z').

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
