"""Audit worklists: allocation, reproducible draws, what is recorded, link-back to audits, identifiers rule.

Fixture: tests/queries/fixtures_worklist.py (24 encounters: 12 office, 8 inpatient, 4 emergency; four audits).
"""
import datetime as dt
import json
import sqlite3

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codedash.data import appstate
from codedash.queries import worklist as wl
from tests.queries import fixtures_worklist as fx


@pytest.fixture
def app():
    con = appstate.open_app(":memory:")
    yield con
    con.close()


@pytest.fixture
def db():
    return fx.build()


# ------------------------------------------------------------------------------------ app state

def test_app_state_is_migrated_on_open_and_reopen_is_a_no_op(tmp_path):
    path = tmp_path / "state" / "app.sqlite"
    con = appstate.open_app(path)
    assert appstate.schema_version(con) == appstate.latest_version() == 3
    assert con.execute("select version, name from schema_migrations").fetchall() == [
        (1, "worklists"), (2, "accounts"), (3, "audit_log")]
    con.close()
    again = appstate.open_app(path)
    assert again.execute("select count(*) from schema_migrations").fetchone()[0] == 3
    again.close()


def test_a_later_migration_applies_once_and_a_failing_one_leaves_the_file_as_it_was(app):
    n = appstate.latest_version()
    text = appstate.SCHEMA_FILE.read_text() + (
        f"\n-- migration: {n + 1} extra\ncreate table extra (extra_id text primary key);\n")
    assert appstate.migrate(app, appstate.migrations(text)) == n + 1
    assert app.execute("select name from schema_migrations order by version desc limit 2").fetchall() == [
        ("extra",), ("audit_log",)]
    broken = text + f"\n-- migration: {n + 2} broken\ncreate table t3 (a int);\ncreate table extra (x int);\n"
    with pytest.raises(sqlite3.OperationalError):
        appstate.migrate(app, appstate.migrations(broken))
    assert appstate.schema_version(app) == n + 1
    assert app.execute("select count(*) from sqlite_master where name = 't3'").fetchone()[0] == 0


def test_migrations_must_be_numbered_in_order():
    with pytest.raises(ValueError):
        appstate.migrations("-- migration: 2 x\ncreate table a (b int);\n")


def test_app_db_path_setting(monkeypatch, tmp_path):
    monkeypatch.delenv("CODEDASH_APP_DB", raising=False)
    monkeypatch.setenv("CODEDASH_DB", str(tmp_path / "data" / "demo.duckdb"))
    assert wl.app_db_path() == (tmp_path / "data" / "codedash-app.sqlite").resolve()
    monkeypatch.setenv("CODEDASH_APP_DB", str(tmp_path / "elsewhere.sqlite"))
    assert wl.app_db_path() == tmp_path / "elsewhere.sqlite"


# ------------------------------------------------------------------------------------ allocation

def test_allocation_by_hand():
    # 24 encounters, size 10: quotas 12*10/24 = 5, 8*10/24 = 3.333, 4*10/24 = 1.667 -> floors 5, 3, 1 (9);
    # the one left goes to the largest remainder (emergency, 0.667): 5, 3, 2.
    assert wl.allocate({"office": 12, "inpatient": 8, "emergency": 4}, 10) == {
        "office": 5, "inpatient": 3, "emergency": 2}
    # ties: 3 strata of 2, size 4: quotas 1.333 each -> floors 1, 1, 1; one left; equal remainders and sizes
    # -> the first stratum name ('a').
    assert wl.allocate({"b": 2, "a": 2, "c": 2}, 4) == {"a": 2, "b": 1, "c": 1}
    assert wl.allocate({"a": 3, "b": 1}, 10) == {"a": 3, "b": 1}          # size >= N: everyone


@settings(max_examples=80, deadline=None)
@given(st.dictionaries(st.text("abcdef", min_size=1, max_size=3), st.integers(1, 200), min_size=1, max_size=8),
       st.integers(1, 1000))
def test_allocation_properties(strata, size):
    alloc = wl.allocate(strata, size)
    total = sum(strata.values())
    assert sum(alloc.values()) == min(size, total)
    for h, n in strata.items():
        assert 0 <= alloc[h] <= n
        if size < total:
            assert abs(alloc[h] - size * n / total) < 1


# ------------------------------------------------------------------------------------ the draw

def test_same_seed_same_sample_whatever_the_row_order():
    enc = fx.encounters()
    a, _ = wl.draw_sample(enc, "encounter_type", 6, seed=7)
    b, _ = wl.draw_sample(enc.sample(frac=1, random_state=3), "encounter_type", 6, seed=7)
    assert a.equals(b)
    c, _ = wl.draw_sample(enc, "encounter_type", 6, seed=8)
    assert not a.encounter_id.equals(c.encounter_id)


