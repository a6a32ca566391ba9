"""Events -> trips: where the user sleeps each night, and which evenings away are free. Pure.

Every event that hints at a place gives *evidence* for one or more nights (a night is named by the date
of its evening). Evidence, strongest first:

5. hotel stays and lodging bookings (nights from check-in to check-out);
4. travel: flights (IATA codes through airportsdata) and trains ("ICE 598 Stuttgart Hbf -> Berlin Hbf").
   The last arrival before a night says where the user is; a return home on the same day makes a day trip.
   An arrival away counts for its own night and for later nights up to a return journey or while other
   evidence away goes on;
3. TripIt-style all-day trip events ("Dresden, Germany, December 2026") and multi-day all-day events with a
   place (conferences, fairs): every night but the last day's;
2. timed events whose LOCATION/GEO lies beyond twice ``away_km`` (nearer is a commute): a night when the
   next day is there too, or when the event ends late; within ``away_km`` they support a stay;
1. placeholders: multi-day all-day events with a '?' in the title ("Berlin?"), which mark a trip tentative.

Each night takes the place of its strongest evidence; evidence in the home area means home. Consecutive
nights within 40 km of each other form one trip. Online meetings, cities named only in a title, cancelled
events and day trips give no night.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo

from dinnerbot.calendars.base import is_cancelled
from dinnerbot.clock import evening_window, zone
from dinnerbot.geo.distance import haversine_km
from dinnerbot.model import Evening, Event, Place, Trip

SAME_PLACE_KM = 40.0
LONE_FACTOR = 2.0  # timed events alone count from twice the away distance (Ulm from Stuttgart is a commute)


class PlaceFinder(Protocol):
    """What trips needs of a geocoder: a known place mentioned in a text, or None."""

    def place(self, text: str) -> Place | None: ...


ONLINE = re.compile(
    r"teams\.microsoft|microsoft teams|teams-besprechung|teams meeting|\bteams\b|zoom\.us|\bzoom\b|"
    r"meet\.google|google meet|hangouts|webex|gotomeeting|skype|whereby|jitsi|bluejeans|"
    r"\bonline\b|\bvirtual\b|https?://|\bvideo ?call\b|\btelefon|\bphone\b|\bcall\b",
    re.IGNORECASE,
)
LODGING = re.compile(
    r"\b(hotel|hôtel|hotels|stay at|check-?in|übernachtung|uebernachtung|unterkunft|lodging|airbnb|"
    r"hostel|gasthof|gasthaus|motel|pension|aparthotel|accommodation|hotelreservierung|booking\.com)\b",
    re.IGNORECASE,
)
FLIGHT = re.compile(r"\b(flight|flug|vol|vuelo|volo|flights)\b|✈", re.IGNORECASE)
AIRLINE_NO = re.compile(r"\b([A-Z][A-Z0-9]|[A-Z0-9][A-Z])\s?\d{2,4}\b")
RAIL = re.compile(
    r"\b(ICE|IC|EC|ECE|RJX?|TGV|NJ|EN|IRE|FLX|Thalys|Eurostar|Railjet|Frecciarossa|AVE|TGV Lyria|"
    r"Westbahn)\s?\d{1,5}\b|\b(zug|train|bahnfahrt|bahn|rail)\b|\bhbf\b|hauptbahnhof",
    re.IGNORECASE,
)
ARROW = re.compile(r"\s*(?:->|→|⟶|➔|⇒|=>|—>|–>|>|\s[-–—]\s|\bto\b|\bnach\b|\bà\b)\s*", re.IGNORECASE)
ARRIVAL = re.compile(
    r"\b(?:ankunft|arrival|arrive|arr\.)\s*:?\s*(?:\d{1,2}[:.]\d{2}\s*(?:uhr)?)?\s*([^\n]+)", re.IGNORECASE
)
STATION_WORDS = re.compile(
    r"\b(hbf|hauptbahnhof|central station|centraal|gare de|gare|station|bahnhof|airport|flughafen|"
    r"aéroport|aeroport|terminal \d)\b\.?",
    re.IGNORECASE,
)
TRIPIT = re.compile(
    r"^[^,]+(?:,[^,]+)?,\s*(january|february|march|april|may|june|july|august|september|october|november|"
    r"december|januar|februar|märz|mai|juni|juli|oktober|dezember)\s+\d{4}\s*$",
    re.IGNORECASE,
)
DINNER = re.compile(
    r"\b(dinner|abendessen|diner|dîner|cena|supper|geschäftsessen|arbeitsessen)\b", re.IGNORECASE
)
LATE = time(20, 0)
CHECKOUT = re.compile(r"\b(check-?out|abreise|departure from)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Claim:
    night: date
    place: Place | None  # None: home
    strength: int
    event: Event
    tentative: bool = False
    order: datetime | None = None


def _tz(event_dt: datetime | date, fallback: tzinfo) -> tzinfo:
    return event_dt.tzinfo or fallback if isinstance(event_dt, datetime) else fallback


def _local(value: datetime | date, tz: tzinfo) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(tz)
    return datetime.combine(value, time(), tz)


class _Finder:
    """Geocoding with a per-run memo, the home test and the zone of a place."""

    def __init__(self, geocoder: PlaceFinder, home: Place, away_km: float) -> None:
        self.geocoder = geocoder
        self.home = home
        self.away_km = away_km
        self.memo: dict[str, Place | None] = {}
        # per place found: the other places its name could mean; () once any text named it clearly
        self.alternatives: dict[tuple[str, float, float], tuple[str, ...]] = {}

    def place(self, text: str) -> Place | None:
        text = " ".join(text.split())
        if not text:
            return None
        if text not in self.memo:
            try:
                self.memo[text] = self._find(text)
            except Exception:  # a geocoder hiccup on one text must not lose the other nights
                self.memo[text] = None
        return self.memo[text]

    def _find(self, text: str) -> Place | None:
        resolve, gaz = getattr(self.geocoder, "resolve", None), getattr(self.geocoder, "gaz", None)
        if resolve is None or gaz is None:
            return self.geocoder.place(text)
        from dinnerbot.geo.resolver import other_places

        res = resolve(text)
        if res.place is not None:
            key = (res.place.name, res.place.lat, res.place.lon)
            others = other_places(res, gaz)
            self.alternatives[key] = others if self.alternatives.get(key, others) else ()
        return res.place

    def far(self, place: Place) -> bool:
        return self.km(place, self.home) > self.away_km

    @staticmethod
    def km(a: Place, b: Place) -> float:
        return haversine_km(a.lat, a.lon, b.lat, b.lon)

    def event_place(self, event: Event, *, title: bool = False) -> Place | None:
        """Where an event takes place: LOCATION (not an online link), GEO, or (when allowed) the title."""
        loc = event.location
        if loc and ONLINE.search(loc) and not event.geo:
            return None
        found = self.place(loc) if loc else None
        if found is None and event.geo is not None:
            lat, lon = event.geo
            found = Place(
                name=loc.split(",")[0].strip() or f"{lat:.3f},{lon:.3f}",
                country="",
                lat=lat,
                lon=lon,
                kind="geo",
            )
            near = self._nearest_named(found)
            if near is not None:
                found = near
        if found is None and title:
            found = self.place(STATION_WORDS.sub(" ", event.summary))
        return found

    def _nearest_named(self, point: Place) -> Place | None:
        """A GEO point named by a known place already seen within 25 km, if any."""
        for known in self.memo.values():
            if known is not None and self.km(known, point) < 25:
                return known
        return None


def _travel_destination(event: Event, finder: _Finder) -> Place | None:
    """Where a flight or train arrives: the part after the arrow, IATA codes, or 'Ankunft ... City'."""
    summary = event.summary
    parts = [p for p in ARROW.split(summary) if p and p.strip()]
    last = parts[-1] if len(parts) > 1 else ""
    from dinnerbot.geo.airports import codes_in

    codes = codes_in(last) or (codes_in(summary) if FLIGHT.search(summary) else [])
    if codes and (len(codes_in(summary)) >= 2 or len(parts) > 1):
        return codes[-1]
    if last:
        cleaned = re.sub(r"\(.*?\)", " ", last)
        found = finder.place(STATION_WORDS.sub(" ", cleaned))
        if found is not None:
            return found
    m = ARRIVAL.search(event.description or "")
    if m:
        found = finder.place(STATION_WORDS.sub(" ", m[1]))
        if found is not None:
            return found
    if codes:
        return codes[-1]
    return None


def _travel_origin(event: Event, finder: _Finder) -> Place | None:
    """Where a journey leaves from: its LOCATION, the first IATA code, or the part before the arrow."""
    from dinnerbot.geo.airports import codes_in

    if event.location and not ONLINE.search(event.location):
        codes = codes_in(event.location)
        if codes:
            return codes[0]
        found = finder.place(STATION_WORDS.sub(" ", event.location))
        if found is not None:
            return found
    codes = codes_in(event.summary)
    if len(codes) >= 2:
        return codes[0]
    parts = [p for p in ARROW.split(event.summary) if p and p.strip()]
    if len(parts) > 1:
        return finder.place(STATION_WORDS.sub(" ", re.sub(r"\(.*?\)", " ", parts[0])))
    return None


def _is_travel(event: Event) -> bool:
    s = event.summary
    if FLIGHT.search(s):
        return True
    if RAIL.search(s) and (ARROW.search(s) or "hbf" in s.lower()):
        return True
    from dinnerbot.geo.airports import codes_in

    return bool(AIRLINE_NO.search(s) and len(codes_in(s)) >= 2)


def _is_lodging(event: Event) -> bool:
    cats = " ".join(event.categories)
    return bool(LODGING.search(event.summary) or LODGING.search(cats))


def _nights_of_allday(event: Event, keep_last: bool) -> list[date]:
    first, end = event.start, event.end
    assert not isinstance(first, datetime) and not isinstance(end, datetime)
    stop = end if keep_last else end - timedelta(days=1)
    return [first + timedelta(n) for n in range((stop - first).days)]


def find_trips(
    events: Sequence[Event],
    *,
    home: Place,
    geocoder: PlaceFinder,
    start: date,
    end: date,
    away_km: float,
    dinner: tuple[time, time],
) -> list[Trip]:
    """Trips whose nights fall in [start, end), each with its evenings in the destination's zone."""
    finder = _Finder(geocoder, home, away_km)
    home_tz: tzinfo = zone(home.timezone, "UTC")
    live = [e for e in events if not is_cancelled(e)]
    claims: list[_Claim] = []
    travel: list[tuple[datetime, Place | None, Place | None, Event]] = []
    far_days: dict[date, list[tuple[Place, Event]]] = {}

    for event in live:
        tentative = "?" in event.summary
        if _is_lodging(event):
            if CHECKOUT.search(event.summary):
                continue  # the morning one leaves: no night
            place = finder.event_place(event, title=True)
            if place is None:
                continue
            if event.all_day:
                nights = _nights_of_allday(event, keep_last=True) or [event.start]
            else:
                tz = zone(place.timezone, "UTC") if place.timezone else _tz(event.start, home_tz)
                s, e = _local(event.start, tz).date(), _local(event.end, tz).date()
                nights = [s + timedelta(n) for n in range(max((e - s).days, 1))]
            for night in nights:
                claims.append(_Claim(night, place if finder.far(place) else None, 5, event, tentative))
            continue
        if not event.all_day and _is_travel(event):
            dest = _travel_destination(event, finder)
            if dest is not None:
                arrive = event.end if isinstance(event.end, datetime) else _local(event.end, home_tz)
                travel.append((arrive, dest, _travel_origin(event, finder), event))
            continue
        if event.all_day:
            length = (event.end - event.start).days  # type: ignore[operator]
            is_tripit = "tripit" in event.description.lower() or bool(TRIPIT.match(event.summary))
            if length < 2 and not is_tripit:
                continue
            place = finder.event_place(event, title=is_tripit or tentative)
            if place is None and is_tripit:
                place = finder.place(TRIPIT.sub("", event.summary) or event.summary.split(",")[0])
            if place is None:
                continue
            strength = 1 if tentative and not is_tripit else 3
            for night in _nights_of_allday(event, keep_last=True)[:-1]:
                claims.append(_Claim(night, place if finder.far(place) else None, strength, event, tentative))
            continue
        place = finder.event_place(event)
        # meetings alone (no stay, no journey) say 'night away' only well beyond commuting distance
        if place is None or finder.km(place, home) <= LONE_FACTOR * away_km:
            continue
        tz = zone(place.timezone, "UTC") if place.timezone else _tz(event.start, home_tz)
        local_start, local_end = _local(event.start, tz), _local(event.end, tz)
        far_days.setdefault(local_start.date(), []).append((place, event))
        if local_end.time() >= LATE or local_end.date() > local_start.date():
            claims.append(_Claim(local_start.date(), place, 2, event, tentative, local_start))

    # timed events far away on two days running: the night between was spent there
    for day, items in far_days.items():
        nxt = far_days.get(day + timedelta(days=1), [])
        for place, event in items:
            if any(finder.km(place, p) <= 100 for p, _ in nxt):
                claims.append(_Claim(day, place, 2, event, "?" in event.summary))

    # travel timeline: an arrival away holds until the next journey leaves from there (a bracketed stay);
    # an arrival nobody leaves from again (a hub airport, a one-way ticket) holds only where evidence goes on
    travel.sort(key=lambda t: t[0])
    for i, (arrive, dest, _origin, event) in enumerate(travel):
        tz = zone(dest.timezone, "UTC") if dest is not None and dest.timezone else home_tz
        first = arrive.astimezone(tz).date()
        if dest is None or not finder.far(dest):
            claims.append(_Claim(first, None, 4, event, order=arrive))
            continue
        limit: date | None = None
        if i + 1 < len(travel):
            _, _, nxt_origin, nxt_event = travel[i + 1]
            leaves = _start_date(nxt_event)
            if (leaves - first).days <= 21 and (nxt_origin is None or finder.km(nxt_origin, dest) <= 100):
                limit = leaves
        night = first
        while night < end and (night - first).days <= 21:
            if limit is not None and night >= limit:
                break
            if limit is None and not _supported(night, dest, finder, far_days, claims):
                break
            claims.append(_Claim(night, dest, 4, event, order=arrive))
            night += timedelta(days=1)

    chosen = _choose(claims, start, end)
    return _group(chosen, claims, live, finder, home_tz, dinner)


