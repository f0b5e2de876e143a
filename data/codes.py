"""Small pure helpers for medical codes and fiscal years."""
from __future__ import annotations

from datetime import date


def normalize_code(code: str) -> str:
    """Canonical stored form of a code: stripped, upper case, without dots or spaces ('e11.65 ' -> 'E1165')."""
    return "".join(str(code).split()).replace(".", "").upper()


def dotted_icd10cm(code: str) -> str:
    """Display form of an ICD-10-CM code: a dot after the 3rd character when longer than 3 ('E1165' -> 'E11.65')."""
    c = normalize_code(code)
    return f"{c[:3]}.{c[3:]}" if len(c) > 3 else c


def fiscal_year(d: date) -> int:
    """US federal fiscal year of a date: FY N runs from 1 Oct N-1 to 30 Sep N (2025-10-01 -> 2026)."""
    return d.year + 1 if d.month >= 10 else d.year
