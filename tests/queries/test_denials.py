"""Denials and reimbursement queries on tests/queries/fixtures_denials.py, worked out by hand.

Period 2025-01-01..2025-02-28 = E01..E08 (8 claims, one per encounter).
- Charges Jan 1000+2000+150+100 = 3250, Feb 200+500+3000+100 = 3800 (7050).
  Paid Jan 800+1800 (E02 after the overturned appeal)+70+80 = 2750, Feb 150+0+2500+60 = 2710 (5460).
  Contractual (CO-45, every adjudication) Jan 200+200+30+20 = 450, Feb 50+500+40 = 590; PR-2 10 left out.
  Net collection rate Jan 2750/(3250-450) = 2750/2800, Feb 2710/3210, total 5460/6010 = 0.9085;
  gross 5460/7050 = 0.7745.
- Payers: PA (E01 E02 E05 E08) 4 claims, 1 denied (E02), billed 3300, denied 2000; net 2810/(3300-490) = 1.0.
  PB (E03 E04 E06 E07) 4 claims, 2 denied (E03, E06), billed 3750, denied 550; net 2650/(3750-550) = 0.828125.
  Together 3/8 and 2550/7050, the overview's initial denial rate.
- Reasons over 8 claims / $7050: authorization 1 claim $2000, coding_bundling 1 $50, medical_necessity 1 $500;
  group CO 3 claims $2550. Pareto: CO-197 2000 (0.7843), CO-50 500 (cum 0.9804), CO-97 50 (cum 1.0).
- Procedure (line level): 99213 8 lines, 2 denied (E02, E06) = 0.25, $2500/$7000; 36415 1 of 1, $50/$50.
- Coding-related (CARC 97, 50): C1 (E01 E02 E06 E07) 1 of 4 claims (E06), $500/$6500, top 'CO-50';
  C2 (E03 E04 E05 E08) 1 of 4 (E03), $50/$550.
- Appeals: denied claims 3, appealed 2 (E02 10 days after denial, E06 20) -> filed 2/3, mean 15 days;
  both decided (E02 overturned after 30 days, E06 upheld after 40) -> overturn 1/2, mean 35 days.
  Paid lines: six paid at first adjudication 20 days after service, E02 paid 60 days after service
  (2025-01-20 -> 2025-03-21) -> 180/7 = 25.714 days.
"""
import pytest

from codedash.queries.definitions import denials as d
from codedash.queries.metrics import with_metrics
from codedash.queries.runner import run
from tests.queries import fixtures_denials

PERIOD = {"start_date": "2025-01-01", "end_date": "2025-02-28"}


@pytest.fixture(scope="module")
def con():
    return fixtures_denials.build()


def q(con, name, **params):
    return run(con, name, {**PERIOD, **params})


def test_reimbursement_monthly_and_net_collection(con, no_suppression):
    df = with_metrics(q(con, "reimbursement__monthly"), (d.NET_COLLECTION_RATE, d.GROSS_COLLECTION_RATE))
    assert list(df["charges"]) == [3250, 3800]
    assert list(df["paid_amount"]) == [2750, 2710]
    assert list(df["contractual_adjustments"]) == [450, 590]
    assert list(df["net_collection_rate"]) == pytest.approx([2750 / 2800, 2710 / 3210])
    assert list(df["gross_collection_rate"]) == pytest.approx([2750 / 3250, 2710 / 3800])
    tot = df[["paid_amount", "net_charges", "charges"]].sum()
    assert tot["paid_amount"] / tot["net_charges"] == pytest.approx(5460 / 6010)


def test_reimbursement_by_payer(con, no_suppression):
    df = with_metrics(q(con, "reimbursement__by_group", dimension="payer"), (d.NET_COLLECTION_RATE,)).set_index("group_id")
    assert df.loc["PA", "charges"] == 3300 and df.loc["PA", "contractual_adjustments"] == 490
    assert df.loc["PA", "net_collection_rate"] == pytest.approx(1.0)
    assert df.loc["PB", "net_collection_rate"] == pytest.approx(2650 / 3200)
    assert df.loc["PB", "group_label"] == "Acme Commercial"


