"""The domain: frozen dataclasses that flow calendars -> trips -> contacts/geo -> ranking -> messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from operator import attrgetter
from typing import Any


@dataclass(frozen=True, slots=True)
class Problem:
    """Something that could not be read or placed; the rest of the job went on."""

    source: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class Place:
    """A point on the map with a name: a city, a town, an airport, a contact's address."""

    name: str
    country: str  # ISO 3166 alpha-2, "" when unknown
    lat: float
    lon: float
    timezone: str | None = None  # IANA name
    population: int = 0
    admin1: str = ""  # region / state
    kind: str = "city"  # city, postal, airport, geo, online

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "country": self.country,
            "lat": round(self.lat, 5),
            "lon": round(self.lon, 5),
        }


@dataclass(frozen=True, slots=True)
class Event:
    """One occurrence of a calendar event (recurrences already expanded).

    ``start``/``end`` are aware datetimes, or dates for all-day events (``end`` exclusive).
    Floating times were made aware in the user's home zone and carry ``floating=True`` so that
    trip detection can re-read them in the destination's zone.
    """

    uid: str
    summary: str
    start: datetime | date
    end: datetime | date
    location: str = ""
    description: str = ""
    geo: tuple[float, float] | None = None
    source: str = ""  # calendar name or file
    floating: bool = False
    transparent: bool = False  # TRANSP:TRANSPARENT, "show as free"
    status: str = ""  # CONFIRMED, TENTATIVE, CANCELLED
    categories: tuple[str, ...] = ()
    attendees: tuple[str, ...] = ()  # e-mail addresses, lower case
    organizer: str = ""
    recurrence_id: str = ""
    tzid: str | None = None  # IANA zone the event was written in, when known

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime)

    def describe(self) -> str:
        start = self.start
        when = start.strftime("%Y-%m-%d %H:%M") if isinstance(start, datetime) else start.isoformat()
        where = f" @ {self.location}" if self.location else ""
        return f"{when} {self.summary}{where}"


@dataclass(frozen=True, slots=True)
class Evening:
    """One evening away: the dinner window at the destination, in its zone, and whether it is free."""

    date: date
    start: datetime
    end: datetime
    free: bool
    busy_with: tuple[str, ...] = ()  # summaries of the events that fill it
    venue: str = ""  # the hotel (or late meeting) of that night, as the calendar says it
    venue_place: Place | None = None  # where it is: distances that evening are measured from here


@dataclass(frozen=True, slots=True)
class Trip:
    """Consecutive nights in one place. ``start`` is the first evening away, ``end`` the day home."""

    destination: Place
    start: date
    end: date
    nights: tuple[date, ...]
    evenings: tuple[Evening, ...]
    sources: tuple[str, ...]  # the events that gave it away, described
    tentative: bool = False
    alternatives: tuple[str, ...] = ()  # other places the calendar's place name could mean

    @property
    def free_evenings(self) -> tuple[date, ...]:
        return tuple(e.date for e in self.evenings if e.free)


@dataclass(frozen=True, slots=True)
class Address:
    kind: str = ""  # home, work, other
    street: str = ""
    postal_code: str = ""
    city: str = ""
    region: str = ""
    country: str = ""  # as written
    label: str = ""  # free text (ADR label, CSV "Formatted")

    def one_line(self) -> str:
        parts = [
            self.street,
            " ".join(p for p in (self.postal_code, self.city) if p),
            self.region,
            self.country,
        ]
        text = ", ".join(p for p in parts if p)
        return text or self.label.replace("\n", ", ")


