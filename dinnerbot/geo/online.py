"""Opt-in online geocoding through any geopy geocoder, only for what the offline gazetteer cannot place.

Enabled only by ``geocoder.offline = false`` plus ``geocoder.online = "<geopy service>"`` (nominatim,
photon, googlev3, ...); ``--offline`` wins. The offline answer is always tried first, so only addresses
the gazetteer cannot place (unknown or ambiguous) are sent. Every request goes through geopy's
``RateLimiter`` (``geocoder.min_delay_seconds``) and a persistent SQLite cache in the cache dir, so no
query is ever sent twice, also not across runs (misses are cached too). ``stats`` counts what was sent.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from dinnerbot.config import Config, secret
from dinnerbot.errors import ConfigError, GeocodeError
from dinnerbot.geo.base import Resolution, Weighed
from dinnerbot.geo.resolver import OfflineGeocoder
from dinnerbot.model import Contact, Location, Place, PlacedContact


@dataclass
class OnlineStats:
    sent: int = 0  # requests that left the machine
    cached: int = 0  # answered from the on-disk cache
    failed: int = 0  # service errors (the address stays unplaced)

    def describe(self) -> str:
        return f"online geocoder: {self.sent} sent, {self.cached} from cache, {self.failed} failed"


class OnlineCache:
    """query -> (lat, lon, name, country) or a remembered miss, per service, in one SQLite file."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.con = sqlite3.connect(path)
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS answers(service TEXT, query TEXT, lat REAL, lon REAL, name TEXT, "
            "country TEXT, at REAL, PRIMARY KEY(service, query))"
        )
        with contextlib.suppress(OSError):
            path.chmod(0o600)

    def get(self, service: str, query: str) -> tuple[Place | None] | None:
        """None: never asked; (None,): asked, nothing found; (place,): found."""
        row = self.con.execute(
            "SELECT lat, lon, name, country FROM answers WHERE service = ? AND query = ?", (service, query)
        ).fetchone()
        if row is None:
            return None
        if row[0] is None:
            return (None,)
        return (Place(row[2], row[3], row[0], row[1], None, 0, "", "online"),)

    def put(self, service: str, query: str, place: Place | None) -> None:
        self.con.execute(
            "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                service,
                query,
                place.lat if place else None,
                place.lon if place else None,
                place.name if place else "",
                place.country if place else "",
                time.time(),
            ),
        )
        self.con.commit()


def _geopy_geocoder(config: Config) -> tuple[str, Callable[[str], Any]]:
    """(service name, rate-limited geocode function) for the configured geopy service."""
    from geopy.extra.rate_limiter import RateLimiter
    from geopy.geocoders import get_geocoder_for_service

    service = str(config["geocoder.online"]).lower()
    try:
        cls = get_geocoder_for_service(service)
    except Exception as exc:  # geopy raises GeocoderNotFound
        raise ConfigError(
            f"geocoder.online: unknown geopy service {service!r}",
            hint="e.g. nominatim, photon, googlev3, bing, here",
        ) from exc
    kwargs: dict[str, Any] = {}
    if service in ("nominatim", "photon", "openmapquest", "pickpoint"):
        kwargs["user_agent"] = config["geocoder.user_agent"]
    domain = str(config.get("geocoder.domain") or "")
    if domain:
        if "://" in domain:
            kwargs["scheme"], domain = domain.split("://", 1)
        kwargs["domain"] = domain.rstrip("/")
    key_var = str(config.get("geocoder.api_key") or "")
    if key_var:
        key = secret(key_var)
        if not key:
            raise ConfigError(f"geocoder.api_key: environment variable {key_var} is not set")
        kwargs["api_key"] = key
    geocoder = cls(**kwargs)
    limited = RateLimiter(
        geocoder.geocode,
        min_delay_seconds=float(config["geocoder.min_delay_seconds"]),
        max_retries=1,
        swallow_exceptions=False,
    )
    return service, limited


class OnlineGeocoder:
    """The offline geocoder, with an online fallback for what it cannot place."""

    def __init__(
        self,
        offline: OfflineGeocoder,
        config: Config,
        *,
        geocode: Callable[[str], Any] | None = None,
        service: str | None = None,
    ) -> None:
        self.offline = offline
        self.stats = OnlineStats()
        self.cache = OnlineCache(config.cache_dir / "online-geocoder.sqlite")
        if geocode is None:
            service, geocode = _geopy_geocoder(config)
        self.service = service or str(config["geocoder.online"])
        self._geocode = geocode

    @property
    def home_country(self) -> str:
        return self.offline.home_country

    @home_country.setter
    def home_country(self, value: str) -> None:
        self.offline.home_country = value

    @property
    def cache_key(self) -> str:
        return f"{self.offline.cache_key}+online:{self.service}"

    @property
    def gaz(self) -> Any:
        return self.offline.gaz

    def lookup(self, query: str) -> Place | None:
        """One online lookup, from the cache when this query was ever sent before."""
        query = " ".join(query.split())
        if not query:
            return None
        hit = self.cache.get(self.service, query)
        if hit is not None:
            self.stats.cached += 1
            return hit[0]
        self.stats.sent += 1
        try:
            loc = self._geocode(query)
        except Exception:  # geopy's GeocoderServiceError and friends: this address stays unplaced
            self.stats.failed += 1
            return None
        place = None
        if loc is not None:
            raw = getattr(loc, "raw", {}) or {}
            country = str((raw.get("address") or {}).get("country_code", "")).upper()
            near = self.offline.gaz.nearest(loc.latitude, loc.longitude)
            name = near.name if near else str(loc.address).split(",")[0]
            place = Place(
                name,
                country or (near.country if near else ""),
                float(loc.latitude),
                float(loc.longitude),
                near.timezone if near else None,
                0,
                "",
                "online",
            )
        self.cache.put(self.service, query, place)
        return place

    def resolve(self, text: str, *, country: str | None = None) -> Resolution:
        res = self.offline.resolve(text, country=country)
        if res.place is not None and not res.ambiguous:
            return res
        place = self.lookup(text if not country else f"{text}, {country}")
        if place is None:
            return res
        return Resolution(
            text,
            place,
            "online",
            (Weighed(place, 1.0, f"online ({self.service})"), *res.candidates),
            f"found online ({self.service})",
            False,
            res.parsed,
        )

    def place(self, text: str, *, country: str | None = None) -> Place | None:
        return self.resolve(text, country=country).place

    def require_place(self, text: str, *, country: str | None = None) -> Place:
        res = self.resolve(text, country=country)
        if res.place is None:
            raise GeocodeError(f"cannot find a place called {text!r}: {res.reason}")
        return res.place

    def locate_all(
        self, contacts: Sequence[Contact], *, home_country: str | None = None
    ) -> list[PlacedContact]:
        return [self.locate(c, home_country=home_country) for c in contacts]

    def locate(self, contact: Contact, *, home_country: str | None = None) -> PlacedContact:
        placed = self.offline.locate(contact, home_country=home_country)
        if placed.location is not None or not contact.addresses:
            return placed
        for addr in contact.addresses:
            place = self.lookup(addr.one_line())
            if place is not None:
                loc = Location(
                    place.lat, place.lon, f"{place.name}, {place.country}", "online", addr.kind, place.country
                )
                return replace(placed, location=loc, unlocated_reason=None)
        return placed