def test_denial_rate_by_payer_and_specialty_use_the_overview_definition(con, no_suppression):
    metrics = (d.DENIAL_RATE_COUNT, d.DENIAL_RATE_DOLLARS)
    by_payer = with_metrics(q(con, "denials__rate_by_group", dimension="payer"), metrics).set_index("group_id")
    assert by_payer.loc["PA", ["claims_adjudicated", "claims_denied", "billed_amount", "denied_amount"]].tolist() == [4, 1, 3300, 2000]
    assert by_payer.loc["PB", "denial_rate_count"] == pytest.approx(0.5)
    assert by_payer.loc["PB", "denial_rate_dollars"] == pytest.approx(550 / 3750)
    assert by_payer["claims_denied"].sum() / by_payer["claims_adjudicated"].sum() == pytest.approx(3 / 8)
    by_spec = with_metrics(q(con, "denials__rate_by_group", dimension="specialty"), metrics).set_index("group_id")
    assert by_spec.loc["06", "denial_rate_count"] == pytest.approx(2 / 4)
    assert by_spec.loc["06", "denial_rate_dollars"] == pytest.approx(2500 / 6500)
    assert by_spec.loc["11", "denial_rate_dollars"] == pytest.approx(50 / 550)
    assert by_spec.loc["11", "group_label"] == "Internal Medicine"
    assert q(con, "denials__rate_by_group", dimension="bogus").empty   # unknown dimension: nothing, not an error


def test_denial_rate_by_reason(con, no_suppression):
    metrics = (d.REASON_DENIAL_RATE_COUNT, d.REASON_DENIAL_RATE_DOLLARS)
    cat = with_metrics(q(con, "denials__rate_by_reason", level="category"), metrics).set_index("reason")
    assert list(cat.index) == ["authorization", "medical_necessity", "coding_bundling"]
    assert cat.loc["authorization", "reason_denial_rate_count"] == pytest.approx(1 / 8)
    assert cat.loc["authorization", "reason_denial_rate_dollars"] == pytest.approx(2000 / 7050)
    assert cat.loc["coding_bundling", "reason_denial_rate_dollars"] == pytest.approx(50 / 7050)
    assert cat["denied_amount"].sum() / 7050 == pytest.approx(2550 / 7050)
    grp = q(con, "denials__rate_by_reason", level="carc_group").set_index("reason")
    assert grp.loc["CO", ["claims_denied", "denied_amount", "claims_adjudicated"]].tolist() == [3, 2550, 8]


def test_pareto(con, no_suppression):
    df = q(con, "denials__pareto")
    assert list(df["reason"]) == ["CO-197", "CO-50", "CO-97"]
    assert list(df["category_label"]) == ["Authorization / referral", "Medical necessity", "Coding / bundling"]
    assert list(df["denied_share"]) == pytest.approx([2000 / 2550, 500 / 2550, 50 / 2550])
    assert list(df["cumulative_share"]) == pytest.approx([2000 / 2550, 2500 / 2550, 1.0])
    only = q(con, "denials__pareto", carc_category="coding_bundling")
    assert list(only["reason"]) == ["CO-97"] and only["cumulative_share"].iloc[0] == pytest.approx(1.0)


def test_monthly_trend_with_focus(con, no_suppression):
    """Jan: 2 of 4 claims denied; PB has E03 E04, E03 denied CO-97 (coding_bundling) -> 1/2.
    Feb: 1 of 4 denied (E06, CO-50 medical necessity); PB has E06 E07 -> 0/2 for coding_bundling."""
    df = with_metrics(q(con, "denials__monthly_trend", focus_payer="PB", focus_category="coding_bundling"),
                      (d.DENIAL_RATE_COUNT, d.FOCUS_DENIAL_RATE_COUNT))
    assert list(df["denial_rate_count"]) == pytest.approx([0.5, 0.25])
    assert list(df["focus_claims_adjudicated"]) == [2, 2]
    assert list(df["focus_denial_rate_count"]) == pytest.approx([0.5, 0.0])
    carc = q(con, "denials__monthly_trend", focus_carc="197")
    assert list(carc["focus_claims_denied"]) == [1, 0] and list(carc["focus_denied_amount"]) == [2000, 0]
    nofocus = q(con, "denials__monthly_trend")
    assert list(nofocus["focus_claims_denied"]) == list(nofocus["claims_denied"])


