"""WCAG 2.1 AA in a real browser: axe-core finds no violation on any page in any state we can reach.

Pages come from the registry (dashboard/pages/registry.py), so a page added there is audited too. States:
each page as it opens, each page with a global filter (one payer), the denials page cross-filtered to a
payer, a chart's numbers shown as a table, an open coder scorecard, a data-quality drill-down, an open ⓘ definition, and all of it again on the
hostile and very long names of tests/browser/test_hostile_names.py. Also: the document's language, one
title per page, the landmarks (header, navigation, main) and the live regions the shell provides.
See docs/accessibility.md for what axe does not see and how the keyboard tests cover some of it.
"""
from __future__ import annotations

import duckdb
import pytest

from codedash.dashboard.pages.registry import PAGES
from tests.browser.accessibility import report, settle, violations
from tests.browser.conftest import console_errors, wait
from tests.browser.test_hostile_names import LINK, hostile_server  # noqa: F401  (module fixture, reused)

pytestmark = pytest.mark.browser


def _first(db_path, sql: str, params: dict | None = None):
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return con.execute(sql, params or {}).fetchone()[0]
    finally:
        con.close()


def _open(driver, url: str, page) -> None:
    from selenium.webdriver.common.by import By
    driver.get(url)
    wait(driver, lambda d: d.find_elements(By.ID, f"page-{page.key}"), what=f"page {page.title}")
    settle(driver)


def _assert_no_violations(driver, where: str) -> None:
    found = violations(driver)
    assert not found, report(found, where)


def _audit_every_page(driver, base: str, query: str = "") -> None:
    for page in PAGES:
        _open(driver, base + page.path + query, page)
        _assert_no_violations(driver, f"on {page.path}{query}")


def _audit_states(driver, base: str, db_path, coder_id: str) -> None:
    """The interactive states: cross-filter, scorecard, drill-down, an open definition."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    pages = {p.key: p for p in PAGES}
    _open(driver, base + "/denials", pages["denials"])
    bar = driver.find_elements(By.CSS_SELECTOR, "#denials-payer-graph .bars path")[-1]
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", bar)
    ActionChains(driver).move_to_element(bar).click().perform()
    wait(driver, lambda d: d.find_elements(By.ID, "denials-chip"), what="cross-filter chip")
    settle(driver)
    _assert_no_violations(driver, "on /denials cross-filtered to a payer")

    toggle = driver.find_element(By.CSS_SELECTOR, "[id$='-table-toggle']")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", toggle)
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".cd-data-table caption"), what="a chart's table")
    settle(driver)
    _assert_no_violations(driver, "with a chart shown as a table")

    _open(driver, base + f"/coding-quality?coder={coder_id}", pages["coding_quality"])
    wait(driver, lambda d: d.find_elements(By.ID, "cq-scorecard-title"), what="scorecard")
    settle(driver)
    _assert_no_violations(driver, "on an open coder scorecard")

    # an open ⓘ definition (a Popover whose target's aria-expanded must sit on the button)
    button = driver.find_element(By.CSS_SELECTOR, "button[aria-label^='Definition of']")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
    button.click()
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[role='dialog']"), what="open definition")
    assert button.get_attribute("aria-expanded") == "true"
    settle(driver)
    _assert_no_violations(driver, "with a definition open")

    _audit_data_quality(driver, base)


def _audit_data_quality(driver, base: str) -> None:
    """The data-quality page with its run select, and a check's drill-down opened from the grid."""
    from selenium.webdriver.common.by import By

    page = next(p for p in PAGES if p.key == "data_quality")
    _open(driver, base + page.path, page)
    wait(driver, lambda d: d.find_elements(By.ID, "dq-empty-state")
         or d.find_elements(By.CSS_SELECTOR, "#dq-checks-grid .ag-row [col-id='check_id']"), timeout=60,
         what="checks grid or empty state")
    cells = driver.find_elements(By.CSS_SELECTOR, "#dq-checks-grid .ag-row [col-id='check_id']")
    if cells:                                     # the demo records a data-quality run
        chosen = cells[0].text
        cells[0].click()
        wait(driver, lambda d: d.find_elements(By.ID, "dq-drilldown-title")
             and chosen in d.find_element(By.ID, "dq-drilldown-title").text, what="drill-down")
        settle(driver)
        _assert_no_violations(driver, "on a data-quality drill-down")


