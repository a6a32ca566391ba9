"""The nightly job over several nights of a changing calendar: exactly what each night reports."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

from click.testing import CliRunner, Result

from dinnerbot.cli import cli
from dinnerbot.model import Outcome
from dinnerbot.store import Store

from .conftest import EXAMPLES

HEAD = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//dinnerbot tests//EN
"""


def hotel(uid: str, name: str, address: str, start: str, end: str) -> str:
    return (
        f"BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:20261120T080000Z\nDTSTART;VALUE=DATE:{start}\n"
        f"DTEND;VALUE=DATE:{end}\nSUMMARY:{name}\nLOCATION:{address}\nEND:VEVENT\n"
    )


def dinner(uid: str, day: str, where: str) -> str:
    return (
        f"BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:20261120T080000Z\nDTSTART;TZID=Europe/Berlin:{day}T190000\n"
        f"DTEND;TZID=Europe/Berlin:{day}T213000\nSUMMARY:Abendessen mit dem Vertriebsteam\n"
        f"LOCATION:{where}\nEND:VEVENT\n"
    )


DRESDEN = hotel("dd@t", "Hotel Bellevue Dresden", "Große Meißner Str. 15\\, 01097 Dresden", "20261203", "20261205")
HAMBURG = hotel("hh@t", "Motel One Hamburg", "Ludwig-Erhard-Straße 26\\, 20459 Hamburg", "20261220", "20261222")
HAMBURG_MOVED = hotel("hh@t", "Motel One Hamburg", "Ludwig-Erhard-Straße 26\\, 20459 Hamburg", "20261221", "20261223")
DRESDEN_DINNER = dinner("dd-dinner@t", "20261204", "Dresden")


def write_calendar(path: Path, *events: str) -> None:
    path.write_text(HEAD + "".join(events) + "END:VCALENDAR\n", encoding="utf-8")


def write_config(tmp_path: Path, **extra: str) -> Path:
    config = tmp_path / "dinnerbot.toml"
    lines = [
        'home = "Stuttgart"',
        'timezone = "Europe/Berlin"',
        f'calendars = ["{tmp_path / "cal.ics"}"]',
        f'contacts = ["{EXAMPLES / "contacts.vcf"}"]',
        f'data_dir = "{tmp_path / "data"}"',
        "days = 30",
        "[nightly]",
        "lead_days = 7",
        "remind_on_start = true",
    ]
    lines += [f"{k} = {v}" for k, v in extra.items()]
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def night(config: Path, day: str, *more: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config), "plan", "--cron", "--from", day, *more])


def call_list(config: Path, day: str, evening: str) -> list[dict[str, str]]:
    result = CliRunner().invoke(cli, ["--config", str(config), "plan", "--from", day, "--format", "json"])
    data = json.loads(result.stdout)
    for trip in data["trips"]:
        for ev in trip["evenings"]:
            if ev["date"] == evening:
                return [c for c in ev["candidates"] if c["role"] == "call"]
    raise AssertionError(f"no evening {evening}")


def headlines(result: Result) -> list[str]:
    """The news lines (NEW/CHANGED/CANCELLED/TODAY and their '  - ' details), before the digest."""
    head = result.stdout.split("\n\n")[0]
    return [line for line in head.splitlines() if line.strip()]


def test_several_nights_over_a_changing_calendar(tmp_path: Path) -> None:
    cal = tmp_path / "cal.ics"
    config = write_config(tmp_path)
    write_calendar(cal, DRESDEN, HAMBURG)

    # night 1: Dresden is within the lead time, Hamburg (19 days ahead) not yet
    r = night(config, "2026-12-01")
    assert r.exit_code == 0, r.output
    assert headlines(r) == ["NEW: Dresden, DE 2026-12-03 to 2026-12-05"]
    assert "Evening of Thu 2026-12-03" in r.stdout and "Hamburg" not in r.stdout

    # the same night again: nothing, silently
    r = night(config, "2026-12-01")
    assert (r.exit_code, r.stdout) == (0, "")

    # night 2: a team dinner fills the second evening in Dresden
    write_calendar(cal, DRESDEN, DRESDEN_DINNER, HAMBURG)
    r = night(config, "2026-12-02")
    assert r.exit_code == 0, r.output
    assert headlines(r) == [
        "CHANGED: Dresden, DE 2026-12-03 to 2026-12-05",
        "  - evening 2026-12-04 became busy",
    ]

    # a decline logged the same day changes the call list for the 3rd, reported once
    first = call_list(config, "2026-12-02", "2026-12-03")[0]
    with Store.open(tmp_path / "data" / "dinnerbot.sqlite") as store:
        store.add(Outcome(first["id"], "declined", date(2026, 12, 2), city="Dresden"))
    r = night(config, "2026-12-02")
    lines = headlines(r)
    assert lines[0] == "CHANGED: Dresden, DE 2026-12-03 to 2026-12-05"
    assert lines[1].startswith("  - call list for 2026-12-03 changed: ")
    assert f"- {first['name']}" in lines[1]
    assert night(config, "2026-12-02").stdout == ""

    # night 3: the morning the trip starts, once more
    r = night(config, "2026-12-03")
    assert headlines(r) == ["TODAY: Dresden, DE 2026-12-03 to 2026-12-05", "  - starts today"]
    assert night(config, "2026-12-03").stdout == ""

    # nights 4-13: nothing new (Dresden over, Hamburg not yet within 7 days)
    for day in ("2026-12-04", "2026-12-06", "2026-12-12"):
        r = night(config, day)
        assert (r.exit_code, r.stdout) == (0, ""), day

    # night 14: Hamburg comes within the lead time
    r = night(config, "2026-12-14")
    assert headlines(r) == ["NEW: Hamburg, DE 2026-12-20 to 2026-12-22"]

    # night 15: Hamburg moved by a day
    write_calendar(cal, DRESDEN, DRESDEN_DINNER, HAMBURG_MOVED)
    r = night(config, "2026-12-15")
    lines = headlines(r)
    assert lines[0] == "CHANGED: Hamburg, DE 2026-12-21 to 2026-12-23"
    assert "  - dates 2026-12-20 to 2026-12-22 -> 2026-12-21 to 2026-12-23" in lines

    # night 16: Hamburg cancelled
    write_calendar(cal, DRESDEN, DRESDEN_DINNER)
    r = night(config, "2026-12-16")
    assert r.stdout == "CANCELLED: Hamburg, DE 2026-12-21 to 2026-12-23\n  - no longer in the calendar\n"
    assert night(config, "2026-12-16").stdout == ""


