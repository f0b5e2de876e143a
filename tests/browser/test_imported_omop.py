"""After loading the public OMOP CDM v5.4 sample (OHDSI EunomiaDatasets Synthea27Nj, read from outside the
project: CODEDASH_OMOP_SAMPLE (the zip or its folder) or ../shared/data/eunomia-synthea27nj) with `codedash load`, every page renders
without a console error and the coding-quality page says why it is empty. Skips without the sample."""
from __future__ import annotations

from selenium.webdriver.common.by import By

from codedash.dashboard.cli import main
from codedash.dashboard.pages.registry import PAGES
from tests.browser.conftest import console_errors, serving, wait
from tests.data.test_import_omop import _eunomia


def test_every_page_renders_after_loading_omop(browser, tmp_path, capsys):
    folder = _eunomia(tmp_path)
    db = tmp_path / "omop.duckdb"
    assert main(["load", str(folder), "--db", str(db)]) == 0
    assert "format: omop (detected)" in capsys.readouterr().out
    browser.get("about:blank")
    console_errors(browser)                      # drain what earlier tests left in the log
    with serving(db) as url:
        browser.get(url + "/")
        wait(browser, lambda d: "start=" in d.current_url, what="the default period in the URL")
        for page in PAGES:
            browser.find_element(By.ID, f"nav-{page.key}").click()
            wait(browser, lambda d: d.find_elements(By.ID, f"page-{page.key}"), what=f"page {page.title}")
            if page.key == "coding_quality":
                wait(browser, lambda d: "no audit data in this source" in d.find_element(By.ID, "source-notes").text,
                     what="the reason the audit views are empty")
        errors = console_errors(browser)
        browser.get("about:blank")               # leave no page polling a server about to stop
        assert not errors, errors
