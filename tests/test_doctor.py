"""`dinnerbot doctor`: every part checked, what is broken named with what to do."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from dinnerbot.cli import cli

from .conftest import EXAMPLES
from .test_nightly import DRESDEN, HAMBURG, hotel, write_calendar, write_config


def doctor(config: Path) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config), "doctor"])


def test_a_healthy_setup(tmp_path: Path) -> None:
    write_calendar(tmp_path / "cal.ics", DRESDEN, HAMBURG)
    config = write_config(tmp_path)
    r = doctor(config)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0] == f"[ok  ] config: {config}"
    assert "[ok  ] home: Stuttgart, DE (Europe/Berlin)" in lines
    assert any(line.startswith(f"[ok  ] calendar {tmp_path / 'cal.ics'}: ") and "events" in line for line in lines)
    contacts = [line for line in lines if line.startswith("[ok  ] contacts ")]
    assert contacts and contacts[0].endswith(": 35 contacts")
    assert "[ok  ] templates: the shipped templates" in lines
    assert any(line.startswith("[ok  ] database: ") and "created on first use" in line for line in lines)
    assert lines[-1] == "all good"


def test_counts_the_events_in_the_window(tmp_path: Path) -> None:
    """Two stays in the coming days are counted; one a year ahead is outside the 30-day window."""
    from datetime import date, timedelta

    def day(n: int) -> str:
        return (date.today() + timedelta(days=n)).strftime("%Y%m%d")

    write_calendar(
        tmp_path / "cal.ics",
        hotel("a@t", "Hotel A", "Dresden", day(2), day(4)),
        hotel("b@t", "Hotel B", "Hamburg", day(10), day(11)),
        hotel("c@t", "Hotel C", "Berlin", day(365), day(366)),
    )
    r = doctor(write_config(tmp_path))
    assert f"[ok  ] calendar {tmp_path / 'cal.ics'}: 2 events in the next 30 days" in r.stdout


def test_every_broken_part_is_named_with_a_fix(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "sms.de.txt.j2").write_text("Hallo {{ name\n", encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    (data / "dinnerbot.sqlite").write_bytes(b"this is not a database" * 100)
    config = write_config(tmp_path)
    top = f'colour = 1\ntemplates = "{tmp_path / "templates"}"\n[nightly]'
    text = config.read_text(encoding="utf-8").replace("[nightly]", top)
    config.write_text(text, encoding="utf-8")  # no cal.ics written: the calendar is missing
    r = doctor(config)
    assert r.exit_code == 1
    out = r.stdout
    assert "[WARN] config: colour: unknown key, ignored" in out
    assert f"[FAIL] calendar {tmp_path / 'cal.ics'}: 0 events" in out
    assert "fix: check that the file exists and is readable" in out
    assert "[FAIL] templates: sms.de.txt.j2:1:" in out and "fix: fix the template syntax" in out
    assert "[FAIL] database: " in out and "fix: restore a backup" in out
    assert "[ok  ] contacts" in out  # the rest was still checked
    assert out.splitlines()[-1] == "3 problems to fix (1 warning)"


def test_a_config_that_cannot_be_read(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("home = \n", encoding="utf-8")
    r = doctor(config)
    assert r.exit_code == 1
    assert r.stdout.startswith(f"[FAIL] config: {config}: not valid TOML")


def test_smtp_without_password_is_named(tmp_path: Path) -> None:
    write_calendar(tmp_path / "cal.ics", DRESDEN)
    config = write_config(
        tmp_path,
        **{"[smtp]\nhost": '"127.0.0.1"', "user": '"max"', "password_env": '"NOPE_UNSET"', "to": '["a@b.c"]'},
    )
    r = doctor(config)
    assert r.exit_code == 1
    assert "[FAIL] smtp: smtp: no password for max" in r.stdout
    assert "fix: export NOPE_UNSET" in r.stdout


def test_the_example_config_is_healthy() -> None:
    r = doctor(EXAMPLES / "dinnerbot.toml")
    assert r.exit_code == 0, r.output


@pytest.mark.network
def test_a_caldav_server_that_is_down_is_broken_even_with_a_cached_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import date, timedelta

    import caldav

    from tests.servers import radicale_server

    from .test_nightly import HEAD

    day = (date.today() + timedelta(days=3)).strftime("%Y%m%d")
    end = (date.today() + timedelta(days=5)).strftime("%Y%m%d")
    monkeypatch.setenv("DINNERBOT_PASSWORD_ALICE", "secret")
    with radicale_server(tmp_path, user="alice", password="secret") as url:
        with caldav.DAVClient(url=url, username="alice", password="secret") as client:  # type: ignore[operator]
            cal = client.principal().make_calendar(name="trips", cal_id="trips")
            cal.save_event(HEAD + hotel("x@t", "Hotel Dresden", "Dresden", day, end) + "END:VCALENDAR\n")
            source = "caldav+" + str(cal.url).replace("http://", "http://alice@")
        config = write_config(tmp_path)
        text = config.read_text(encoding="utf-8")
        config.write_text(text.replace(f'["{tmp_path / "cal.ics"}"]', f'["{source}"]'), encoding="utf-8")
        up = doctor(config)
        assert up.exit_code == 0, up.output
        assert f"[ok  ] calendar {source}: 1 events in the next 30 days" in up.stdout
        CliRunner().invoke(cli, ["--config", str(config), "trips"])  # leaves a cached copy behind
    down = doctor(config)
    assert down.exit_code == 1
    assert f"[FAIL] calendar {source}: 0 events" in down.stdout
    assert "fix: check the URL, the server and the password" in down.stdout
    assert "secret" not in down.stdout
