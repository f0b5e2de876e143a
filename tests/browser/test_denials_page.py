"""Reimbursement & denials in headless Chromium on the small demo database.

Visits the page, waits for the charts and grids, clicks a payer bar (cross-filter chip appears, the
global payer filter in the URL is unchanged), clears it, and fails on any console error.
"""
from __future__ import annotations

import pytest

from tests.browser.conftest import console_errors, reveal, wait

pytestmark = pytest.mark.browser
SCREENSHOT = "/tmp/denials-page.png"


def test_denials_page_cross_filter_and_no_console_errors(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server + "/denials?start=2025-10-01&end=2026-09-30")
    wait(browser, lambda d: d.find_elements(By.ID, "page-denials"), what="denials page")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#denials-payer-graph .bars path"),
         timeout=60, what="payer bars")
    reveal(browser, "denials-coder")                 # panels below the fold are computed once scrolled to
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#denials-coder-grid .ag-row"), timeout=60,
         what="coder grid rows")
    reveal(browser, "denials-pareto")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#denials-pareto-graph .bars path"), what="pareto")
    ncr = browser.find_element(By.ID, "denials-stat-ncr").text
    assert ncr.endswith("%"), ncr
    links = browser.find_elements(By.CSS_SELECTOR, "#denials-coder-grid a[href*='/coding-quality']")
    assert links and "coder=" in links[0].get_attribute("href")
    browser.save_screenshot(SCREENSHOT)

    # "Show numbers as table": the chart's own export data as a real table, same formats and marker
    switch = browser.find_element(By.ID, "denials-payer-table-toggle")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", switch)
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#denials-payer-table table th[scope='col']"),
         what="the payer chart's numbers as a table")
    table = browser.find_element(By.CSS_SELECTOR, "#denials-payer-table table").text
    assert "Initial denial rate by payer" in table and "%" in table
    holder = browser.find_element(By.CSS_SELECTOR, "#denials-payer [role='img']")
    assert holder.get_attribute("aria-label") == "Bar chart: initial denial rate (claims) by payer"

    url_before = browser.current_url
    bar = browser.find_elements(By.CSS_SELECTOR, "#denials-payer-graph .bars path")[-1]
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", bar)
    from selenium.webdriver import ActionChains
    ActionChains(browser).move_to_element(bar).click().perform()
    wait(browser, lambda d: "filtered to payer" in d.find_element(By.ID, "denials-chip").text.lower(),
         what="cross-filter chip")
    reveal(browser, "denials-trend")
    wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#denials-trend-graph .scatterlayer .trace")) >= 2,
         what="focus line on the trend")
    # the cross-filter is page state in the URL (shareable); the global filters are untouched
    wait(browser, lambda d: "focus_payer=" in d.current_url, what="cross-filter in the URL")
    assert browser.current_url.split("&focus_payer=")[0] == url_before
    assert "payer=" not in browser.current_url.replace("focus_payer=", "")
    browser.save_screenshot("/tmp/denials-page-payer.png")

    clear = browser.find_element(By.ID, "denials-clear")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", clear)
    browser.execute_script("arguments[0].click();", clear)
    wait(browser, lambda d: not d.find_elements(By.ID, "denials-chip"), what="chip cleared")
    wait(browser, lambda d: "focus_payer=" not in d.current_url, what="cross-filter gone from the URL")

    # a shared link with the cross-filter and a grouping opens the same view; an unknown id gets the notice
    browser.get(url_before + "&focus_payer=NOPE&reimb=specialty")
    wait(browser, lambda d: "ignored focus_payer" in d.find_element(By.ID, "page-denials").text,
         what="notice about the unknown payer")
    wait(browser, lambda d: "focus_payer" not in d.current_url and "reimb=specialty" in d.current_url,
         what="the unknown id dropped from the URL, the grouping kept")
    errors = console_errors(browser)
    assert not errors, [e["message"][:1500] for e in errors]


def test_panels_below_the_fold_are_computed_when_scrolled_to(server, browser):
    """Page.eager_rows: the first rows are computed at once; the last row (far below the fold of a
    1400 x 1000 window) shows its loading state until it is scrolled to, then draws (assets/lazy_panels.js)."""
    from selenium.webdriver.common.by import By

    from tests.browser.accessibility import settle

    browser.get(server + "/denials?start=2025-10-01&end=2026-09-30")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#denials-hfma-graph .scatterlayer .trace"),
         what="the first row's chart")
    settle(browser)
    assert browser.execute_script("return window.scrollY") == 0
    assert "Loading" in browser.find_element(By.ID, "denials-cmi-graph").text
    assert not browser.find_elements(By.CSS_SELECTOR, "#denials-cmi-graph .scatterlayer .trace")
    card = browser.find_element(By.ID, "denials-cmi")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", card)
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#denials-cmi-graph .scatterlayer .trace"),
         what="the last row's chart, once scrolled to")
    assert "Loading" not in browser.find_element(By.ID, "denials-cmi-graph").text
    errors = console_errors(browser)
    assert not errors, [e["message"][:1500] for e in errors]
