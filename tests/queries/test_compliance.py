"""Compliance measures: exact numerators and denominators on a tiny fixture, statistics wiring, the catalog,
suppression of values and encounter lists, and the planted outliers of the small demo flagged at 99.8%."""
from __future__ import annotations

import pandas as pd
import pytest

from codedash.queries import compliance
from codedash.queries.params import ParameterError
from tests.queries import fixtures_compliance

# measure -> {entity: (numerator, denominator)}, worked out in fixtures_compliance's docstring
EXPECTED = {
    "EM_OFFICE_EST_HIGH": {"PA": (2, 3), "PB": (1, 2)},
    "MOD25_PROV": {"PA": (0, 3), "PB": (1, 2)},
    "MOD59_PROV": {"PB": (0, 2), "PC": (1, 3)},
    "NCCI_PTP_PROV": {"PB": (1, 1), "PC": (0, 1)},
    "NCCI_MUE_PROV": {"PC": (1, 1)},
    "UNSPEC_CODER": {"K1": (3, 8), "K2": (1, 8)},
    "UNSPEC_PROV": {"PA": (1, 9), "PB": (2, 5), "PC": (1, 2)},
    "UNDERSPEC_CODER": {"K1": (0, 8), "K2": (0, 8)},
    "UNDERSPEC_PROV": {"PA": (0, 9), "PB": (0, 5), "PC": (0, 2)},
    "INVALID_FY_CODER": {"K1": (1, 8), "K2": (0, 8)},
    "INVALID_FY_PROV": {"PA": (0, 9), "PB": (0, 5), "PC": (1, 2)},
    "AUDIT_SPECIFIC_CODER": {"K1": (1, 2), "K2": (1, 2)},
    "DENIAL_CODING_PROV": {"PA": (1, 2), "PB": (1, 2), "PC": (0, 1)},
    "PEP_MCC_FAC": {"H1": (1, 3), "H2": (1, 2)},
    "PEP_MCC_PROV": {"PA": (1, 3), "PB": (1, 2)},
    "PEP_MED_CCMCC_FAC": {"H1": (2, 2), "H2": (1, 2)},
    "PEP_MED_CCMCC_PROV": {"PA": (2, 2), "PB": (1, 2)},
    "PEP_SURG_CCMCC_FAC": {"H1": (0, 1)},
    "PEP_SURG_CCMCC_PROV": {"PA": (0, 1)},
    "PEP_SINGLE_CCMCC_FAC": {"H1": (1, 2), "H2": (1, 1)},
    "PEP_SINGLE_CCMCC_PROV": {"PA": (1, 2), "PB": (1, 1)},
    "PEP_SEPSIS_FAC": {"H1": (0, 2), "H2": (1, 2)},
    "PEP_SEPSIS_PROV": {"PA": (0, 2), "PB": (1, 2)},
    "PEP_MED_1DAY_FAC": {"H1": (1, 2), "H2": (1, 2)},
    "PEP_MED_1DAY_PROV": {"PA": (1, 2), "PB": (1, 2)},
    "EM_OFFICE_NEW_HIGH": {}, "EM_ED_HIGH": {}, "EM_IP_INITIAL_HIGH": {}, "EM_IP_SUBSEQUENT_HIGH": {},
}


@pytest.fixture(scope="module")
def con():
    return fixtures_compliance.build()


def _parts(df: pd.DataFrame) -> dict:
    return {r.entity_id: (int(r.numerator), int(r.denominator)) for r in df.itertuples()}


def test_every_catalog_measure_has_an_expected_answer():
    assert set(EXPECTED) == set(compliance.measure_catalog())


@pytest.mark.parametrize("measure_id", sorted(EXPECTED))
def test_numerator_and_denominator_per_entity(con, no_suppression, measure_id):
    values = compliance.measure_values(con, measure_id)
    assert _parts(values) == EXPECTED[measure_id]
    if len(values):
        assert (values["value"] == values["numerator"] / values["denominator"]).all()


def test_underspecified_counts_only_siblings_other_coders_use(no_suppression):
    values = compliance.measure_values(fixtures_compliance.build_underspecified(), "UNDERSPEC_CODER")
    assert _parts(values) == {"K1": (1, 1), "K2": (0, 6)}


