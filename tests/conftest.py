import pytest


@pytest.fixture
def no_suppression(monkeypatch):
    """Exact-value tests on tiny fixtures see every count."""
    monkeypatch.setenv("CODEDASH_SUPPRESSION_THRESHOLD", "0")


@pytest.fixture
def cms_suppression(monkeypatch):
    monkeypatch.setenv("CODEDASH_SUPPRESSION_THRESHOLD", "10")