def test_the_draw_is_the_stated_rule():
    # Frame sorted by (stratum, encounter_id): emergency W21-W24, inpatient W13-W20, office W01-W12; one key per
    # row from Generator(PCG64(7)).random(24); allocation 6 * (4, 8, 12) / 24 = 1, 2, 3; smallest keys each.
    enc = fx.encounters()
    frame = enc.sort_values(["encounter_type", "encounter_id"]).reset_index(drop=True)
    frame["key"] = np.random.Generator(np.random.PCG64(7)).random(24)
    expected = [eid for kind, k in (("emergency", 1), ("inpatient", 2), ("office", 3))
                for eid in frame[frame.encounter_type == kind].nsmallest(k, "key").encounter_id]
    sample, strata = wl.draw_sample(enc, "encounter_type", 6, seed=7)
    assert sample.encounter_id.tolist() == expected
    assert sample.position.tolist() == [1, 2, 3, 4, 5, 6]
    assert strata.to_dict("records") == [{"stratum": "emergency", "population": 4, "allocated": 1},
                                         {"stratum": "inpatient", "population": 8, "allocated": 2},
                                         {"stratum": "office", "population": 12, "allocated": 3}]


def test_strata_proportions_and_missing_stratum():
    enc = fx.encounters()
    enc.loc[enc.encounter_id == "W24", "encounter_type"] = None
    sample, strata = wl.draw_sample(enc, "encounter_type", 12, seed=1)
    # 12 of 24: office 6, inpatient 4, emergency 3 * 0.5 = 1.5, (missing) 0.5 -> floors 6, 4, 1, 0 (11);
    # remainders 0.5 and 0.5 tie -> the larger stratum (emergency, 3) gets the last one.
    assert sample.groupby("stratum").size().to_dict() == {"emergency": 2, "inpatient": 4, "office": 6}
    assert "(missing)" in strata.stratum.tolist()


def test_no_strata_is_one_stratum_and_bad_requests_are_refused():
    sample, strata = wl.draw_sample(fx.encounters(), None, 5, seed=2)
    assert set(sample.stratum) == {"all"} and strata.allocated.tolist() == [5]
    for bad in (dict(strata_col="no_such_column", size=5), dict(strata_col=None, size=0),
                dict(strata_col=None, size=wl.MAX_SIZE + 1), dict(strata_col="encounter_id", size=3)):
        with pytest.raises(wl.WorklistError):
            wl.draw_sample(fx.encounters(), bad["strata_col"], bad["size"], seed=1)
    with pytest.raises(wl.WorklistError):
        wl.draw_sample(fx.encounters().iloc[0:0], None, 5, seed=1)


def test_population_selection():
    enc = fx.encounters().assign(in_numerator=lambda d: d.encounter_type == "inpatient")
    assert len(wl.select_population(enc)) == 8 and len(wl.select_population(enc, "denominator")) == 24
    assert len(wl.select_population(fx.encounters())) == 24          # no in_numerator column: the whole frame
    with pytest.raises(wl.WorklistError):
        wl.select_population(enc, "all")
    with pytest.raises(wl.WorklistError, match="suppressed"):
        wl.draw_sample(enc.assign(encounter_id=None), None, 3, seed=1)


# ------------------------------------------------------------------------------------ recorded

CRITERIA = {"measure": "EM_TOP_LEVELS", "entity": "PR1", "filters": {"facilities": ["F1"]}, "scope": "all"}


def test_draw_records_criteria_seed_time_and_build(app):
    wid, rows = wl.draw_worklist(fx.encounters(), "encounter_type", 6, 7, CRITERIA, app=app, build_id="b-123",
                                 source_db="/x/demo.duckdb", now=fx.DRAWN)
    meta = wl.get_worklist(wid, app)
    assert meta["criteria"] == CRITERIA
    assert json.loads(meta["criteria_json"]) == CRITERIA
    assert (meta["measure_id"], meta["entity_id"], meta["strata_col"], meta["seed"]) == (
        "EM_TOP_LEVELS", "PR1", "encounter_type", 7)
    assert (meta["requested_size"], meta["drawn_size"], meta["population_n"]) == (6, 6, 24)
    assert meta["created_at"] == "2026-03-01T09:30:00Z"
    assert (meta["build_id"], meta["source_db"]) == ("b-123", "/x/demo.duckdb")
    assert f"numpy {np.__version__}" in meta["method"] and "largest remainder" in meta["method"]
    assert wl.worklist_rows(wid, app).encounter_id.tolist() == rows.encounter_id.tolist()
    assert {"position", "encounter_id", "stratum", "encounter_type", "facility_id"} <= set(rows.columns)
    # drawing again with the same seed gives a second worklist with the same encounters
    wid2, rows2 = wl.draw_worklist(fx.encounters(), "encounter_type", 6, 7, CRITERIA, app=app, now=fx.DRAWN)
    assert wid2 == wid + 1 and rows2.encounter_id.tolist() == rows.encounter_id.tolist()
    assert wl.list_worklists(app).worklist_id.tolist() == [wid2, wid]


