import pytest


@pytest.fixture
def no_suppression(monkeypatch):
    """Exact-value tests on tiny fixtures see every count."""
    monkeypatch.setenv("CODEDASH_SUPPRESSION_THRESHOLD", "0")


@pytest.fixture
def cms_suppression(monkeypatch):
    monkeypatch.setenv("CODEDASH_SUPPRESSION_THRESHOLD", "10")


@pytest.fixture(scope="session")
def small_demo_build(tmp_path_factory):
    """The small demo database, built once per test session by `codedash demo --size small` as a user
    would (reference tables + generator + a data-quality run + marts): (path, stdout, stderr)."""
    import contextlib
    import io

    from codedash.dashboard.cli import main

    path = tmp_path_factory.mktemp("demo") / "small.duckdb"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["demo", "--size", "small", "--seed", "42", "--db", str(path)])
    assert code == 0, err.getvalue()
    return path, out.getvalue(), err.getvalue()


@pytest.fixture(scope="session")
def small_demo_db(small_demo_build):
    """The small demo database, built once per test session (see small_demo_build)."""
    return small_demo_build[0]
