"""The labelled corpus (tests/data/contacts/corpus, written by make_corpus.py): accuracy of read + locate."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from dinnerbot.contacts import read_contacts
from dinnerbot.geo import open_gazetteer
from dinnerbot.geo.distance import haversine_km
from dinnerbot.geo.resolver import OfflineGeocoder
from dinnerbot.model import PlacedContact

CORPUS = Path(__file__).parent / "data" / "contacts" / "corpus"
CITIES = {
    "Dresden": (51.050, 13.738),
    "München": (48.137, 11.575),
    "Frankfurt": (50.110, 8.682),
    "Berlin": (52.520, 13.405),
    "Zürich": (47.377, 8.540),
    "London": (51.507, -0.128),
}


def truth() -> dict[str, tuple[tuple[float, float] | None, str]]:
    out = {}
    with (CORPUS / "truth.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            ll = None if row["latlon"] == "-" else tuple(float(x) for x in row["latlon"].split(","))
            out[row["email"]] = (ll, row["case"])
    return out  # type: ignore[return-value]


@pytest.fixture(scope="module")
def placed(shared_cache_dir: Path) -> dict[str, PlacedContact]:
    contacts, problems = read_contacts(
        [str(CORPUS / n) for n in ("book.vcf", "google.csv", "outlook_de.csv", "outlook_en.csv")]
    )
    assert problems == []
    geocoder = OfflineGeocoder(open_gazetteer(shared_cache_dir), home_country="DE")
    return {c.emails[0]: geocoder.locate(c) for c in contacts}


def evaluate(placed: dict[str, PlacedContact]) -> dict[str, object]:
    t = truth()
    good = bad = left_out = 0
    misses: list[str] = []
    unloc_ok = unloc_bad = 0
    for email, (ll, case) in t.items():
        p = placed[email]
        if ll is None:
            if p.location is None and p.unlocated_reason:
                unloc_ok += 1
            else:
                unloc_bad += 1
                misses.append(f"{case}: placed at {p.location}")
            continue
        if p.location is not None and haversine_km(*ll, p.location.lat, p.location.lon) <= 15:
            good += 1
        else:
            bad += 1 if p.location is not None else 0
            left_out += 1 if p.location is None else 0
            misses.append(f"{case}: {p.location or p.unlocated_reason} {p.contact.addresses}")
    cities = {}
    for city, (clat, clon) in CITIES.items():
        truly = {e for e, (ll, _) in t.items() if ll and haversine_km(clat, clon, *ll) <= 50}
        found = {
            e
            for e, p in placed.items()
            if p.location and haversine_km(clat, clon, p.location.lat, p.location.lon) <= 50
        }
        tp = len(truly & found)
        cities[city] = (len(truly), tp / len(found) if found else 1.0, tp / len(truly) if truly else 1.0)
    locatable = good + bad + left_out
    return {
        "locatable": locatable,
        "within_15km": good / locatable,
        "misplaced": bad,
        "unplaced": left_out,
        "unlocatable": unloc_ok + unloc_bad,
        "unlocatable_unplaced": unloc_ok / (unloc_ok + unloc_bad),
        "cities": cities,
        "misses": misses,
    }


def test_corpus_is_big_and_varied() -> None:
    t = truth()
    assert len(t) >= 300
    assert sum(ll is None for ll, _ in t.values()) >= 30


def test_locatable_contacts_are_placed_within_15_km(placed: dict[str, PlacedContact]) -> None:
    r = evaluate(placed)
    assert r["within_15km"] >= 0.95, "\n".join(r["misses"])  # type: ignore[arg-type]


def test_unlocatable_contacts_are_left_unplaced_with_a_reason(placed: dict[str, PlacedContact]) -> None:
    r = evaluate(placed)
    assert r["unlocatable_unplaced"] >= 0.95, "\n".join(r["misses"])  # type: ignore[arg-type]


@pytest.mark.parametrize("city", sorted(CITIES))
def test_within_50_km_precision_and_recall(placed: dict[str, PlacedContact], city: str) -> None:
    n, precision, recall = evaluate(placed)["cities"][city]  # type: ignore[index]
    assert n >= 5
    assert precision >= 0.95 and recall >= 0.95, (precision, recall)


if __name__ == "__main__":  # figures for the report: python -m tests.test_contacts_corpus
    import os

    from dinnerbot.geo.gazetteer import Gazetteer

    cache = Path(os.environ.get("DINNERBOT_CACHE_DIR", "/tmp/dbcache"))
    contacts, _ = read_contacts(
        [str(CORPUS / n) for n in ("book.vcf", "google.csv", "outlook_de.csv", "outlook_en.csv")]
    )
    geocoder = OfflineGeocoder(Gazetteer.open(cache), home_country="DE")
    result = evaluate({c.emails[0]: geocoder.locate(c) for c in contacts})
    for miss in result.pop("misses"):  # type: ignore[union-attr]
        print("MISS", miss)
    print(result)
