"""CalDAV against a real Radicale on 127.0.0.1: load events with the caldav client, read them back."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from dinnerbot.calendars import read_calendars
from tests.servers import radicale_server

pytestmark = pytest.mark.network
TZ = ZoneInfo("Europe/Berlin")

EVENT = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Nextcloud calendar v4.7.6//EN
BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:STANDARD
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:{uid}
DTSTAMP:20261101T090000Z
DTSTART;TZID=Europe/Berlin:{start}
DTEND;TZID=Europe/Berlin:{end}
SUMMARY:{summary}
LOCATION:{location}
{extra}END:VEVENT
END:VCALENDAR
"""


def _load(url: str, user: str, password: str, name: str, items: list[dict[str, str]]) -> str:
    import caldav

    with caldav.DAVClient(url=url, username=user, password=password) as client:
        cal = client.principal().make_calendar(name=name, cal_id=name)
        for item in items:
            cal.save_event(EVENT.format(**{"extra": "", **item}))
        return str(cal.url)


def test_radicale_round_trip_with_time_range(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with radicale_server(tmp_path, user="alice", password="secret") as url:
        cal_url = _load(
            url,
            "alice",
            "secret",
            "work",
            [
                {
                    "uid": "in-1",
                    "start": "20261201T100000",
                    "end": "20261201T110000",
                    "summary": "Workshop",
                    "location": "Berlin",
                },
                {
                    "uid": "weekly",
                    "start": "20261102T090000",
                    "end": "20261102T093000",
                    "summary": "Jour fixe",
                    "location": "Stuttgart",
                    "extra": "RRULE:FREQ=WEEKLY;COUNT=10\nEXDATE;TZID=Europe/Berlin:20261207T090000\n",
                },
                {
                    "uid": "far-out",
                    "start": "20270601T100000",
                    "end": "20270601T110000",
                    "summary": "Later",
                    "location": "Paris",
                },
            ],
        )
        monkeypatch.setenv("DINNERBOT_PASSWORD_127_0_0_1", "secret")
        source = "caldav+" + cal_url.replace("http://", "http://alice@")
        events, problems = read_calendars(
            [source], datetime(2026, 11, 30, tzinfo=TZ), datetime(2026, 12, 14, tzinfo=TZ), home_tz=TZ
        )
    assert problems == []
    got = sorted((e.uid, e.start.isoformat(), e.location) for e in events)
    # the weekly series has its 30 Nov occurrence in the window; 7 Dec is an EXDATE; Paris is outside
    assert got == [
        ("in-1", "2026-12-01T10:00:00+01:00", "Berlin"),
        ("weekly", "2026-11-30T09:00:00+01:00", "Stuttgart"),
    ]


def test_radicale_wrong_password_is_a_problem_then_last_good_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    window = (datetime(2026, 11, 30, tzinfo=TZ), datetime(2026, 12, 14, tzinfo=TZ))
    with radicale_server(tmp_path, user="alice", password="secret") as url:
        cal_url = _load(
            url,
            "alice",
            "secret",
            "trips",
            [
                {
                    "uid": "t-1",
                    "start": "20261202T100000",
                    "end": "20261202T110000",
                    "summary": "Kickoff",
                    "location": "Hamburg",
                }
            ],
        )
        source = "caldav+" + cal_url.replace("http://", "http://alice@")
        monkeypatch.setenv("DINNERBOT_PASSWORD_ALICE", "secret")
        events, problems = read_calendars([source], *window, home_tz=TZ, cache_dir=cache)
        assert [e.uid for e in events] == ["t-1"] and problems == []
        monkeypatch.setenv("DINNERBOT_PASSWORD_ALICE", "Wr0ngPa55")
        events, problems = read_calendars([source], *window, home_tz=TZ, cache_dir=cache)
    assert [e.uid for e in events] == ["t-1"]
    assert len(problems) == 1
    assert "401" in problems[0].message and "last good copy" in problems[0].message
    assert "Wr0ngPa55" not in str(problems[0]) and "secret" not in str(problems[0])
    # server gone, no cache: a problem and no events, never a silent empty calendar
    events, problems = read_calendars([source], *window, home_tz=TZ, cache_dir=tmp_path / "empty")
    assert events == []
    assert "no cached copy" in problems[0].message


def test_second_read_is_incremental_with_the_sync_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Requests and bytes are counted at the client's one request method; the server is the real Radicale."""
    import caldav
    from caldav.davclient import DAVClient

    calls: list[tuple[str, int]] = []
    real_request = DAVClient.request

    def counting(self, url, method="GET", body="", headers=None):  # type: ignore[no-untyped-def]
        response = real_request(self, url, method, body, headers)
        calls.append((method, len(str(getattr(response, "raw", "") or ""))))
        return response

    cache = tmp_path / "cache"
    window = (datetime(2026, 11, 30, tzinfo=TZ), datetime(2026, 12, 31, tzinfo=TZ))
    items = [
        {"uid": f"ev-{n}", "start": f"202612{n + 1:02d}T100000", "end": f"202612{n + 1:02d}T110000",
         "summary": f"Termin {n}", "location": "Hamburg"}
        for n in range(20)
    ]  # fmt: skip
    with radicale_server(tmp_path, user="alice", password="secret") as url:
        cal_url = _load(url, "alice", "secret", "big", items)
        source = "caldav+" + cal_url.replace("http://", "http://alice@")
        monkeypatch.setenv("DINNERBOT_PASSWORD_ALICE", "secret")
        monkeypatch.setattr(DAVClient, "request", counting)
        first, problems = read_calendars([source], *window, home_tz=TZ, cache_dir=cache)
        cold = list(calls)
        calls.clear()
        second, _ = read_calendars([source], *window, home_tz=TZ, cache_dir=cache)
        warm = list(calls)
        calls.clear()
        monkeypatch.setattr(DAVClient, "request", real_request)
        with caldav.DAVClient(url=url, username="alice", password="secret") as client:
            cal = client.calendar(url=cal_url)
            cal.event_by_uid("ev-3").delete()
            changed = cal.event_by_uid("ev-4")
            changed.data = changed.data.replace("Termin 4", "Termin 4 (verlegt)")
            changed.save()
        monkeypatch.setattr(DAVClient, "request", counting)
        third, _ = read_calendars([source], *window, home_tz=TZ, cache_dir=cache)
        delta = list(calls)
    assert problems == [] and len(first) == 20
    assert sorted(e.uid for e in second) == sorted(e.uid for e in first)
    summaries = {e.uid: e.summary for e in third}
    assert "ev-3" not in summaries and summaries["ev-4"] == "Termin 4 (verlegt)" and len(third) == 19
    cold_bytes, warm_bytes = sum(b for _, b in cold), sum(b for _, b in warm)
    print(f"caldav: cold {len(cold)} requests {cold_bytes} B, unchanged {len(warm)} requests {warm_bytes} B, "
          f"one change + one delete {len(delta)} requests {sum(b for _, b in delta)} B")  # fmt: skip
    assert warm_bytes * 5 < cold_bytes  # nothing changed: no calendar data travels
    assert not any(m == "GET" for m, _ in warm)
    assert sum(m == "GET" for m, _ in delta) == 1  # only the changed event is loaded
