"""Every mart built on Spark (local[2]) from the same SQL files equals the DuckDB build, row for row."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from codedash.data.lakehouse import export_parquet
from codedash.data.marts.engines import build_with_spark
from tests import fixtures
from tests.queries import fixtures_coding, fixtures_compliance, fixtures_denials, fixtures_trends
from tests.spark.parity import mart_differences

pytestmark = pytest.mark.spark

FIXTURES = {"base": fixtures.build, "coding": fixtures_coding.build, "denials": fixtures_denials.build,
            "compliance": fixtures_compliance.build, "trends": fixtures_trends.build}


def _built_on_spark(con, spark, tmp_path: Path) -> Path:
    lake, marts = tmp_path / "lake", tmp_path / "marts"
    export_parquet(con, lake)
    result = build_with_spark(lake, marts, spark=spark)
    assert result.marts == [m for m in result.rows]            # every mart built and counted
    return marts


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_fixture_marts_equal_on_spark_and_duckdb(name, spark, tmp_path):
    con = FIXTURES[name]()
    marts = _built_on_spark(con, spark, tmp_path)
    assert mart_differences(con, marts) == {}


def test_small_demo_marts_equal_on_spark_and_duckdb(small_demo_db, spark, tmp_path):
    con = duckdb.connect(str(small_demo_db), read_only=True)
    try:
        marts = _built_on_spark(con, spark, tmp_path)
        assert mart_differences(con, marts) == {}
        n = con.execute("select count(*) from mart_encounters").fetchone()[0]
        assert spark.read.parquet(str(marts / "mart_encounters")).count() == n == 5000
    finally:
        con.close()


def test_a_changed_value_is_caught(spark, tmp_path):
    """The comparison itself can fail: one amount changed on the Spark side is reported with its column."""
    con = fixtures_denials.build()
    marts = _built_on_spark(con, spark, tmp_path)
    folder = marts / "mart_claims_initial"
    edited = duckdb.connect()
    df = edited.execute(f"select * from read_parquet('{folder}/*.parquet')").df()
    for f in folder.glob("*.parquet"):
        f.unlink()
    df.loc[0, "billed_amount"] = df.loc[0, "billed_amount"] + 1
    edited.register("df", df)
    edited.execute(f"copy df to '{folder}/edited.parquet' (format parquet)")
    assert list(mart_differences(con, marts)) == ["mart_claims_initial"]
    assert "billed_amount" in mart_differences(con, marts)["mart_claims_initial"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_spark_connect_remote_builds_the_same_marts(tmp_path):
    """`--remote sc://HOST:PORT`: a Spark Connect server started here (the jar ships with pyspark)."""
    from tests.spark.conftest import java_missing

    if (why := java_missing()) is not None:
        pytest.skip(why)
    pyspark = pytest.importorskip("pyspark")
    pytest.importorskip("grpc", reason="Spark Connect needs pyspark[connect] (grpcio; pinned in requirements.lock)")
    home = Path(pyspark.__file__).parent
    jar = next((home / "jars").glob("spark-connect_*.jar"))
    port = _free_port()
    env = dict(os.environ, SPARK_HOME=str(home), PYSPARK_PYTHON=sys.executable)
    log = (tmp_path / "connect.log").open("w")
    server = subprocess.Popen(
        [str(home / "bin" / "spark-submit"), "--master", "local[2]",
         "--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
         "--conf", f"spark.connect.grpc.binding.port={port}", "--conf", "spark.ui.enabled=false",
         "--conf", "spark.sql.session.timeZone=UTC", "--conf", "spark.sql.ansi.enabled=true", str(jar)],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180
        while "Spark Connect server started" not in (tmp_path / "connect.log").read_text():
            assert server.poll() is None, (tmp_path / "connect.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "Spark Connect server did not start in 180 s"
            time.sleep(1)
        con = fixtures.build()
        lake, marts = tmp_path / "lake", tmp_path / "marts"
        export_parquet(con, lake)
        # through the command line, in its own process: one Python process cannot hold a local and a
        # Connect session at once, and the session fixture's local one may be alive
        out = subprocess.run([sys.executable, "-m", "codedash.dashboard.cli", "marts", "build", "--engine", "spark",
                              "--input", str(lake), "--output", str(marts), "--remote", f"sc://127.0.0.1:{port}"],
                             capture_output=True, text=True, timeout=400, cwd=Path(__file__).parents[2])
        assert out.returncode == 0, out.stderr[-2000:]
        assert "done: " in out.stdout and "marts" in out.stdout
        assert mart_differences(con, marts) == {}
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
