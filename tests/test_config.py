"""The config file: found, read, validated; every problem names the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from dinnerbot.config import SCHEMA, config_reference, load_config, parse_config
from dinnerbot.errors import ConfigError

from .conftest import EXAMPLES


def test_example_config_is_valid_and_documents_every_key() -> None:
    config = load_config(str(EXAMPLES / "dinnerbot.toml"))
    assert config["home"] == "Stuttgart"
    assert config.warnings == ()
    assert Path(config["calendars"][0]) == EXAMPLES / "calendar.ics"  # relative to the file
    text = (EXAMPLES / "dinnerbot.toml").read_text(encoding="utf-8")
    for key in SCHEMA:
        assert f"{key.name.split('.')[-1]} =" in text, f"examples/dinnerbot.toml lacks {key.name}"


def test_wrong_type_names_file_key_and_expectation(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('days = "thirty"\nradius_km = true\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(str(path))
    message = err.value.message
    assert "days: expected an integer" in message and "radius_km: expected a number" in message
    assert str(path) in message


def test_bad_toml_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("home = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(str(path))
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(str(tmp_path / "nope.toml"))


def test_unknown_key_warns_and_choices_are_checked() -> None:
    config = parse_config({"hom": "Ulm"})
    assert any("hom: unknown key" in w for w in config.warnings)
    with pytest.raises(ConfigError, match="lang: expected one of de, en"):
        parse_config({"lang": "fr"})
    with pytest.raises(ConfigError, match="dinner: expected 'HH:MM-HH:MM'"):
        parse_config({"dinner": "evening"})


def test_command_line_overrides_win() -> None:
    config = parse_config({"days": 10, "calendars": ["a.ics"]})
    over = config.with_overrides(days=3, calendars=("b.ics",), home=None)
    assert over["days"] == 3 and over["calendars"] == ["b.ics"] and config["days"] == 10
    with pytest.raises(ConfigError, match="--top: expected an integer"):
        config.with_overrides(top="x")


def test_config_found_through_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "env.toml"
    path.write_text('home = "Ulm"\n', encoding="utf-8")
    monkeypatch.setenv("DINNERBOT_CONFIG", str(path))
    assert load_config(None)["home"] == "Ulm"


def test_reference_lists_every_key() -> None:
    reference = config_reference()
    assert all(f"`{k.name}`" in reference for k in SCHEMA)
