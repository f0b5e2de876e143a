"""`make bench` section: the same aggregations in plain pandas, to compare codedash's callback path with.

The canonical tables are read into DataFrames once (only the columns these views use); then each view
filters, joins and groups them, as a hand-written pandas dashboard would. Three views: the overview's
monthly KPI components for the period and the one before (overview__monthly_components, twice), the HFMA
initial denial rate by payer (denials__rate_by_group) and the AHIMA accuracy per coder
(coding__accuracy_by_coder). `check` compares each with the codedash query on the same filters, so the
comparison is between equal answers.
"""
from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pandas as pd

COLUMNS = {
    "encounters": "encounter_id, discharge_date, encounter_type, drg_code, drg_version, facility_id, "
                  "specialty_code, payer_id, coder_id",
    "service_lines": "encounter_id, paid_amount",
    "adjudications": "claim_id, encounter_id, adjudication_seq, billed_amount, denied",
    "audits": "audit_id, encounter_id, coder_id, drg_before, drg_after, dollar_impact",
    "audit_findings": "audit_id, finding_type",
    "ref_msdrg": "drg_version, drg_code, relative_weight",
    "payers": "payer_id, payer_name",
    "coders": "coder_id, coder_name",
}


def load(con) -> tuple[dict[str, pd.DataFrame], float]:
    t0 = time.perf_counter()
    tables = {t: con.execute(f"select {cols} from {t}").df() for t, cols in COLUMNS.items()}   # noqa: S608
    tables["encounters"]["discharge_date"] = pd.to_datetime(tables["encounters"]["discharge_date"])
    return tables, time.perf_counter() - t0


def _filtered(t, f: dict) -> pd.DataFrame:
    e = t["encounters"]
    mask = np.ones(len(e), dtype=bool)
    if f.get("start_date"):
        mask &= (e["discharge_date"] >= pd.Timestamp(f["start_date"])).to_numpy()
    if f.get("end_date"):
        mask &= (e["discharge_date"] <= pd.Timestamp(f["end_date"])).to_numpy()
    for name, col in (("facilities", "facility_id"), ("specialties", "specialty_code"),
                      ("payers", "payer_id"), ("coders", "coder_id")):
        if f.get(name):
            mask &= e[col].isin(f[name]).to_numpy()
    return e[mask]


def _initial_claims(t, e: pd.DataFrame) -> pd.DataFrame:
    """The HFMA rule: a claim is denied when any line was denied on first adjudication."""
    a = t["adjudications"]
    a = a[a["adjudication_seq"] == 1]
    a = a[a["encounter_id"].isin(e["encounter_id"])]
    a = a.assign(denied_amount=np.where(a["denied"], a["billed_amount"], 0.0), is_denied=a["denied"].astype(int))
    return a.groupby("claim_id", sort=False).agg(encounter_id=("encounter_id", "min"),
                                                 billed_amount=("billed_amount", "sum"),
                                                 denied_amount=("denied_amount", "sum"),
                                                 is_denied=("is_denied", "max")).reset_index()


def overview_components(t, f: dict) -> pd.DataFrame:
    e = _filtered(t, f)[["encounter_id", "discharge_date", "encounter_type", "drg_code", "drg_version"]]
    e = e.assign(month=e["discharge_date"].dt.to_period("M").dt.to_timestamp())
    months = e[["encounter_id", "month"]]
    out = e.groupby("month").size().rename("n_encounters").to_frame()
    a = t["audits"][["audit_id", "encounter_id"]].merge(months, on="encounter_id").merge(t["audit_findings"], on="audit_id")
    a = a.assign(reviewed=(a["finding_type"] != "deleted").astype(int), correct=(a["finding_type"] == "correct").astype(int))
    out = out.join(a.groupby("month").agg(n_audited_encounters=("encounter_id", "nunique"),
                                          audit_codes_reviewed=("reviewed", "sum"), audit_codes_correct=("correct", "sum")))
    c = _initial_claims(t, e).merge(months, on="encounter_id")
    out = out.join(c.groupby("month").agg(claims_adjudicated=("claim_id", "size"), claims_denied=("is_denied", "sum"),
                                          billed_amount=("billed_amount", "sum"), denied_amount=("denied_amount", "sum")))
    s = t["service_lines"].merge(months, on="encounter_id")
    out = out.join(s.groupby("month")["paid_amount"].sum())
    d = e[e["encounter_type"] == "inpatient"].merge(t["ref_msdrg"], on=["drg_version", "drg_code"])
    d = d[d["relative_weight"].notna()]
    out = out.join(d.groupby("month").agg(drg_discharges=("encounter_id", "size"), drg_weight_sum=("relative_weight", "sum")))
    return out.fillna(0).reset_index().sort_values("month")


