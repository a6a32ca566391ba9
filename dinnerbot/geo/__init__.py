"""Geocoding: the offline gazetteer (GeoNames data, CC BY 4.0), opt-in online geocoding, distances.

``open_geocoder(config)`` is the one entry point; see ``resolver`` for the rules.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from dinnerbot.geo.base import Geocoder, Resolution, Weighed
from dinnerbot.geo.distance import haversine_km
from dinnerbot.geo.gazetteer import DataSources, Gazetteer, Progress
from dinnerbot.geo.resolver import OfflineGeocoder

if TYPE_CHECKING:
    from dinnerbot.config import Config

_OPEN: dict[tuple[Path, str], Gazetteer] = {}


def open_gazetteer(
    cache_dir: Path, *, sources: DataSources | None = None, progress: Progress | None = None
) -> Gazetteer:
    """The gazetteer index in ``cache_dir`` (built on first use), shared within the process."""
    from dinnerbot.geo.gazetteer import default_sources

    sources = sources or default_sources()
    key = (cache_dir, sources.key())
    if key not in _OPEN:
        _OPEN[key] = Gazetteer.open(cache_dir, sources=sources, progress=progress)
    return _OPEN[key]


def open_geocoder(config: Config, *, progress: Progress | None = None) -> Geocoder:
    """The geocoder the config asks for: offline by default; online (geopy) only when
    ``geocoder.offline = false`` and ``geocoder.online`` names a geopy service."""
    gaz = open_gazetteer(config.cache_dir, progress=progress)  # first use: builds the index (about 10 s)
    geocoder = OfflineGeocoder(gaz)
    home = config.get("home") or ""
    if home:
        place = geocoder.place(home)
        if place is not None:
            geocoder.home_country = place.country
    if not config.get("geocoder.offline", True) and config.get("geocoder.online"):
        from dinnerbot.geo.online import OnlineGeocoder

        return OnlineGeocoder(geocoder, config)
    return geocoder


__all__ = [
    "Geocoder",
    "Resolution",
    "Weighed",
    "haversine_km",
    "open_geocoder",
    "open_gazetteer",
    "OfflineGeocoder",
    "Gazetteer",
]