def test_every_page_and_state_has_no_axe_violations(server, browser, small_demo_db):
    payer = _first(small_demo_db, "select payer_id from payers order by payer_id limit 1")
    coder = _first(small_demo_db, "select coder_id from coders order by coder_id limit 1")
    browser.get_log("browser")
    _audit_every_page(browser, server)
    _audit_every_page(browser, server, f"?payer={payer}")
    _audit_states(browser, server, small_demo_db, coder)
    errors = console_errors(browser)
    assert not errors, [e["message"][:300] for e in errors]


def test_data_quality_drilldown_has_no_axe_violations(server, browser):
    """The same audit as inside the states test above, on its own (so `-k data_quality` runs it)."""
    _audit_data_quality(browser, server)
    errors = console_errors(browser)
    assert not errors, errors


def test_hostile_and_very_long_names_have_no_axe_violations(hostile_server, browser):  # noqa: F811
    url, db_path = hostile_server
    coder = _first(db_path, "select coder_id from coders where coder_name = $n order by coder_id limit 1", {"n": LINK})
    _audit_every_page(browser, url)
    _audit_states(browser, url, db_path, coder)


DOCUMENT = """
return {
  lang: document.documentElement.getAttribute('lang'),
  title: document.title,
  headers: document.querySelectorAll('header').length,
  mains: document.querySelectorAll('main').length,
  navs: Array.from(document.querySelectorAll('nav')).map(n => n.getAttribute('aria-label')),
  filters: (document.querySelector('section[aria-label]') || {}).id || null,
  skip: (document.querySelector('a.cd-skip-link') || {}).hash || null,
  live: Array.from(document.querySelectorAll('[aria-live]')).map(n => n.id).filter(Boolean),
  h2: Array.from(document.querySelectorAll('main h2')).map(h => h.textContent),
};
"""


CHARTS = """
return Array.from(document.querySelectorAll('.js-plotly-plot')).map(g => {
  const holder = g.closest('[role=img][aria-label]');
  return {id: g.id || (g.closest('[id]') || {}).id || '', label: holder ? holder.getAttribute('aria-label') : ''};
});
"""


def test_every_chart_has_an_accessible_name(server, browser):
    for page in PAGES:
        _open(browser, server + page.path, page)
        charts = browser.execute_script(CHARTS)
        unnamed = [c["id"] for c in charts if len(c["label"]) < 12]
        assert not unnamed, f"{page.key}: charts without an accessible name {unnamed}"


REDUCED = "return getComputedStyle(document.querySelector('.mantine-Button-root, button')).transitionDuration"


def test_reduced_motion_preference_is_respected(server, browser):
    page = PAGES[0]
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia",
                            {"features": [{"name": "prefers-reduced-motion", "value": "reduce"}]})
    try:
        _open(browser, server + page.path, page)
        durations = browser.execute_script(REDUCED).split(",")
        assert all(float(d.strip().rstrip("s")) <= 0.001 for d in durations), durations
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})


def test_language_titles_landmarks_and_live_regions(server, browser):
    for page in PAGES:
        _open(browser, server + page.path, page)
        doc = browser.execute_script(DOCUMENT)
        assert doc["lang"] == "en"
        assert doc["title"] == f"{page.title} · codedash", page.key
        assert (doc["headers"], doc["mains"]) == (1, 1), (page.key, doc)
        assert "Pages" in doc["navs"], doc["navs"]
        assert doc["filters"] == "filter-section"
        assert doc["skip"] == "#main-content"
        assert {"cd-live", "filter-notice", "source-notes"} <= set(doc["live"]), doc["live"]
        assert doc["h2"], f"{page.key}: a page heading (h2) under the app's h3 title"


def test_loading_is_announced_in_the_live_region(server, browser):
    """assets/a11y.js: views busy for more than 0.6 s -> "Loading…", then "Views updated" when done
    (driven here by marking an element as Dash marks a component whose callback is running)."""
    page = PAGES[0]
    _open(browser, server + page.path, page)
    live = "return document.getElementById('cd-live').textContent"
    browser.execute_script("const m = document.createElement('div'); m.id = 'cd-test-busy';"
                           "m.setAttribute('data-dash-is-loading', 'true'); document.body.appendChild(m);")
    wait(browser, lambda d: d.execute_script(live) == "Loading…", timeout=5, what="Loading… announced")
    browser.execute_script("document.getElementById('cd-test-busy').remove();")
    wait(browser, lambda d: d.execute_script(live) == "Views updated", timeout=5, what="Views updated announced")
