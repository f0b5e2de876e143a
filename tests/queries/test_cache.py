"""The result cache: hits after misses, invalidation by a rebuilt file, the memory bound, scope, the
setting that disables it, private copies, and many threads sharing it."""
import threading

import pandas as pd
import pytest

from codedash.data.database import build_database, open_readonly
from codedash.queries import cache as result_cache
from codedash.queries.cache import ResultCache, database_identity, frame_bytes
from codedash.queries.filters import Scope
from codedash.queries.runner import run
from tests import fixtures


def _fixture_rows(con):
    """Copy the hand-checkable fixture database into a build (as a load would)."""
    src = fixtures.build()
    for table in ("facilities", "payers", "coders", "providers", "encounters", "service_lines",
                  "adjudications", "ref_msdrg", "ref_specialty"):
        df = src.execute(f"select * from {table}").df()       # noqa: S608 (fixed table names)
        con.register("src_df", df)
        con.execute(f"insert into {table} select * from src_df")
        con.unregister("src_df")


def _rename_f2(con):
    _fixture_rows(con)
    con.execute("update facilities set facility_name = 'Renamed Clinic' where facility_id = 'F2'")


@pytest.fixture
def cache(monkeypatch):
    monkeypatch.setenv("CODEDASH_RESULT_CACHE_MB", "16")
    shared = result_cache.shared()
    shared.clear()
    shared.reset_stats()
    yield shared
    shared.clear()


@pytest.fixture
def db_file(tmp_path):
    return build_database(tmp_path / "t.duckdb", _fixture_rows)


def test_second_identical_call_is_a_hit_and_returns_the_same_rows(cache, db_file, no_suppression):
    con = open_readonly(db_file)
    first = run(con, "filters__facilities")
    assert (cache.stats().hits, cache.stats().misses) == (0, 1)
    second = run(con, "filters__facilities")
    assert (cache.stats().hits, cache.stats().misses) == (1, 1)
    pd.testing.assert_frame_equal(first, second)
    assert list(second["value"]) == ["F1", "F2"]


def test_parameters_and_suppress_flag_are_part_of_the_key(cache, db_file, no_suppression):
    con = open_readonly(db_file)
    run(con, "overview__monthly_components", {"payers": ["PA"]})
    run(con, "overview__monthly_components", {"payers": ["PB"]})
    run(con, "overview__monthly_components", {"payers": ["PA"]}, suppress=False)
    assert cache.stats().misses == 3
    run(con, "overview__monthly_components", {"payers": ["PA"]})
    assert cache.stats().hits == 1


def test_a_caller_cannot_corrupt_the_cached_frame(cache, db_file):
    con = open_readonly(db_file)
    first = run(con, "filters__facilities")
    first.loc[0, "label"] = "tampered"
    second = run(con, "filters__facilities")
    second.loc[1, "label"] = "tampered too"
    assert list(run(con, "filters__facilities")["label"]) == ["North Hospital", "South Clinic"]


def test_rebuilding_the_file_invalidates_entries(cache, tmp_path):
    path = tmp_path / "t.duckdb"
    build_database(path, _fixture_rows)
    con = open_readonly(path)
    assert list(run(con, "filters__facilities")["value"]) == ["F1", "F2"]
    old_id = database_identity(con)
    build_database(path, _rename_f2)
    con = open_readonly(path)
    assert database_identity(con) != old_id
    assert list(run(con, "filters__facilities")["label"]) == ["North Hospital", "Renamed Clinic"]
    assert cache.stats().hits == 0


def test_a_different_scope_is_a_different_entry(cache, db_file):
    con = open_readonly(db_file)
    assert list(run(con, "filters__facilities")["value"]) == ["F1", "F2"]
    assert list(run(con, "filters__facilities", scope=Scope(("F2",)))["value"]) == ["F2"]
    assert list(run(con, "filters__facilities", scope=Scope(()))["value"]) == []
    assert (cache.stats().hits, cache.stats().misses) == (0, 3)


def test_zero_megabytes_disables_the_cache(cache, db_file, monkeypatch):
    monkeypatch.setenv("CODEDASH_RESULT_CACHE_MB", "0")
    con = open_readonly(db_file)
    run(con, "filters__facilities")
    run(con, "filters__facilities")
    assert result_cache.shared() is None
    assert (cache.stats().hits, cache.stats().misses, cache.stats().entries) == (0, 0, 0)


def test_writable_and_in_memory_databases_are_never_cached(cache, db_file):
    import duckdb
    assert database_identity(fixtures.build()) is None          # in memory: no build id
    writable = duckdb.connect(str(db_file))
    assert database_identity(writable) is None                  # rows may change under the same id
    writable.close()
    assert database_identity(open_readonly(db_file)) is not None


def test_least_recently_used_entries_are_evicted_to_stay_within_the_bound():
    frame = pd.DataFrame({"x": range(100)})
    size = frame_bytes(frame)
    lru = ResultCache(max_bytes=3 * size)
    for key in "abc":
        lru.put(key, frame)
    assert lru.get("a") is not None                # a is now the most recently used
    lru.put("d", frame)                            # evicts b, the least recently used
    assert lru.get("b") is None
    assert all(lru.get(k) is not None for k in "acd")
    assert lru.stats().entries == 3 and lru.stats().bytes == 3 * size
    lru.put("huge", pd.DataFrame({"x": range(10_000)}))   # larger than the whole cache: not stored
    assert lru.get("huge") is None and lru.stats().entries == 3
    lru.resize(size)
    assert lru.stats().entries == 1 and lru.get("d") is not None


def test_threads_share_one_cache_without_errors(cache, db_file, no_suppression):
    con = open_readonly(db_file)
    errors: list[BaseException] = []
    results: list[list[str]] = []
    payer_sets = [None, ["PA"], ["PB"], ["PA", "PB"]]

    def work(i):
        cur = con.cursor()
        cur.execute("use db")
        try:
            for j in range(40):
                payers = payer_sets[(i + j) % 4]
                df = run(cur, "overview__monthly_components", {"payers": payers} if payers else None)
                df["n_encounters"] = -1                              # mutating our copy must not matter
                results.append(list(run(cur, "filters__facilities")["value"]))
        except BaseException as exc:                                 # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results == [["F1", "F2"]] * 240
    stats = cache.stats()
    assert stats.hits + stats.misses == 480
    assert stats.entries == 5                   # four payer sets + the facility list
    assert (run(con, "overview__monthly_components")["n_encounters"] >= 0).all()


def test_a_connections_identity_is_read_once_and_forgotten_with_it(db_file):
    import gc

    from codedash.queries import cache as result_cache
    con = open_readonly(db_file)
    first = database_identity(con)
    assert first is not None and result_cache._identities.get(con) == first
    assert database_identity(con) == first
    before = len(result_cache._identities)
    con.close()
    del con
    gc.collect()
    assert len(result_cache._identities) == before - 1            # no reference kept to a closed request's cursor
