"""Readers in flight never fail while the database file is replaced, switch to the new file, and leak no old file."""
import gc
import os
import threading
import time

from codedash.dashboard.db import ReadOnlyDatabase
from codedash.data.database import build_database
from codedash.queries.runner import run


def _generation(n: int):
    def step(con):
        con.execute("insert into facilities values ('F1', ?, 'WI', 'hospital')", [f"generation {n}"])
    return step


def _open_deleted_files(folder) -> list[str]:
    """Files under `folder` this process still holds open although they were replaced (unlinked)."""
    held = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(folder)) and target.endswith("(deleted)"):
            held.append(target)
    return held


def test_concurrent_readers_survive_replacements_and_switch_to_the_new_file(tmp_path):
    path = tmp_path / "live.duckdb"
    build_database(path, _generation(0))
    db = ReadOnlyDatabase(path)
    stop = threading.Event()
    errors: list[BaseException] = []
    seen: list[set[str]] = [set() for _ in range(4)]
    calls = [0] * 4

    def reader(i):
        while not stop.is_set():
            try:
                con = db.cursor()
                run(con, "filters__facilities")
                time.sleep(0.02)                   # a request still working while the file is replaced
                label = run(con, "filters__facilities")["label"].iloc[0]
                seen[i].add(label)
                calls[i] += 1
            except BaseException as exc:          # noqa: BLE001 - the assertion reports it
                errors.append(exc)
                return

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for n in range(1, 6):
        time.sleep(0.1)
        build_database(path, _generation(n))
        os.utime(path, ns=(n, time.time_ns() + n))    # distinct mtime even on coarse-clock filesystems
        db.cursor()                                    # this thread notices the new file first
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not all("generation 5" in s for s in seen):
        time.sleep(0.02)
    stop.set()
    for t in threads:
        t.join()

    assert errors == []
    assert all(c > 0 for c in calls)
    assert all("generation 5" in s for s in seen), seen      # every reader switched to the newest file
    # >= : a reader may see the replaced file before the test's utime, then again after it
    assert 5 <= db.reopened <= 10
    assert run(db.cursor(), "filters__facilities")["label"].tolist() == ["generation 5"]
    gc.collect()
    assert _open_deleted_files(tmp_path) == []             # old instances were freed with their cursors
