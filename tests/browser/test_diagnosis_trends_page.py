"""Real browser on the diagnosis trends page: a shared link's selection, stratum and global filter are
honoured (picker, rates summary, URL), clicking the treemap changes the selection and the URL, every
panel renders, and the browser console stays free of errors."""
from __future__ import annotations

import os
import time

import pytest

from tests.browser.conftest import console_errors, reveal, wait

pytestmark = pytest.mark.browser
SCREENSHOTS = "/tmp/codedash-dxt"


def _text(driver, id_):
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    try:
        found = driver.find_elements(By.ID, id_)
        return found[0].text if found else ""
    except WebDriverException:
        return ""


def _click_other_node(driver, clicked_at: dict) -> bool:
    """Click the last sizeable treemap node not labelled J18 (`clicked_at["t"]`: when the last click went);
    True once a click went through."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    if "dx=category%3AJ18" not in driver.current_url:
        return True                                   # an earlier attempt's click already landed
    if time.monotonic() - clicked_at.get("t", float("-inf")) < 5:
        return False                                  # give the last click time to reach the URL
    try:
        slices = [e for e in driver.find_elements(By.CSS_SELECTOR, "#dxt-hierarchy-graph g.slice")
                  if "J18" not in e.text]
        surfaces = [s for e in slices for s in e.find_elements(By.CSS_SELECTOR, "path.surface")
                    if s.is_displayed() and s.size["width"] > 30 and s.size["height"] > 30]
        if not surfaces:
            return False
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", surfaces[-1])
        ActionChains(driver).move_to_element(surfaces[-1]).click().perform()
        clicked_at["t"] = time.monotonic()
    except WebDriverException:                        # redrawn under us: try again on the next poll
        return False
    return True


def test_shared_link_selection_stratum_filter_and_treemap_click(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server + "/diagnosis-trends?dx=category:J18&strat=sex&facility=F001")
    wait(browser, lambda d: d.find_elements(By.ID, "page-diagnosis_trends"), what="trends page")
    wait(browser, lambda d: "J18" in _text(d, "dxt-selection-text"), what="selection from the link")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#dxt-hierarchy-graph .treemap"), what="treemap")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#dxt-rates-graph .scatterlayer .trace"), what="rate lines")
    reveal(browser, "dxt-change")                    # row 3 is lazy: computed once near the viewport
    wait(browser, lambda d: "period 1" not in _text(d, "dxt-change-periods") and "against" in _text(d, "dxt-change-periods"),
         what="period comparison")
    reveal(browser, "dxt-risk")                      # the last row: computed once scrolled to
    wait(browser, lambda d: "V28" in _text(d, "dxt-risk-model"), what="risk model line")
    legend = browser.find_elements(By.CSS_SELECTOR, "#dxt-rates-graph .legendtext")
    assert {e.text for e in legend} >= {"F", "M"}, [e.text for e in legend]
    assert "category J18" in _text(browser, "_pages_content")          # the picker shows the link's node
    assert "facility=F001" in browser.current_url and "dx=category%3AJ18" in browser.current_url
    os.makedirs(SCREENSHOTS, exist_ok=True)
    browser.save_screenshot(f"{SCREENSHOTS}/linked.png")

    # a click on a treemap node selects it: the URL and the summary follow. The click is retried because the
    # treemap may be redrawn (late panels, the risk row) between finding a node and clicking it, and the node
    # clicked is never the linked J18 itself (clicking the selection would leave the URL as it is).
    clicked_at: dict = {}
    wait(browser, lambda d: _click_other_node(d, clicked_at) and "dx=category%3AJ18" not in d.current_url
         and "dx=" in d.current_url, what="selection from a click in the URL")
    wait(browser, lambda d: "J18" not in _text(d, "dxt-selection-text"), what="summary follows the click")
    browser.save_screenshot(f"{SCREENSHOTS}/clicked.png")
    assert console_errors(browser) == []