def _start_date(event: Event) -> date:
    s = event.start
    return s.date() if isinstance(s, datetime) else s


def _supported(
    night: date,
    dest: Place,
    finder: _Finder,
    far_days: dict[date, list[tuple[Place, Event]]],
    claims: list[_Claim],
) -> bool:
    """Is there evidence near dest on this day or the next morning (meetings) or this night (a stay)?"""
    for day in (night, night + timedelta(days=1)):
        if any(finder.km(p, dest) <= 100 for p, _ in far_days.get(day, [])):
            return True
    return any(c.night == night and c.place is not None and finder.km(c.place, dest) <= 100 for c in claims)


def _choose(claims: list[_Claim], start: date, end: date) -> dict[date, _Claim]:
    best: dict[date, _Claim] = {}
    for claim in claims:
        if not start <= claim.night < end:
            continue
        have = best.get(claim.night)
        if have is None or _rank(claim) > _rank(have):
            best[claim.night] = claim
    return {d: c for d, c in sorted(best.items()) if c.place is not None}


def _rank(claim: _Claim) -> tuple[int, int, str]:
    order = claim.order.astimezone(ZoneInfo("UTC")).isoformat() if claim.order else ""
    return (claim.strength, 0 if claim.tentative else 1, order)


def _group(
    chosen: dict[date, _Claim],
    claims: list[_Claim],
    events: Sequence[Event],
    finder: _Finder,
    home_tz: tzinfo,
    dinner: tuple[time, time],
) -> list[Trip]:
    index = _busy_index(events)
    runs: list[list[_Claim]] = []
    for night, claim in chosen.items():
        assert claim.place is not None
        if runs:
            prev = runs[-1][-1]
            assert prev.place is not None
            if (
                prev.night + timedelta(days=1) == night
                and finder.km(prev.place, claim.place) <= SAME_PLACE_KM
            ):
                runs[-1].append(claim)
                continue
        runs.append([claim])
    trips = []
    for run in runs:
        dest = _destination(run)
        tz = _zone_of(dest, run, home_tz)
        if dest.timezone is None and isinstance(tz, ZoneInfo):
            dest = Place(
                dest.name, dest.country, dest.lat, dest.lon, tz.key, dest.population, dest.admin1, dest.kind
            )
        nights = tuple(c.night for c in run)
        evenings = tuple(_evening(n, tz, dinner, index, _venue(n, claims, dest, finder)) for n in nights)
        # every event that pointed at this place on these nights, strongest first: the trip's explanation
        backing = [
            c
            for c in claims
            if c.night in nights and c.place is not None and finder.km(c.place, dest) <= SAME_PLACE_KM
        ]
        backing.sort(key=lambda c: (-c.strength, _sort_time(c.event)))
        sources: list[str] = []
        for c in [*run, *backing]:
            text = c.event.describe()
            if text not in sources:
                sources.append(text)
        trips.append(
            Trip(
                destination=dest,
                start=nights[0],
                end=nights[-1] + timedelta(days=1),
                nights=nights,
                evenings=evenings,
                sources=tuple(sources),
                tentative=all(c.tentative for c in run),
                alternatives=finder.alternatives.get((dest.name, dest.lat, dest.lon), ()),
            )
        )
    return trips


