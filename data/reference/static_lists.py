"""Small reference lists shipped as CSVs in data/reference/ (each with a leading '# source:' line)."""
from __future__ import annotations

import pandas as pd

from codedash.data.reference._loading import read_reference_csv

# codedash's own CARC categories and their display labels (never X12's description text).
CARC_CATEGORY_LABELS = {
    "eligibility": "Eligibility / coverage",
    "authorization": "Authorization / referral",
    "coding_bundling": "Coding / bundling",
    "medical_necessity": "Medical necessity",
    "timely_filing": "Timely filing",
    "duplicate": "Duplicate",
    "missing_information": "Missing / invalid information",
    "contractual": "Contractual adjustment",
    "patient_responsibility": "Patient responsibility",
    "coordination_of_benefits": "Coordination of benefits",
    "non_covered": "Non-covered service",
    "other": "Other",
}

STATIC_FILES = {
    "ref_specialty": "specialty.csv",
    "ref_pos": "pos.csv",
    "ref_carc": "carc.csv",
    "ref_procedure_labels": "procedure_labels.csv",
}


def build_specialty() -> pd.DataFrame:
    return read_reference_csv("specialty.csv")


def build_pos() -> pd.DataFrame:
    return read_reference_csv("pos.csv")


def build_carc() -> pd.DataFrame:
    df = read_reference_csv("carc.csv")
    unknown = set(df["category"]) - set(CARC_CATEGORY_LABELS)
    if unknown:
        raise ValueError(f"carc.csv: unknown categories {sorted(unknown)}")
    df["category_label"] = df["category"].map(CARC_CATEGORY_LABELS)
    df["coding_related"] = df["coding_related"].map({"true": True, "false": False}).astype(bool)
    return df


def build_procedure_labels() -> pd.DataFrame:
    df = read_reference_csv("procedure_labels.csv")
    df["em_level"] = pd.to_numeric(df["em_level"]).astype("Int16")
    return df
