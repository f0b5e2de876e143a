"""Hostile names in every name field, in a real browser: markup from the data stays text everywhere.

The small demo with every facility, payer, provider, coder, specialty, place-of-service, CARC category,
procedure and DRG label replaced by markup (`<a href>`, `<span style>`, `<img onerror>`, a markdown
link), spreadsheet formulas and 300-character names. Every page is visited (with a cross-filter click on the denials page
and a coder scorecard); the whole DOM, SVG chart text included, must hold no link, style, image or
event handler they injected, no alert may fire, the names must be shown as literal text, and a CSV
downloaded from the page must be formula-neutralised.
"""
from __future__ import annotations

import shutil
import time

import pytest

from tests.browser.conftest import console_errors, serving, wait
from tests.dashboard.test_safe_exports import formula_starts

pytestmark = pytest.mark.browser

LINK = '<a href="https://evil.example/login">Pay here</a>'
HOSTILE = [LINK, '<span style="color:red;font-size:80px">BIG</span>', "<img src=x onerror=alert(1)>",
           "=1+2", "+cmd|' /C calc'!A0", "[Pay here](https://evil.example/md)", "L" * 300]
# table, name column: every display name a chart, grid, dropdown or export can show
NAME_FIELDS = [("facilities", "facility_name"), ("payers", "payer_name"), ("providers", "provider_name"),
               ("coders", "coder_name"), ("ref_specialty", "specialty_name"), ("ref_pos", "pos_name"),
               ("ref_carc", "category_label"), ("ref_procedure_labels", "label"), ("ref_msdrg", "description")]

# Plotly keeps each label's source in data-unformatted: there it is escaped text, inert like any text.
INJECTED = """
const bad = [];
for (const el of document.querySelectorAll('*')) {
  for (const a of el.attributes) {
    const name = a.name.toLowerCase(), v = a.value || '';
    if ((/(href|src|action)$/.test(name) && v.includes('evil.example')) || name.startsWith('on')
        || (name === 'style' && /font-size:\\s*80px/.test(v)))
      bad.push(el.tagName + ' ' + name + '=' + v.slice(0, 80));
  }
  if (el.tagName.toLowerCase() === 'img' && el.getAttribute('src') === 'x') bad.push('img src=x');
}
for (const a of document.querySelectorAll('svg a')) bad.push('link in a chart: ' + a.outerHTML.slice(0, 80));
for (const t of document.querySelectorAll('svg text, svg tspan'))
  if (parseFloat(getComputedStyle(t).fontSize) >= 60) bad.push('huge chart text: ' + t.textContent.slice(0, 40));
return bad;
"""
SVG_TEXT = "return Array.from(document.querySelectorAll('svg text')).map(t => t.textContent).join('\\n');"


def rename(con) -> None:
    """Every row's display name becomes one of the hostile names, in turn (each name used in every field)."""
    for table, column in NAME_FIELDS:      # identifiers from the fixed list above; the names are bound
        con.execute(f"update {table} set {column} = list_extract($names, (1 + rowid % {len(HOSTILE)})::integer)",
                    {"names": HOSTILE})


@pytest.fixture(scope="module")
def hostile_server(small_demo_db, tmp_path_factory):
    """A renamed copy of the session's small demo (the reference build is the slow part: shared)."""
    import duckdb

    from codedash.data.marts import build_marts

    path = tmp_path_factory.mktemp("hostile") / "hostile.duckdb"
    shutil.copyfile(small_demo_db, path)
    con = duckdb.connect(str(path))
    rename(con)
    build_marts(con)                      # marts derived from the renamed rows, as every build does
    con.close()
    with serving(path) as url:
        yield url, path


def settle(driver, graphs: int, timeout: float = 40) -> None:
    """Wait until at least `graphs` charts are drawn and the DOM stops changing (callbacks done)."""
    from selenium.webdriver.common.by import By
    wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".js-plotly-plot .main-svg")) >= graphs,
         timeout=timeout, what=f"{graphs} charts")
    last, stable_since = None, time.time()
    while time.time() - stable_since < 0.6:
        size = driver.execute_script("return document.body.innerHTML.length")
        if size != last:
            last, stable_since = size, time.time()
        time.sleep(0.2)


def assert_clean(driver, page: str) -> None:
    bad = driver.execute_script(INJECTED)
    assert not bad, (page, bad[:10])
    alerts = driver.execute_script("return window.__alerts || []")
    assert not alerts, (page, alerts)


def test_hostile_names_stay_text_on_every_page(hostile_server, browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    url, db_path = hostile_server
    hook = browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {
        "source": "window.__alerts = []; for (const f of ['alert', 'confirm', 'prompt'])"
                  " window[f] = m => { window.__alerts.push(f + ':' + m); };"})
    browser.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    browser.get_log("browser")                               # start with an empty console
    try:
        browser.get(url + "/")
        settle(browser, 6)
        assert_clean(browser, "overview")

        browser.get(url + "/denials?start=2025-10-01&end=2026-09-30")
        wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#denials-payer-graph .bars path"), what="payer bars")
        settle(browser, 8)
        assert_clean(browser, "denials")
        shown = browser.execute_script(SVG_TEXT)
        assert LINK in shown and "+cmd|' /C calc'!A0" in shown      # the names are drawn, as literal text
        bar = browser.find_elements(By.CSS_SELECTOR, "#denials-payer-graph .bars path")[-1]
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", bar)
        ActionChains(browser).move_to_element(bar).perform()
        wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#denials-payer-graph .hoverlayer .hovertext"),
             timeout=10, what="hover label")
        assert_clean(browser, "denials, hover label")
        ActionChains(browser).move_to_element(bar).click().perform()
        wait(browser, lambda d: d.find_elements(By.ID, "denials-chip"), what="cross-filter chip")
        settle(browser, 8)
        assert_clean(browser, "denials, filtered to a payer")

        button = browser.find_element(By.ID, "denials-payer-download-btn")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", button)
        csv_file = tmp_path / "codedash-denials-payer.csv"
        wait(browser, lambda d: csv_file.exists() and csv_file.stat().st_size > 0, timeout=20, what="CSV download")
        exported = csv_file.read_text(encoding="utf-8")
        assert formula_starts(exported) == []
        assert "\"'+cmd|' /C calc'!A0" in exported and "\"'=1+2" in exported

        browser.get(url + "/coding-quality")
        wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#cq-acc-graph .scatterlayer .point"),
             timeout=60, what="accuracy intervals")
        settle(browser, 6)
        assert_clean(browser, "coding quality")
        assert LINK in browser.execute_script(SVG_TEXT)

        import duckdb
        con = duckdb.connect(str(db_path), read_only=True)
        coder = con.execute("select coder_id from coders where coder_name = $n order by coder_id limit 1",
                            {"n": LINK}).fetchone()[0]
        con.close()
        browser.get(url + f"/coding-quality?coder={coder}")
        wait(browser, lambda d: d.find_elements(By.ID, "cq-scorecard-title"), what="scorecard")
        settle(browser, 4)
        assert LINK in browser.find_element(By.ID, "cq-scorecard-title").text
        assert_clean(browser, "coder scorecard")

        browser.get(url + "/data-quality")
        settle(browser, 3)
        assert_clean(browser, "data quality")
        errors = console_errors(browser)
        assert not errors, [e["message"][:300] for e in errors]
    finally:
        browser.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": hook["identifier"]})
