"""A Spark session (local[2]) shared by the parity tests; Java 17 comes from .ci/install-java (make test)."""
from __future__ import annotations

import shutil

import pytest


def java_missing() -> str | None:
    if shutil.which("java") is None:
        return "no Java runtime on PATH (make test installs openjdk-17-jre-headless with .ci/install-java)"
    return None


@pytest.fixture(scope="session")
def spark():
    if (why := java_missing()) is not None:
        pytest.skip(why)
    pytest.importorskip("pyspark", reason="pyspark is pinned in requirements.lock (make install)")
    from codedash.data.marts.engines import spark_session

    session = spark_session("local[2]", app_name="codedash-parity-tests")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
