"""The settings registry: defaults, environment overrides and clear errors."""
import pytest

from codedash.queries import settings


def test_defaults_and_overrides(monkeypatch):
    assert settings.get("suppression_threshold") == 10
    monkeypatch.setenv("CODEDASH_SUPPRESSION_THRESHOLD", "5")
    assert settings.get("suppression_threshold") == 5
    monkeypatch.setenv("CODEDASH_DEBUG", "yes")
    assert settings.get("debug") is True


@pytest.mark.parametrize("env, value, message", [
    ("CODEDASH_SUPPRESSION_THRESHOLD", "ten", "expected an integer"),
    ("CODEDASH_SUPPRESSION_THRESHOLD", "-1", "must not be negative"),
    ("CODEDASH_DEBUG", "maybe", "expected one of"),
])
def test_bad_values_are_rejected(monkeypatch, env, value, message):
    monkeypatch.setenv(env, value)
    name = {s.env: s.name for s in settings.SETTINGS}[env]
    with pytest.raises(ValueError, match=message):
        settings.get(name)


def test_float_settings_are_numbers(monkeypatch):
    floats = [s for s in settings.SETTINGS if s.kind is float]
    for s in floats:
        monkeypatch.setenv(s.env, "2.5")
        assert settings.get(s.name) == 2.5
        monkeypatch.setenv(s.env, "x")
        with pytest.raises(ValueError, match="expected a number"):
            settings.get(s.name)


def test_default_database_is_in_the_per_user_data_directory(monkeypatch, tmp_path):
    """Never beside the code (site-packages after a normal install): $XDG_DATA_HOME/codedash, else
    ~/.local/share/codedash; a relative XDG_DATA_HOME is ignored (XDG spec); $CODEDASH_DB overrides."""
    import sys

    if sys.platform in ("win32", "darwin"):
        pytest.skip("XDG layout is the Linux/Unix convention")
    monkeypatch.delenv("CODEDASH_DB", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert settings.get("db_path") == str(tmp_path / "xdg" / "codedash" / "codedash.duckdb")
    assert settings.db_path_source() == (settings.get("db_path"), "the per-user data directory")
    monkeypatch.setenv("XDG_DATA_HOME", "relative/dir")
    assert settings.get("db_path") == str(tmp_path / "home" / ".local" / "share" / "codedash" / "codedash.duckdb")
    monkeypatch.delenv("XDG_DATA_HOME")
    assert settings.get("db_path") == str(tmp_path / "home" / ".local" / "share" / "codedash" / "codedash.duckdb")
    monkeypatch.setenv("CODEDASH_DB", str(tmp_path / "mine.duckdb"))
    assert settings.get("db_path") == str(tmp_path / "mine.duckdb")
    assert settings.db_path_source() == (str(tmp_path / "mine.duckdb"), "$CODEDASH_DB")


def test_help_says_which_database_is_used(monkeypatch, tmp_path, capsys):
    import argparse

    from codedash.dashboard.cli import build_parser

    monkeypatch.delenv("CODEDASH_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    default = str(tmp_path / "xdg" / "codedash" / "codedash.duckdb")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert f"Here that is {default} (from the per-user data directory)" in text
    for command in ("demo", "load", "check", "serve", "query", "kpis"):
        with pytest.raises(SystemExit):
            build_parser().parse_args([command, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        assert f"--db PATH DuckDB database file (default: {default}, in the per-user data directory; " \
               "$CODEDASH_DB overrides it)" in text, command
    # every other subcommand with a --db option (registered by add_commands) names the path too
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for command, p in sub.choices.items():
        if any("--db" in a.option_strings for a in p._actions):
            assert default in " ".join(p.format_help().split()), command
    monkeypatch.setenv("CODEDASH_DB", str(tmp_path / "mine.duckdb"))
    with pytest.raises(SystemExit):
        build_parser().parse_args(["kpis", "--help"])
    assert f"(default: {tmp_path / 'mine.duckdb'}, from $CODEDASH_DB)" in " ".join(capsys.readouterr().out.split())
