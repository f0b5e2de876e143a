"""The demo's planted winter seasonality of acute respiratory infections shows on the trends page's rates."""
from __future__ import annotations

import pytest

from codedash.data.database import open_readonly
from codedash.queries import diagnosis_trends as svc


@pytest.fixture(scope="module")
def con(small_demo_db):
    c = open_readonly(small_demo_db)
    yield c
    c.close()


def test_respiratory_rates_are_higher_in_winter(con, cms_suppression):
    rates = svc.monthly_rates(con)                   # default selection: acute respiratory infections
    season = svc.seasonality(rates)
    # data/demo/calendar.py: 20% of office/ED visits are respiratory in Dec-Feb, 3.5% in Jun-Aug
    assert season["winter"] > 1.2 * season["summer"], season
    patients = svc.seasonality(rates, "patient_rate")
    assert patients["winter"] > 1.2 * patients["summer"], patients
    assert not rates["suppressed"].all()


def test_every_view_runs_on_the_demo_without_small_counts(con, cms_suppression):
    h = svc.hierarchy(con)
    assert len(h) > 50
    for col in ("n_encounters", "n_patients"):
        shown = h[col].dropna()
        assert not ((shown >= 1) & (shown <= 10)).any()
    for stratum in svc.STRATA:
        df = svc.monthly_rates(con, stratum=stratum)
        for col in ("n_encounters", "n_patients", "dx_encounters", "dx_patients"):
            shown = df[col].dropna()
            assert not ((shown >= 1) & (shown <= 10)).any(), (stratum, col)
    change = svc.period_change(con)["table"]
    assert change["ranked"].any()
    co = svc.cooccurrence(con)
    assert len(co["table"]) > 0
