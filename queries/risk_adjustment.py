"""CMS-HCC V28 risk adjustment of the patients seen in a year: HCC prevalence per 1,000 patients and the
average risk score by payer type or facility, computed with hccinfhir from the filtered diagnoses.

Unit: a patient seen in the calendar year under the global filters (dates narrow the year further),
attributed to the payer type or facility of their last encounter that year. Their diagnoses are the
ICD-10-CM codes of those encounters; hccinfhir maps them to HCCs, applies the V28 hierarchies and
interactions and scores them with its coefficients (hccinfhir's default 2026 tables: payment year 2026).
What the data lacks is assumed: community-dwelling, non-dual, aged/disabled by age (orec '0'), not a new
enrollee; the normalisation factor and the MA coding-intensity adjustment are not applied (raw score). So
the scores compare groups within this data set; they are not payment amounts. Scores are computed once
per distinct set of condition categories and demographic cell, memoised in the process (`score`).
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


def score(codes: str, age: int, sex: str) -> tuple[float, tuple[str, ...]]:
    """(risk score, HCCs after hierarchies) of one patient profile: hccinfhir's calculate_raf in two
    memoised steps (code set -> categories, keyed by age and sex only where an edit can apply; categories ->
    score per demographic cell), so that the many code sets that map to the same condition categories are scored once
    (a year at 10M has 70,000 distinct code sets and a few thousand category sets per demographic cell;
    one calculate_raf is 0.36 ms). tests/queries/test_risk_adjustment.py checks it equals calculate_raf."""
    sex = sex if sex in ("F", "M") else "F"
    return _score_ccs(_ccs(codes, int(age), sex), _demographic_cell(int(age), sex))


def _ccs(codes: str, age: int, sex: str) -> frozenset[str]:
    """The condition categories of a code set after hccinfhir's age/sex edits (before hierarchies). Age and
    sex enter only through an edit of one of the codes (apply_edits leaves the mapping as it is when no code
    has one), so most code sets are mapped once for every age and sex instead of once per age."""
    ccs, edited = _ccs_unedited(codes)
    return _ccs_edited(codes, age, sex) if edited else ccs


@functools.lru_cache(maxsize=200_000)
def _ccs_unedited(codes: str) -> tuple[frozenset[str], bool]:
    """(the categories of the code set without edits, whether any of its codes has an age/sex edit)."""
    return frozenset(_mapping(codes)), not _edited_codes().isdisjoint(codes.split(","))


@functools.lru_cache(maxsize=200_000)
def _ccs_edited(codes: str, age: int, sex: str) -> frozenset[str]:
    from hccinfhir.defaults import edits_default
    from hccinfhir.model_edits import apply_edits

    return frozenset(apply_edits(_mapping(codes), age, sex, MODEL, edits_default))


def _mapping(codes: str) -> dict[str, set[str]]:
    """hccinfhir's category -> codes mapping of a comma-separated code set (a new dict: apply_edits changes it)."""
    from hccinfhir.defaults import dx_to_cc_default
    from hccinfhir.model_dx_to_cc import apply_mapping

    return apply_mapping([c for c in codes.split(",") if c], MODEL, dx_to_cc_mapping=dx_to_cc_default)


@functools.lru_cache(maxsize=1)
def _edited_codes() -> frozenset[str]:
    from hccinfhir.defaults import edits_default

    return frozenset(code for code, model in edits_default if model == MODEL)


_CELLS: dict[tuple[str, bool], object] = {}     # demographic cell -> the Demographics of an age in it


@functools.lru_cache(maxsize=512)
def _demographic_cell(age: int, sex: str) -> tuple[str, bool]:
    """What the model reads of age after the edits: hccinfhir's demographic categorisation (made as
    calculate_raf makes it under this data's assumptions) without the age itself, and whether the patient
    is 65 or older (the only test of age in hccinfhir's interactions and coefficients)."""
    from hccinfhir.model_demographics import categorize_demographics

    demographics = categorize_demographics(age, sex, "NA", "0", "0", "V2", False, False, False, False, None)
    cell = (demographics.model_dump_json(exclude={"age"}), age >= 65)
    _CELLS.setdefault(cell, demographics)
    return cell


@functools.lru_cache(maxsize=200_000)
def _score_ccs(ccs: frozenset[str], cell: tuple[str, bool]) -> tuple[float, tuple[str, ...]]:
    """calculate_raf's risk score from the categories on: hierarchies, interactions, coefficients."""
    from hccinfhir.defaults import coefficients_default, hierarchies_default
    from hccinfhir.model_coefficients import apply_coefficients
    from hccinfhir.model_hierarchies import apply_hierarchies
    from hccinfhir.model_interactions import apply_interactions

    demographics = _CELLS[cell]
    hccs = apply_hierarchies(set(ccs), MODEL, hierarchies_default)
    interactions = apply_interactions(demographics, hccs, MODEL)
    coefficients = apply_coefficients(demographics, hccs, interactions, MODEL, coefficients_default)
    return float(sum(coefficients.values())), tuple(sorted(hccs))


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
    scored = [score(c, a, s) for c, a, s in zip(raw["codes"].tolist(), raw["age"].tolist(), raw["sex"].tolist())]
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
