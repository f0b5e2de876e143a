"""`codedash worklist` end to end on a database file, with a fake queries.compliance.flag_encounters
(the compliance measures are another branch's; the CLI calls them by that name), and the worklist CSV."""
import io
import sys
import types

import pandas as pd
import pytest

from codedash import queries
from codedash.dashboard.cli import main
from codedash.dashboard.worklist_export import worklist_csv
from codedash.data import appstate
from codedash.queries import worklist as wl
from tests.fixtures import build_file
from tests.queries import fixtures_worklist as fx

CALLS = []


def fake_flag_encounters(con, measure_id, entity_id, filters, scope):
    CALLS.append((measure_id, entity_id, filters, scope))
    df = con.execute("select encounter_id, encounter_type, facility_id from encounters order by encounter_id").df()
    if filters.get("facilities"):
        df = df[df.facility_id.isin(filters["facilities"])]
    return df.reset_index(drop=True)


@pytest.fixture
def compliance(monkeypatch):
    fake = types.ModuleType("codedash.queries.compliance")
    fake.flag_encounters = fake_flag_encounters
    monkeypatch.setitem(sys.modules, "codedash.queries.compliance", fake)
    monkeypatch.setattr(queries, "compliance", fake, raising=False)
    CALLS.clear()
    return fake


@pytest.fixture
def paths(tmp_path):
    db = tmp_path / "w.duckdb"
    build_file(db, fx.build())
    return db, tmp_path / "app.sqlite"


def _data_rows(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO("\n".join(ln for ln in text.splitlines() if not ln.startswith("#"))),
                       dtype=str)


def test_worklist_cli_draws_records_and_exports(compliance, paths, tmp_path, cms_suppression, capsys):
    db, app_db = paths
    out = tmp_path / "wl.csv"
    args = ["worklist", "--db", str(db), "--app-db", str(app_db), "--measure", "EM_TOP", "--entity", "PR1",
            "--size", "6", "--seed", "7", "--strata", "encounter_type", "--out", str(out)]
    assert main(args) == 0
    assert CALLS[0][:3] == ("EM_TOP", "PR1", {})
    text = out.read_text()
    assert "# codedash: audit worklist 1: measure EM_TOP, entity PR1; 6 of 24 flagged encounters" in text
    assert "seed 7" in text and "strata encounter_type" in text and "database build " in text
    rows = _data_rows(text)
    expected, _ = wl.draw_sample(fx.encounters(), "encounter_type", 6, seed=7)
    assert rows.encounter_id.tolist() == expected.encounter_id.tolist()
    assert rows.suppressed.tolist() == ["False"] * 6
    # the same seed again: a second worklist, the same encounters; the build id is the database's
    assert main([*args[:-1], str(tmp_path / "wl2.csv")]) == 0
    assert _data_rows((tmp_path / "wl2.csv").read_text()).encounter_id.tolist() == rows.encounter_id.tolist()
    app = appstate.open_app(app_db)
    import duckdb
    build_id = duckdb.connect(str(db), read_only=True).execute("select build_id from build_info").fetchone()[0]
    assert wl.get_worklist(1, app)["build_id"] == build_id
    capsys.readouterr()
    assert main(["worklist", "--db", str(db), "--app-db", str(app_db), "--list"]) == 0
    listed = capsys.readouterr().out
    assert "EM_TOP" in listed and "PR1" in listed
    # export with audit status
    assert main(["worklist", "--db", str(db), "--app-db", str(app_db), "--show", "1"]) == 0
    shown = _data_rows(capsys.readouterr().out)
    assert {"encounter_id", "audited", "finding_types"} <= set(shown.columns)


def test_worklist_cli_filters_reach_flag_encounters_and_small_cells_hide_ids(compliance, paths, tmp_path,
                                                                            cms_suppression, capsys):
    db, app_db = paths
    # F1 holds the even-numbered encounters' neighbours: 12 encounters -> above 10, ids shown
    assert main(["worklist", "--db", str(db), "--app-db", str(app_db), "--measure", "M", "--entity", "E",
                 "--size", "3", "--seed", "1", "--facility", "F1"]) == 0
    assert CALLS[-1][2] == {"facilities": ["F1"]}
    assert _data_rows(capsys.readouterr().out).encounter_id.notna().all()
    # a cell of 8 encounters (fake narrowed by a coder filter that keeps W01-W08)
    def small(con, m, e, f, s):
        return fake_flag_encounters(con, m, e, {}, s).head(8)
    compliance.flag_encounters = small
    assert main(["worklist", "--db", str(db), "--app-db", str(app_db), "--measure", "M", "--entity", "E",
                 "--size", "3", "--seed", "1"]) == 0
    text = capsys.readouterr().out
    assert "a flagged cell too small to show" in text and "W0" not in text
    rows = _data_rows(text)
    assert rows.encounter_id.isna().all() and rows.suppressed.tolist() == ["True"] * 3