def _sort_time(event: Event) -> str:
    s = event.start
    return s.astimezone(ZoneInfo("UTC")).isoformat() if isinstance(s, datetime) else s.isoformat()


def _destination(run: list[_Claim]) -> Place:
    """The place of the strongest evidence of the run; a named city beats a bare coordinate."""
    places = [c for c in run if c.place is not None]
    places.sort(key=lambda c: (c.strength, c.place.kind != "geo" if c.place else False), reverse=True)
    place = places[0].place
    assert place is not None
    return place


def _zone_of(place: Place, run: list[_Claim], home_tz: tzinfo) -> tzinfo:
    if place.timezone:
        return zone(place.timezone, "UTC")
    for c in run:
        if c.event.tzid:
            return zone(c.event.tzid, "UTC")
    try:
        from timezonefinder import TimezoneFinder

        name = TimezoneFinder(in_memory=False).timezone_at(lng=place.lon, lat=place.lat)
    except Exception:
        name = None
    return zone(name, "UTC") if name else home_tz


def _busy_index(events: Sequence[Event]) -> dict[date, list[Event]]:
    """Timed events that can fill an evening (not free, not a stay, not longer than 14 h), by start date."""
    index: dict[date, list[Event]] = {}
    for event in events:
        if event.all_day or event.transparent:
            continue
        s, e = event.start, event.end
        assert isinstance(s, datetime) and isinstance(e, datetime)
        if e - s > timedelta(hours=14) or _is_lodging(event):
            continue
        index.setdefault(s.date(), []).append(event)
    return index


