"""Build every mart from a Parquet dataset (data.lakehouse layout) on DuckDB or on Apache Spark.

Both engines run the same mart files in the same dependency order and write `<out>/<mart>/` folders of
Parquet; Spark's SQL is the sqlglot translation of the DuckDB text (data.marts.translate). The output is
published into a served database by `codedash.data.marts.publish.publish_marts` (`codedash load --marts DIR`).
"""
from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from codedash.data.lakehouse import table_folder
from codedash.data.marts import catalog
from codedash.data.marts.translate import input_tables, to_spark

ENGINES = ("duckdb", "spark")
Progress = Callable[[str, int, int], None]


@dataclass
class BuildResult:
    engine: str
    marts: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def _fresh(folder: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def _lit(path: Path) -> str:
    return str(path).replace("'", "''")


def build_with_duckdb(in_dir: str | Path, out_dir: str | Path, progress: Progress | None = None,
                      memory_limit: str | None = None) -> BuildResult:
    """Every mart on an in-memory DuckDB reading the dataset's Parquet; written to `out_dir/<mart>/`."""
    marts, out, result = catalog(), Path(out_dir), BuildResult("duckdb")
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        con.execute("set enable_progress_bar = false")
        if memory_limit:
            con.execute("set memory_limit = $m", {"m": memory_limit})
        for table in input_tables(marts):
            folder = table_folder(in_dir, table)
            con.execute(f"create view {table} as select * from read_parquet('{_lit(folder)}/*.parquet')")
        for i, mart in enumerate(marts):
            if progress:
                progress(mart.name, i, len(marts))
            started = time.perf_counter()
            con.execute(f"create table {mart.name} as\n{mart.sql}")
            target = _fresh(out / mart.name) / f"{mart.name}.parquet"
            con.execute(f"copy {mart.name} to '{_lit(target)}' (format parquet, compression zstd)")
            result.seconds[mart.name] = time.perf_counter() - started
            result.rows[mart.name] = con.execute(f"select count(*) from {mart.name}").fetchone()[0]
            result.marts.append(mart.name)
    finally:
        con.close()
    return result


def spark_session(master: str | None = None, remote: str | None = None, app_name: str = "codedash-marts"):
    """A SparkSession: local (`local[2]`, the default), a cluster master URL, or Spark Connect (`sc://HOST:PORT`)."""
    from pyspark.sql import SparkSession          # optional at import: only the Spark engine needs it

    builder = SparkSession.builder.appName(app_name)
    if remote:
        return builder.remote(remote).getOrCreate()
    return (builder.master(master or "local[2]")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "8")
            # DuckDB's semantics for the mart SQL: ANSI arithmetic errors, not silent nulls
            .config("spark.sql.ansi.enabled", "true")
            .getOrCreate())


def build_with_spark(in_dir: str | Path, out_dir: str | Path, spark=None, master: str | None = None,
                     remote: str | None = None, progress: Progress | None = None) -> BuildResult:
    """Every mart on Spark from the same SQL files (translated by sqlglot); written to `out_dir/<mart>/`.

    Each mart is written, then read back as the view later marts depend on, so a long chain never
    recomputes its parents and the output folder is exactly what the next mart read."""
    marts, out, result = catalog(), str(Path(out_dir)), BuildResult("spark")
    translated = [(m, to_spark(m)) for m in marts]        # fail before any work if a file is unportable
    own = spark is None
    spark = spark or spark_session(master, remote)
    try:
        for table in input_tables(marts):
            spark.read.parquet(str(table_folder(in_dir, table))).createOrReplaceTempView(table)
        for i, (mart, sql) in enumerate(translated):
            if progress:
                progress(mart.name, i, len(marts))
            started = time.perf_counter()
            target = f"{out}/{mart.name}"
            spark.sql(sql).write.mode("overwrite").parquet(target)
            written = spark.read.parquet(target)
            written.createOrReplaceTempView(mart.name)
            result.seconds[mart.name] = time.perf_counter() - started
            result.rows[mart.name] = written.count()
            result.marts.append(mart.name)
    finally:
        if own:
            spark.stop()
    return result


def build(engine: str, in_dir: str | Path, out_dir: str | Path, **options) -> BuildResult:
    if engine == "duckdb":
        return build_with_duckdb(in_dir, out_dir, progress=options.get("progress"))
    if engine == "spark":
        return build_with_spark(in_dir, out_dir, master=options.get("master"), remote=options.get("remote"),
                                progress=options.get("progress"))
    raise ValueError(f"engine must be one of {', '.join(ENGINES)}")