@dataclass(frozen=True, slots=True)
class Contact:
    id: str
    name: str
    given_name: str = ""
    family_name: str = ""
    prefix: str = ""  # "Dr.", "Prof."
    gender: str = ""  # "F", "M", "" (vCard 4 GENDER or a hint)
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    org: str = ""
    title: str = ""
    categories: tuple[str, ...] = ()
    addresses: tuple[Address, ...] = ()
    geo: tuple[float, float] | None = None
    birthday: date | None = None
    note: str = ""
    lang: str | None = None  # "de", "en"
    register: str | None = None  # "formal" (Sie) or "informal" (du)
    sources: tuple[str, ...] = ()  # "file:line" of every card merged into this one

    @property
    def email(self) -> str | None:
        return self.emails[0] if self.emails else None

    @property
    def phone(self) -> str | None:
        return self.phones[0] if self.phones else None


@dataclass(frozen=True, slots=True)
class Location:
    """Where a contact was placed and how."""

    lat: float
    lon: float
    place: str  # what the user reads: "Radebeul, DE"
    located_by: str  # geo, postal, city, online
    address_kind: str = ""  # home, work, ""
    country: str = ""


@dataclass(frozen=True, slots=True)
class PlacedContact:
    contact: Contact
    location: Location | None
    unlocated_reason: str | None = None
    others: tuple[Location, ...] = ()  # further addresses that were placed (home and work)
    ambiguous: tuple[str, ...] = ()  # candidate places when a name could not be resolved


@dataclass(frozen=True, slots=True)
class Nearby:
    """A placed contact within the radius of a destination: the ranking's input."""

    placed: PlacedContact
    location: Location  # the address that is near (home or work)
    distance_km: float


@dataclass(frozen=True, slots=True)
class Outcome:
    """One entry of the interaction log."""

    contact_id: str
    kind: str  # accepted, declined, no-answer, met, proposed
    date: date
    note: str = ""
    city: str = ""
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A contact proposed for one evening, with the score and the reasons behind it."""

    contact: Contact
    location: Location
    distance_km: float
    score: float
    reasons: tuple[str, ...]
    contributions: tuple[tuple[str, float], ...] = ()  # signal -> points, for --explain
    role: str = "call"  # call, backup


@dataclass(frozen=True, slots=True)
class EveningPlan:
    evening: Evening
    candidates: tuple[Candidate, ...]
    messages: dict[str, dict[str, str]] = field(default_factory=dict)  # contact id -> channel -> text
    call_by: datetime | None = None


@dataclass(frozen=True, slots=True)
class TripPlan:
    trip: Trip
    evenings: tuple[EveningPlan, ...]


@dataclass(frozen=True, slots=True)
class Plan:
    """What `dinnerbot plan` computes: every trip in the window with its evenings and call lists."""

    generated_at: datetime
    window_from: date
    window_to: date
    home: Place
    trips: tuple[TripPlan, ...]
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class CityPlan:
    """What `dinnerbot city` computes: the call list for one destination (and evening)."""

    destination: Place
    evening: date | None
    radius_km: float
    candidates: tuple[Candidate, ...]
    messages: dict[str, dict[str, str]] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()
    alternatives: tuple[str, ...] = ()  # other places of that name ("Neustadt in Holstein (Schleswig-Holstein), DE")


@dataclass(frozen=True, slots=True)
class TripList:
    """What `dinnerbot trips` computes."""

    home: Place
    trips: tuple[Trip, ...]
    window_from: date
    window_to: date
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class ContactList:
    """What `dinnerbot contacts` computes."""

    contacts: tuple[PlacedContact, ...]
    problems: tuple[Problem, ...] = ()


def _reducer(cls: type) -> Any:
    """Pickle as the constructor call: the caches load ~5x faster than with dataclasses' generic
    ``__setstate__``, which looks the fields up again for every object."""
    fields = attrgetter(*cls.__slots__)  # type: ignore[attr-defined]  # two or more fields: a tuple

    def reduce(self: Any) -> tuple[type, tuple[Any, ...]]:
        return cls, fields(self)

    return reduce


for _cls in (Place, Event, Address, Contact, Location, PlacedContact, Nearby, Outcome):
    _cls.__reduce__ = _reducer(_cls)  # type: ignore[method-assign]
