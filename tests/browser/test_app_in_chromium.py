"""One real-browser test: headless Debian Chromium drives the running app on the small demo database.

Visits every page, changes a global filter, reloads from the copied URL and expects the same
view, and fails on any browser console error. Also writes the README's screenshot.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from codedash.dashboard.pages.registry import PAGES
from tests.browser.conftest import console_errors as _console_errors
from tests.browser.conftest import wait as _wait

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"
SIZES = ((1440, 900), (1024, 768))


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


def _settled_kpis(driver, quiet=1.5, timeout=30):
    """KPI texts once they have not changed for `quiet` seconds (no callback still in flight)."""
    deadline = time.time() + timeout
    last, since = _kpi_texts(driver), time.time()
    while time.time() < deadline:
        time.sleep(0.25)
        now = _kpi_texts(driver)
        if now != last:
            last, since = now, time.time()
        elif time.time() - since >= quiet:
            return now
    return last


def test_every_page_filter_and_shared_url(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(server + "/")
    _wait(browser, lambda d: "start=" in d.current_url, what="default period in the URL")
    _wait(browser, _kpis_loaded, what="overview KPI cards")

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
    filtered = _settled_kpis(browser)
    shared_url = browser.current_url
    period = _text(browser, "#overview-period")

    # a colleague opens the copied URL: same filters, same numbers
    browser.get("about:blank")
    browser.get(shared_url)
    _wait(browser, lambda d: _kpis_loaded(d) and _kpi_texts(d) == filtered, timeout=60,
          what=f"the same view from the URL ({filtered})")
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


def _settled(driver, quiet=1.5, timeout=60):
    """True once nothing on the page has been loading for `quiet` seconds (every callback answered)."""
    from selenium.webdriver.common.by import By
    deadline, since = time.time() + timeout, time.time()
    while time.time() < deadline:
        time.sleep(0.25)
        busy = driver.find_elements(By.CSS_SELECTOR, "[data-dash-is-loading='true'], .dash-spinner, ._dash-loading")
        if busy:
            since = time.time()
        elif time.time() - since >= quiet:
            return True
    return False


def test_screenshots_of_every_page_at_two_sizes(server, browser):
    """docs/screenshots/<page>-<width>x<height>.png, taken after the page settles (shown in the README)."""
    from selenium.webdriver.common.by import By

    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        for width, height in SIZES:
            browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                    {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
            for page in PAGES:
                browser.get(server + page.path)
                _wait(browser, lambda d: d.find_elements(By.ID, f"page-{page.key}"), what=f"page {page.title}")
                _wait(browser, lambda d: "start=" in d.current_url, what="default period in the URL")
                assert _settled(browser), f"{page.title} still loading"
                time.sleep(0.5)
                browser.save_screenshot(str(SHOTS / f"{page.key}-{width}x{height}.png"))
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    errors = _console_errors(browser)
    assert not errors, errors
