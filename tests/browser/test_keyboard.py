"""Keyboard only: every page can be used without a mouse, with a focus indicator that can be seen.

For every registered page (dashboard/pages/registry.py): Tab walks from the skip link through the
navigation, the filters and the page's controls in that order, every stop shows a focus ring, and Tab
comes back round to the skip link (nothing traps focus); the skip link moves focus to the page. Then one
task per page by keys alone: choose a payer in the filter bar, open and close an ⓘ definition and export a
panel (overview); open a coder's scorecard from the coders grid (coding quality); cross-filter by payer
with the select beside the chart and show a chart's numbers as a table (denials); open a check's example failures from the grid (data quality);
reach a page through the navigation (every page).
"""
from __future__ import annotations

import time

import pytest

from codedash.dashboard.pages.registry import PAGES
from tests.browser.accessibility import settle
from tests.browser.conftest import console_errors, wait

pytestmark = pytest.mark.browser

# what has focus, and whether it (or the control wrapping it, within three levels) shows a focus ring
FOCUS = """
const e = document.activeElement;
let ring = false;
for (let n = e, i = 0; n && n !== document.body && i < 4; n = n.parentElement, i++) {
  const s = getComputedStyle(n);
  if ((s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1) || (s.boxShadow && s.boxShadow !== 'none')) {
    ring = true; break; }
}
const grid = e.closest('.ag-root-wrapper');
return {tag: e.tagName, id: e.id || '', cls: String(e.className || ''), ring: ring,
        label: (e.getAttribute('aria-label') || e.textContent || '').trim().slice(0, 60),
        grid: grid ? (grid.closest('[id]') || {}).id || '' : '', body: e === document.body};
"""


def _keys(driver, *keys) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    ActionChains(driver).send_keys(*keys).perform()
    time.sleep(0.12)


def _focus(driver) -> dict:
    return driver.execute_script(FOCUS)


def _tab_until(driver, predicate, limit: int = 120, what: str = "control") -> list[dict]:
    """Press Tab until the focused element satisfies `predicate`; returns the stops on the way (and it)."""
    from selenium.webdriver.common.keys import Keys
    stops = []
    for _ in range(limit):
        _keys(driver, Keys.TAB)
        stops.append(_focus(driver))
        if predicate(stops[-1]):
            return stops
    raise AssertionError(f"Tab never reached {what} in {limit} presses: {[s['id'] or s['label'] for s in stops]}")


def _open(driver, url: str, page) -> None:
    from selenium.webdriver.common.by import By
    driver.get(url)
    wait(driver, lambda d: d.find_elements(By.ID, f"page-{page.key}"), what=f"page {page.title}")
    settle(driver)


def _restart(driver) -> None:
    """Start the next Tab from the top of the page (the skip link has focus: the next Tab goes past it)."""
    driver.execute_script("window.scrollTo(0, 0); document.querySelector('a.cd-skip-link').focus();")


def _is_skip(stop: dict) -> bool:
    return "cd-skip-link" in stop["cls"]


@pytest.mark.parametrize("page", PAGES, ids=[p.key for p in PAGES])
def test_tab_order_focus_ring_and_no_trap(server, browser, page):
    from selenium.webdriver.common.keys import Keys

    _open(browser, server + page.path, page)
    first = _tab_until(browser, lambda s: True)[0]
    assert _is_skip(first), f"the first Tab stop is the skip link, not {first}"
    stops = [first] + _tab_until(browser, lambda s: _is_skip(s) or s["body"], limit=200, what="the end of the page")
    stops = [s for s in stops[:-1] if not s["body"]]
    ids = [s["id"] for s in stops]
    nav = [f"nav-{p.key}" for p in PAGES]
    assert [i for i in ids if i.startswith("nav-")] == nav, "navigation in registry order"
    after_nav = ids.index(nav[-1])
    filters = [i for i in ids if i.startswith("f-")]
    if filters:                                        # pages where the global filters apply show them next
        assert ids.index(filters[0]) == after_nav + 1 and filters == ["f-dates", "f-facilities", "f-specialties",
                                                                       "f-payers", "f-coders"], ids
    unringed = [s for s in stops if not s["ring"]]
    assert not unringed, f"focus not visible on {unringed[:5]}"
    grids = [s["grid"] for s in stops if s["grid"]]
    assert all(grids.count(g) <= 8 for g in set(grids)), "Tab leaves a grid (no walk through every cell)"

    # the skip link takes focus to the page itself
    _restart(browser)
    assert _is_skip(_focus(browser))
    _keys(browser, Keys.ENTER)
    assert _focus(browser)["id"] == "main-content"


