"""One real-browser test: headless Debian Chromium drives the running app on the small demo database.

Visits every page, changes a global filter, reloads from the copied URL and expects the same
view, and fails on any browser console error. Also writes the README's screenshot.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from dashboard.pages.registry import PAGES

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "screenshot-overview.png"


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


@pytest.fixture(scope="module")
def server(small_demo_db):
    port = _free_port()
    env = {**os.environ, "CODEDASH_SUPPRESSION_THRESHOLD": "10"}
    proc = subprocess.Popen([sys.executable, "-m", "dashboard.cli", "serve", "--db", str(small_demo_db),
                             "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited: {proc.stdout.read()}")
        try:
            urllib.request.urlopen(url + "/", timeout=2)
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("server did not answer within 60 s")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    _require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1400,1000"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


def _wait(driver, condition, timeout=30, what="condition"):
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(driver, timeout, poll_frequency=0.2).until(condition, message=f"timed out waiting for {what}")


def _text(driver, css):
    from selenium.webdriver.common.by import By
    return driver.find_element(By.CSS_SELECTOR, css).text


def _kpis_loaded(driver):
    from selenium.webdriver.common.by import By
    values = driver.find_elements(By.CSS_SELECTOR, ".kpi-value")
    return len(values) == 6 and all(v.text for v in values)


def _kpi_texts(driver):
    from selenium.webdriver.common.by import By
    return [v.text for v in driver.find_elements(By.CSS_SELECTOR, ".kpi-value")]


def _console_errors(driver):
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def test_every_page_filter_and_shared_url(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(server + "/")
    _wait(browser, lambda d: "start=" in d.current_url, what="default period in the URL")
    _wait(browser, _kpis_loaded, what="overview KPI cards")
    time.sleep(0.5)
    SCREENSHOT.parent.mkdir(exist_ok=True)
    browser.save_screenshot(str(SCREENSHOT))

    # every page through the navigation, which keeps the filters in the URL
    for page in PAGES:
        browser.find_element(By.ID, f"nav-{page.key}").click()
        _wait(browser, lambda d: d.find_elements(By.ID, f"page-{page.key}"), what=f"page {page.title}")
        assert "start=" in browser.current_url, page.title
    browser.find_element(By.ID, "nav-overview").click()
    _wait(browser, _kpis_loaded, what="overview again")
    before = _kpi_texts(browser)

    # change a global filter: pick the first payer
    box = browser.find_element(By.ID, "f-payers")
    box.click()
    box.send_keys(Keys.ARROW_DOWN)
    box.send_keys(Keys.ENTER)
    box.send_keys(Keys.ESCAPE)
    _wait(browser, lambda d: "payer=" in d.current_url, what="payer in the URL")
    _wait(browser, lambda d: _kpis_loaded(d) and _kpi_texts(d) != before, what="KPIs for one payer")
    time.sleep(1.0)        # let the last callback settle
    shared_url = browser.current_url
    filtered = _kpi_texts(browser)
    period = _text(browser, "#overview-period")

    # a colleague opens the copied URL: same filters, same numbers
    browser.get("about:blank")
    browser.get(shared_url)
    _wait(browser, lambda d: _kpis_loaded(d) and _kpi_texts(d) == filtered, what="the same view from the URL")
    assert browser.current_url == shared_url
    assert _text(browser, "#overview-period") == period
    chosen = browser.find_elements(By.CSS_SELECTOR, "#f-payers ~ * .mantine-Pill-label, .mantine-MultiSelect-pill")
    assert chosen, "the payer chosen before is shown in the filter after reload"

    errors = _console_errors(browser)
    assert not errors, errors


def test_bad_url_parameters_are_ignored_with_a_notice(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server + "/?start=not-a-date&payer=%27%3Bdrop&bogus=1")
    _wait(browser, lambda d: d.find_elements(By.ID, "filter-notice") and _text(d, "#filter-notice"),
          what="notice about ignored parameters")
    assert "ignored" in _text(browser, "#filter-notice")
    _wait(browser, _kpis_loaded, what="KPIs with the default period")
    assert not _console_errors(browser)
