"""Calendars published as http(s)/webcal links (Google, Outlook, iCloud, TripIt feeds).

Fetched through requests-cache: every run revalidates with ETag / Last-Modified, so an unchanged feed
comes back as a 304 and is not downloaded again. A feed that read well is also kept as the last good
copy for the day the server is down.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from dinnerbot.calendars.base import redact, save_good_copy
from dinnerbot.calendars.ics import parse_ics
from dinnerbot.errors import SourceError
from dinnerbot.model import Event, Problem

TIMEOUT_SECONDS = 30
USER_AGENT = "dinnerbot (calendar reader)"


def http_url(source: str) -> str:
    """webcal:// is how Apple and Outlook hand out the https:// link of a published calendar."""
    low = source.lower()
    if low.startswith("webcals://"):
        return "https://" + source[len("webcals://") :]
    if low.startswith("webcal://"):
        return "https://" + source[len("webcal://") :]
    return source


def session(cache_dir: Path | None) -> Any:
    """A requests session; with a cache dir, a requests-cache session that always revalidates."""
    if cache_dir is None:
        import requests

        plain = requests.Session()
        plain.headers["User-Agent"] = USER_AGENT
        return plain
    import requests_cache

    folder = cache_dir / "http"
    folder.mkdir(parents=True, exist_ok=True)
    cached = requests_cache.CachedSession(
        str(folder / "calendars"),
        backend="sqlite",
        expire_after=requests_cache.EXPIRE_IMMEDIATELY,  # keep, but revalidate every time
        always_revalidate=True,
        allowable_codes=(200,),
    )
    cached.headers["User-Agent"] = USER_AGENT
    return cached


def fetch(source: str, cache_dir: Path | None) -> tuple[bytes, bool]:
    """The feed's bytes and whether they came from the cache (a 304); raises SourceError."""
    import requests

    url = http_url(source)
    with session(cache_dir) as s:
        try:
            resp = s.get(url, timeout=TIMEOUT_SECONDS)
        except requests.RequestException as exc:
            raise SourceError(
                redact(source), f"unreachable ({type(exc).__name__}: {redact(str(exc))[:200]})"
            ) from exc
        if resp.status_code in (401, 403):
            raise SourceError(
                redact(source), f"HTTP {resp.status_code}: access denied (is the link still shared?)"
            )
        if resp.status_code >= 400:
            raise SourceError(redact(source), f"HTTP {resp.status_code} {resp.reason or ''}".rstrip())
        data = resp.content
        from_cache = bool(getattr(resp, "from_cache", False))
    if b"BEGIN:VCALENDAR" not in data[:4096].upper():
        kind = resp.headers.get("Content-Type", "unknown type")
        raise SourceError(redact(source), f"not an iCalendar feed (got {kind}, {len(data)} bytes)")
    return data, from_cache


def read_url(
    source: str,
    start: datetime,
    end: datetime,
    *,
    home_tz: ZoneInfo,
    me: Sequence[str] = (),
    cache_dir: Path | None = None,
) -> tuple[list[Event], list[Problem]]:
    data, _ = fetch(source, cache_dir)
    events, problems = parse_ics(data, redact(source), start, end, home_tz=home_tz, me=me)
    save_good_copy(cache_dir, source, data)
    return events, problems
