"""The docs cannot drift: docs/json.md shows the keys the commands print, the README the commands."""

from __future__ import annotations

import json
import re
from typing import Any

from click.testing import CliRunner

from dinnerbot.cli import cli

from .conftest import EXAMPLES, REPO

CONFIG = str(EXAMPLES / "dinnerbot.toml")


def shape(value: Any) -> Any:
    """The keys of a JSON value, recursively; lists by their first item."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items() if k != "messages"}
    if isinstance(value, list):
        return [shape(value[0])] if value and isinstance(value[0], dict | list) else []
    return None


def documented() -> dict[str, Any]:
    text = (REPO / "docs" / "json.md").read_text(encoding="utf-8")
    sections = re.findall(r"## `dinnerbot (\w+)[^`]*`.*?```json\n(.*?)```", text, re.S)
    return {name: json.loads(body) for name, body in sections}


def test_json_contract_matches_the_commands() -> None:
    docs = documented()
    assert set(docs) == {"trips", "contacts", "city", "plan"}
    commands = {
        "trips": ["--config", CONFIG, "trips", "--from", "2026-12-01"],
        "contacts": ["--config", CONFIG, "contacts"],
        "city": ["--config", CONFIG, "city", "Dresden", "--date", "2026-12-03"],
        "plan": ["--config", CONFIG, "plan", "--from", "2026-12-01"],
    }
    for name, args in commands.items():
        result = CliRunner().invoke(cli, [*args, "--format", "json"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert shape(json.loads(result.stdout)) == shape(docs[name]), name


def test_readme_names_every_command() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name in cli.commands:
        assert f"dinnerbot {name}" in readme or f"`{name}`" in readme, name
