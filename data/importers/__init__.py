"""Importers: one module per outside format, each converting source files to canonical Parquet.

Every module defines FORMAT, detect(paths) and convert(paths, out_dir, con=None) -> ImportSummary
(see data/importers/base.py). Add a format with one line in _MODULES.
"""
from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from codedash.data.importers.base import ImportFormatError, ImportSummary

__all__ = ["ImportFormatError", "ImportSummary", "FORMATS", "get", "detect_format"]

# --format name -> module (one line per format)
_MODULES: dict[str, str] = {
    "tuva": "codedash.data.importers.tuva",
    "desynpuf": "codedash.data.importers.desynpuf",
    "cms-rif": "codedash.data.importers.cms_rif",
    "x12-835": "codedash.data.importers.x12_835",
    "x12-837": "codedash.data.importers.x12_837",
    "mimic-iv": "codedash.data.importers.mimic_iv",
    "omop": "codedash.data.importers.omop",
}

FORMATS = tuple(_MODULES)


def get(fmt: str) -> ModuleType:
    """The importer module for a --format name (ValueError for an unknown name)."""
    if fmt not in _MODULES:
        raise ValueError(f"unknown format {fmt!r}; known: {', '.join(sorted(_MODULES))}")
    return importlib.import_module(_MODULES[fmt])


def detect_format(paths: list[Path]) -> str | None:
    """The one format whose detect() accepts the files, or None when none or several do."""
    hits = [f for f in _MODULES if _detects(f, [Path(p) for p in paths])]
    return hits[0] if len(hits) == 1 else None


def _detects(fmt: str, paths: list[Path]) -> bool:
    """A folder that cannot be listed (a symbolic link loop in it) is no format: the native loader
    then names the entry in its report."""
    try:
        return bool(get(fmt).detect(paths))
    except ImportFormatError:
        return False