def overview_two_periods(t, f: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The overview compares the filtered period with the one before it, of the same length."""
    start, end = dt.date.fromisoformat(f["start_date"]), dt.date.fromisoformat(f["end_date"])
    days = (end - start).days + 1
    prev = {**f, "start_date": (start - dt.timedelta(days=days)).isoformat(),
            "end_date": (start - dt.timedelta(days=1)).isoformat()}
    return overview_components(t, f), overview_components(t, prev)


def denial_rate_by_payer(t, f: dict) -> pd.DataFrame:
    e = _filtered(t, f)[["encounter_id", "payer_id"]]
    c = _initial_claims(t, e).merge(e, on="encounter_id")
    g = c.groupby("payer_id").agg(claims_adjudicated=("claim_id", "size"), claims_denied=("is_denied", "sum"),
                                  billed_amount=("billed_amount", "sum"), denied_amount=("denied_amount", "sum"))
    g = g.reset_index().rename(columns={"payer_id": "group_id"}).merge(
        t["payers"].rename(columns={"payer_id": "group_id", "payer_name": "group_label"}), on="group_id", how="left")
    return g.sort_values(["claims_adjudicated", "group_id"], ascending=[False, True])


def coder_accuracy(t, f: dict) -> pd.DataFrame:
    e = _filtered(t, f)[["encounter_id", "encounter_type"]]
    d = t["audits"].merge(e, on="encounter_id")
    fnd = t["audit_findings"][t["audit_findings"]["audit_id"].isin(d["audit_id"])]
    ft = fnd["finding_type"]
    per = fnd.assign(codes_reviewed=(ft.notna() & (ft != "deleted")).astype(int),
                     codes_correct=(ft == "correct").astype(int),
                     n_changes=(ft.notna() & (ft != "correct")).astype(int)).groupby("audit_id")[
        ["codes_reviewed", "codes_correct", "n_changes"]].sum()
    d = d.merge(per, left_on="audit_id", right_index=True, how="left").fillna(
        {"codes_reviewed": 0, "codes_correct": 0, "n_changes": 0})
    drg = (d["encounter_type"] == "inpatient") & d["drg_before"].notna() & d["drg_after"].notna()
    imp = d["dollar_impact"]
    d = d.assign(no_change=(d["n_changes"] == 0).astype(int), drg_audit=drg.astype(int),
                 drg_same=(drg & (d["drg_before"] == d["drg_after"])).astype(int),
                 drg_diff=(drg & (d["drg_before"] != d["drg_after"])).astype(int),
                 under=(imp > 0).astype(int), under_amt=imp.where(imp > 0, 0.0),
                 over=(imp < 0).astype(int), over_amt=imp.where(imp < 0, 0.0), net=imp.fillna(0.0))
    g = d.groupby("coder_id").agg(
        n_audited_encounters=("encounter_id", "nunique"), n_audits=("audit_id", "size"),
        audit_codes_reviewed=("codes_reviewed", "sum"), audit_codes_correct=("codes_correct", "sum"),
        records_no_change=("no_change", "sum"), drg_audits=("drg_audit", "sum"), drg_unchanged=("drg_same", "sum"),
        drg_changed=("drg_diff", "sum"), n_under_coded=("under", "sum"), under_coded_amount=("under_amt", "sum"),
        n_over_coded=("over", "sum"), over_coded_amount=("over_amt", "sum"), net_impact=("net", "sum")).reset_index()
    return g.merge(t["coders"], on="coder_id", how="left").sort_values("coder_id")


VIEWS = {
    # name: (pandas function, codedash query checked against, extra params, key column)
    "overview KPIs (2 periods)": (overview_two_periods, "overview__monthly_components", {}, "month"),
    "denial rate by payer": (denial_rate_by_payer, "denials__rate_by_group", {"dimension": "payer"}, "group_id"),
    "coder accuracy": (coder_accuracy, "coding__accuracy_by_coder", {}, "coder_id"),
}


def _same(expected: pd.DataFrame, got: pd.DataFrame, key: str) -> bool:
    if len(expected) != len(got):
        return False
    if not len(expected):
        return True
    exp = expected.sort_values(key).reset_index(drop=True)
    ours = got.sort_values(key).reset_index(drop=True)
    for col in exp.columns:
        if col == key:
            continue
        if col not in ours.columns:
            return False
        a, b = exp[col], ours[col]
        if pd.api.types.is_numeric_dtype(a):
            if not np.allclose(a.astype(float).fillna(-1), b.astype(float).fillna(-1), rtol=1e-9, atol=1e-6):
                return False
        elif not (a.fillna("").astype(str) == b.fillna("").astype(str)).all():
            return False
    return True


def check(con, t, f: dict) -> dict[str, bool]:
    """Whether each pandas view returns the rows and values of its codedash query (unsuppressed)."""
    from codedash.queries.runner import run

    out = {}
    for name, (func, query, extra, key) in VIEWS.items():
        ours = func(t, f)
        ours = ours[0] if isinstance(ours, tuple) else ours
        theirs = run(con, query, {**f, **extra}, suppress=False)
        if key == "month":
            theirs = theirs.assign(month=pd.to_datetime(theirs["month"]))
        out[name] = _same(theirs, ours, key)
    return out


def time_views(t, filter_sets: list[dict]) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in VIEWS}
    for f in filter_sets:
        for name, (func, *_rest) in VIEWS.items():
            t0 = time.perf_counter()
            func(t, f)
            times[name].append((time.perf_counter() - t0) * 1000)
    return times
