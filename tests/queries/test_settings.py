"""The settings registry: defaults, environment overrides and clear errors."""
import pytest

from queries import settings


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
