"""The labelled corpus: six exporters, 17 trips and their distractors; night-level precision/recall.

A detected night matches a labelled one when the date agrees and the city lies within 40 km.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from dinnerbot.calendars import read_calendars
from dinnerbot.geo.distance import haversine_km
from dinnerbot.model import Trip
from dinnerbot.trips import find_trips
from tests.test_trips import DINNER, HOME, FakeGeocoder

CORPUS = Path(__file__).parent / "data" / "calendars" / "corpus"
TZ = ZoneInfo("Europe/Berlin")
FIRST, LAST = date(2026, 9, 1), date(2026, 12, 31)
ME = ["jens.becker@example.com"]


@dataclass(frozen=True)
class Night:
    day: date
    city: str
    lat: float
    lon: float
    tentative: bool


def labels() -> list[Night]:
    rows = [
        r for r in (CORPUS / "labels.tsv").read_text(encoding="utf-8").splitlines() if not r.startswith("#")
    ]
    out = []
    for row in csv.reader(rows, delimiter="\t"):
        out.append(Night(date.fromisoformat(row[0]), row[1], float(row[2]), float(row[3]), row[4] == "1"))
    return out


def corpus_trips(geocoder: object) -> tuple[list[Trip], list]:
    sources = sorted(str(p) for p in CORPUS.glob("*.ics"))
    events, problems = read_calendars(
        sources,
        datetime.combine(FIRST, time(), TZ),
        datetime.combine(LAST, time(), TZ),
        home_tz=TZ,
        me=ME,
    )
    trips = find_trips(events, home=HOME, geocoder=geocoder, start=FIRST, end=LAST, away_km=60, dinner=DINNER)
    return trips, problems


def score(trips: list[Trip], truth: list[Night]) -> tuple[float, float, list[str]]:
    found = [(n, t.destination) for t in trips for n in t.nights]
    wrong: list[str] = []
    hits = 0
    for night, place in found:
        ok = any(
            lab.day == night and haversine_km(lab.lat, lab.lon, place.lat, place.lon) <= 40 for lab in truth
        )
        hits += ok
        if not ok:
            wrong.append(f"false night {night} {place.name}")
    recalled = 0
    for lab in truth:
        ok = any(n == lab.day and haversine_km(lab.lat, lab.lon, p.lat, p.lon) <= 40 for n, p in found)
        recalled += ok
        if not ok:
            wrong.append(f"missed night {lab.day} {lab.city}")
    precision = hits / len(found) if found else 0.0
    recall = recalled / len(truth) if truth else 1.0
    return precision, recall, wrong


def test_corpus_has_enough_trips_and_reads_cleanly() -> None:
    truth = labels()
    trips, problems = corpus_trips(FakeGeocoder())
    assert problems == []
    assert len(truth) >= 25
    assert len(trips) >= 12


def test_night_level_precision_and_recall_with_dict_geocoder() -> None:
    trips, _ = corpus_trips(FakeGeocoder())
    precision, recall, wrong = score(trips, labels())
    print(f"corpus (dict geocoder): precision {precision:.3f} recall {recall:.3f}")
    assert precision >= 0.95 and recall >= 0.95, wrong


def test_corpus_details_evenings_tentative_and_multi_city() -> None:
    trips, _ = corpus_trips(FakeGeocoder())
    by_start = {t.start: t for t in trips}
    amsterdam = by_start[date(2026, 12, 7)]
    assert amsterdam.tentative and amsterdam.destination.name == "Amsterdam"
    assert not any(t.tentative for t in trips if t is not amsterdam)
    # multi-city: Paris one night, then Lyon two nights, as two trips
    assert by_start[date(2026, 12, 14)].destination.name == "Paris"
    assert by_start[date(2026, 12, 15)].nights == (date(2026, 12, 15), date(2026, 12, 16))
    # evenings in the destination zone; dinner appointments make them busy
    ny = by_start[date(2026, 11, 2)]
    assert ny.evenings[0].start.tzinfo == ZoneInfo("America/New_York")
    assert ny.free_evenings == (date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 5))
    assert by_start[date(2026, 9, 8)].free_evenings == (date(2026, 9, 8),)  # 9 Sep: dinner with Anna
    zurich = by_start[date(2026, 10, 19)]
    assert zurich.evenings[1].busy_with == ("Abendessen Team",)  # a floating time, read in Zürich
    lyon = by_start[date(2026, 12, 15)]
    assert lyon.free_evenings == (date(2026, 12, 15),)
    # the Berlin invitation sits in two calendars and counts once
    assert sum("Workshop Migration @" in s for s in by_start[date(2026, 9, 8)].sources) <= 1


def test_night_level_precision_and_recall_with_the_real_gazetteer(shared_cache_dir: Path) -> None:
    from dinnerbot.geo import OfflineGeocoder, open_gazetteer

    geocoder = OfflineGeocoder(open_gazetteer(shared_cache_dir), home_country="DE")
    trips, _ = corpus_trips(geocoder)
    precision, recall, wrong = score(trips, labels())
    print(f"corpus (offline gazetteer): precision {precision:.3f} recall {recall:.3f}")
    assert precision >= 0.95 and recall >= 0.95, wrong
    assert {t.destination.name for t in trips} >= {"Berlin", "Zürich", "Lyon", "Dresden", "London"}
