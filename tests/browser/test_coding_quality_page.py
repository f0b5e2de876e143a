"""Real browser: the coding quality page on the small demo, a click on a coder opens the scorecard.

The planted low-accuracy coder (demo_ground_truth low_accuracy_coder) is red (whole interval below
target) and flagged below the team in the grid; clicking it in the grid opens its scorecard via the URL.
"""
from __future__ import annotations

import pytest

from tests.browser.conftest import console_errors, reveal, wait

pytestmark = pytest.mark.browser
SHOTS = "/tmp/codedash-coding-quality-{}.png"


def _grid_texts(driver):
    from selenium.webdriver.common.by import By
    return [r.text for r in driver.find_elements(By.CSS_SELECTOR, "#cq-coders-grid .ag-center-cols-container .ag-row")]


def _text_of(driver, id_) -> str:
    """An element's text, "" while it is missing or being replaced (a URL change lays the page out again)."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    try:
        found = driver.find_elements(By.ID, id_)
        return found[0].text if found else ""
    except StaleElementReferenceException:
        return ""


def test_coding_quality_team_view_and_scorecard(server, browser, small_demo_db):
    import duckdb
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    con = duckdb.connect(str(small_demo_db), read_only=True)
    planted = con.execute("select entity_id from demo_ground_truth where pattern = 'low_accuracy_coder'").fetchone()[0]
    con.close()

    browser.get(server + "/coding-quality")
    wait(browser, lambda d: "start=" in d.current_url, timeout=90, what="default period in the URL")
    wait(browser, lambda d: any(planted in t for t in _grid_texts(d)), timeout=60, what="coder grid")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#cq-acc-graph .scatterlayer .point"),
         what="accuracy intervals drawn")
    reveal(browser, "cq-dnfb")                       # the last row: computed once scrolled to
    wait(browser, lambda d: "DNFB" in d.find_element(By.ID, "cq-dnfb-summary").text, what="DNFB summary")
    browser.save_screenshot(SHOTS.format("team"))
    row = next(t for t in _grid_texts(browser) if planted in t)
    assert "below target" in row and "below team" in row, row

    # cross-filter: a click on a finding type filters the code pairs
    reveal(browser, "cq-taxonomy")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#cq-taxonomy-graph .bars .point path"),
         what="finding-type bars")
    bar = browser.find_elements(By.CSS_SELECTOR, "#cq-taxonomy-graph .bars .point path")[0]
    ActionChains(browser).move_to_element(bar).click().perform()     # plotly's drag layer takes the click
    wait(browser, lambda d: "Finding type:" in _text_of(d, "cq-pairs-filter"), what="pairs filtered")

    # the finding type is page state in the URL (a shared link shows the same filtered pairs)
    wait(browser, lambda d: "finding=" in d.current_url, what="finding type in the URL")

    # click the planted coder's row: the URL gets coder=<id> and the page becomes the scorecard.
    # A URL change lays the page out again, so the row is looked up afresh until the click lands.
    def click_planted_row(d):
        from selenium.common.exceptions import StaleElementReferenceException
        try:
            row = next(r for r in d.find_elements(By.CSS_SELECTOR, "#cq-coders-grid .ag-center-cols-container .ag-row")
                       if planted in r.text)
            row.find_element(By.CSS_SELECTOR, "[col-id='coder_name']").click()
            return True
        except (StaleElementReferenceException, StopIteration):
            return False
    wait(browser, click_planted_row, what="a click on the planted coder's row")
    wait(browser, lambda d: f"coder={planted}" in d.current_url, what="coder in the URL")
    wait(browser, lambda d: _text_of(d, "cq-scorecard-title").startswith("Scorecard: "), what="scorecard header")
    wait(browser, lambda d: len(_grid_texts(d)) == 2, what="coder and team rows")
    browser.save_screenshot(SHOTS.format("scorecard"))

    browser.execute_script("window.scrollTo(0, 0); arguments[0].click();", browser.find_element(By.ID, "cq-back-to-team"))
    wait(browser, lambda d: "coder=" not in d.current_url and not d.find_elements(By.ID, "cq-scorecard-title"),
         what="back to the team view")
    errors = console_errors(browser)
    assert not errors, errors