def test_worklist_cli_errors(compliance, paths, capsys):
    db, app_db = paths
    base = ["worklist", "--db", str(db), "--app-db", str(app_db)]
    assert main([*base, "--measure", "M", "--entity", "E"]) == 2
    assert "--size, --seed required" in capsys.readouterr().err
    assert main([*base, "--measure", "M", "--entity", "E", "--size", "3", "--seed", "1", "--strata", "nope"]) == 2
    assert "cannot stratify by 'nope'" in capsys.readouterr().err
    assert main([*base, "--show", "42"]) == 2
    del compliance.flag_encounters
    assert main([*base, "--measure", "M", "--entity", "E", "--size", "3", "--seed", "1"]) == 2
    assert "flag_encounters" in capsys.readouterr().err


def test_worklist_csv_neutralises_formulas(cms_suppression):
    app = appstate.open_app(":memory:")
    hostile = pd.DataFrame({"encounter_id": ["=HYPERLINK(\"http://x\")", "+cmd|' /C calc'!A0", "@SUM(A1)", *[f"E{i}" for i in range(8)]],
                            "kind": ["a"] * 11})
    wid, _ = wl.draw_worklist(hostile, None, 11, 1, {"measure": "=M", "entity": "-E", "filters": {"payers": ["=P"]}},
                              app=app)
    text = worklist_csv(wid, app)
    assert "'=HYPERLINK" in text and "'+cmd" in text and "'@SUM" in text
    for line in text.splitlines():
        for cell in line.replace(";", ",").split(","):
            assert not cell.lstrip(' "').startswith(("=", "+", "-", "@")), line
    assert "filter payers: =P" in text          # mid-cell: inert; no cell of any line starts a formula


def test_worklist_cli_samples_the_numerator_by_default(compliance, paths, cms_suppression, capsys):
    db, app_db = paths

    def with_numerator(con, m, e, f, s):      # like queries.compliance.flag_encounters: in_numerator per row
        df = fake_flag_encounters(con, m, e, f, s)
        return df.assign(in_numerator=df.encounter_type == "office")
    compliance.flag_encounters = with_numerator
    base = ["worklist", "--db", str(db), "--app-db", str(app_db), "--measure", "M", "--entity", "E",
            "--size", "30", "--seed", "1"]
    assert main(base) == 0
    text = capsys.readouterr().out
    assert sorted(_data_rows(text).encounter_id) == [f"W{i:02d}" for i in range(1, 13)]   # the 12 office visits
    assert "criterion population: numerator" in text
    assert main([*base, "--population", "denominator"]) == 0
    assert len(_data_rows(capsys.readouterr().out)) == 24


def test_a_frame_with_suppressed_ids_cannot_be_drawn(compliance, paths, capsys):
    db, app_db = paths

    def blanked(con, m, e, f, s):             # flag_encounters blanks ids of a cell of 1..threshold
        return fake_flag_encounters(con, m, e, f, s).head(5).assign(encounter_id=None)
    compliance.flag_encounters = blanked
    assert main(["worklist", "--db", str(db), "--app-db", str(app_db), "--measure", "M", "--entity", "E",
                 "--size", "3", "--seed", "1"]) == 2
    assert "suppressed" in capsys.readouterr().err
    assert wl.list_worklists(appstate.open_app(app_db)).empty


def test_show_after_a_reload_notes_the_new_build_and_links_new_audits(compliance, paths, cms_suppression, capsys):
    db, app_db = paths
    assert main(["worklist", "--db", str(db), "--app-db", str(app_db), "--measure", "M", "--entity", "E",
                 "--size", "24", "--seed", "1", "--strata", "encounter_type"]) == 0
    capsys.readouterr()
    build_file(db, fx.build())                 # a load replaces the analytics file: new build id
    assert main(["worklist", "--db", str(db), "--app-db", str(app_db), "--show", "1"]) == 0
    out = capsys.readouterr()
    assert "was drawn from database build" in out.err
    shown = _data_rows(out.out)
    assert len(shown) == 24 and shown.encounter_id.notna().all()
