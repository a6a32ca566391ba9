"""Reading calendars: files, exporters' quirks, broken events, vdir folders, URLs with an HTTP cache."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from dinnerbot.calendars import read_calendars
from tests.servers import static_server

DATA = Path(__file__).parent / "data" / "calendars"
CORPUS = DATA / "corpus"
TZ = ZoneInfo("Europe/Berlin")
WINDOW = (datetime(2026, 9, 1, tzinfo=TZ), datetime(2026, 12, 31, tzinfo=TZ))
ME = ["jens.becker@example.com"]


def read(*sources: str, cache_dir: Path | None = None, window=WINDOW):
    return read_calendars(list(sources), *window, home_tz=TZ, me=ME, cache_dir=cache_dir)


def test_outlook_windows_zone_names_become_iana_zones() -> None:
    events, problems = read(str(CORPUS / "outlook_exchange.ics"))
    assert problems == []
    london = next(e for e in events if e.summary == "Quarterly Review")
    assert london.tzid == "Europe/London"
    assert london.start == datetime(2026, 10, 14, 10, 0, tzinfo=ZoneInfo("Europe/London"))
    hotel = next(e for e in events if "Langham" in e.summary)
    assert hotel.tzid == "America/New_York" and hotel.transparent


def test_google_x_wr_timezone_and_utc_times() -> None:
    events, _ = read(str(CORPUS / "google_work.ics"))
    ice = next(e for e in events if e.summary.startswith("ICE 598"))
    assert ice.start == datetime(2026, 9, 8, 7, 12, tzinfo=TZ)
    assert ice.start.tzinfo == TZ  # type: ignore[union-attr]


def test_cancelled_prefixed_and_declined_events_are_dropped() -> None:
    events, _ = read(str(CORPUS / "google_work.ics"), str(CORPUS / "outlook_exchange.ics"))
    summaries = {e.summary for e in events}
    assert not any(e.uid.startswith("cancelled-paris") for e in events)  # STATUS:CANCELLED and "Canceled:"
    assert not any("Canceled" in s or "Abgesagt" in s for s in summaries)
    assert "Strategieklausur" not in summaries  # PARTSTAT=DECLINED on my (mixed-case) address
    kept, _ = read_calendars([str(CORPUS / "outlook_exchange.ics")], *WINDOW, home_tz=TZ, me=())
    assert sum(e.summary == "Strategieklausur" for e in kept) == 2  # without `me`, the two days stay


def test_floating_time_is_made_aware_in_home_zone_and_marked() -> None:
    events, _ = read(str(CORPUS / "apple_icloud.ics"))
    dinner = next(e for e in events if e.summary == "Abendessen Team")
    assert dinner.floating and dinner.start == datetime(2026, 10, 20, 19, 0, tzinfo=TZ)
    audit = next(e for e in events if e.summary == "Audit Tag 2")
    assert audit.location == "Zürich Paradeplatz" and audit.geo == (47.369892, 8.539001)


def test_recurrence_exdate_and_override() -> None:
    events, _ = read(str(CORPUS / "nextcloud.ics"))
    hamburg = sorted(e.start for e in events if e.summary.startswith("Kundenprojekt"))  # type: ignore[type-var]
    assert [d.date() for d in hamburg] == [  # type: ignore[union-attr]
        date(2026, 9, 29),
        date(2026, 9, 30),
        date(2026, 10, 6),
        date(2026, 10, 7),
        date(2026, 10, 14),
    ]
    moved = next(e for e in events if e.summary.endswith("(verschoben)"))
    assert moved.start == datetime(2026, 9, 30, 13, 0, tzinfo=TZ)
    jour_fixe = [e for e in events if e.summary == "Jour fixe"]
    assert date(2026, 10, 5) not in {e.start.date() for e in jour_fixe}  # type: ignore[union-attr]
    assert len(jour_fixe) == 15


def test_same_uid_in_two_calendars_counts_once() -> None:
    events, _ = read(str(CORPUS / "google_work.ics"), str(CORPUS / "nextcloud.ics"))
    assert sum(e.uid == "workshop-berlin-2026-09-08@kunde-berlin.example" for e in events) == 1


def test_broken_event_is_a_problem_with_line_and_the_rest_counts() -> None:
    events, problems = read(str(DATA / "broken_event.ics"))
    assert sorted(e.uid for e in events) == ["good-1", "good-2"]
    assert len(problems) == 1
    assert problems[0].source == str(DATA / "broken_event.ics")
    assert "bad-1" in problems[0].message or problems[0].line == 10


def test_missing_file_is_a_problem_not_an_empty_calendar(tmp_path: Path) -> None:
    events, problems = read(str(tmp_path / "nope.ics"))
    assert events == [] and len(problems) == 1
    assert "cannot read" in problems[0].message and "no cached copy" in problems[0].message


def test_vdir_folder_one_event_per_file(tmp_path: Path) -> None:
    vdir = tmp_path / "calendars" / "work"
    vdir.mkdir(parents=True)
    shutil.copy(DATA / "smoke_berlin.ics", vdir / "a.ics")
    (vdir / "b.ics").write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:vdir-1\r\nDTSTART:20261104T090000Z\r\n"
        "DTEND:20261104T100000Z\r\nSUMMARY:From vdir\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        encoding="utf-8",
    )
    (vdir / "c.ics").write_text("this is not a calendar", encoding="utf-8")
    (vdir / ".hidden.tmp").write_text("ignored", encoding="utf-8")
    events, problems = read(str(tmp_path / "calendars"))
    assert "vdir-1" in {e.uid for e in events} and "rail-out-1" in {e.uid for e in events}
    assert len(problems) == 1 and problems[0].source.endswith("c.ics")


@pytest.mark.network
def test_url_is_cached_and_revalidated_with_conditional_requests(tmp_path: Path) -> None:
    served = tmp_path / "www"
    served.mkdir()
    shutil.copy(CORPUS / "tripit.ics", served / "feed.ics")
    cache = tmp_path / "cache"
    with static_server(served) as server:
        url = server.url + "feed.ics"
        first, problems = read(url, cache_dir=cache)
        assert problems == [] and first
        second, _ = read(url, cache_dir=cache)
        assert [e.uid for e in second] == [e.uid for e in first]
        # the unchanged feed was revalidated (304), not downloaded again
        assert server.count(path="/feed.ics", status=200) == 1
        assert server.count(path="/feed.ics", status=304) == 1
        assert server.bytes_sent("/feed.ics") == (served / "feed.ics").stat().st_size
        # a changed feed is downloaded again
        (served / "feed.ics").write_bytes((CORPUS / "rail_hotel.ics").read_bytes())
        third, _ = read(url, cache_dir=cache)
        assert server.count(path="/feed.ics", status=200) == 2
        assert any("Leipzig" in e.summary for e in third)
        # the server fails: a problem naming the reason, and the last good copy
        server.fail_with["/feed.ics"] = 500
        fourth, problems = read(url, cache_dir=cache)
        assert [e.uid for e in fourth] == [e.uid for e in third]
        assert len(problems) == 1 and "HTTP 500" in problems[0].message
        assert "last good copy" in problems[0].message
        # webcal:// links name the same feed; a 404 without cache is a problem, never an empty calendar
        missing, problems = read(server.url + "gone.ics", cache_dir=cache)
        assert missing == [] and "HTTP 404" in problems[0].message


def test_unchanged_file_reuses_the_parsed_result_and_a_change_is_seen(tmp_path: Path) -> None:
    cal = tmp_path / "work.ics"
    shutil.copy(CORPUS / "rail_hotel.ics", cal)
    cache = tmp_path / "cache"
    cold, _ = read(str(cal), cache_dir=cache)
    memos = list((cache / "calendars").glob("parsed-*.pickle"))
    assert len(memos) == 1
    warm, _ = read(str(cal), cache_dir=cache)
    assert warm == cold
    text = cal.read_text(encoding="utf-8").replace("Dîner Bocuse", "Dîner chez Paul")
    cal.write_text(text, encoding="utf-8")
    changed, _ = read(str(cal), cache_dir=cache)
    assert "Dîner chez Paul" in {e.summary for e in changed}
    assert "Dîner Bocuse" not in {e.summary for e in changed}