def test_rate_by_procedure_is_line_level(con, no_suppression):
    df = with_metrics(q(con, "denials__rate_by_procedure"),
                      (d.LINE_DENIAL_RATE_COUNT, d.LINE_DENIAL_RATE_DOLLARS)).set_index("code")
    assert df.loc["99213", ["lines_adjudicated", "lines_denied", "n_claims"]].tolist() == [8, 2, 8]
    assert df.loc["99213", "line_denial_rate_count"] == pytest.approx(0.25)
    assert df.loc["99213", "line_denial_rate_dollars"] == pytest.approx(2500 / 7000)
    assert df.loc["36415", "line_denial_rate_count"] == pytest.approx(1.0)
    assert df.loc["36415", "label"] == "Blood draw (test label)"
    assert len(q(con, "denials__rate_by_procedure", limit_rows=1)) == 1


def test_coding_related_by_coder_and_provider(con, no_suppression):
    metrics = (d.CODING_DENIAL_RATE, d.CODING_DENIAL_RATE_LINES, d.CODING_DENIAL_RATE_DOLLARS)
    coders = with_metrics(q(con, "denials__coding_related_by_person", role="coder"), metrics).set_index("person_id")
    assert coders.loc["C1", ["claims_adjudicated", "claims_denied", "claims_coding_denied"]].tolist() == [4, 2, 1]
    assert coders.loc["C1", "coding_denial_rate_dollars"] == pytest.approx(500 / 6500)
    assert coders.loc["C1", "top_carcs"] == "CO-50"
    assert coders.loc["C2", "coding_denial_rate"] == pytest.approx(0.25)
    assert coders.loc["C2", "coding_denial_rate_dollars"] == pytest.approx(50 / 550)
    assert coders.loc["C2", "person_name"] == "Coder Two"
    assert coders.loc["C2", ["lines_adjudicated", "lines_coding_denied"]].tolist() == [5, 1]   # E03 has 2 lines
    assert coders.loc["C2", "coding_denial_rate_lines"] == pytest.approx(1 / 5)
    prov = q(con, "denials__coding_related_by_person", role="provider").set_index("person_id")
    assert prov.loc["DR1", "coding_denied_amount"] == 500 and prov.loc["DR2", "top_carcs"] == "CO-97"


def test_appeals_and_days(con, no_suppression):
    metrics = (d.APPEAL_FILED_RATE, d.OVERTURN_RATE, d.DAYS_TO_APPEAL, d.DAYS_TO_RESOLUTION, d.DAYS_TO_PAYMENT)
    df = with_metrics(q(con, "denials__appeals"), metrics)
    total = df[df["is_total"]].iloc[0]
    assert total["payer_name"] == "All payers"
    assert (total["claims_denied"], total["claims_appealed"], total["lines_resolved"], total["lines_overturned"]) == (3, 2, 2, 1)
    assert total["appeal_filed_rate"] == pytest.approx(2 / 3)
    assert total["overturn_rate"] == pytest.approx(0.5)
    assert total["mean_days_denial_to_appeal"] == pytest.approx(15)
    assert total["mean_days_appeal_to_resolution"] == pytest.approx(35)
    assert total["lines_paid"] == 7
    assert total["mean_days_service_to_payment"] == pytest.approx(180 / 7)
    by = df[~df["is_total"]].set_index("payer_id")
    assert by.loc["PA", "overturn_rate"] == pytest.approx(1.0)
    assert by.loc["PB", ["claims_denied", "claims_appealed", "lines_overturned"]].tolist() == [2, 1, 0]
    auth = q(con, "denials__appeals", carc_category="authorization")
    assert auth[auth["is_total"]]["claims_denied"].iloc[0] == 1


