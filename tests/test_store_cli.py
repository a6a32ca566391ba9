"""`dinnerbot log / history / export / import`, invoked as the README shows them, on real files."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from dinnerbot.cli import cli
from dinnerbot.store import Store

PEOPLE = Path(__file__).parent / "data" / "store" / "people.vcf"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "dinnerbot.toml"
    path.write_text(
        f'contacts = ["{PEOPLE}"]\ndata_dir = "{tmp_path / "data"}"\ncache_dir = "{tmp_path / "cache"}"\n',
        encoding="utf-8",
    )
    return path


def run(config: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)


def test_log_then_history(config: Path, tmp_path: Path) -> None:
    result = run(
        config, "log", "anna.schmidt@example.com", "declined", "--date", "2026-11-23", "--note", "spring"
    )
    assert result.exit_code == 0, result.output
    assert result.output == "logged #1: 2026-11-23 declined Anna Schmidt\n"
    assert run(config, "log", "müller", "met", "--date", "2026-10-01", "--city", "Dresden").exit_code == 0
    assert run(config, "log", "Bernd Muller", "accepted", "--date", "2026-11-02").exit_code == 0

    everyone = run(config, "history")
    assert everyone.exit_code == 0
    assert everyone.output.splitlines() == [
        "2026-10-01  met        Bernd Müller · Dresden",
        "2026-11-02  accepted   Bernd Müller",
        "2026-11-23  declined   Anna Schmidt · spring",
    ]
    assert run(config, "history", "anna schmidt").output == "2026-11-23  declined   Anna Schmidt · spring\n"
    assert run(config, "history", "berger").output == "nothing logged yet for Anna Berger\n"
    assert (tmp_path / "data" / "dinnerbot.sqlite").exists()


def test_log_without_a_date_means_today(config: Path) -> None:
    result = run(config, "log", "berger", "met")
    assert result.exit_code == 0
    with Store.open(config.parent / "data" / "dinnerbot.sqlite") as store:
        (entry,) = store.history()
    assert entry.kind == "met" and entry.date.isoformat() in result.output


def test_an_ambiguous_name_fails_listing_the_matches(config: Path) -> None:
    result = CliRunner().invoke(cli, ["--config", str(config), "log", "Anna", "accepted"])

    assert result.exit_code == 2
    assert "'Anna' matches 2 contacts" in result.output
    assert "Anna Schmidt <anna.schmidt@example.com>" in result.output
    assert "Anna Berger <anna.berger@example.org>" in result.output
    assert not (config.parent / "data" / "dinnerbot.sqlite").exists()


def test_an_unknown_name_fails(config: Path) -> None:
    result = CliRunner().invoke(cli, ["--config", str(config), "log", "Zacharias", "met"])
    assert result.exit_code == 2
    assert "no contact matches 'Zacharias'" in result.output


def test_a_bad_kind_or_date_is_a_usage_error(config: Path) -> None:
    assert CliRunner().invoke(cli, ["--config", str(config), "log", "berger", "maybe"]).exit_code == 2
    bad_date = CliRunner().invoke(
        cli, ["--config", str(config), "log", "berger", "met", "--date", "23.11.2026"]
    )
    assert bad_date.exit_code == 2
    assert "--date: expected a date YYYY-MM-DD" in bad_date.output


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_and_import_move_the_log_without_loss(config: Path, tmp_path: Path, fmt: str) -> None:
    run(
        config,
        "log",
        "anna.schmidt@example.com",
        "accepted",
        "--date",
        "2026-03-04",
        "--note",
        'said "ja", gern',
    )
    run(config, "log", "berger", "no-answer", "--date", "2026-05-06")
    out = tmp_path / f"log.{fmt}"

    assert run(config, "export", "--format", fmt, "--out", str(out)).exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    printed = run(config, "export", "--format", fmt).stdout_bytes
    assert printed == out.read_bytes()

    # on another machine: a fresh data dir
    other = tmp_path / "other.toml"
    other.write_text(config.read_text().replace("/data", "/data2"), encoding="utf-8")
    assert run(other, "import", str(out)).output == f"imported 2 new entries from {out}\n"
    assert run(other, "import", str(out)).output == f"imported 0 new entries from {out}\n"
    again = tmp_path / f"again.{fmt}"
    run(other, "export", "--format", fmt, "--out", str(again))
    assert again.read_bytes() == out.read_bytes()
    if fmt == "json":
        assert json.loads(out.read_text())["outcomes"][0]["note"] == 'said "ja", gern'


def test_a_broken_import_file_changes_nothing(config: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,contact_id,kind,date\n1,x,maybe,2026-01-01\n", encoding="utf-8")

    result = CliRunner().invoke(cli, ["--config", str(config), "import", str(bad)])

    assert result.exit_code == 1
    assert "line 2: unknown outcome 'maybe'" in result.output
    assert "nothing was imported" in result.output
    assert run(config, "history").output == "nothing logged yet\n"
