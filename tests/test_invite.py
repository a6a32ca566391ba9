"""--format ics placeholders, the invitation after a yes, and the Bewirtungsbeleg draft."""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from dinnerbot.invite import bewirtung_markdown, invitation_ics, placeholders_ics

sys.path.insert(0, str(Path(__file__).parent / "data" / "messages"))
from digest_samples import BERLIN, DRESDEN, EVIL, SENDER, contacts, sample_plan  # noqa: E402

NOW = datetime(2026, 11, 24, 6, 0, tzinfo=BERLIN)


def test_placeholders_one_tentative_event_per_free_evening_round_trip() -> None:
    plan = sample_plan()
    text = placeholders_ics(plan)
    cal = Calendar.from_ical(text)
    events = list(cal.walk("VEVENT"))
    free = [ep.evening for tp in plan.trips for ep in tp.evenings if ep.evening.free]
    assert len(events) == len(free) == 3  # the busy Thursday in Dresden has none
    for event, evening in zip(events, free, strict=True):
        assert str(event["summary"]).startswith("Dinner?")
        assert str(event["status"]) == "TENTATIVE"
        assert str(event["transp"]) == "TRANSPARENT"  # so the next run still sees the evening as free
        assert event.decoded("dtstart") == evening.start
        assert event.decoded("dtend") == evening.end
        assert str(event.decoded("dtstart").tzinfo) == str(evening.start.tzinfo)
    london = events[-1]
    assert str(london["location"]) == "London"
    assert london.decoded("dtstart").utcoffset() == timedelta(0)
    assert "Dr. Anna Weber" in str(events[0]["description"])
    # round trip: what we parse and write again is what we wrote
    assert Calendar.from_ical(cal.to_ical()).to_ical() == cal.to_ical()
    # stable UIDs: importing twice updates instead of doubling
    assert placeholders_ics(plan) == text
    assert len({str(e["uid"]) for e in events}) == 3
    assert {tz["tzid"] for tz in cal.walk("VTIMEZONE")} == {"Europe/Berlin", "Europe/London"}


def test_placeholders_skip_evenings_already_over() -> None:
    plan = sample_plan()
    later = plan.__class__(
        generated_at=datetime(2026, 12, 3, 12, 0, tzinfo=BERLIN),
        window_from=plan.window_from,
        window_to=plan.window_to,
        home=plan.home,
        trips=plan.trips,
    )
    starts = [e.decoded("dtstart").date() for e in Calendar.from_ical(placeholders_ics(later)).walk("VEVENT")]
    assert starts == [date(2026, 12, 4), date(2026, 12, 10)]


def test_placeholders_read_back_by_dinnerbots_own_calendar_reader(tmp_path: Path) -> None:
    from dinnerbot.calendars import read_calendars

    path = tmp_path / "placeholders.ics"
    path.write_text(placeholders_ics(sample_plan()), encoding="utf-8")
    events, problems = read_calendars(
        [str(path)],
        datetime(2026, 11, 24, tzinfo=BERLIN),
        datetime(2026, 12, 24, tzinfo=BERLIN),
        home_tz=BERLIN,
    )
    assert problems == []
    assert len(events) == 3
    assert all(e.transparent and e.summary.startswith("Dinner?") for e in events)


def test_invitation_has_contact_as_attendee_in_destination_zone() -> None:
    weber = contacts()[0][0]
    start_utc = datetime(2026, 12, 3, 18, 0, tzinfo=ZoneInfo("UTC"))  # 19:00 in Dresden
    text = invitation_ics(weber, DRESDEN, start_utc, now=NOW, sender=SENDER, venue="Sophienkeller")
    cal = Calendar.from_ical(text)
    assert str(cal["method"]) == "REQUEST"
    (event,) = cal.walk("VEVENT")
    start = event.decoded("dtstart")
    assert (start.hour, start.minute, str(start.tzinfo)) == (19, 0, "Europe/Berlin")
    assert event.decoded("dtend") - start == timedelta(hours=2, minutes=30)
    assert str(event["summary"]) == "Abendessen mit Dr. Anna Weber"
    assert str(event["location"]) == "Sophienkeller, Dresden"
    attendee = event["attendee"]
    assert str(attendee) == "mailto:anna@example.org"
    assert attendee.params["CN"] == "Dr. Anna Weber"
    assert str(event["organizer"]) == "mailto:jan@example.com"
    assert event.decoded("dtstamp") == NOW
    assert invitation_ics(weber, DRESDEN, start_utc, now=NOW, sender=SENDER, venue="Sophienkeller") == text


def test_invitation_without_email_is_a_plain_event_and_naive_times_are_refused() -> None:
    kim = contacts()[2][0]
    cal = Calendar.from_ical(invitation_ics(kim, "Pirna", datetime(2026, 12, 4, 19, tzinfo=BERLIN), now=NOW))
    assert str(cal["method"]) == "PUBLISH"
    (event,) = cal.walk("VEVENT")
    assert "attendee" not in event
    assert str(event["summary"]) == "Dinner with Kim Schneider"  # Kim's contact language is English
    with pytest.raises(ValueError, match="aware"):
        invitation_ics(kim, "Pirna", datetime(2026, 12, 4, 19), now=NOW)


def test_bewirtung_markdown_has_every_field() -> None:
    guests = [contacts()[0][0], contacts()[1][0]]
    text = bewirtung_markdown(
        guests, day=date(2026, 12, 3), city=DRESDEN, host=SENDER, occasion="Projekt Elbe"
    )
    assert "**Tag der Bewirtung:** Donnerstag, 3. Dezember 2026" in text
    assert "Dresden" in text
    assert "**Bewirtende Person:** Jan Müller" in text
    assert "- Dr. Anna Weber, Weber & Söhne" in text
    assert EVIL in text  # markdown is not autoescaped: it is a draft for the user, not a web page
    assert "**Anlass der Bewirtung:** Projekt Elbe" in text
    assert "Höhe der Aufwendungen" in text and "Unterschrift" in text
    assert "{{" not in text and "{%" not in text


def test_accepted_dinner_gives_invitation_and_german_receipt() -> None:
    from dinnerbot.invite import accepted_dinner

    weber = contacts()[0][0]
    ics, receipt = accepted_dinner(
        weber, DRESDEN, date(2026, 12, 3), dinner="19:00-22:00", now=NOW, sender=SENDER
    )
    (event,) = Calendar.from_ical(ics).walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2026, 12, 3, 19, 0, tzinfo=BERLIN)
    assert receipt is not None and "Donnerstag, 3. Dezember 2026" in receipt
    _, none = accepted_dinner(
        weber, DRESDEN, date(2026, 12, 3), dinner="19:00-22:00", now=NOW, sender=SENDER, lang="en"
    )
    assert none is None