def test_new_only_without_a_trip_in_the_lead_time_prints_nothing(tmp_path: Path) -> None:
    write_calendar(tmp_path / "cal.ics", HAMBURG)
    config = write_config(tmp_path)
    r = CliRunner().invoke(cli, ["--config", str(config), "plan", "--new-only", "--from", "2026-12-01"])
    assert (r.exit_code, r.stdout) == (0, "")


def test_out_is_written_atomically_and_only_the_file(tmp_path: Path) -> None:
    write_calendar(tmp_path / "cal.ics", DRESDEN)
    config = write_config(tmp_path)
    out = tmp_path / "reports" / "tonight.txt"
    r = night(config, "2026-12-01", "--out", str(out))
    assert r.exit_code == 0 and r.stdout == ""
    assert out.read_text(encoding="utf-8").startswith("NEW: Dresden, DE 2026-12-03 to 2026-12-05\n")
    assert [p.name for p in out.parent.iterdir()] == ["tonight.txt"]  # no temporary file left


def test_failed_delivery_commits_nothing(tmp_path: Path) -> None:
    write_calendar(tmp_path / "cal.ics", DRESDEN)
    config = write_config(tmp_path)
    (tmp_path / "blocked").write_text("a file, not a folder", encoding="utf-8")
    r = night(config, "2026-12-01", "--out", str(tmp_path / "blocked" / "x.txt"))
    assert r.exit_code == 1 and "cannot write" in r.stderr
    r = night(config, "2026-12-01")
    assert headlines(r) == ["NEW: Dresden, DE 2026-12-03 to 2026-12-05"]


def test_partial_source_keeps_the_reported_state(tmp_path: Path) -> None:
    """A calendar that cannot be read: warn, exit 3, and do not call the trips cancelled."""
    cal = tmp_path / "cal.ics"
    write_calendar(cal, DRESDEN)
    config = write_config(tmp_path)
    assert headlines(night(config, "2026-12-01"))[0].startswith("NEW: Dresden")
    cal.unlink()
    r = night(config, "2026-12-02")
    assert r.exit_code == 3 and "warning:" in r.stderr
    assert "CANCELLED" not in r.stdout
    write_calendar(cal, DRESDEN)
    assert night(config, "2026-12-02").stdout == ""


def test_state_lives_in_the_log_database(tmp_path: Path) -> None:
    write_calendar(tmp_path / "cal.ics", DRESDEN)
    config = write_config(tmp_path)
    night(config, "2026-12-01")
    db = sqlite3.connect(tmp_path / "data" / "dinnerbot.sqlite")
    (value,) = db.execute("SELECT value FROM state WHERE key = 'nightly.reported'").fetchone()
    state = json.loads(value)
    (trip,) = state.values()
    assert (trip["city"], trip["start"], trip["end"]) == ("Dresden", "2026-12-03", "2026-12-05")
    assert set(trip["evenings"]) == {"2026-12-03", "2026-12-04"}
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_cron_json_lists_the_news_and_the_plan_of_those_trips(tmp_path: Path) -> None:
    cal = tmp_path / "cal.ics"
    write_calendar(cal, DRESDEN, HAMBURG)
    config = write_config(tmp_path)
    night(config, "2026-12-01")
    write_calendar(cal, DRESDEN, DRESDEN_DINNER, HAMBURG)
    r = night(config, "2026-12-02", "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert [(n["kind"], n["title"], n["changes"]) for n in doc["news"]] == [
        ("changed", "Dresden, DE 2026-12-03 to 2026-12-05", ["evening 2026-12-04 became busy"])
    ]
    assert [t["destination"]["name"] for t in doc["plan"]["trips"]] == ["Dresden"]
