"""Online geocoding, opt-in: geopy's Nominatim against a local server speaking Nominatim's JSON on 127.0.0.1.

Nothing here leaves the machine; the default path is proven offline with every socket blocked."""

from __future__ import annotations

import contextlib
import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from dinnerbot.config import parse_config
from dinnerbot.contacts import read_contacts
from dinnerbot.geo import open_gazetteer, open_geocoder
from dinnerbot.geo.online import OnlineGeocoder
from dinnerbot.geo.resolver import OfflineGeocoder
from dinnerbot.model import Address, Contact

DATA = Path(__file__).parent / "data" / "contacts"
# what the fake Nominatim knows: query -> (lat, lon, display name, country code)
KNOWN = {
    "Burg Qwertzstein, Sachsen": (51.1667, 13.6797, "Burg Qwertzstein, Moritzburg, Sachsen", "de"),
    "Xyzzyville": (45.0, 7.0, "Xyzzyville, Piemonte, Italia", "it"),
}


@contextlib.contextmanager
def nominatim_server() -> Iterator[tuple[str, list[str]]]:
    queries: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server API
            url = urllib.parse.urlparse(self.path)
            q = urllib.parse.parse_qs(url.query).get("q", [""])[0]
            queries.append(q)
            hit = KNOWN.get(q)
            body = (
                []
                if hit is None
                else [
                    {
                        "lat": str(hit[0]),
                        "lon": str(hit[1]),
                        "display_name": hit[2],
                        "address": {"country_code": hit[3]},
                        "place_id": 1,
                    }
                ]
            )
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", queries
    finally:
        server.shutdown()
        server.server_close()


def online_config(cache: Path, domain: str, offline: bool = False) -> object:
    return parse_config(
        {
            "cache_dir": str(cache),
            "home": "Dresden",
            "geocoder": {"offline": offline, "online": "nominatim", "domain": domain, "min_delay_seconds": 0},
        }
    )


@pytest.fixture
def cache(tmp_path: Path, shared_cache_dir: Path) -> Path:
    # the gazetteer index comes from the shared cache; the online cache is per test
    for index in shared_cache_dir.glob("gazetteer-*.sqlite"):
        (tmp_path / "cache").mkdir(exist_ok=True)
        (tmp_path / "cache" / index.name).symlink_to(index)
    return tmp_path / "cache"


def test_online_only_for_what_offline_cannot_place_and_never_twice(cache: Path) -> None:
    with nominatim_server() as (url, queries):
        geocoder = open_geocoder(online_config(cache, url))  # type: ignore[arg-type]
        assert isinstance(geocoder, OnlineGeocoder)
        assert geocoder.place("Berlin").country == "DE"  # type: ignore[union-attr]
        assert queries == []  # the gazetteer knew it: nothing sent
        found = geocoder.resolve("Burg Qwertzstein, Sachsen")
        assert found.method == "online" and found.place is not None
        assert abs(found.place.lat - 51.1667) < 1e-6
        assert geocoder.place("Nowhere at all 12") is None
        assert queries == ["Burg Qwertzstein, Sachsen", "Nowhere at all 12"]
        assert geocoder.stats.sent == 2
        geocoder.place("Burg Qwertzstein, Sachsen")
        geocoder.place("Nowhere at all 12")
        assert len(queries) == 2 and geocoder.stats.cached == 2  # hits and misses are cached
    with nominatim_server() as (url, queries):  # a new process, the same cache dir: still nothing sent
        again = open_geocoder(online_config(cache, url))  # type: ignore[arg-type]
        assert again.place("Burg Qwertzstein, Sachsen") is not None
        assert queries == [] and again.stats.sent == 0  # type: ignore[attr-defined]


def test_online_locate_marks_the_method(cache: Path) -> None:
    with nominatim_server() as (url, queries):
        geocoder = open_geocoder(online_config(cache, url))  # type: ignore[arg-type]
        c = Contact(id="x", name="X", addresses=(Address(kind="home", city="Xyzzyville"),))
        placed = geocoder.locate(c)
        assert placed.location is not None and placed.location.located_by == "online"
        assert queries == ["Xyzzyville"]


def test_offline_config_never_builds_an_online_geocoder(cache: Path) -> None:
    with nominatim_server() as (url, queries):
        geocoder = open_geocoder(online_config(cache, url, offline=True))  # type: ignore[arg-type]
        assert isinstance(geocoder, OfflineGeocoder)
        assert geocoder.place("Xyzzyville") is None and queries == []


def test_default_path_reads_and_locates_with_sockets_blocked(shared_cache_dir: Path) -> None:
    """read_contacts + open_geocoder + locate on the default config open no socket at all."""
    import pytest_socket

    open_gazetteer(shared_cache_dir)  # built before blocking (building needs no network either)
    pytest_socket.disable_socket(allow_unix_socket=False)
    try:
        config = parse_config({"cache_dir": str(shared_cache_dir), "home": "Dresden"})
        contacts, problems = read_contacts(
            [
                str(DATA / "apple_grouped_items.vcf"),
                str(DATA / "google_contacts.csv"),
                str(DATA / "outlook_de_cp1252.csv"),
            ]
        )
        geocoder = open_geocoder(config)
        placed = [geocoder.locate(c) for c in contacts]
        assert problems == [] and sum(p.location is not None for p in placed) >= 4
        assert geocoder.place("Xyzzyville") is None
    finally:
        pytest_socket.enable_socket()
