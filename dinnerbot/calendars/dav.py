"""CalDAV collections (Nextcloud, Radicale, iCloud, Fastmail, Google) through the caldav library.

A source is written ``caldav+https://user@host/path/`` (or ``caldav+http://``). The path may be one
calendar collection or a principal / calendar home, in which case every calendar under it is read.
The password is never part of the source: it comes from ``DINNERBOT_PASSWORD_<HOST>`` or
``DINNERBOT_PASSWORD_<USER>`` (see config.secret), the keyring (service "dinnerbot", user@host), or
~/.netrc. Only events in the window are asked for (a calendar-query time-range REPORT); the objects
that come back are expanded locally like any other iCalendar text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from dinnerbot.calendars.base import redact, save_good_copy
from dinnerbot.calendars.ics import parse_ics, split_blocks
from dinnerbot.errors import SourceError
from dinnerbot.model import Event, Problem


def _env_name(text: str) -> str:
    return "DINNERBOT_PASSWORD_" + re.sub(r"[^A-Z0-9]+", "_", text.upper()).strip("_")


def password_for(user: str, host: str, port: int | None = None) -> str | None:
    """The password of user@host from the environment, the keyring or ~/.netrc; None if none is set."""
    from dinnerbot.config import secret

    names = [f"{host}:{port}" if port else host, host, user, ""]
    for name in names:
        value = secret(_env_name(name) if name else "DINNERBOT_PASSWORD")
        if value:
            return value
    try:
        import keyring

        value = keyring.get_password("dinnerbot", f"{user}@{host}")
        if value:
            return str(value)
    except Exception:  # keyring is optional and its backends fail in many ways
        pass
    try:
        import netrc

        auth = netrc.netrc().authenticators(host)
        if auth and (not auth[0] or auth[0] == user):
            return auth[2]
    except (OSError, netrc.NetrcParseError):
        pass
    return None


def split_source(source: str) -> tuple[str, str, str | None]:
    """'caldav+https://alice@host/dav/' -> ('https://host/dav/', 'alice', password or None)."""
    rest = source.split("+", 1)[1] if source.lower().startswith("caldav+") else source[len("caldav://") :]
    if source.lower().startswith("caldav://"):
        rest = "https://" + rest
    parts = urlsplit(rest)
    user = unquote(parts.username or "")
    inline = unquote(parts.password) if parts.password else None
    host = parts.hostname or ""
    netloc = host + (f":{parts.port}" if parts.port else "")
    url = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    password = inline or password_for(user, host, parts.port)
    return url, user, password


def _calendars(client: Any, url: str) -> list[Any]:
    """The calendar collections at url: itself when it is one, else every calendar of the principal/home."""
    from caldav.collection import Calendar, CalendarSet
    from caldav.elements import dav

    cal: Any = Calendar(client=client, url=url)
    try:
        props = cal.get_properties([dav.ResourceType()])
        kinds = str(props.get("{DAV:}resourcetype", ""))
    except Exception:
        kinds = ""
    if "calendar" in kinds:
        return [cal]
    try:
        home: Any = CalendarSet(client=client, url=url)
        found = list(home.calendars())
        if found:
            return found
    except Exception:
        pass
    return list(client.principal().calendars())


def fetch_objects(source: str, start: datetime, end: datetime) -> list[tuple[str, bytes]]:
    """(href, iCalendar bytes) of every object with an event in [start, end); raises SourceError."""
    from caldav.davclient import DAVClient
    from caldav.lib import error as dav_error

    url, user, password = split_source(source)
    shown = redact(source)
    if user and password is None:
        raise SourceError(
            shown,
            "no password found",
            hint=f"set {_env_name(urlsplit(url).hostname or '')} or add the host to ~/.netrc or the keyring",
        )
    try:
        with DAVClient(url=url, username=user or None, password=password, timeout=60) as client:
            out: list[tuple[str, bytes]] = []
            for cal in _calendars(client, url):
                for obj in cal.search(start=start, end=end, event=True, expand=False):
                    data = obj.data
                    out.append((str(obj.url), data.encode() if isinstance(data, str) else bytes(data)))
            return out
    except dav_error.AuthorizationError as exc:
        raise SourceError(shown, "login failed (401): wrong user or password") from exc
    except dav_error.DAVError as exc:
        raise SourceError(shown, f"CalDAV error: {redact(str(exc))[:200]}") from exc
    except (OSError, ConnectionError) as exc:
        raise SourceError(shown, f"unreachable ({type(exc).__name__})") from exc
    except Exception as exc:
        if "401" in str(exc) or "Unauthorized" in str(exc):
            raise SourceError(shown, "login failed (401): wrong user or password") from exc
        if type(exc).__module__.startswith(("requests", "urllib3", "niquests", "httpx")):
            raise SourceError(shown, f"unreachable ({type(exc).__name__})") from exc
        raise


def bundle(objects: Sequence[tuple[str, bytes]]) -> bytes:
    """Many one-event calendars as one VCALENDAR (VTIMEZONEs kept once), for the last-good-copy cache."""
    head: list[bytes] = []
    seen_tz: set[bytes] = set()
    body: list[bytes] = []
    for _, data in objects:
        split = split_blocks(data)
        if split is None:
            continue
        header, blocks = split
        for m in re.finditer(rb"^BEGIN:VTIMEZONE\r?$.*?^END:VTIMEZONE\r?$\n?", header, re.M | re.S):
            tzid = re.search(rb"^TZID[;:]([^\r\n]*)", m[0], re.M)
            key = tzid[1] if tzid else m[0]
            if key not in seen_tz:
                seen_tz.add(key)
                head.append(m[0] if m[0].endswith(b"\n") else m[0] + b"\r\n")
        body.extend(b for _, b in blocks)
    return (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//dinnerbot//caldav copy//EN\r\n"
        + b"".join(head)
        + b"".join(body)
        + b"END:VCALENDAR\r\n"
    )


def read_caldav(
    source: str,
    start: datetime,
    end: datetime,
    *,
    home_tz: ZoneInfo,
    me: Sequence[str] = (),
    cache_dir: Path | None = None,
) -> tuple[list[Event], list[Problem]]:
    shown = redact(source)
    objects = fetch_objects(source, start, end)
    events: list[Event] = []
    problems: list[Problem] = []
    for href, data in objects:
        try:
            found, trouble = parse_ics(
                data, f"{shown} {href.rsplit('/', 1)[-1]}", start, end, home_tz=home_tz, me=me
            )
        except SourceError as exc:
            problems.append(Problem(shown, f"{href.rsplit('/', 1)[-1]}: {exc.message}"))
            continue
        events.extend(found)
        problems.extend(trouble)
    save_good_copy(cache_dir, source, bundle(objects))
    return events, problems
