"""ref_msdrg and ref_cc_mcc: MS-DRG titles, MDC, type, CC/MCC split, weights and CC/MCC lists.

Titles, MDC, MED/SURG and CC/MCC levels: drgpy's grouper tables per version (grouper_tables.DRG_VERSIONS).
relative_weight / gmlos / amlos: CMS IPPS FY2026 Final Rule Table 5 as shipped by the `drg` package
(drg/data/cms/drg_weights.txt), applied to v43 and v43.1 only (CMS publishes Table 5 per fiscal year; the
April v43.1 release keeps FY2026 weights). Earlier versions have null weights: no installed package ships
their Table 5.
"""
from __future__ import annotations

import csv
import re
from importlib.metadata import PackageNotFoundError, distribution

import pandas as pd

from codedash.data.reference import grouper_tables as gt

TABLE5_FISCAL_YEAR = 2026

# The last "with/without CC|MCC|CC/MCC" phrase of a DRG title decides its split level.
_SPLIT = re.compile(r"\b(WITH|WITHOUT) (CC/MCC|MCC|CC)\b")


def severity_of(title: str) -> str:
    """Secondary-diagnosis level a DRG requires: 'MCC', 'CC' or 'CC/MCC' for the 'with ...' DRGs,
    'NONE' for 'without ...' DRGs and for DRGs with no CC/MCC split."""
    matches = list(_SPLIT.finditer(title.upper()))
    if not matches or matches[-1].group(1) == "WITHOUT":
        return "NONE"
    return matches[-1].group(2)


def base_title(title: str) -> str:
    """The title without its CC/MCC split phrase (and what follows it), shared by a DRG family."""
    matches = list(_SPLIT.finditer(title.upper()))
    return title.upper()[:matches[-1].start()].strip(" ,") if matches else title.upper()


def _number(text: str) -> float | None:
    text = text.strip()
    return None if text in ("", ".") else float(text)   # Table 5 prints '.' for 998/999


def _table5() -> pd.DataFrame | None:
    try:
        path = distribution("drg").locate_file("drg/data/cms/drg_weights.txt")
    except PackageNotFoundError:
        return None
    rows = []
    with open(path, encoding="latin-1", newline="") as fh:
        for rec in csv.reader(fh, delimiter="\t"):
            if rec and re.fullmatch(r"\d{3}", rec[0].strip()):
                # columns: MS-DRG, post-acute, special pay, MDC, TYPE, title, weight before cap,
                # weight with 10% cap applied, geometric mean LOS, arithmetic mean LOS
                rows.append((rec[0].strip(), *(_number(x) for x in rec[7:10])))
    return pd.DataFrame(rows, columns=["drg_code", "relative_weight", "gmlos", "amlos"])


def build_msdrg() -> tuple[pd.DataFrame, dict]:
    frames = []
    for v in gt.DRG_VERSIONS:
        drgmap = gt.load(v.name)["drgmap"]
        df = pd.DataFrame([{
            "drg_version": v.key,
            "drg_code": code,
            "description": d["desc"],
            "mdc": d["mdc"] or ("PRE" if code < "020" else None),
            "drg_type": "SURG" if d["is_surgical"] else ("MED" if d["is_medical"] else None),
        } for code, d in sorted(drgmap.items())])
        df["severity"] = df["description"].map(severity_of)
        base = df["description"].map(base_title)
        df["base_drg"] = df.groupby([df["mdc"].fillna(""), base])["drg_code"].transform("min")
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    t5 = _table5()
    stats = {"table5": t5 is not None}
    if t5 is not None:
        weighted = out["drg_version"].isin([v.key for v in gt.DRG_VERSIONS if v.fiscal_year == TABLE5_FISCAL_YEAR])
        merged = out.merge(t5, on="drg_code", how="left")
        for col in ("relative_weight", "gmlos", "amlos"):
            out[col] = merged[col].where(weighted)
        stats["weighted_rows"] = int(out["relative_weight"].notna().sum())
    else:
        for col in ("relative_weight", "gmlos", "amlos"):
            out[col] = float("nan")
    return out, stats


def build_cc_mcc() -> pd.DataFrame:
    frames = []
    for v in gt.DRG_VERSIONS:
        ccmap = gt.load(v.name)["ccmap"]
        frames.append(pd.DataFrame({"drg_version": v.key, "code": list(ccmap),
                                    "level": [d["level"] for d in ccmap.values()]}))
    return pd.concat(frames, ignore_index=True)
