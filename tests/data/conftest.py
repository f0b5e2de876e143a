"""Fixtures shared by the loading tests."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from codedash.data.loading import load_native
from tests.data.loading_support import EXAMPLES, TODAY


@pytest.fixture(scope="module")
def examples_db(small_demo_db, tmp_path_factory) -> Path:
    """A database holding data/examples (reference tables copied from the small demo), one per test module."""
    path = tmp_path_factory.mktemp("examples") / "examples.duckdb"
    shutil.copy(small_demo_db, path)
    load_native([EXAMPLES], path, today=TODAY)
    return path
