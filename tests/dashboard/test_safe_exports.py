"""Exports cannot attack whoever opens them: formula neutralisation (OWASP CSV injection) in the
dashboard downloads and `codedash query --format csv`, tested with hostile names."""
from __future__ import annotations

import csv
import io
import re

import duckdb
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from codedash.dashboard.cli import main
from codedash.dashboard.exports import csv_with_context
from codedash.dashboard.pages import denials as denials_page
from codedash.dashboard.safe_text import FORMULA_CHARS, neutralise_text, terminal_text, write_csv
from codedash.data.marts import build_marts
from tests import fixtures
from tests.queries import fixtures_denials

PERIOD = {"start_date": "2025-01-01", "end_date": "2025-02-28"}
DDE = "+cmd|' /C calc'!A0"


@pytest.mark.parametrize("raw, safe", [
    ("=1+2", "'=1+2"), (DDE, "'" + DDE), ("-2+3", "'-2+3"), ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("\nx", "'\nx"), ("\uff1d1+2", "'\uff1d1+2"), ("\uff20x", "'\uff20x"),
    (" =1", "' =1"), ('"=1', "'\"=1"),                          # spaces or quotes before the formula
    ("a;=1", "a;'=1"), ("a, -b", "a,' -b"), ("a\t@b", "a\t'@b"), ("a\n+b", "a\n'+b"), ("a|=b", "a|'=b"),
    ("-12.50", "-12.50"), ("+3", "+3"), ("1e-5", "1e-5"),      # number literals cannot run anything
    ("CO-11", "CO-11"), ("Medicare Part A/B", "Medicare Part A/B"), ("", ""),
])
def test_neutralise_text(raw, safe):
    assert neutralise_text(raw) == safe


def test_write_csv_neutralises_text_quotes_it_and_leaves_numbers_numeric():
    df = pd.DataFrame({"name": ["=1+2", "Acme", "a;b", None], "amount": [-12.5, 3.0, None, -1.0],
                       "n": pd.array([-3, None, 2, 1], dtype="Int64"), "flag": [True, False, True, False],
                       "day": pd.to_datetime(["2025-01-01", None, "2025-01-03", "2025-01-04"])})
    buf = io.StringIO()
    write_csv(df, buf)
    assert buf.getvalue().splitlines() == [
        "name,amount,n,flag,day",
        "\"'=1+2\",-12.5,-3,True,2025-01-01",
        "Acme,3.0,,False,",
        "\"a;b\",,2,True,2025-01-03",
        ",-1.0,1,False,2025-01-04",
    ]
    benign = df.assign(name=["Acme", "North, Inc.", 'say "hi"', None])
    buf = io.StringIO()
    write_csv(benign, buf)
    assert buf.getvalue() == benign.to_csv(index=False, lineterminator="\n")   # otherwise what pandas writes


_CELL_START = re.compile(r"(?:^|(?<=[,;|\t\r\n]))[ \"]*([" + re.escape(FORMULA_CHARS) + r"])")
_NUMBER_CELL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?(?=$|[,\r\n])")


def formula_starts(text: str) -> list[str]:
    """Places where any spreadsheet splitting on , ; | or tab could see a cell start with a formula
    character (numbers excepted): parser-independent, on the raw file text."""
    hits = []
    for m in _CELL_START.finditer(text):
        if not _NUMBER_CELL.match(text, m.start(1)):
            hits.append(text[m.start():m.start() + 20])
    return hits


names = st.text(alphabet=st.sampled_from(list(FORMULA_CHARS + ",;|\t\r\n \"'ab1.")), max_size=12)


@given(st.lists(names, min_size=1, max_size=5), st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=5,
                                                          max_size=5))
def test_no_cell_can_start_a_formula_whatever_the_names(values, numbers):
    df = pd.DataFrame({"name": values, "amount": numbers[:len(values)]})
    buf = io.StringIO()
    write_csv(df, buf)
    text = buf.getvalue()
    assert formula_starts(text) == []
    rows = list(csv.reader(io.StringIO(text)))
    assert [r[0].replace("'", "") for r in rows[1:]] == [v.replace("'", "") for v in values]   # only ' added
    assert [float(r[1]) for r in rows[1:]] == numbers[:len(values)]                              # numbers intact


def test_context_lines_cannot_start_a_formula_or_break_out():
    text = csv_with_context(pd.DataFrame({"x": [1]}), "t — page filter payer==1+2",
                            {"payers": ["P1", "=1+2", "a\n=cmd", 'q"'], "start_date": "2025-01-01"})
    lines = text.splitlines()
    assert lines[0] == "# codedash: t — page filter payer==1+2"            # no cell starts there
    assert lines[1] == "# filter payers: P1,' =1+2, a =cmd, q'"            # no line break, no stray quote
    assert formula_starts(text) == []
    assert lines[-2:] == ["x", "1"]


