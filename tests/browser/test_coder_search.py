"""The coder filter searched on the server, in headless Chromium, on a database of 120 coders.

A link naming a coder outside the first 50 keeps it selected (with its name); typing fetches the matching
coders; picking one adds it to the URL.
"""
from __future__ import annotations

import pytest

from tests.browser.conftest import console_errors, serving, wait
from tests.dashboard.test_filter_search import _coders

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def many_coders_server(tmp_path_factory):
    from codedash.data.database import build_database

    path = build_database(tmp_path_factory.mktemp("coders") / "coders.duckdb", _coders)
    with serving(path) as url:
        yield url


def _pills(driver):
    from selenium.webdriver.common.by import By
    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".mantine-MultiSelect-pill")]


def test_linked_coder_kept_typing_searches_picking_updates_the_url(many_coders_server, browser):
    from selenium.webdriver.common.by import By

    browser.get(many_coders_server + "/?coder=C100")
    wait(browser, lambda d: "Coder 100" in _pills(d), what="linked coder shown by name")
    box = browser.find_element(By.ID, "f-coders")
    box.click()

    def options(d):
        return [e.text for e in d.find_elements(By.CSS_SELECTOR, ".mantine-MultiSelect-option") if e.text]
    wait(browser, lambda d: len(options(d)) == 51, what="one page of 50 coders plus the linked one, not all 120")
    assert options(browser)[:2] == ["Coder 100", "Coder 000"]          # the selection first
    box.send_keys("Coder 11")
    wait(browser, lambda d: options(d) == [f"Coder 11{i}" for i in range(10)], what="server-side matches")
    next(e for e in browser.find_elements(By.CSS_SELECTOR, ".mantine-MultiSelect-option")
         if e.text == "Coder 117").click()
    wait(browser, lambda d: "coder=C100&coder=C117" in d.current_url, what="URL with both coders")
    assert _pills(browser) == ["Coder 100", "Coder 117"]
    assert console_errors(browser) == []
