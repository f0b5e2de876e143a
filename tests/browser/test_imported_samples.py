"""After loading each real public sample with `codedash load`, every page renders without a console error,
and pages whose data the source lacks say why."""
from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from codedash.dashboard.cli import main
from codedash.dashboard.pages.registry import PAGES
from codedash.queries import settings
from tests.browser.conftest import console_errors, serving, wait

SHARED = Path(settings.get("shared_data"))
SAMPLES = {
    "tuva": ["tuva-demo-claims-sample/medical_claim_sample.csv", "tuva-demo-claims-sample/eligibility_sample.csv"],
    "desynpuf": ["desynpuf-milwaukee-10k/1-sample-10000"],
    "cms-rif": ["bfd-rif-synthea/rif-synthea"],
    "x12-835": ["x12-linuxforhealth/835_005010X221A1"],
    "x12-837": ["x12-linuxforhealth/837_005010X222A2"],
    "mimic-iv": ["mimic-iv-demo-2.2/hosp"],
}


@pytest.mark.parametrize("fmt", SAMPLES)
def test_every_page_renders_after_loading(fmt, browser, tmp_path, capsys):
    if not SHARED.is_dir():
        pytest.skip(f"shared samples not found at {SHARED} (set CODEDASH_SHARED_DATA)")
    visit_every_page_after_loading(browser, [SHARED / p for p in SAMPLES[fmt]], fmt, tmp_path, capsys)


def visit_every_page_after_loading(browser, paths: list[Path], fmt: str, tmp_path, capsys) -> None:
    """`codedash load` the paths (format detected), then visit every page: no console error, and the coding
    quality page says why it is empty (no public sample carries coding audits)."""
    db = tmp_path / f"{fmt}.duckdb"
    assert main(["load", *[str(p) for p in paths], "--db", str(db)]) == 0
    assert f"format: {fmt} (detected)" in capsys.readouterr().out
    browser.get("about:blank")
    console_errors(browser)                      # drain what earlier tests left in the log
    with serving(db) as url:
        browser.get(url + "/")
        wait(browser, lambda d: "start=" in d.current_url, what="the default period in the URL")
        for page in PAGES:
            browser.find_element(By.ID, f"nav-{page.key}").click()
            wait(browser, lambda d: d.find_elements(By.ID, f"page-{page.key}"), what=f"page {page.title}")
            if page.key == "coding_quality":
                # no sample carries coding audits: the page says why instead of showing empty charts silently
                wait(browser, lambda d: "no audit data in this source" in d.find_element(By.ID, "source-notes").text,
                     what="the reason the audit views are empty")
        errors = console_errors(browser)
        browser.get("about:blank")               # leave no page polling a server about to stop
        assert not errors, errors