def test_every_page_is_reached_through_the_navigation_by_keyboard(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    _open(browser, server + "/", PAGES[0])
    for page in PAGES:
        _restart(browser)
        _tab_until(browser, lambda s, k=page.key: s["id"] == f"nav-{k}", what=f"nav-{page.key}")
        _keys(browser, Keys.ENTER)
        wait(browser, lambda d, k=page.key: d.find_elements(By.ID, f"page-{k}"), what=f"page {page.title}")
        wait(browser, lambda d, t=page.title: d.title == f"{t} · codedash", what="page title")


def test_overview_payer_filter_definition_and_export_by_keyboard(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    page = PAGES[0]
    _open(browser, server + page.path, page)
    browser.get_log("browser")

    _tab_until(browser, lambda s: s["id"] == "f-payers", what="the payer filter")
    _keys(browser, Keys.ARROW_DOWN)
    _keys(browser, Keys.ENTER)
    _keys(browser, Keys.ESCAPE)
    wait(browser, lambda d: "payer=" in d.current_url, what="payer chosen by keyboard, in the URL")
    settle(browser)

    _restart(browser)
    stop = _tab_until(browser, lambda s: s["label"].startswith("Definition of"), what="an ⓘ definition")[-1]
    _keys(browser, Keys.ENTER)
    button = browser.switch_to.active_element
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "[role='dialog']"), what="the definition open")
    assert button.get_attribute("aria-expanded") == "true"
    assert "Numerator" in browser.find_element(By.CSS_SELECTOR, "[role='dialog']").text
    _keys(browser, Keys.ESCAPE)
    wait(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, "[role='dialog']"), timeout=5,
         what="the definition closed by Escape")
    assert _focus(browser)["label"] == stop["label"], "focus back on the ⓘ button"

    _tab_until(browser, lambda s: s["id"].endswith("-download-btn"), what="a CSV export button")
    exported = set(tmp_path.iterdir())
    _keys(browser, Keys.ENTER)
    wait(browser, lambda d: any(p.suffix == ".csv" and p.stat().st_size for p in set(tmp_path.iterdir()) - exported),
         timeout=20, what="the CSV downloaded")
    assert not console_errors(browser)


def test_coder_scorecard_opens_from_the_grid_by_keyboard(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    page = next(p for p in PAGES if p.key == "coding_quality")
    _open(browser, server + page.path, page)
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#cq-coders-grid .ag-row"), what="coder rows")
    settle(browser)
    _tab_until(browser, lambda s: s["grid"] == "cq-coders-grid", limit=200, what="the coders grid")
    _keys(browser, Keys.ARROW_DOWN)                   # header -> first row
    assert _focus(browser)["grid"] == "cq-coders-grid"
    _keys(browser, Keys.ENTER)
    wait(browser, lambda d: d.find_elements(By.ID, "cq-scorecard-title"), what="the scorecard")
    assert "coder=" in browser.current_url
    assert not console_errors(browser)


def test_denials_cross_filter_by_keyboard(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    page = next(p for p in PAGES if p.key == "denials")
    _open(browser, server + page.path, page)
    pick = browser.find_element(By.XPATH, "//label[starts-with(normalize-space(.), 'Filter this page by payer')]")
    pick_id = pick.get_attribute("for")
    before = browser.current_url
    _tab_until(browser, lambda s: s["id"] == pick_id, limit=200, what="the payer select beside the chart")
    _keys(browser, Keys.ARROW_DOWN)
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "[role='option']"), what="payer options")
    first = browser.find_element(By.CSS_SELECTOR, "[role='option']").text
    _keys(browser, Keys.ENTER)
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "[id$='chip']"), what="the cross-filter chip")
    settle(browser)
    chip = browser.find_element(By.CSS_SELECTOR, "[id$='chip']").text
    payer_id = first.rsplit("(", 1)[-1].rstrip(")")
    assert payer_id in chip or first in chip, (first, chip)
    # the chart shows the same selection as a click would (hatched bar)
    assert browser.execute_script(
        "return document.querySelectorAll(\"[id$='payer-graph'] .bars path[style*='url(']\").length") >= 1
    assert browser.find_element(By.ID, pick_id).get_attribute("value") == first
    # the page's clear button, by keyboard too; the select follows the page state back to "all"
    _restart(browser)
    _tab_until(browser, lambda s: s["id"].endswith("-clear"), what="the clear-page-filter button")
    _keys(browser, Keys.ENTER)
    wait(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, "[id$='chip']"), what="the chip gone")
    wait(browser, lambda d: d.find_element(By.ID, pick_id).get_attribute("value") == "", what="the select cleared")
    assert browser.current_url.split("?")[0] == before.split("?")[0]

    # the numbers behind a chart, by keyboard: Space on its "Show numbers as table" switch
    toggle = _tab_until(browser, lambda s: s["id"].endswith("-table-toggle"), limit=200, what="a table switch")[-1]
    _keys(browser, Keys.SPACE)
    table_id = toggle["id"].replace("-table-toggle", "-table-content")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, f"#{table_id} caption"), what="the chart's table")
    assert browser.find_elements(By.CSS_SELECTOR, f"#{table_id} th[scope='col']")
    assert not console_errors(browser)


def test_data_quality_drilldown_by_keyboard(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    page = next(p for p in PAGES if p.key == "data_quality")
    _open(browser, server + page.path, page)
    if not browser.find_elements(By.CSS_SELECTOR, "#dq-checks-grid .ag-row"):
        pytest.skip("the demo database records no data-quality run")
    _tab_until(browser, lambda s: s["grid"] == "dq-checks-grid", what="the checks grid")
    _keys(browser, Keys.ARROW_DOWN)
    check = browser.switch_to.active_element.text
    _keys(browser, Keys.SPACE)                        # AG Grid: Space selects the focused row
    wait(browser, lambda d: d.find_elements(By.ID, "dq-drilldown-title")
         and d.find_element(By.ID, "dq-drilldown-title").text.strip(), what="the drill-down")
    title = browser.find_element(By.ID, "dq-drilldown-title").text
    assert check.split()[0] in title or check in title, (check, title)
    assert not console_errors(browser)
