"""Last-met dates from the calendar: past events with a contact among the attendees or in the title."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from dinnerbot.model import Contact, Event, Location, Nearby, PlacedContact
from dinnerbot.ranking import meetings_from_events, rank

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 24, 18, 0, tzinfo=BERLIN)

ANNA = Contact(id="anna", name="Anna Schmidt", emails=("Anna.Schmidt@example.com",))
BERND = Contact(id="bernd", name="Bernd Müller-Lüdenscheidt", emails=("bernd@example.net",))
CHER = Contact(id="cher", name="Cher", emails=())
PEOPLE = [ANNA, BERND, CHER]


def event(
    summary: str, start: datetime | date, *attendees: str, organizer: str = "", status: str = ""
) -> Event:
    return Event(
        uid=summary,
        summary=summary,
        start=start,
        end=start,
        attendees=attendees,
        organizer=organizer,
        status=status,
    )


def at(day: int, month: int = 10) -> datetime:
    return datetime(2026, month, day, 12, 30, tzinfo=BERLIN)


def test_an_attendee_or_organizer_with_a_contacts_email_is_a_meeting() -> None:
    events = [
        event("Quarterly review", at(1), "me@example.com", "anna.schmidt@example.com"),
        event("Workshop", at(2), "me@example.com", organizer="bernd@example.net"),
    ]

    met = meetings_from_events(events, PEOPLE, before=NOW, me=["Me@Example.com"])

    assert [(o.contact_id, o.kind, o.date, o.note) for o in met] == [
        ("anna", "met", date(2026, 10, 1), "calendar: Quarterly review"),
        ("bernd", "met", date(2026, 10, 2), "calendar: Workshop"),
    ]


def test_a_title_naming_a_contact_is_a_meeting_accents_and_hyphens_aside() -> None:
    events = [
        event("Dinner mit Bernd Muller Ludenscheidt", at(3)),
        event("Lunch: anna schmidt", date(2026, 10, 4)),
        event("Cher concert", at(5)),  # a one-word name is too easily someone else
        event("Annaberg trip with Anna Schmidtke", at(6)),
    ]

    met = meetings_from_events(events, PEOPLE, before=NOW)

    assert [(o.contact_id, o.date) for o in met] == [
        ("bernd", date(2026, 10, 3)),
        ("anna", date(2026, 10, 4)),
    ]
    assert meetings_from_events(events, PEOPLE, before=NOW, titles=False) == []


def test_what_is_not_a_meeting() -> None:
    events = [
        event("Anna Schmidt Geburtstag", date(2026, 10, 7)),
        event("Lunch Anna Schmidt", at(8), status="CANCELLED"),
        event("Town hall", at(9), *[f"p{i}@example.com" for i in range(20)], "anna.schmidt@example.com"),
        event("Dinner Anna Schmidt", at(25, 11)),  # still to come
    ]

    assert meetings_from_events(events, PEOPLE, before=NOW) == []


def test_one_meeting_per_contact_and_day() -> None:
    events = [
        event("Breakfast Anna Schmidt", at(10)),
        event("Review", at(10), "anna.schmidt@example.com"),
    ]

    assert len(meetings_from_events(events, PEOPLE, before=NOW)) == 1


def test_a_meeting_from_the_calendar_is_a_reason_in_the_ranking() -> None:
    where = Location(lat=51.05, lon=13.74, place="Dresden, DE", located_by="city")
    near = [Nearby(PlacedContact(ANNA, where), where, 3.0)]
    met = meetings_from_events([event("Lunch Anna Schmidt", at(15, 8))], PEOPLE, before=NOW)

    (anna,) = rank(near, met, evening=date(2026, 11, 26), now=NOW)

    assert "last met 3 months ago (calendar)" in anna.reasons


def test_plan_learns_meetings_from_months_back_in_the_calendar(tmp_path: Path) -> None:
    """The trip window starts today; a meeting five months ago still counts as the last time we met."""
    from click.testing import CliRunner

    from dinnerbot.cli import cli

    examples = Path(__file__).resolve().parents[1] / "examples"
    calendar = tmp_path / "calendar.ics"
    past = (
        "BEGIN:VEVENT\r\nUID:past-review@example\r\nDTSTAMP:20260601T000000Z\r\n"
        "DTSTART:20260702T080000Z\r\nDTEND:20260702T090000Z\r\nSUMMARY:Quartalsgespräch\r\n"
        "ORGANIZER:mailto:max@example.com\r\nATTENDEE:mailto:t.richter@saxantrieb.example\r\n"
        "END:VEVENT\r\n"
    )
    text = (examples / "calendar.ics").read_text(encoding="utf-8")
    calendar.write_text(text.replace("END:VCALENDAR", past + "END:VCALENDAR"), encoding="utf-8")

    def richter(config: str = str(examples / "dinnerbot.toml")) -> dict[str, Any]:
        args = ["--config", config, "plan", "--calendar", str(calendar), "--from", "2026-12-01", "--all"]
        result = CliRunner().invoke(cli, [*args, "--format", "json"])
        assert result.exit_code == 0, result.output
        (dresden,) = [t for t in json.loads(result.stdout)["trips"] if t["destination"]["name"] == "Dresden"]
        evening = next(e for e in dresden["evenings"] if e["date"] == "2026-12-03")
        return next(c for c in evening["candidates"] if c["name"] == "Thomas Richter")

    assert "last met 5 months ago (calendar)" in richter()["reasons"]
    short = tmp_path / "short.toml"
    short.write_text(
        f'home = "Stuttgart"\ncontacts = ["{examples / "contacts.vcf"}"]\n[ranking]\ncalendar_days = 30\n',
        encoding="utf-8",
    )
    assert not any("last met" in r for r in richter(str(short))["reasons"])
