"""Last-met dates from the calendar: past events with a contact among the attendees or in the title."""

from __future__ import annotations

from datetime import date, datetime
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
