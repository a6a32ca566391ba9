"""The use cases the CLI calls. Each takes the config and the clock and returns a result dataclass."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dinnerbot.clock import parse_window, zone
from dinnerbot.config import Config
from dinnerbot.errors import ConfigError, GeocodeError
from dinnerbot.model import (
    Candidate,
    CityPlan,
    Contact,
    ContactList,
    Evening,
    EveningPlan,
    Nearby,
    Outcome,
    Place,
    Plan,
    Problem,
    Trip,
    TripList,
    TripPlan,
)

if TYPE_CHECKING:
    from dinnerbot.atlas import Atlas
    from dinnerbot.geo.base import Geocoder


def store_path(config: Config) -> Path:
    return config.data_dir / "dinnerbot.sqlite"


def open_geocoder(config: Config) -> Geocoder:
    from dinnerbot import geo

    return geo.open_geocoder(config)


def find_place(geocoder: Geocoder, text: str, what: str) -> Place:
    """A place the user named (home, a destination); GeocodeError when the gazetteer does not know it."""
    place = geocoder.place(text)
    if place is None:
        raise GeocodeError(
            f"{what}: unknown place {text!r}",
            hint="check the spelling or add the country, e.g. 'Frankfurt (Oder), Germany', or give 'lat,lon'",
        )
    return place


def home_place(config: Config, geocoder: Geocoder) -> Place:
    if not config["home"]:
        raise ConfigError(
            "home: not set; dinnerbot needs to know where you live",
            hint='set `home = "Stuttgart"` in the config or pass --home',
        )
    return find_place(geocoder, config["home"], "home")


def load_events(config: Config, start: datetime, end: datetime, home: Place) -> tuple[list[Any], list[Problem]]:
    from dinnerbot.calendars import read_calendars

    if not config["calendars"]:
        raise ConfigError("calendars: no calendar configured", hint="set `calendars = [...]` or pass --calendar")
    home_tz = zone(config["timezone"] or home.timezone, "UTC")
    return read_calendars(config["calendars"], start, end, home_tz=home_tz, me=config["me"], cache_dir=config.cache_dir)


def load_contacts(config: Config) -> tuple[list[Contact], list[Problem]]:
    """Every configured contact, without places (from the atlas when the address books are unchanged)."""
    from dinnerbot.atlas import read_contacts_kept

    if not config["contacts"]:
        raise ConfigError("contacts: no address book configured", hint="set `contacts = [...]` or pass --contacts")
    return read_contacts_kept(config["contacts"], cache_dir=config.cache_dir)


def _window(config: Config, today: date, home: Place) -> tuple[date, date, datetime, datetime]:
    end = today + timedelta(days=int(config["days"]))
    tz = zone(config["timezone"] or home.timezone, "UTC")
    # one day of margin on each side: a trip that started yesterday still has tonight's evening
    return (
        today,
        end,
        datetime.combine(today - timedelta(days=1), time(), tz),
        datetime.combine(end + timedelta(days=1), time(), tz),
    )


def list_trips(config: Config, *, today: date, now: datetime) -> TripList:
    return _find_trips(config, today=today)[0]


def _find_trips(config: Config, *, today: date, history_days: int = 0) -> tuple[TripList, list[Any]]:
    """The trips of the window, and the events read: with ``history_days``, also that many days back
    (for the meetings they show; trips are found from the window's events alone)."""
    from dinnerbot.trips import find_trips

    geocoder = open_geocoder(config)
    home = home_place(config, geocoder)
    first, last, start, end = _window(config, today, home)
    events, problems = load_events(config, min(start, start - timedelta(days=history_days)), end, home)
    in_window = [e for e in events if _ends_after(e, start)] if history_days > 0 else events
    found = find_trips(
        in_window,
        home=home,
        geocoder=geocoder,
        start=first,
        end=last,
        away_km=float(config["away_km"]),
        dinner=parse_window(config["dinner"]),
    )
    result = TripList(home=home, trips=tuple(found), window_from=first, window_to=last, problems=tuple(problems))
    return result, events


def _ends_after(event: Any, start: datetime) -> bool:
    end = event.end
    return end > start if isinstance(end, datetime) else end > start.astimezone(start.tzinfo).date()


def _calendar_meetings(config: Config, events: Sequence[Any], atlas: Atlas, now: datetime) -> list[Outcome]:
    """Past events with a contact as attendee (or named in the title) count as meetings, when enabled."""
    from dinnerbot.ranking import meetings_from_events

    settings = _ranking_settings(config)
    if not settings.calendar_meetings:
        return []
    people = [p.contact for p in atlas.everyone()]
    return meetings_from_events(
        events, people, before=now, me=config["me"], max_attendees=settings.calendar_max_attendees
    )


def load_atlas(config: Config, geocoder: Geocoder, home_country: str | None) -> Atlas:
    """The configured address books, placed (from the cache when nothing changed)."""
    from dinnerbot.atlas import open_atlas

    if not config["contacts"]:
        raise ConfigError("contacts: no address book configured", hint="set `contacts = [...]` or pass --contacts")
    return open_atlas(config["contacts"], geocoder, home_country=home_country, cache_dir=config.cache_dir)


def list_contacts(config: Config) -> ContactList:
    geocoder = open_geocoder(config)
    atlas = load_atlas(config, geocoder, _home_country(config, geocoder))
    return ContactList(contacts=tuple(atlas.everyone()), problems=atlas.problems)


def _home_country(config: Config, geocoder: Geocoder) -> str | None:
    if not config["home"]:
        return None
    place = geocoder.place(config["home"])
    return place.country if place else None


def _history(config: Config) -> list[Outcome]:
    path = store_path(config)
    if not path.exists():
        return []
    from dinnerbot.store import Store

    with Store.open(path) as store:
        return list(store.history())


def _ranking_settings(config: Config) -> Any:
    from dinnerbot.ranking import RankSettings

    return RankSettings.from_config(config.extra.get("ranking", {}))


def _rank(
    config: Config,
    near: Sequence[Nearby],
    history: Sequence[Outcome],
    *,
    evening: date | None,
    now: datetime,
    show_all: bool,
    exclude: frozenset[str] = frozenset(),
    trip_nights: Sequence[date] = (),
) -> tuple[Candidate, ...]:
    from dinnerbot.ranking import rank

    return rank(
        near,
        history,
        evening=evening,
        now=now,
        top=int(config["top"]),
        backups=int(config["backups"]),
        show_all=show_all,
        settings=_ranking_settings(config),
        exclude=exclude,
        trip_nights=trip_nights,
    )


def _messages(
    config: Config, candidates: Sequence[Candidate], city: str, evening: date | None, tz: str | None
) -> dict[str, dict[str, str]]:
    from dinnerbot.messages import Sender, render_messages

    sender = Sender(name=config["name"], phone=config["phone"], email=(config["me"] or [""])[0])
    templates = Path(config["templates"]) if config["templates"] else None
    return {
        c.contact.id: render_messages(
            c,
            city=city,
            evening=evening,
            sender=sender,
            lang=config["lang"],
            register=config["register"],
            templates_dir=templates,
            tz=tz,
        )
        for c in candidates
    }


def plan_city(config: Config, city: str, *, evening: date | None, now: datetime, show_all: bool = False) -> CityPlan:
    geocoder = open_geocoder(config)
    destination, alternatives = _destination(geocoder, city)
    atlas = load_atlas(config, geocoder, _home_country(config, geocoder))
    radius = float(config["radius_km"])
    near = atlas.near(destination, radius)
    candidates = _rank(config, near, _history(config), evening=evening, now=now, show_all=show_all)
    messages = _messages(config, candidates, destination.name, evening, destination.timezone)
    return CityPlan(
        destination=destination,
        evening=evening,
        radius_km=radius,
        candidates=candidates,
        messages=messages,
        problems=atlas.problems,
        alternatives=alternatives,
    )


def _destination(geocoder: Geocoder, text: str) -> tuple[Place, tuple[str, ...]]:
    """The place the user named and, when the name is ambiguous, the other places it could mean."""
    from dinnerbot.geo.resolver import other_places

    res = geocoder.resolve(text)
    if res.place is None or not res.ambiguous:
        return find_place(geocoder, text, "city"), ()
    return res.place, other_places(res, geocoder.gaz)


def plan_trips(config: Config, *, today: date, now: datetime, show_all: bool = False) -> Plan:
    """The nightly job's core: every trip in the window, every free evening with its call list."""
    settings = _ranking_settings(config)
    history_days = settings.calendar_days if settings.calendar_meetings else 0
    trip_list, events = _find_trips(config, today=today, history_days=history_days)
    geocoder = open_geocoder(config)
    atlas = load_atlas(config, geocoder, trip_list.home.country)
    history = _history(config) + _calendar_meetings(config, events, atlas, now)
    radius = float(config["radius_km"])
    trip_plans = []
    near: dict[tuple[float, float], list[Nearby]] = {}

    def near_to(place: Place) -> list[Nearby]:
        key = (place.lat, place.lon)
        if key not in near:
            near[key] = atlas.near(place, radius)
        return near[key]

    for trip in trip_list.trips:
        trip_plans.append(plan_trip(config, trip, near_to, history, now=now, show_all=show_all))
    return Plan(
        generated_at=now,
        window_from=trip_list.window_from,
        window_to=trip_list.window_to,
        home=trip_list.home,
        trips=tuple(trip_plans),
        problems=trip_list.problems + atlas.problems,
    )


def plan_trip(
    config: Config,
    trip: Trip,
    near_to: Callable[[Place], Sequence[Nearby]],
    history: Sequence[Outcome],
    *,
    now: datetime,
    show_all: bool,
) -> TripPlan:
    """The call lists of one trip's free evenings: the contacts ``near_to`` that evening's hotel or late
    meeting when the calendar places it, else the destination."""
    proposed: set[str] = set()
    evenings = []
    for evening in trip.evenings:
        # a tentative trip ("Kunde Hamburg?", no booking) gets no call list until it firms up, or --all
        if not evening.free or evening.start < now or (trip.tentative and not show_all):
            evenings.append(EveningPlan(evening=evening, candidates=()))
            continue
        candidates = _rank(
            config,
            near_to(evening.venue_place or trip.destination),
            history,
            evening=evening.date,
            now=now,
            show_all=show_all,
            exclude=frozenset(proposed),
            trip_nights=trip.nights,
        )
        proposed.update(c.contact.id for c in candidates if c.role == "call")
        messages = _messages(config, candidates, trip.destination.name, evening.date, trip.destination.timezone)
        evenings.append(
            EveningPlan(evening=evening, candidates=candidates, messages=messages, call_by=_call_by(evening))
        )
    return TripPlan(trip=trip, evenings=tuple(evenings))


def _call_by(evening: Evening) -> datetime:
    """Ask by noon two days before, at the destination: people plan their evenings."""
    return datetime.combine(evening.date - timedelta(days=2), time(12), evening.start.tzinfo)


def write_dinner(config: Config, contact: Contact, city: str, day: date, *, now: datetime, out_dir: Path) -> list[Path]:
    """After a yes: the invitation (.ics, the evening at the destination in its zone) and, for German users,
    the Bewirtungsbeleg draft (.md), written into ``out_dir``. Returns the files written."""
    import re

    from dinnerbot.invite import accepted_dinner
    from dinnerbot.messages import Sender

    place = find_place(open_geocoder(config), city, "--city")
    sender = Sender(name=config["name"], phone=config["phone"], email=(config["me"] or [""])[0])
    templates = Path(config["templates"]) if config["templates"] else None
    ics, receipt = accepted_dinner(
        contact,
        place,
        day,
        dinner=config["dinner"],
        now=now,
        sender=sender,
        lang=config["lang"],
        templates_dir=templates,
    )
    slug = re.sub(r"[^a-z0-9]+", "-", contact.name.lower()).strip("-") or contact.id
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [out_dir / f"dinner-{day.isoformat()}-{slug}.ics"]
    written[0].write_text(ics, encoding="utf-8")
    if receipt is not None:
        written.append(out_dir / f"bewirtung-{day.isoformat()}-{slug}.md")
        written[1].write_text(receipt, encoding="utf-8")
    return written
