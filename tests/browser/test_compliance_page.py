"""Real browser on the compliance page (small demo): the measure from the URL, the entity grid and funnel,
a row click putting the entity in the URL and explaining its flag, the encounters behind it, a worklist
drawn from it, and no console error."""
from __future__ import annotations

import os

import duckdb
import pytest

from tests.browser.conftest import console_errors as _console_errors
from tests.browser.conftest import wait as _wait

pytestmark = pytest.mark.browser
SCREENSHOTS = "/tmp/codedash-compliance"


def _rows(driver, grid_id):
    from selenium.webdriver.common.by import By
    return driver.find_elements(By.CSS_SELECTOR, f"#{grid_id} .ag-center-cols-container .ag-row")


def _text(driver, id_):
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    try:
        found = driver.find_elements(By.ID, id_)
        return found[0].text if found else ""
    except WebDriverException:
        return ""


def test_compliance_page_flags_explain_themselves(server, browser, small_demo_db):
    from selenium.webdriver.common.by import By

    browser.get(server + "/compliance?measure=MOD25_PROV")
    _wait(browser, lambda d: d.find_elements(By.ID, "page-compliance"), what="compliance page")
    _wait(browser, lambda d: _rows(d, "compliance-entities-grid"), timeout=90, what="entity rows")
    _wait(browser, lambda d: "modifier 25" in _text(d, "compliance-definition-text"), timeout=60,
          what="the measure named by the URL")
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#compliance-funnel-graph .scatterlayer .point"),
          timeout=60, what="funnel points")
    # click the first entity's cell: its id goes to the URL and the flag is explained
    cell = browser.find_element(By.CSS_SELECTOR,
                                "#compliance-entities-grid .ag-center-cols-container .ag-row [col-id='entity_label']")
    cell.click()
    _wait(browser, lambda d: "entity=" in d.current_url, what="entity in the URL")
    _wait(browser, lambda d: _text(d, "compliance-detail-entity"), timeout=60, what="flag detail")
    detail = _text(browser, "compliance-detail")
    for word in ("Numerator", "Denominator", "Peer value", "Percentile", "z-score", "99.8% limits"):
        assert word in detail
    # the planted modifier-25 provider over the whole period: enough encounters to list them
    con = duckdb.connect(str(small_demo_db), read_only=True)
    try:
        gt03 = con.execute("select entity_id from demo_ground_truth where pattern_id = 'GT03'").fetchone()[0]
    finally:
        con.close()
    browser.get(server + f"/compliance?start=2023-10-01&end=2026-09-30&measure=MOD25_PROV&entity={gt03}")
    _wait(browser, lambda d: gt03 in _text(d, "compliance-detail-entity"), timeout=60, what="GT03's flag")
    _wait(browser, lambda d: _rows(d, "compliance-encounters-grid"), timeout=60, what="encounters behind the flag")
    assert "HIGH" in _text(browser, "compliance-detail")
    # a worklist drawn from the selected flag (identifiers may be suppressed: then it says why)
    _wait(browser, lambda d: "worklist" in _text(d, "compliance-worklist-status").lower(), timeout=60,
          what="the flag's worklist status")
    browser.find_element(By.ID, "compliance-worklist-draw").click()
    _wait(browser, lambda d: any(w in _text(d, "compliance-worklist-status")
                                 for w in ("Worklist ", "suppress", "no encounters", "too small")),
          timeout=60, what="a drawn worklist (or why not)")
    os.makedirs(SCREENSHOTS, exist_ok=True)
    browser.save_screenshot(f"{SCREENSHOTS}/compliance.png")
    # the measure picker follows the URL
    browser.get(server + "/compliance?measure=PEP_MCC_FAC")
    _wait(browser, lambda d: "MCC" in _text(d, "compliance-definition-text"), timeout=60, what="PEPPER measure")
    assert not _console_errors(browser), _console_errors(browser)
