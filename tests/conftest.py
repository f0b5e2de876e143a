import pytest


@pytest.fixture
def no_suppression(monkeypatch):
    """Exact-value tests on tiny fixtures see every count."""
    monkeypatch.setenv("CODEDASH_SUPPRESSION_THRESHOLD", "0")


@pytest.fixture
def cms_suppression(monkeypatch):
    monkeypatch.setenv("CODEDASH_SUPPRESSION_THRESHOLD", "10")


@pytest.fixture(scope="session")
def small_demo_db(tmp_path_factory):
    """The small demo database, built once per test session (reference tables + generator + a data-quality run)."""
    from data.database import build_database
    from data.demo import SIZES, generate
    from data.loading import record_table_checks
    from data.reference import build_reference

    path = tmp_path_factory.mktemp("demo") / "small.duckdb"
    build_database(path, build_reference, lambda con: generate(con, SIZES["small"], seed=42),
                   lambda con: record_table_checks(con, kind="demo"))
    return path
