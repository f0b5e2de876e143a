"""Multi-user serving in Chromium (issue 13): two users granted different facilities sign in on the sign-in
page, see different numbers — each exactly what the overview service computes under their scope — and sign
out; the pages pass the Content-Security-Policy with no console error; a role sees only its pages."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from codedash.dashboard.formatting import format_value
from codedash.data import accounts, appstate
from codedash.data.database import open_readonly
from codedash.queries import filters as flt
from codedash.queries.overview import overview_kpis
from codedash.queries.periods import default_period
from tests.browser.conftest import console_errors, serving, wait

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def two_facilities(small_demo_db):
    con = open_readonly(small_demo_db)
    try:
        rows = con.execute("select facility_id, count(*) from encounters group by 1 order by 2 desc").fetchall()
        assert len(rows) >= 2
        first, second = rows[0][0], rows[1][0]
        expected = {}
        for fac in (first, second):
            scope = flt.Scope((fac,))
            period = default_period(con, scope)           # the default period is the user's scope's, too
            kpis = overview_kpis(con, {"start_date": period.start.isoformat(), "end_date": period.end.isoformat()},
                                 scope=scope)
            enc = next(k for k in kpis["kpis"] if k["key"] == "encounters")
            expected[fac] = format_value(enc["value"], enc["unit"], enc["suppressed"])
    finally:
        con.close()
    return first, second, expected


@pytest.fixture(scope="module")
def multi_user_server(small_demo_db, two_facilities, tmp_path_factory):
    first, second, _ = two_facilities
    app_db = tmp_path_factory.mktemp("multi") / "app.sqlite"
    con = appstate.open_app(app_db)
    accounts.add_user(con, "ana", PASSWORD, roles=("coding_manager",), facilities=(first,), display_name="Ana North")
    accounts.add_user(con, "ben", PASSWORD, roles=("researcher",), facilities=(second,), display_name="Ben South")
    con.close()
    env = {"CODEDASH_MULTI_USER": "1", "CODEDASH_SECRET_KEY": "k" * 48, "CODEDASH_APP_DB": str(app_db),
           "CODEDASH_COOKIE_SECURE": "0"}
    with serving(small_demo_db, env=env) as url:
        yield url


def _sign_in(browser, url, username):
    browser.get(url + "/")
    wait(browser, lambda d: d.find_elements(By.ID, "username"), what="the sign-in form")
    browser.find_element(By.ID, "username").send_keys(username)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser, lambda d: d.find_elements(By.ID, "kpi-encounters-value"), what="the overview cards")
    return browser.find_element(By.ID, "kpi-encounters-value").text


def _sign_out(browser):
    browser.find_element(By.ID, "sign-out").click()
    wait(browser, lambda d: d.find_elements(By.ID, "username"), what="the sign-in form after sign-out")


def test_two_users_of_different_facilities_see_different_numbers(browser, multi_user_server, two_facilities):
    first, second, expected = two_facilities
    assert expected[first] != expected[second]
    ana = _sign_in(browser, multi_user_server, "ana")
    assert ana == expected[first]
    assert "Ana North" in browser.find_element(By.ID, "account-name").text
    nav = {e.get_attribute("id"): e.is_displayed() for e in browser.find_elements(By.CSS_SELECTOR, ".cd-nav a")}
    assert nav["nav-coding_quality"] and not nav["nav-diagnosis_trends"] and not nav["nav-data_quality"]
    assert console_errors(browser) == []
    _sign_out(browser)

    ben = _sign_in(browser, multi_user_server, "ben")
    assert ben == expected[second]
    nav = {e.get_attribute("id"): e.is_displayed() for e in browser.find_elements(By.CSS_SELECTOR, ".cd-nav a")}
    assert nav["nav-diagnosis_trends"] and not nav["nav-coding_quality"]
    # a researcher typing the coding-quality address gets the refusal, not the page
    browser.get(multi_user_server + "/coding-quality")
    wait(browser, lambda d: d.find_elements(By.CLASS_NAME, "cd-access-denied"), what="the refusal")
    assert console_errors(browser) == []
    _sign_out(browser)
    browser.get(multi_user_server + "/")
    assert browser.find_elements(By.ID, "username"), "signed out: back to the sign-in page"