def test_peer_value_is_the_pooled_rate_of_the_peer_group(con, no_suppression):
    values = compliance.measure_values(con, "UNSPEC_PROV").set_index("entity_id")
    # PA and PB are Internal Medicine (11): (1 + 2) / (9 + 5); PC is alone in Dermatology (07)
    assert values.loc["PA", "peer_value"] == pytest.approx(3 / 14)
    assert values.loc["PB", "peer_value"] == pytest.approx(3 / 14)
    assert values.loc["PC", "peer_value"] == pytest.approx(1 / 2)
    assert values.loc["PA", "peer_label"] == "Internal Medicine"
    assert values.loc["PA", "n_peer_entities"] == 2


def test_below_the_minimum_denominator_entities_are_shown_never_flagged(con, no_suppression):
    values = compliance.measure_values(con, "UNSPEC_CODER")      # min denominator 50; both coders have 8
    assert len(values) == 2
    assert not values["assessed"].any()
    assert values[["flag95", "flag998", "pepper_flag"]].isna().all(axis=None)
    assert values["percentile"].isna().all()
    assert values["z"].notna().all()             # the z-score is still shown


def test_flags_come_from_the_funnel_with_the_measure_direction(monkeypatch, con, no_suppression):
    m = compliance.measure("UNSPEC_CODER")
    monkeypatch.setitem(compliance.measure_catalog(), "UNSPEC_CODER",
                        compliance.Measure(**{**m.__dict__, "min_denominator": 1}))
    values = compliance.measure_values(con, "UNSPEC_CODER").set_index("entity_id")
    # p0 = 4/16 = 0.25; K1 3/8 and K2 1/8 are within exact binomial limits at n = 8
    assert values.loc["K1", "peer_value"] == pytest.approx(0.25)
    assert values.loc["K1", "z"] == pytest.approx((3 / 8 - 0.25) / (0.25 * 0.75 / 8) ** 0.5)
    assert list(values["flag95"]) == ["within", "within"]
    # PEPPER percentile: share of the group with a strictly lower value (K2 0, K1 50)
    assert values.loc["K1", "percentile"] == 50 and values.loc["K2", "percentile"] == 0
    assert values.loc["K1", "phi"] == 1.0          # 2 entities: below MIN_ENTITIES_FOR_OVERDISPERSION


def test_em_measures_carry_a_chi_square_of_the_whole_distribution(con, no_suppression, monkeypatch):
    m = compliance.measure("EM_OFFICE_EST_HIGH")
    monkeypatch.setitem(compliance.measure_catalog(), "EM_OFFICE_EST_HIGH",
                        compliance.Measure(**{**m.__dict__, "min_denominator": 1}))
    values = compliance.measure_values(con, "EM_OFFICE_EST_HIGH")
    assert "chi2_p" in values
    dist = compliance.em_distribution(con, "EM_OFFICE_EST_HIGH", "PA")
    assert dist["code"].tolist() == ["99211", "99212", "99213", "99214", "99215"]
    assert dist["entity_lines"].tolist() == [0, 0, 1, 1, 1]
    assert dist["peer_lines"].tolist() == [0, 1, 0, 0, 1]        # PB, the rest of Internal Medicine
    assert dist["entity_share"].tolist() == pytest.approx([0, 0, 1 / 3, 1 / 3, 1 / 3])


def test_flag_encounters_lists_the_numerator_first_with_strata(con, no_suppression):
    rows = compliance.flag_encounters(con, "EM_OFFICE_EST_HIGH", "PA")
    assert rows["encounter_id"].tolist() == ["E1", "E2"]
    assert rows["in_numerator"].tolist() == [True, False]
    assert rows["units_numerator"].tolist() == [2, 0] and rows["units_denominator"].tolist() == [2, 1]
    assert {"discharge_month", "facility_id", "payer_id", "coder_id", "encounter_type"} <= set(rows.columns)


def test_flag_encounters_of_a_small_denominator_are_not_listed(con, cms_suppression):
    rows = compliance.flag_encounters(con, "EM_OFFICE_EST_HIGH", "PA")       # 2 encounters: even the count is hidden
    assert rows.empty and "encounter_id" in rows.columns


def test_flag_encounters_hide_identifiers_of_a_small_numerator(con, monkeypatch):
    monkeypatch.setenv("CODEDASH_SUPPRESSION_THRESHOLD", "1")
    rows = compliance.flag_encounters(con, "UNSPEC_CODER", "K2")    # K2's 5 encounters, 1 with an unspecified code
    assert len(rows) == 5
    assert rows["encounter_id"].isna().all()
    assert rows["in_numerator"].isna().all() and rows["units_numerator"].isna().all()


def test_values_are_suppressed_with_their_numerator(con, cms_suppression):
    values = compliance.measure_values(con, "UNSPEC_PROV")
    assert values[["numerator", "value", "z", "percentile"]].isna().all(axis=None)
    assert values["suppressed"].all()


