"""Trip detection on small hand-written calendars, with a tiny dict geocoder."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from dinnerbot.calendars import read_calendars
from dinnerbot.model import Event, Place
from dinnerbot.trips import find_trips

DATA = Path(__file__).parent / "data" / "calendars"
BERLIN_TZ = ZoneInfo("Europe/Berlin")
DINNER = (time(18, 30), time(22, 0))

PLACES = {
    "Stuttgart": Place("Stuttgart", "DE", 48.7758, 9.1829, "Europe/Berlin"),
    "Esslingen": Place("Esslingen", "DE", 48.7406, 9.3108, "Europe/Berlin"),
    "Berlin": Place("Berlin", "DE", 52.5200, 13.4050, "Europe/Berlin"),
    "München": Place("München", "DE", 48.1374, 11.5755, "Europe/Berlin"),
    "Munich": Place("München", "DE", 48.1374, 11.5755, "Europe/Berlin"),
    "Hamburg": Place("Hamburg", "DE", 53.5511, 9.9937, "Europe/Berlin"),
    "Dresden": Place("Dresden", "DE", 51.0504, 13.7373, "Europe/Berlin"),
    "Frankfurt": Place("Frankfurt am Main", "DE", 50.1109, 8.6821, "Europe/Berlin"),
    "Köln": Place("Köln", "DE", 50.9375, 6.9603, "Europe/Berlin"),
    "Zürich": Place("Zürich", "CH", 47.3769, 8.5417, "Europe/Zurich"),
    "Wien": Place("Wien", "AT", 48.2082, 16.3738, "Europe/Vienna"),
    "Vienna": Place("Wien", "AT", 48.2082, 16.3738, "Europe/Vienna"),
    "Paris": Place("Paris", "FR", 48.8566, 2.3522, "Europe/Paris"),
    "London": Place("London", "GB", 51.5072, -0.1276, "Europe/London"),
    "Amsterdam": Place("Amsterdam", "NL", 52.3676, 4.9041, "Europe/Amsterdam"),
    "New York": Place("New York", "US", 40.7128, -74.0060, "America/New_York"),
    "Lyon": Place("Lyon", "FR", 45.7640, 4.8357, "Europe/Paris"),
    "Leipzig": Place("Leipzig", "DE", 51.3397, 12.3731, "Europe/Berlin"),
    "Nürnberg": Place("Nürnberg", "DE", 49.4521, 11.0767, "Europe/Berlin"),
    "Karlsruhe": Place("Karlsruhe", "DE", 49.0069, 8.4037, "Europe/Berlin"),
    "Mailand": Place("Milano", "IT", 45.4642, 9.1900, "Europe/Rome"),
    "Milano": Place("Milano", "IT", 45.4642, 9.1900, "Europe/Rome"),
    "Barcelona": Place("Barcelona", "ES", 41.3874, 2.1686, "Europe/Madrid"),
}
HOME = PLACES["Stuttgart"]


class FakeGeocoder:
    """The one allowed stand-in: finds the longest known place name mentioned in a text."""

    def __init__(self, places: dict[str, Place] = PLACES) -> None:
        self.places = places
        self.asked: list[str] = []

    def place(self, text: str) -> Place | None:
        self.asked.append(text)
        low = text.lower()
        for name in sorted(self.places, key=len, reverse=True):
            if name.lower() in low:
                return self.places[name]
        return None


def trips_of(events: list[Event], start: date, end: date, geocoder: object | None = None):
    return find_trips(
        events,
        home=HOME,
        geocoder=geocoder or FakeGeocoder(),
        start=start,
        end=end,
        away_km=60,
        dinner=DINNER,
    )


def read(name: str, start: date, end: date) -> list[Event]:
    events, problems = read_calendars(
        [str(DATA / name)],
        datetime.combine(start, time(), BERLIN_TZ),
        datetime.combine(end, time(), BERLIN_TZ),
        home_tz=BERLIN_TZ,
        me=["jens.becker@example.com"],
    )
    assert problems == []
    return events


def test_rail_out_and_back_gives_two_nights_in_berlin_with_dinner_evening_busy() -> None:
    events = read("smoke_berlin.ics", date(2026, 11, 30), date(2026, 12, 10))
    trips = trips_of(events, date(2026, 11, 30), date(2026, 12, 10))
    assert len(trips) == 1
    trip = trips[0]
    assert trip.destination.name == "Berlin"
    assert trip.nights == (date(2026, 12, 1), date(2026, 12, 2))
    assert trip.end == date(2026, 12, 3)
    assert trip.free_evenings == (date(2026, 12, 1),)
    assert trip.evenings[1].busy_with == ("Abendessen mit Kunde",)
    assert trip.evenings[0].start == datetime(2026, 12, 1, 18, 30, tzinfo=BERLIN_TZ)
    assert any("ICE 598" in s for s in trip.sources)


def _ev(uid: str, summary: str, start: datetime, hours: float, location: str = "") -> Event:
    from datetime import timedelta

    return Event(uid=uid, summary=summary, start=start, end=start + timedelta(hours=hours), location=location)


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 12, day, hour, 0, tzinfo=BERLIN_TZ)


def test_meetings_within_commuting_distance_on_consecutive_days_are_no_trip() -> None:
    ulm = Place("Ulm", "DE", 48.4011, 9.9876, "Europe/Berlin")  # 70 km: beyond away_km, still a commute
    geocoder = FakeGeocoder({**PLACES, "Ulm": ulm})
    events = [
        _ev(f"u{d}", "Office Hour", at(d, 15), 5, "Wilhelm-Runge-Straße 11, 89081 Ulm") for d in (1, 2, 3)
    ]
    assert trips_of(events, date(2026, 11, 30), date(2026, 12, 10), geocoder) == []
    far = [_ev(f"h{d}", "Workshop", at(d, 10), 5, "Hamburg") for d in (1, 2, 3)]
    (trip,) = trips_of(far, date(2026, 11, 30), date(2026, 12, 10))
    assert trip.nights == (date(2026, 12, 1), date(2026, 12, 2))


def test_online_meetings_title_only_cities_and_check_out_give_no_night() -> None:
    events = [
        _ev("o1", "Sync Berlin", at(1, 19), 2, "https://teams.microsoft.com/l/meetup-join/x"),
        _ev("o2", "Sync Berlin", at(2, 19), 2, "Zoom"),
        _ev("t1", "Berlin planning", at(3, 18), 4),
        _ev("c1", "Check-out: Hotel Adlon", at(4, 10), 1, "Unter den Linden 77, Berlin"),
    ]
    assert trips_of(events, date(2026, 11, 30), date(2026, 12, 10)) == []


def test_day_trip_by_plane_is_no_night_and_one_way_flight_needs_evidence() -> None:
    events = [
        _ev("f1", "Flug LH 2088 STR → HAM", at(1, 6), 1.5),
        _ev("m1", "Kickoff", at(1, 10), 4, "Am Sandtorkai 50, 20457 Hamburg"),
        _ev("f2", "Flug LH 2093 HAM → STR", at(1, 18), 1.5),
        _ev("f3", "Flug LH 401 JFK → FRA", at(5, 0), 8),  # arriving at a hub, then home by train
    ]
    assert trips_of(events, date(2026, 11, 30), date(2026, 12, 10)) == []


def test_the_evening_is_placed_at_the_hotel_else_at_a_late_meeting() -> None:
    hotel = Place("München", "DE", 48.1738, 11.5858, "Europe/Berlin", kind="postal")  # Schwabing, 4 km north
    venue = Place("München", "DE", 48.1210, 11.5470, "Europe/Berlin", kind="postal")  # Sendling
    places = {**PLACES, "80804 München": hotel, "81371 München": venue}
    day = datetime(2026, 12, 14, 10, 0, tzinfo=BERLIN_TZ)
    stay = Event(
        uid="h",
        summary="Hotel Schwabinger Tor",
        start=date(2026, 12, 14),
        end=date(2026, 12, 16),
        location="Leopoldstraße 170, 80804 München",
    )
    meeting = Event(
        uid="m",
        summary="Workshop bis spät",
        start=day + timedelta(days=2, hours=5),
        end=day + timedelta(days=2, hours=12, minutes=30),
        location="Plinganserstraße 10, 81371 München",
    )
    train = _ev("t", "ICE 513 Stuttgart Hbf -> München Hbf", day, 2, "Stuttgart Hbf")
    (trip,) = trips_of([stay, meeting, train], date(2026, 12, 1), date(2026, 12, 31), FakeGeocoder(places))
    by_night = {e.date: e for e in trip.evenings}
    assert set(by_night) >= {date(2026, 12, 14), date(2026, 12, 15), date(2026, 12, 16)}
    for night in (date(2026, 12, 14), date(2026, 12, 15)):
        assert by_night[night].venue_place == hotel
        assert by_night[night].venue == "Hotel Schwabinger Tor, Leopoldstraße 170, 80804 München"
    assert by_night[date(2026, 12, 16)].venue_place == venue  # no hotel that night: the late meeting
    assert "Workshop" in by_night[date(2026, 12, 16)].venue
    assert trip.destination.kind == "postal" or trip.destination.name == "München"


def test_a_hotel_named_only_by_its_city_says_no_more_than_the_destination() -> None:
    stay = Event(uid="h", summary="Hotel", start=date(2026, 12, 14), end=date(2026, 12, 15), location="Hamburg")
    (trip,) = trips_of([stay], date(2026, 12, 1), date(2026, 12, 31))
    (evening,) = trip.evenings
    assert evening.venue == "" and evening.venue_place is None


def test_an_ambiguous_place_name_in_the_calendar_is_said(shared_cache_dir: Path) -> None:
    from dinnerbot.geo import open_gazetteer
    from dinnerbot.geo.resolver import OfflineGeocoder

    geocoder = OfflineGeocoder(open_gazetteer(shared_cache_dir), home_country="DE")
    home = geocoder.place("Stuttgart")
    assert home is not None
    stay = Event(uid="h", summary="Hotel", start=date(2026, 12, 14), end=date(2026, 12, 16), location="Neustadt")
    clear = Event(uid="k", summary="Hotel", start=date(2026, 12, 20), end=date(2026, 12, 21), location="Dresden")
    first, second = find_trips(
        [stay, clear], home=home, geocoder=geocoder, start=date(2026, 12, 1), end=date(2026, 12, 31),
        away_km=60, dinner=DINNER,
    )
    assert first.destination.name.startswith("Neustadt")
    assert "Neustadt in Holstein (Schleswig-Holstein), DE" in first.alternatives
    assert second.alternatives == ()
