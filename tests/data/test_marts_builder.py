"""The mart builder: header contract, dependency order, cycles, and marts inside every atomic build."""
import duckdb
import pytest

import codedash.data.marts as marts


def _write(tmp_path, name, body, depends=""):
    head = f"-- mart: {name}\n-- grain: one row per x\n" + (f"-- depends: {depends}\n" if depends else "")
    (tmp_path / f"{name}.sql").write_text(head + body, encoding="utf-8")


def test_builds_in_dependency_order(tmp_path, monkeypatch):
    monkeypatch.setattr(marts, "MART_DIR", tmp_path)
    _write(tmp_path, "mart_a", "select x * 2 as y from mart_b", depends="mart_b")
    _write(tmp_path, "mart_b", "select 21 as x")
    con = duckdb.connect(":memory:")
    assert marts.build_marts(con) == ["mart_b", "mart_a"]
    assert con.execute("select y from mart_a").fetchall() == [(42,)]


def test_cycle_and_bad_header_are_named(tmp_path, monkeypatch):
    monkeypatch.setattr(marts, "MART_DIR", tmp_path)
    _write(tmp_path, "mart_a", "select 1", depends="mart_b")
    _write(tmp_path, "mart_b", "select 1", depends="mart_a")
    with pytest.raises(marts.MartError, match="cycle: mart_a -> mart_b -> mart_a"):
        marts.catalog()
    (tmp_path / "mart_b.sql").write_text("-- mart: mart_c\n-- grain: g\nselect 1", encoding="utf-8")
    with pytest.raises(marts.MartError, match="mart_b.sql: header must start with '-- mart: mart_b'"):
        marts.catalog()


def test_two_statements_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(marts, "MART_DIR", tmp_path)
    _write(tmp_path, "mart_a", "select 1; drop table encounters")
    with pytest.raises(marts.MartError, match="one SELECT"):
        marts.catalog()


def test_every_shipped_mart_parses():
    for mart in marts.catalog():
        assert mart.grain and mart.sql.lower().lstrip().startswith(("with", "select", "--"))


def test_a_database_without_marts_is_refused_with_the_way_out(tmp_path):
    from codedash.data.database import DatabaseError, create_schema, open_readonly

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    create_schema(con)                  # what an older codedash built: canonical tables, no marts
    con.close()
    with pytest.raises(DatabaseError, match=r"built by an older codedash: it lacks the marts mart_\w+.*"
                                            r"rebuild it \(`codedash demo --db "):
        open_readonly(path)