def test_unknown_measure_and_bad_entity_are_refused(con):
    with pytest.raises(ParameterError):
        compliance.measure_values(con, "DROP TABLE")
    with pytest.raises(ParameterError):
        compliance.flag_encounters(con, "MOD25_PROV", "")
    with pytest.raises(ParameterError):
        compliance.em_distribution(con, "MOD25_PROV", "PA")


def test_catalog_rows_are_complete():
    cat = compliance.catalog_frame()
    assert cat["measure_id"].is_unique
    assert set(cat["entity_type"]) == {"provider", "coder", "facility"}
    assert cat[["definition", "source", "numerator", "denominator"]].ne("").all(axis=None)


def test_edit_label_says_demonstration_set(con):
    label = compliance.edit_label(compliance.edit_sources(con))
    assert "demonstration set — not CMS's" in label and "PTP" in label and "MUE" in label


# ------------------------------------------------------------------ the small demo's planted outliers

PLANTED = [("GT01", "EM_OFFICE_EST_HIGH"), ("GT02", "EM_OFFICE_EST_HIGH"), ("GT03", "MOD25_PROV"),
           ("GT05", "UNSPEC_CODER"), ("GT07", "PEP_MCC_FAC"), ("GT07", "PEP_MED_CCMCC_FAC"),
           ("GT08", "NCCI_PTP_PROV"), ("GT09", "NCCI_MUE_PROV")]


@pytest.fixture(scope="module")
def demo(small_demo_db):
    from codedash.data.database import open_readonly
    return open_readonly(small_demo_db)


@pytest.mark.parametrize(("pattern", "measure_id"), PLANTED)
def test_planted_outlier_is_flagged_by_the_funnel_at_99_8(demo, cms_suppression, pattern, measure_id):
    entity = demo.execute("select entity_id from demo_ground_truth where pattern_id = ?", [pattern]).fetchone()[0]
    values = compliance.measure_values(demo, measure_id)
    row = values[values["entity_id"] == entity]
    assert len(row) == 1 and row["flag998"].iloc[0] == "high", row.to_dict(orient="records")


def test_funnel_data_is_the_selected_entitys_peer_group(con, no_suppression):
    values = compliance.measure_values(con, "UNSPEC_PROV")
    data = compliance.funnel_data(values, "UNSPEC_PROV", "PC")
    assert data["peer_group"] == "07" and data["points"]["entity_id"].tolist() == ["PC"]
    data = compliance.funnel_data(values, "UNSPEC_PROV", "PA")
    assert data["peer_label"] == "Internal Medicine" and data["p0"] == pytest.approx(3 / 14)
    assert data["points"][["entity_id", "n", "y"]].values.tolist() == [["PA", 9, 1 / 9], ["PB", 5, 2 / 5]]
    curve = data["curve"]
    assert curve["n"].is_monotonic_increasing and curve[["lower998", "upper998"]].stack().between(0, 1).all()
    assert data["not_plotted"] == 0


def test_funnel_data_leaves_suppressed_values_unplotted(con, cms_suppression):
    data = compliance.funnel_data(compliance.measure_values(con, "UNSPEC_PROV"), "UNSPEC_PROV", "PA")
    assert data["points"]["suppressed"].all() and data["not_plotted"] == 2


@pytest.mark.parametrize(("measure_id", "expected"), [
    ("EM_OFFICE_NEW_HIGH", {"PA": (2, 2), "PB": (0, 1)}),
    ("EM_ED_HIGH", {"PA": (1, 1), "PB": (1, 2)}),
    ("EM_IP_INITIAL_HIGH", {"PA": (1, 1), "PB": (0, 1)}),
    ("EM_IP_SUBSEQUENT_HIGH", {"PA": (1, 2), "PB": (2, 2)}),
])
def test_every_em_family_counts_its_two_highest_levels(no_suppression, measure_id, expected):
    """The office-new, emergency and hospital-care families (the demo bills no hospital-care E/M codes; this
    fixture does), worked out by hand in fixtures_compliance.build_em_families."""
    con = fixtures_compliance.build_em_families()
    assert _parts(compliance.measure_values(con, measure_id)) == expected


def test_hospital_care_em_distribution_against_peers(no_suppression):
    dist = compliance.em_distribution(fixtures_compliance.build_em_families(), "EM_IP_SUBSEQUENT_HIGH", "PA")
    assert dist["code"].tolist() == ["99231", "99232", "99233"]
    assert dist["entity_lines"].tolist() == [1, 0, 1] and dist["peer_lines"].tolist() == [0, 2, 0]
