"""Shared fixtures for real-browser tests: the app served on the small demo database, and Chromium.

Each browser test module gets `server` (base URL) and `browser` (a Selenium driver for Debian's
chromium with console logging on); `console_errors(driver)` lists SEVERE console entries.
"""
from __future__ import annotations

import collections
import contextlib
import dataclasses
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser import chromium
from tests.browser.chromium import CHROMEDRIVER, CHROMIUM

ROOT = Path(__file__).resolve().parents[2]


def _require_browser():
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not shutil.which(p)]
    if missing:
        message = f"Debian chromium/chromium-driver not installed ({', '.join(missing)}); .ci/run installs them"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(db_path, threshold: int = 10, env: dict | None = None):
    """`codedash serve` on a free port for the duration of the block; yields the base URL.
    env: more environment variables for the server (multi-user mode's settings, for instance)."""
    with served_process(db_path, threshold, env) as running:
        yield running.url


@dataclasses.dataclass
class Served:
    url: str
    proc: subprocess.Popen
    output: collections.deque


@contextlib.contextmanager
def served_process(db_path, threshold: int = 10, env: dict | None = None, args: tuple[str, ...] = ()):
    """`codedash serve [args]` on a free port; yields a Served (URL, the process, its last output lines)."""
    port = _free_port()
    env = {**os.environ, "CODEDASH_SUPPRESSION_THRESHOLD": str(threshold), **(env or {})}
    proc = subprocess.Popen([sys.executable, "-m", "codedash.dashboard.cli", "serve", "--db", str(db_path),
                             "--port", str(port), *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # Drain the server's output as it comes: a full pipe would block the server's next log line (and with it
    # every request) once it has written 64 KB, as a load test's "task queue depth" warnings do.
    output: collections.deque[str] = collections.deque(maxlen=200)
    threading.Thread(target=lambda: output.extend(proc.stdout), daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            if proc.poll() is not None:
                time.sleep(0.2)
                pytest.fail(f"server exited: {''.join(output)}")
            try:
                urllib.request.urlopen(url + "/", timeout=2)
                break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("server did not answer within 60 s")
        yield Served(url, proc, output)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def server(small_demo_db):
    with serving(small_demo_db) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    _require_browser()
    driver = chromium.start(console_log=True)
    yield driver
    driver.quit()


@pytest.fixture(autouse=True)
def _leave_a_blank_page(request):
    """After each test, leave its page and drop its console log: the browser is shared by the session,
    and a page left open would keep calling a server that the test's own fixtures stop next, logging
    connection errors that the next test's console check would blame on its own page."""
    yield
    if "browser" in request.fixturenames:
        driver = request.getfixturevalue("browser")
        driver.get("about:blank")
        driver.get_log("browser")


def wait(driver, condition, timeout=60, what="condition"):
    """Poll `condition` until truthy. An element re-rendered between finding and reading it (Dash replaces
    page content as callbacks answer) is a retry, not a failure."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(driver, timeout, poll_frequency=0.2,
                         ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
                         ).until(condition, message=f"timed out waiting for {what}")


def reveal(driver, element_id: str) -> None:
    """Scroll a panel's card into view: panels below the fold are computed only once seen
    (dashboard/panels.py, Page.eager_rows)."""
    driver.execute_script("document.getElementById(arguments[0]).scrollIntoView({block: 'center'});", element_id)


def console_errors(driver):
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
