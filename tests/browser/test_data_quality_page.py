"""Real browser on the data-quality page.

1. The small demo database: if it records a data-quality run (the demo build adds a 'demo' run), the checks
   grid renders rows and clicking one opens its example failures; otherwise the empty state shows.
2. The hand-made runs of tests/queries/fixtures_dq.py served from a file: the drill-down of a check whose
   examples concern 3 encounters hides the encounter ids and says why (always exercised, whatever the demo has).
Either way: no browser console errors.
"""
from __future__ import annotations

import os
import time

import duckdb
import pytest

from tests.browser.conftest import serving
from tests.browser.conftest import console_errors as _console_errors
from tests.browser.conftest import wait as _wait

pytestmark = pytest.mark.browser
SCREENSHOTS = "/tmp/codedash-dq"


def _shot(driver, name):
    os.makedirs(SCREENSHOTS, exist_ok=True)
    driver.save_screenshot(f"{SCREENSHOTS}/{name}.png")


def _text(driver, id_):
    """Text of the element with this id, or '' while it is absent or being re-rendered."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    try:
        found = driver.find_elements(By.ID, id_)
        return found[0].text if found else ""
    except WebDriverException:
        return ""


def _grid_rows(driver, grid_id):
    from selenium.webdriver.common.by import By
    return driver.find_elements(By.CSS_SELECTOR, f"#{grid_id} .ag-center-cols-container .ag-row")


def _open(driver, url):
    from selenium.webdriver.common.by import By
    driver.get(url + "/data-quality")
    _wait(driver, lambda d: d.find_elements(By.ID, "page-data_quality"), what="data-quality page")
    _wait(driver, lambda d: d.find_elements(By.ID, "dq-empty-state") or _grid_rows(d, "dq-checks-grid"),
          timeout=60, what="checks grid or empty state")


def _click_row(driver, grid_id, check_id):
    from selenium.webdriver.common.by import By
    cell = driver.find_element(By.CSS_SELECTOR, f"#{grid_id} .ag-row [col-id='check_id']")
    if check_id:
        cells = [c for c in driver.find_elements(By.CSS_SELECTOR, f"#{grid_id} .ag-row [col-id='check_id']")
                 if c.text == check_id]
        assert cells, f"{check_id} in the grid"
        cell = cells[0]
    chosen = cell.text
    cell.click()
    return chosen


def test_demo_database_grid_and_drilldown_or_empty_state(server, browser, small_demo_db):
    from selenium.webdriver.common.by import By

    con = duckdb.connect(str(small_demo_db), read_only=True)
    try:
        n_runs = con.execute("select count(*) from dq_runs").fetchone()[0]
    finally:
        con.close()
    _open(browser, server)
    if n_runs == 0:
        text = browser.find_element(By.ID, "dq-empty-state").text
        assert "No data-quality runs recorded yet. Run `codedash check` or load data with `codedash load`." in text
        assert not browser.find_element(By.ID, "dq-content").is_displayed()
    else:
        _wait(browser, lambda d: _grid_rows(d, "dq-checks-grid"), what="check rows")
        _wait(browser, lambda d: _text(d, "dq-card-loaded") not in ("", "—"), what="rows-loaded card")
        time.sleep(1.0)
        chosen = _click_row(browser, "dq-checks-grid", None)
        _wait(browser, lambda d: chosen in _text(d, "dq-drilldown-title"), what="drill-down")
        _wait(browser, lambda d: f"check={chosen}" in d.current_url, what="the open check in the URL")
        shared = browser.current_url
        browser.get("about:blank")
        browser.get(shared)                       # a shared link opens the same drill-down
        _wait(browser, lambda d: chosen in _text(d, "dq-drilldown-title"), what="drill-down from the link")
        _wait(browser, lambda d: _grid_rows(d, "dq-drilldown-grid") or d.find_elements(By.ID, "dq-drilldown-empty"),
              what="example failures or their empty state")
        assert "do not apply" in _text(browser, "dq-filters-note")
    time.sleep(0.5)
    _shot(browser, "demo")
    errors = _console_errors(browser)
    assert not errors, errors


@pytest.fixture(scope="module")
def dq_server(tmp_path_factory):
    """The app on the hand-made data-quality runs (tests/queries/fixtures_dq.py) saved to a file."""
    from tests.fixtures import build_file
    from tests.queries.fixtures_dq import build_dq

    path = tmp_path_factory.mktemp("dq") / "dq.duckdb"
    build_file(path, build_dq())
    with serving(path) as url:
        yield url


def test_drilldown_hides_encounter_ids_of_small_groups(dq_server, browser):
    from selenium.webdriver.common.by import By

    _open(browser, dq_server)
    _wait(browser, lambda d: len(_grid_rows(d, "dq-checks-grid")) == 6, what="6 check rows")
    _wait(browser, lambda d: _text(d, "dq-card-failed") == "1", what="summary card: 1 check failed")
    _wait(browser, lambda d: "‡ suppressed" in _text(d, "dq-checks-grid"), what="suppressed count in the grid")
    _wait(browser, lambda d: "fail" in _text(d, "dq-checks-grid"), what="failed status in the grid")
    time.sleep(1.0)
    _shot(browser, "fixture-overview")

    _wait(browser, lambda d: len(_grid_rows(d, "dq-checks-grid")) == 6, what="6 check rows (settled)")
    _click_row(browser, "dq-checks-grid", "ENC_DISCHARGE_AFTER_ADMIT")
    _wait(browser, lambda d: "fewer than 11 distinct encounters" in _text(d, "dq-drilldown-suppressed"),
          what="suppression notice")
    _wait(browser, lambda d: len(_grid_rows(d, "dq-drilldown-grid")) == 3, what="3 example rows")
    drill = _text(browser, "dq-drilldown-grid")
    assert "2025-01-31" in drill and "E05" not in drill
    time.sleep(0.5)
    _shot(browser, "fixture-drilldown-suppressed")

    _click_row(browser, "dq-checks-grid", "DX_CODE_VALID")
    _wait(browser, lambda d: "DX_CODE_VALID" in _text(d, "dq-drilldown-title"), what="DX drill-down")
    _wait(browser, lambda d: "E01" in _text(d, "dq-drilldown-grid"), what="encounter ids shown")
    assert not browser.find_elements(By.ID, "dq-drilldown-suppressed")
    assert "check=DX_CODE_VALID" in browser.current_url and "run=" not in browser.current_url   # newest: no run=

    # the older run from the run select: its cards, in the URL, and the open check kept (R1 ran it too)
    from tests.queries.fixtures_dq import R1
    select = browser.find_element(By.ID, "dq-run-choice")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", select)
    select.click()
    _wait(browser, lambda d: [o for o in d.find_elements(By.CSS_SELECTOR, "[role='option']") if "demo" in o.text],
          what="the run options")
    next(o for o in browser.find_elements(By.CSS_SELECTOR, "[role='option']") if "demo" in o.text).click()
    _wait(browser, lambda d: f"run={R1}" in d.current_url, what="the chosen run in the URL")
    _wait(browser, lambda d: _text(d, "dq-card-loaded") == "1,000", what="the older run's cards")
    _wait(browser, lambda d: d.find_elements(By.ID, "dq-drilldown-empty"), what="no examples kept in the older run")
    assert "check=DX_CODE_VALID" in browser.current_url
    errors = _console_errors(browser)
    assert not errors, errors
