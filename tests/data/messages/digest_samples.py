"""Plan and CityPlan objects for the HTML and ICS tests, built straight from the model dataclasses."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dinnerbot.messages import Sender, render_messages
from dinnerbot.model import (
    Candidate,
    CityPlan,
    Contact,
    Evening,
    EveningPlan,
    Location,
    Place,
    Plan,
    Trip,
    TripPlan,
)

BERLIN = ZoneInfo("Europe/Berlin")
DRESDEN = Place("Dresden", "DE", 51.0509, 13.7383, timezone="Europe/Berlin", population=556000)
LONDON = Place("London", "GB", 51.5085, -0.1257, timezone="Europe/London", population=8900000)
STUTTGART = Place("Stuttgart", "DE", 48.7823, 9.177, timezone="Europe/Berlin")
EVIL = "<script>alert(1)</script>"
SENDER = Sender("Jan Müller", "+49 711 1234567", "jan@example.com")


def contacts() -> list[tuple[Contact, Location, float]]:
    return [
        (
            Contact(
                id="weber",
                name="Dr. Anna Weber",
                given_name="Anna",
                family_name="Weber",
                prefix="Dr.",
                gender="F",
                emails=("anna@example.org",),
                phones=("0171 2345678",),
                org="Weber & Söhne",
            ),
            Location(51.06, 13.75, "Dresden, DE", "city", "work", "DE"),
            1.3,
        ),
        (
            Contact(
                id="evil",
                name=EVIL,
                given_name=EVIL,
                family_name="",
                emails=("x@example.org",),
                phones=("+49 351 4567890",),
                register="informal",
            ),
            Location(51.11, 13.64, "Radebeul, DE", "postal", "home", "DE"),
            9.1,
        ),
        (
            Contact(
                id="kim",
                name="Kim Schneider",
                given_name="Kim",
                family_name="Schneider",
                lang="en",
                register="informal",
                phones=("+49 160 9876543",),
            ),
            Location(50.96, 13.94, "Pirna, DE", "city", "home", "DE"),
            17.4,
        ),
    ]


def candidates() -> tuple[Candidate, ...]:
    out = []
    for n, (contact, location, km) in enumerate(contacts()):
        out.append(
            Candidate(
                contact=contact,
                location=location,
                distance_km=km,
                score=9.0 - n,
                reasons=("met 2 years ago", f"{km:.0f} km from the centre"),
                role="call" if n < 2 else "backup",
            )
        )
    return tuple(out)


def messages_for(cands: tuple[Candidate, ...], city: str, day: date | None) -> dict[str, dict[str, str]]:
    return {c.contact.id: render_messages(c, city=city, evening=day, sender=SENDER) for c in cands}


def evening(day: date, free: bool = True, busy: tuple[str, ...] = (), tz: ZoneInfo = BERLIN) -> Evening:
    return Evening(
        day, datetime.combine(day, time(18, 30), tz), datetime.combine(day, time(22), tz), free, busy
    )


def sample_plan() -> Plan:
    first = date(2026, 12, 2)
    days = [first + timedelta(n) for n in range(3)]
    evenings = (evening(days[0]), evening(days[1], False, ("Kundenessen <Acme>",)), evening(days[2]))
    trip = Trip(DRESDEN, first, first + timedelta(3), tuple(days), evenings, ("2026-12-02 Hotel Dresden",))
    cands = candidates()
    plans = []
    for ev in evenings:
        if ev.free:
            plans.append(
                EveningPlan(
                    ev,
                    cands,
                    messages_for(cands, "Dresden", ev.date),
                    datetime.combine(ev.date - timedelta(2), time(12), BERLIN),
                )
            )
        else:
            plans.append(EveningPlan(ev, ()))
    london_day = date(2026, 12, 10)
    london_ev = evening(london_day, tz=ZoneInfo("Europe/London"))
    london = Trip(
        LONDON, london_day, london_day + timedelta(1), (london_day,), (london_ev,), (), tentative=True
    )
    return Plan(
        generated_at=datetime(2026, 11, 24, 6, 0, tzinfo=BERLIN),
        window_from=date(2026, 11, 24),
        window_to=date(2026, 12, 24),
        home=STUTTGART,
        trips=(TripPlan(trip, tuple(plans)), TripPlan(london, (EveningPlan(london_ev, ()),))),
    )


def sample_city(day: date | None = date(2026, 12, 3)) -> CityPlan:
    cands = candidates()
    return CityPlan(DRESDEN, day, 25.0, cands, messages_for(cands, "Dresden", day))
