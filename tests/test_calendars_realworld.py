"""Every third-party calendar in ../shared/realworld/ics reads without an uncaught exception, and the
window pre-filter gives exactly what the plain parse gives."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from dinnerbot.calendars import read_calendars
from dinnerbot.calendars.ics import parse_ics
from dinnerbot.errors import SourceError

REALWORLD = Path(__file__).resolve().parents[2] / "shared" / "realworld" / "ics"
TZ = ZoneInfo("Europe/Berlin")
START, END = datetime(2000, 1, 1, tzinfo=TZ), datetime(2030, 1, 1, tzinfo=TZ)

pytestmark = pytest.mark.skipif(
    not REALWORLD.is_dir(), reason=f"{REALWORLD} is missing (../shared not beside the repo)"
)


def _files() -> list[Path]:
    return sorted(p for p in REALWORLD.iterdir() if p.is_file()) if REALWORLD.is_dir() else []


def test_every_realworld_file_reads_without_uncaught_exception() -> None:
    files = _files()
    assert len(files) > 100
    total = 0
    for path in files:
        events, problems = read_calendars([str(path)], START, END, home_tz=TZ, me=["me@example.com"])
        total += len(events)
        for problem in problems:
            assert problem.source == str(path) or problem.source.startswith(str(path))
            assert problem.message and "unexpected error" not in problem.message, str(problem)
        for event in events:
            if not event.all_day:
                assert event.start.tzinfo is not None and event.end.tzinfo is not None  # type: ignore[union-attr]
    assert total > 1000


def test_prefilter_gives_the_same_events_as_the_plain_parse() -> None:
    compared = 0
    for path in _files():
        data = path.read_bytes()
        try:
            fast = parse_ics(data, path.name, START, END, home_tz=TZ)
            plain = parse_ics(data, path.name, START, END, home_tz=TZ, prefilter=False)
        except SourceError:
            continue
        assert sorted(map(repr, fast[0])) == sorted(map(repr, plain[0])), path.name
        compared += 1
    assert compared > 100
