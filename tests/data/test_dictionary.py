"""data/README.md carries the current data dictionary, and it documents every column."""
from pathlib import Path

from codedash.data.database import memory_database
from codedash.data.dictionary import BEGIN, END, render, tables

README = Path(__file__).resolve().parents[2] / "data" / "README.md"


def test_readme_embeds_the_current_dictionary():
    text = README.read_text(encoding="utf-8")
    embedded = text[text.index(BEGIN): text.index(END) + len(END)] + "\n"
    assert embedded == render(), "regenerate with: python -m codedash.data.dictionary"


def test_dictionary_lists_every_column_of_every_table_with_a_meaning():
    con = memory_database()
    actual = {(t, c) for t, c in con.execute(
        "select table_name, column_name from information_schema.columns where table_schema = 'main'").fetchall()}
    documented = {(t["name"], c[0]) for t in tables() for c in t["columns"]}
    assert documented == actual
    for t in tables():
        assert t["grain"].startswith("Grain: one row per"), t["name"]
        for name, _type, _constraints, meaning in t["columns"]:
            assert meaning, f"{t['name']}.{name} has no meaning in schema.sql"
