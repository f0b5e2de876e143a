"""The server behind `codedash serve` (dashboard/serving.py): how many processes, gunicorn's settings, what a
worker that cannot boot does, and — over real HTTP against `codedash serve --multi-user --workers 2` — that
sessions, CSRF, facility scope and the audit chain hold whichever process answers a request."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from codedash.dashboard import auth, serving
from codedash.data import accounts, appstate, audit_log
from codedash.data.database import DatabaseError
from tests.fixtures import build_file

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"
OVERVIEW = "..overview-kpis-body.children.."
needs_fork = pytest.mark.skipif(not serving.can_fork(), reason="gunicorn needs fork (not on Windows)")


# ------------------------------------------------------------------------------------------ process count
def test_worker_count(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert serving.worker_count(3, multi_user=True) == 3
    assert serving.worker_count(3, multi_user=False) == 3          # asked for: given, in either mode
    assert serving.worker_count(0, multi_user=True) == 2           # one per core
    assert serving.worker_count(0, multi_user=False) == 1          # a laptop: one process
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert serving.worker_count(0, multi_user=True) == serving.MAX_AUTO_WORKERS
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert serving.worker_count(0, multi_user=True) == 1
    monkeypatch.setattr(sys, "platform", "win32")
    assert not serving.can_fork()
    assert serving.worker_count(4, multi_user=True) == 1          # no fork: waitress, one process


@needs_fork
def test_gunicorn_settings():
    app = serving._Gunicorn(lambda: None, "::1", 8123, 2, lambda exc: None)
    cfg = app.cfg
    assert cfg.bind == ["[::1]:8123"] and cfg.workers == 2 and cfg.threads == serving.THREADS
    assert cfg.worker_class_str == "gthread" and not cfg.preload_app
    # proxies are trusted only through the proxy_hops setting, never by gunicorn's own defaults
    assert cfg.forwarded_allow_ips == [] and cfg.secure_scheme_headers == {} and cfg.proxy_allow_ips == []
    assert cfg.accesslog is None and cfg.limit_request_line == 8190
    assert serving._Gunicorn(lambda: None, "0.0.0.0", 80, 2, lambda exc: None).cfg.bind == ["0.0.0.0:80"]


@needs_fork
def test_a_worker_that_cannot_boot_stops_the_server_with_the_message(capsys):
    def broken():
        raise DatabaseError("var/x.duckdb: not a codedash database")

    app = serving._Gunicorn(broken, "127.0.0.1", 8123, 2, lambda exc: f"codedash: cannot serve: {exc}")
    with pytest.raises(SystemExit) as stop:
        app.load()
    assert stop.value.code == serving.WORKER_BOOT_ERROR
    assert capsys.readouterr().err == "codedash: cannot serve: var/x.duckdb: not a codedash database\n"

    def bug():
        raise KeyError("unexpected")

    with pytest.raises(KeyError):                                  # not a user error: gunicorn logs the traceback
        serving._Gunicorn(bug, "127.0.0.1", 8123, 2, lambda exc: None).load()


def test_serve_refuses_a_negative_worker_count(tmp_path, capsys):
    from codedash.dashboard.cli import main

    build_file(tmp_path / "t.duckdb")
    assert main(["serve", "--db", str(tmp_path / "t.duckdb"), "--workers", "-1"]) == 2
    assert "--workers must be 0 (automatic) or more, got -1" in capsys.readouterr().err


@needs_fork
def test_multi_process_serve_checks_the_database_before_forking(tmp_path):
    bad = tmp_path / "not-a-db.duckdb"
    bad.write_text("hello")
    env = {**os.environ, "CODEDASH_SECRET_KEY": "k" * 40, "CODEDASH_APP_DB": str(tmp_path / "app.sqlite")}
    done = subprocess.run([sys.executable, "-m", "codedash.dashboard.cli", "serve", "--db", str(bad), "--multi-user",
                           "--workers", "2", "--port", "1"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith("codedash: cannot serve: ") and str(bad) in done.stderr
    assert "Traceback" not in done.stderr


# ------------------------------------------------------------------------ two processes over real HTTP
@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    from tests.browser.conftest import served_process

    folder = tmp_path_factory.mktemp("serving")
    db = folder / "tiny.duckdb"
    build_file(db)
    app_db = folder / "app.sqlite"
    con = appstate.open_app(app_db)
    accounts.add_user(con, "north", PASSWORD, roles=("coding_manager",), facilities=("F1",))
    accounts.add_user(con, "south", PASSWORD, roles=("coding_manager",), facilities=("F2",))
    con.close()
    env = {"CODEDASH_SECRET_KEY": "k" * 40, "CODEDASH_APP_DB": str(app_db), "CODEDASH_COOKIE_SECURE": "0"}
    with served_process(db, threshold=0, env=env, args=("--multi-user", "--workers", "2")) as running:
        yield {"url": running.url, "pid": running.proc.pid, "app_db": app_db, "output": running.output}


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _bytes_read(pid: int) -> int:
    """rchar of /proc/PID/io: bytes the process has read (requests, database pages); an idle worker reads none."""
    line = next(x for x in Path(f"/proc/{pid}/io").read_text().splitlines() if x.startswith("rchar:"))
    return int(line.split()[1])


def _sign_in(url: str, username: str):
    import requests

    s = requests.Session()
    form = s.get(url + "/auth/sign-in", timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    r = s.post(url + "/auth/sign-in", data={"csrf_token": token, "username": username, "password": PASSWORD},
               timeout=30)
    assert r.status_code == 200, r.text[:300]
    return s


def _overview(s, url: str, *, fresh_connection: bool) -> tuple[int, str]:
    body = {"output": OVERVIEW, "outputs": [{"id": "overview-kpis-body", "property": "children"}],
            "inputs": [{"id": "filters", "property": "data", "value": {}}], "state": [],
            "changedPropIds": ["filters.data"]}
    headers = {"X-CSRFToken": s.cookies.get(auth.CSRF_COOKIE, ""), "Content-Type": "application/json"}
    if fresh_connection:
        headers["Connection"] = "close"          # a new TCP connection: either process may accept it
    r = s.post(url + "/_dash-update-component", data=json.dumps(body), headers=headers, timeout=60)
    return r.status_code, r.text


@pytest.mark.skipif(not Path("/proc/self/stat").exists() or not serving.can_fork(),
                    reason="counts worker processes through /proc; gunicorn needs fork")
def test_two_processes_share_sessions_scope_and_the_audit_chain(two_workers):
    url = two_workers["url"]
    workers = _children(two_workers["pid"])
    assert len(workers) == 2, two_workers["output"]
    north, south = _sign_in(url, "north"), _sign_in(url, "south")
    before = {pid: _bytes_read(pid) for pid in workers}
    answers: dict[str, set[str]] = {"north": set(), "south": set()}
    statuses: list[int] = []

    def hammer(name, s):
        for _ in range(12):
            status, text = _overview(s, url, fresh_connection=True)
            statuses.append(status)
            answers[name].add(text)

    threads = [threading.Thread(target=hammer, args=(n, s)) for n, s in (("north", north), ("south", south))]
    threads += [threading.Thread(target=hammer, args=("north", north))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    # both processes answered some of them (each request came on a new connection)
    assert all(_bytes_read(pid) > before[pid] for pid in workers)
    # every request, whichever process took it, knew the session (a process without it would redirect: 401/303)
    assert statuses and set(statuses) == {200}
    # one answer per user whatever the process, and the two grants see different numbers
    assert len(answers["north"]) == 1 and len(answers["south"]) == 1
    assert answers["north"] != answers["south"]
    # a forged CSRF header is refused by every process
    for _ in range(6):
        bad = north.post(url + "/_dash-update-component", data="{}", timeout=30,
                         headers={"X-CSRFToken": "x" * 43, "Content-Type": "application/json", "Connection": "close"})
        assert bad.status_code == 403
    # both processes appended to one chain, and it verifies
    con = appstate.open_app(two_workers["app_db"])
    try:
        entries = audit_log.entries(con)
        assert audit_log.verify(con).ok
    finally:
        con.close()
    assert sum(e["event"] == "sign_in" for e in entries) == 2
    assert sum(1 for e in entries if e["event"] == "query" and e["detail"].get("callback") == OVERVIEW) >= 36


def test_every_process_is_set_up_before_its_first_request(tmp_path):
    """Dash registers its bundles and the page router on the first request, racily (plotly/dash#3971): a
    gunicorn worker that never served the index page answered 500 for every bundle. create_app does it now."""
    from concurrent.futures import ThreadPoolExecutor

    from codedash.dashboard.app import create_app

    build_file(tmp_path / "t.duckdb")
    app = create_app(tmp_path / "t.duckdb")
    assert any(o.startswith(".._pages_content.children") for o in app.callback_map)   # the router, already
    bundles = [f"/_dash-component-suites/{ns}/{path}" for ns, paths in app.registered_paths.items()
               for path in sorted(paths) if path.endswith(".js")]
    assert {"dash", "dash_ag_grid", "dash_mantine_components"} <= set(app.registered_paths)
    client = app.server.test_client()
    with ThreadPoolExecutor(8) as pool:          # the index page is never requested
        statuses = list(pool.map(lambda url: client.get(url).status_code, bundles * 3))
    assert len(statuses) >= 15 and set(statuses) == {200}
