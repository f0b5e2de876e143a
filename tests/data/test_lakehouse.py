"""The canonical tables out as Parquet, the marts built from them outside a database, and published back.

Spark parity lives in tests/spark; here the DuckDB engine, the layout, publishing and its refusals."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from codedash.dashboard.cli import main
from codedash.data.database import open_readonly
from codedash.data.lakehouse import MANIFEST, LakehouseError, dataset_tables, export_parquet
from codedash.data.loading.tables import LOADABLE
from codedash.data.marts import catalog
from codedash.data.marts.engines import build_with_duckdb
from codedash.data.marts.publish import MartPublishError, publish_marts
from codedash.data.marts.translate import input_tables, portability_problems, to_spark
from tests import fixtures
from tests.queries import fixtures_denials
from tests.spark.parity import mart_differences


def test_the_marts_read_exactly_these_tables():
    assert input_tables() == ["adjudications", "adjustments", "audit_findings", "audits", "diagnoses", "encounters",
                              "ncci_mue", "ncci_ptp", "ref_carc", "ref_cc_mcc", "ref_hcc", "ref_icd10cm",
                              "ref_msdrg", "ref_procedure_labels", "service_lines"]
    assert dataset_tables() == [*LOADABLE, "ncci_mue", "ncci_ptp", "ref_carc", "ref_cc_mcc", "ref_hcc",
                                "ref_icd10cm", "ref_msdrg", "ref_procedure_labels"]


def test_every_mart_translates_to_spark():
    for mart in catalog():
        assert portability_problems(mart.sql) == [], mart.name
        assert to_spark(mart).lower().lstrip().startswith(("with", "select")), mart.name


@pytest.mark.parametrize("sql, says", [
    ("select quantile_cont(x, 0.5) as m from t", "percentile_cont"),
    ("select percentile_cont(0.5) within group (order by x) as m from t", "percentile_cont"),
    ("select date_diff('month', a, b) as m from t", "by month"),
    ("select datediff('year', a, b) as m from t", "by month"),
    ("select dayname(d) as m from t", "dayname"),
    ("select avg(x * 1.0) as m from t", "decimal literal inside avg"),
    ("select * from t pivot (sum(x) for k in ('a', 'b'))", "PIVOT"),
    ("select from where", "does not parse"),
])
def test_unportable_sql_is_named(sql, says):
    problems = portability_problems(sql)
    assert problems and any(says in p for p in problems), problems


def test_portable_sql_passes():
    assert portability_problems("select avg(cast(x as double)) as m, date_diff('day', a, b) as d from t") == []


def test_export_writes_one_folder_per_table_and_a_manifest(tmp_path):
    con = fixtures_denials.build()
    written = export_parquet(con, tmp_path / "lake")
    assert written == dataset_tables()
    for table in written:
        files = list((tmp_path / "lake" / table).iterdir())
        assert [f.name for f in files] == [f"{table}.parquet"]
        n_db = con.execute(f"select count(*) from {table}").fetchone()[0]
        n_file = con.execute(f"select count(*) from read_parquet('{files[0]}')").fetchone()[0]
        assert n_db == n_file
    manifest = json.loads((tmp_path / "lake" / MANIFEST).read_text())
    assert manifest["tables"] == written


@pytest.mark.parametrize("build", [fixtures.build, fixtures_denials.build])
def test_duckdb_engine_equals_the_database_build(build, tmp_path):
    con = build()
    export_parquet(con, tmp_path / "lake")
    result = build_with_duckdb(tmp_path / "lake", tmp_path / "marts")
    assert result.marts == [m.name for m in catalog()]
    assert mart_differences(con, tmp_path / "marts") == {}


def test_missing_input_table_is_named(tmp_path):
    con = fixtures.build()
    export_parquet(con, tmp_path / "lake")
    shutil.rmtree(tmp_path / "lake" / "ref_msdrg")
    with pytest.raises(LakehouseError, match="ref_msdrg"):
        build_with_duckdb(tmp_path / "lake", tmp_path / "marts")


@pytest.fixture
def lake_and_marts(small_demo_db, tmp_path):
    con = duckdb.connect(str(small_demo_db), read_only=True)
    export_parquet(con, tmp_path / "lake")
    con.close()
    assert main(["marts", "build", "--engine", "duckdb", "--input", str(tmp_path / "lake"),
                 "--output", str(tmp_path / "marts")]) == 0
    return tmp_path / "lake", tmp_path / "marts"


def _kpis(db, capsys) -> dict:
    capsys.readouterr()
    assert main(["kpis", "--db", str(db), "--json", "--start-date", "2025-01-01", "--end-date", "2025-12-31"]) == 0
    return json.loads(capsys.readouterr().out)["kpis"]


def test_published_with_tables_equals_the_source(small_demo_db, lake_and_marts, tmp_path, capsys):
    lake, marts = lake_and_marts
    db = tmp_path / "published.duckdb"
    assert main(["load", str(lake), "--marts", str(marts), "--db", str(db)]) == 0
    source = duckdb.connect(str(small_demo_db), read_only=True)
    published = duckdb.connect(str(db), read_only=True)
    for table in LOADABLE:
        assert (source.execute(f"select count(*) from {table}").fetchone()
                == published.execute(f"select count(*) from {table}").fetchone()), table
    source.close()
    assert mart_differences(published, marts) == {}
    published.close()
    assert _kpis(db, capsys) == _kpis(small_demo_db, capsys)


def test_marts_alone_serve_the_same_overview(small_demo_db, lake_and_marts, tmp_path, capsys):
    _, marts = lake_and_marts
    db = tmp_path / "marts_only.duckdb"
    assert main(["load", "--marts", str(marts), "--db", str(db)]) == 0
    con = open_readonly(db)                              # a servable database: every table and mart present
    assert con.execute("select count(*) from encounters").fetchone()[0] == 0
    reasons = dict(con.execute("select key, value from dataset_info where key like 'empty_reason:%'").fetchall())
    assert set(reasons) == {f"empty_reason:{t}" for t in LOADABLE}
    con.close()
    assert _kpis(db, capsys) == _kpis(small_demo_db, capsys)


def _unchanged_after(db: Path, argv: list[str]) -> None:
    before = db.read_bytes()
    assert main(argv) == 2
    assert db.read_bytes() == before


def test_a_missing_mart_is_refused_and_nothing_changes(lake_and_marts, small_demo_db, tmp_path, capsys):
    lake, marts = lake_and_marts
    db = tmp_path / "target.duckdb"
    shutil.copy(small_demo_db, db)
    shutil.rmtree(marts / "mart_claims_initial")
    _unchanged_after(db, ["load", "--marts", str(marts), "--db", str(db)])
    assert "mart_claims_initial is missing" in capsys.readouterr().err


def test_a_mart_with_other_columns_is_refused(lake_and_marts, small_demo_db, tmp_path, capsys):
    lake, marts = lake_and_marts
    db = tmp_path / "target.duckdb"
    shutil.copy(small_demo_db, db)
    folder = marts / "mart_encounters"
    con = duckdb.connect()
    con.execute(f"copy (select * exclude (drg_weight), 1 as extra from read_parquet('{folder}/*.parquet')) "
                f"to '{tmp_path}/e.parquet' (format parquet)")
    shutil.rmtree(folder)
    folder.mkdir()
    shutil.move(tmp_path / "e.parquet", folder / "e.parquet")
    _unchanged_after(db, ["load", str(lake), "--marts", str(marts), "--db", str(db)])
    err = capsys.readouterr().err
    assert "missing: drg_weight" in err and "unexpected: extra" in err


def test_marts_of_other_data_than_the_tables_are_refused(lake_and_marts, small_demo_db, tmp_path, capsys):
    lake, _ = lake_and_marts
    other = fixtures.build()
    export_parquet(other, tmp_path / "other_lake")
    build_with_duckdb(tmp_path / "other_lake", tmp_path / "other_marts")
    db = tmp_path / "target.duckdb"
    shutil.copy(small_demo_db, db)
    _unchanged_after(db, ["load", str(lake), "--marts", str(tmp_path / "other_marts"), "--db", str(db)])
    assert "built from other data" in capsys.readouterr().err


def test_marts_cannot_be_appended(lake_and_marts, small_demo_db, tmp_path, capsys):
    lake, marts = lake_and_marts
    db = tmp_path / "target.duckdb"
    shutil.copy(small_demo_db, db)
    _unchanged_after(db, ["load", str(lake), "--marts", str(marts), "--mode", "append", "--db", str(db)])
    assert "cannot append" in capsys.readouterr().err


def test_a_lake_table_in_many_parts_is_named_not_read_in_part(lake_and_marts, tmp_path, capsys):
    lake, _ = lake_and_marts
    enc = lake / "encounters" / "encounters.parquet"
    shutil.copy(enc, lake / "encounters" / "part-00001.parquet")
    db = tmp_path / "target.duckdb"
    assert main(["load", str(lake), "--db", str(db)]) == 2
    assert not db.exists()
    assert "holds 2 Parquet files" in capsys.readouterr().err


def test_publish_refuses_a_folder_that_is_not_one(tmp_path):
    con = fixtures.build()
    with pytest.raises(MartPublishError, match="not a folder of marts"):
        publish_marts(con, tmp_path / "nowhere")


def test_spark_options_need_the_spark_engine(tmp_path, capsys):
    assert main(["marts", "build", "--engine", "duckdb", "--input", str(tmp_path), "--output", str(tmp_path / "o"),
                 "--master", "local[2]"]) == 2
    assert "Spark options" in capsys.readouterr().err