# ---------------------------------------------------------------- real exports with hostile names

HOSTILE = {"PA": "=1+2", "PB": DDE}


def test_dashboard_export_neutralises_hostile_payer_names(no_suppression):
    con = fixtures_denials.build()
    for pid, name in HOSTILE.items():
        con.execute("update payers set payer_name = $n where payer_id = $p", {"n": name, "p": pid})
    build_marts(con)
    out = denials_page.PAGE.export_panel("payer", con, PERIOD, {})["content"]
    assert formula_starts(out) == []
    rows = [r for r in csv.reader(io.StringIO(out)) if r and not r[0].startswith("#")]
    labels = {r[0]: r[1] for r in rows[1:]}
    assert labels == {"PA": "'=1+2", "PB": "'" + DDE}
    assert rows[1][4:6] == ["3300.0", "2000.0"]                               # amounts stay numbers


@pytest.fixture
def hostile_db(tmp_path):
    path = tmp_path / "hostile.duckdb"
    fixtures.build_file(path)
    con = duckdb.connect(str(path))
    for pid, name in HOSTILE.items():
        con.execute("update payers set payer_name = $n where payer_id = $p", {"n": name, "p": pid})
    con.execute("update coders set coder_name = '\x1b]0;owned\x07@evil' where coder_id = 'C1'")
    build_marts(con)
    con.close()
    return path


def test_cli_query_csv_neutralises_hostile_names(hostile_db, capsys, no_suppression):
    assert main(["query", "filters__payers", "--db", str(hostile_db), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["value,label,payer_type", f"PB,\"'{DDE}\",commercial",
                                                    "PA,\"'=1+2\",medicare"]


def test_cli_query_table_shows_control_characters_instead_of_obeying_them(hostile_db, capsys, no_suppression):
    assert main(["query", "filters__coders", "--db", str(hostile_db)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b]0;owned\\x07@evil" in out
    assert terminal_text("a\x00b\tc\n") == "a\\x00b\tc\n"


# ---------------------------------------------------------------- every dashboard download

FORMULAS = ["=1+2", DDE, "-2+3", "@SUM(A1)", "\t=x", "a;=b", "\uff1d1"]
NAME_FIELDS = [("facilities", "facility_name"), ("payers", "payer_name"), ("providers", "provider_name"),
               ("coders", "coder_name"), ("ref_specialty", "specialty_name"), ("ref_carc", "category_label"),
               ("ref_procedure_labels", "label"), ("ref_msdrg", "description"), ("dq_failures", "value"),
               ("dq_failures", "message")]


def formula_names(con):
    """Every display name (and every data-quality example value) becomes a formula, in turn."""
    for table, column in NAME_FIELDS:        # identifiers from the fixed list above; the names are bound
        con.execute(f"update {table} set {column} = list_extract($names, (1 + rowid % {len(FORMULAS)})::integer)",
                    {"names": FORMULAS})
    build_marts(con)
    return con


def every_download():
    from codedash.dashboard.pages import coding_quality, data_quality, overview
    from tests.queries import fixtures_coding
    from tests.queries.fixtures_dq import R2, build_dq

    con = formula_names(fixtures.build())
    yield "overview", overview.export(con, PERIOD)
    con = formula_names(fixtures_denials.build())
    for panel in denials_page.PANELS:
        yield f"denials-{panel.key}", denials_page.PAGE.export_panel(panel.key, con, PERIOD, {})
    con = formula_names(fixtures_coding.build())
    for pid in coding_quality.EXPORT_PANELS:
        yield pid, coding_quality.export(con, PERIOD, pid)
    con = formula_names(build_dq())
    check = con.execute("select check_id from dq_failures where run_id = $r limit 1", {"r": R2}).fetchone()[0]
    for panel in data_quality.PANELS:
        yield f"dq-{panel.key}", data_quality.PAGE.export_panel(panel.key, con, {}, {"run": R2, "check": check})


def test_every_dashboard_download_is_neutralised(no_suppression):
    seen = ""
    for pid, out in every_download():
        assert formula_starts(out["content"]) == [], pid
        seen += out["content"]
    for name in ("=1+2", DDE, "@SUM(A1)"):            # the hostile names did reach the exports, neutralised
        assert f"\"'{name}\"" in seen, name