def _venue(night: date, claims: list[_Claim], dest: Place, finder: _Finder) -> tuple[str, Place | None]:
    """Where the user is that evening, when the calendar says more than the city: the hotel of the night,
    else the last meeting that runs late. ("", None) when nothing places the evening more precisely."""
    found = [
        c
        for c in claims
        if c.night == night
        and c.strength in (5, 2)
        and c.place is not None
        and c.place.kind != "city"  # a bare city name says no more than the destination
        and finder.km(c.place, dest) <= SAME_PLACE_KM
    ]
    if not found:
        return "", None
    best = max(found, key=lambda c: (c.strength, _sort_time(c.event)))
    text = ", ".join(p for p in (best.event.summary.strip(), best.event.location.strip()) if p)
    return text, best.place


def _evening(
    night: date,
    tz: tzinfo,
    dinner: tuple[time, time],
    index: dict[date, list[Event]],
    venue: tuple[str, Place | None] = ("", None),
) -> Evening:
    start, end = evening_window(night, dinner, tz)  # type: ignore[arg-type]
    busy: list[str] = []
    near = [
        e for d in (night - timedelta(days=1), night, night + timedelta(days=1)) for e in index.get(d, ())
    ]
    for event in near:
        s, e = event.start, event.end
        assert isinstance(s, datetime) and isinstance(e, datetime)
        if event.floating:  # wall-clock time: read it at the destination
            s, e = s.replace(tzinfo=tz), e.replace(tzinfo=tz)
        overlaps = s < end and e > start
        local = s.astimezone(tz)
        dinner_that_day = (
            local.date() == night and local.time() >= time(17, 0) and bool(DINNER.search(event.summary))
        )
        if (overlaps or dinner_that_day) and (event.summary or "(busy)") not in busy:
            busy.append(event.summary or "(busy)")
    return Evening(
        date=night, start=start, end=end, free=not busy, busy_with=tuple(busy), venue=venue[0], venue_place=venue[1]
    )