def test_unknown_worklist(app):
    with pytest.raises(KeyError):
        wl.get_worklist(99, app)


def test_list_and_strata_suppress_small_frames(app, cms_suppression):
    wid, _ = wl.draw_worklist(fx.encounters().head(8), None, 5, 1, CRITERIA, app=app, now=fx.DRAWN)
    listed = wl.list_worklists(app).iloc[0]
    assert pd.isna(listed.population_n) and pd.isna(listed.drawn_size) and listed.suppressed
    assert listed.requested_size == 5
    strata = wl.worklist_strata(wid, app)
    assert strata.population.isna().all() and strata.suppressed.all()


# ------------------------------------------------------------------------------------ link-back

def test_audit_status_links_audits_after_the_draw(app, db, no_suppression):
    wid, _ = wl.draw_worklist(fx.encounters(), "encounter_type", 24, 3, CRITERIA, app=app, now=fx.DRAWN)
    status = wl.worklist_audit_status(db, app, wid).set_index("encounter_id")
    assert len(status) == 24 and not status.suppressed.any()
    audited = status[status.audited]
    assert sorted(audited.index) == ["W02", "W14", "W21"]
    w02, w14, w21 = (audited.loc[e] for e in ("W02", "W14", "W21"))
    assert (w02.finding_types, w02.audit_ids, w02.revised_drg, w02.audited_before_drawn) == (
        "added, revised", "AU1", False, False)
    assert str(w02.last_audit_date)[:10] == "2026-03-10"
    # W14: AU2 (before the draw) is not a finding of this worklist; AU3 after it changed the DRG
    assert (w14.finding_types, w14.audit_ids, w14.revised_drg, w14.audited_before_drawn) == (
        "no change", "AU3", True, True)
    assert float(w14.dollar_impact) == -1200.0
    assert (w21.finding_types, w21.audit_ids) == ("no change", "AU4")
    rest = status.drop(["W02", "W14", "W21"])
    assert not rest.audited.any() and rest.finding_types.isna().all()
    summary = wl.worklist_summary(status.reset_index()).iloc[0]
    assert (summary.n_items, summary.n_audited, summary.n_with_findings) == (24, 3, 1)


def test_audit_status_before_any_audit(app, db, no_suppression):
    later = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    wid, _ = wl.draw_worklist(fx.encounters(), None, 24, 3, CRITERIA, app=app, now=later)
    status = wl.worklist_audit_status(db, app, wid)
    assert not status.audited.any()
    assert sorted(status[status.audited_before_drawn].encounter_id) == ["W02", "W14", "W21"]


def test_identifiers_only_above_the_threshold(app, db, cms_suppression):
    small, _ = wl.draw_worklist(fx.encounters().head(10), None, 4, 1, CRITERIA, app=app, now=fx.DRAWN)
    big, _ = wl.draw_worklist(fx.encounters(), None, 4, 1, CRITERIA, app=app, now=fx.DRAWN)
    hidden = wl.worklist_export_frame(small, app)
    assert hidden.encounter_id.isna().all() and hidden.suppressed.all() and len(hidden) == 4
    shown = wl.worklist_export_frame(big, app)
    assert shown.encounter_id.notna().all() and not shown.suppressed.any()
    status = wl.worklist_audit_status(db, app, small)
    assert status.encounter_id.isna().all() and status.audited.isna().all() and status.suppressed.all()
    assert wl.identifiers_allowed(11) and not wl.identifiers_allowed(10) and wl.identifiers_allowed(0)


def test_summary_hides_small_parts(app, db, cms_suppression):
    wid, _ = wl.draw_worklist(fx.encounters(), None, 24, 3, CRITERIA, app=app, now=fx.DRAWN)
    summary = wl.worklist_summary(wl.worklist_audit_status(db, app, wid)).iloc[0]
    assert summary.n_items == 24 and pd.isna(summary.n_audited) and summary.suppressed
