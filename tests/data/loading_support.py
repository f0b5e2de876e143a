"""Constants shared by the loading tests (the valid example files and the day loads are checked as of)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "data" / "examples"          # the valid native file set
TODAY = date(2026, 11, 26)                      # loads are checked as of this day (future-date checks)
