"""The Content-Security-Policy in a real browser: every page works under it, with no console error.

Chromium reports a blocked script, style, eval, font or image as a SEVERE console entry ("Refused to
..."), so a policy that is too strict fails here; a page that stops rendering fails the waits.
"""
from __future__ import annotations

import time
import urllib.request

import pytest

from codedash.dashboard.pages.registry import PAGES
from tests.browser.conftest import console_errors, wait

pytestmark = pytest.mark.browser

# what each built page must render under the policy: Plotly charts drawn, AG Grid rows (valueFormatters
# are compiled with new Function, the reason for 'unsafe-eval'), Mantine components styled
_RENDERED = {
    "overview": ".kpi-value",
    "coding_quality": "#cq-acc-graph .main-svg .point, #cq-acc-graph .main-svg .bars path",
    "denials": "#denials-payer-graph .main-svg .bars path",
    "data_quality": "#dq-checks .ag-row",
}
_GRID_FORMATTED = {"coding_quality": "#cq-coders-grid .ag-cell[col-id='coding_accuracy']"}


def _rendered(css):
    from selenium.webdriver.common.by import By

    def check(driver):
        found = driver.find_elements(By.CSS_SELECTOR, css)
        return found if found and any(e.is_displayed() for e in found) else False
    return check


def test_served_page_carries_the_policy(server):
    with urllib.request.urlopen(server + "/") as response:
        headers = response.headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cache-Control"] == "no-store"


def test_every_page_renders_under_the_policy_without_console_errors(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server + "/")
    browser.get_log("browser")            # start from an empty log
    seen = []
    for page in PAGES:
        browser.get(server + page.path)
        wait(browser, lambda d: d.find_elements(By.ID, f"page-{page.key}") or d.find_elements(
            By.CSS_SELECTOR, ".mantine-AppShell-main h2"), what=f"page {page.title}")
        if page.key in _RENDERED:
            wait(browser, _rendered(_RENDERED[page.key]), what=f"{page.title} rendered")
            seen.append(page.key)
        if page.key in _GRID_FORMATTED:
            cells = wait(browser, _rendered(_GRID_FORMATTED[page.key]), what=f"{page.title} grid")
            # a formatted percentage proves the valueFormatter function ran
            assert any("%" in c.text or "‡" in c.text for c in cells), [c.text for c in cells[:5]]
        time.sleep(0.5)                   # late callbacks and lazy chunks report here too
        errors = console_errors(browser)
        assert not errors, (page.path, errors)
    assert set(seen) == set(_RENDERED)
    # Dash's page-title clientside callback is an inline script allowed by its hash: the title proves it ran
    assert browser.title.endswith("codedash")