def test_days_distribution(con, no_suppression):
    df = q(con, "denials__days_distribution")
    got = {(r.measure, r.bucket): r.n_lines for r in df.itertuples()}
    assert got == {("denial_to_appeal", "0-14"): 1, ("denial_to_appeal", "15-29"): 1,
                   ("appeal_to_resolution", "30-44"): 2,
                   ("service_to_payment", "15-29"): 6, ("service_to_payment", "60-89"): 1}


def test_case_mix_monthly_has_no_cmi_without_weights(con, no_suppression):
    """Dec 2024: E09 (DRG 291 v42, no weight) -> no CMI, not zero; Jan (1.5+0.9)/2 = 1.2; Feb 1.5."""
    df = with_metrics(q(con, "denials__case_mix_monthly", start_date="2024-12-01"), (d.CASE_MIX_INDEX,))
    assert list(df["inpatient_discharges"]) == [1, 2, 1]
    assert list(df["unweighted_discharges"]) == [1, 0, 0]
    assert df["case_mix_index"].isna().tolist() == [True, False, False]
    assert list(df["case_mix_index"].iloc[1:]) == pytest.approx([1.2, 1.5])


def test_small_counts_are_suppressed(con, cms_suppression):
    for name, params, guarded in [
        ("reimbursement__monthly", {}, ["charges", "paid_amount", "net_charges"]),
        ("denials__rate_by_group", {"dimension": "payer"}, ["claims_denied", "denied_amount"]),
        ("denials__pareto", {}, ["denied_amount", "cumulative_share"]),
        ("denials__coding_related_by_person", {"role": "coder"}, ["claims_coding_denied", "top_carcs"]),
        ("denials__appeals", {}, ["lines_overturned", "days_to_payment_sum"]),
    ]:
        df = q(con, name, **params)
        assert df["suppressed"].all(), name
        for col in guarded:
            assert df[col].isna().all(), (name, col)


def test_demo_denial_spike_p003_co197(small_demo_db, no_suppression):
    """GT06: P003's monthly CO-197 initial denial rate jumps from 2025-07 (planted x4)."""
    import duckdb
    con = duckdb.connect(str(small_demo_db), read_only=True)
    truth = con.execute("select entity_id, parameter, start_month from demo_ground_truth "
                        "where pattern = 'denial_spike'").fetchone()
    assert truth[:2] == ("P003", "197")
    df = run(con, "denials__monthly_trend", {"focus_payer": "P003", "focus_carc": "197"})
    before = df[df["month"] < str(truth[2])]
    after = df[df["month"] >= str(truth[2])]
    rate_before = before["focus_claims_denied"].sum() / before["focus_claims_adjudicated"].sum()
    rate_after = after["focus_claims_denied"].sum() / after["focus_claims_adjudicated"].sum()
    assert rate_after > 2.5 * rate_before, (rate_before, rate_after)


def test_demo_low_accuracy_coder_leads_coding_denials(small_demo_db, no_suppression):
    """GT04: C009 (accuracy ~80 %) has the highest line-level coding-related denial rate of all coders
    (about 11 % of lines against 2-4 % for the others). The claim-level rate ranks inpatient coders first
    (their claims have ~16 lines), which is why the page ranks coders by the line-level rate."""
    import duckdb
    con = duckdb.connect(str(small_demo_db), read_only=True)
    df = with_metrics(run(con, "denials__coding_related_by_person", {"role": "coder"}), (d.CODING_DENIAL_RATE_LINES,))
    ranked = df.sort_values("coding_denial_rate_lines", ascending=False).reset_index(drop=True)
    assert ranked["person_id"].iloc[0] == "C009", ranked[["person_id", "coding_denial_rate_lines"]].head()
    assert ranked["coding_denial_rate_lines"].iloc[0] > 2 * ranked["coding_denial_rate_lines"].iloc[1]
