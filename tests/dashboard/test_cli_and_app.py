"""The codedash command and the app factory, on the fixture as a database file."""
import json

import pytest

from codedash.dashboard.app import create_app
from codedash.dashboard.cli import main
from codedash.data.database import DatabaseError
from codedash.queries.overview import overview_kpis
from tests import fixtures


@pytest.fixture(scope="module")
def db_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("fx") / "fixture.duckdb"
    fixtures.build_file(path)
    return path


def test_kpis_json_is_what_the_dashboard_computes(db_file, capsys, no_suppression):
    assert main(["kpis", "--db", str(db_file), "--start-date", "2025-01-01", "--end-date", "2025-02-28",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["period"] == {"start_date": "2025-01-01", "end_date": "2025-02-28"}
    assert out["previous_period"] == {"start_date": "2024-11-01", "end_date": "2024-12-31"}   # two whole months
    assert out["incomplete_months"] == []
    expected = overview_kpis(fixtures.build(), {"start_date": "2025-01-01", "end_date": "2025-02-28"})
    assert [k["value"] for k in out["kpis"]] == [k["value"] for k in expected["kpis"]]
    assert {k["key"]: k["value"] for k in out["kpis"]}["coding_accuracy"] == 0.7


def test_kpis_text_and_filters(db_file, capsys, no_suppression):
    assert main(["kpis", "--db", str(db_file), "--start-date", "2025-01-01", "--end-date", "2025-02-28",
                 "--facility", "F2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Discharges 2025-01-01 – 2025-02-28, compared with 2024-11-01 – 2024-12-31"
    assert lines[1].split() == ["Encounters", "3", "no", "comparison"]


def test_kpis_default_period_is_the_dashboards(tmp_path, capsys, no_suppression):
    from tests.queries import fixtures_periods

    path = tmp_path / "periods.duckdb"
    fixtures.build_file(path, fixtures_periods.build())
    assert main(["kpis", "--db", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ("Discharges 2024-12-10 – 2025-02-28 (default: last 12 complete months), "
                        "compared with 2024-09-20 – 2024-12-09")
    assert main(["kpis", "--db", str(path), "--start-date", "2025-01-01", "--end-date", "2025-03-31", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["incomplete_months"] == ["2025-03"]


def test_query_list_and_run(db_file, capsys, no_suppression):
    assert main(["query", "--list"]) == 0
    assert "overview__monthly_components" in capsys.readouterr().out
    assert main(["query", "filters__payers", "--db", str(db_file), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["value,label,payer_type", "PB,Acme Commercial,commercial",
                                                    "PA,Medicare Part A/B,medicare"]
    assert main(["query", "overview__monthly_components", "--db", str(db_file), "--format", "json",
                 "--param", "facilities=F2", "--param", "start_date=2025-02-01"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["n_encounters"] for r in rows] == [2]          # E05, E06


@pytest.mark.parametrize("args, message", [
    (["query", "nope"], "unknown query"),
    (["query", "filters__payers", "--param", "x=1"], "unknown parameter"),
    (["query", "overview__monthly_components", "--param", "start_date=yesterday"], "expected a date"),
    (["kpis", "--start-date", "2025-02-01", "--end-date", "2025-01-01"], "after end_date"),
])
def test_bad_input_exits_2_with_a_message(db_file, capsys, args, message):
    assert main([*args, "--db", str(db_file)]) == 2
    assert message in capsys.readouterr().err


def test_serve_refuses_missing_and_invalid_databases(tmp_path, capsys):
    assert main(["serve", "--db", str(tmp_path / "missing.duckdb")]) == 2
    assert "database not found" in capsys.readouterr().err
    junk = tmp_path / "junk.duckdb"
    junk.write_text("not a database")
    assert main(["serve", "--db", str(junk)]) == 2
    assert "cannot open" in capsys.readouterr().err
    import duckdb
    duckdb.connect(str(tmp_path / "empty.duckdb")).close()
    assert main(["serve", "--db", str(tmp_path / "empty.duckdb")]) == 2
    assert "not a codedash database" in capsys.readouterr().err


def test_demo_if_missing_leaves_an_existing_database_alone(db_file, capsys):
    before = db_file.stat().st_mtime_ns
    assert main(["demo", "--db", str(db_file), "--if-missing"]) == 0
    assert "already present" in capsys.readouterr().out
    assert db_file.stat().st_mtime_ns == before


def test_app_registers_every_page_and_opens_read_only(db_file):
    import dash

    app = create_app(db_file)
    paths = sorted(p["path"] for p in dash.page_registry.values())
    assert paths == sorted(["/", "/coding-quality", "/denials", "/diagnosis-trends", "/compliance", "/data-quality"])
    client = app.server.test_client()
    assert client.get("/").status_code == 200
    import duckdb
    with pytest.raises(duckdb.Error):
        create_app(db_file)._codedash_db.cursor().execute("delete from encounters")


def test_create_app_raises_a_clear_error(tmp_path):
    with pytest.raises(DatabaseError, match="database not found"):
        create_app(tmp_path / "nothing.duckdb")
