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
from datetime import datetime, timedelta
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


SYNC_AHEAD = timedelta(days=60)  # a full fetch covers this much more, so that later windows sync cheaply


def _canon(url: Any) -> str:
    try:
        return str(url.canonical())
    except AttributeError:
        return str(url)


def _text(data: Any) -> str:
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)


def _fetch_calendar(cal: Any, start: datetime, end: datetime, state: dict[str, Any] | None) -> dict[str, Any]:
    """The calendar's objects for the window and the state to sync from next time.

    With a state whose window covers [start, end), only what changed since its sync token (RFC 6578)
    is transferred; otherwise one time-range query over the window and SYNC_AHEAD more.
    """
    from caldav.lib import error as dav_error

    if state and state.get("token") and state["from"] <= start.isoformat() and end.isoformat() <= state["to"]:
        try:
            changes = cal.get_objects_by_sync_token(
                sync_token=state["token"], load_objects=True, disable_fallback=True
            )
            objects = dict(state["objects"])
            for gone in getattr(changes, "deleted_urls", ()) or ():
                objects.pop(_canon(gone), None)
            for obj in changes:
                if obj.data:
                    objects[_canon(obj.url)] = _text(obj.data)
            return {**state, "token": str(changes.sync_token), "objects": objects}
        except dav_error.DAVError:
            pass  # token expired or sync unsupported: fetch the window again
    token = None
    try:
        token = cal.get_objects_by_sync_token(load_objects=False, disable_fallback=True).sync_token
    except dav_error.DAVError:
        token = None
    wide_end = end + SYNC_AHEAD
    found = cal.search(start=start, end=wide_end, event=True, expand=False)
    objects = {_canon(obj.url): _text(obj.data) for obj in found}
    return {"token": str(token) if token else None, "from": start.isoformat(), "to": wide_end.isoformat(),
            "objects": objects}  # fmt: skip


def _state_path(cache_dir: Path, source: str) -> Path:
    import hashlib

    return cache_dir / "calendars" / f"sync-{hashlib.sha256(source.encode()).hexdigest()[:24]}.json"


def _load_state(cache_dir: Path | None, source: str) -> dict[str, Any]:
    import json

    if cache_dir is None:
        return {}
    try:
        data = json.loads(_state_path(cache_dir, source).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save_state(cache_dir: Path | None, source: str, state: dict[str, Any]) -> None:
    import json
    import os
    import tempfile

    if cache_dir is None:
        return
    path = _state_path(cache_dir, source)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(state, fh)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)


def fetch_objects(
    source: str, start: datetime, end: datetime, cache_dir: Path | None = None
) -> list[tuple[str, bytes]]:
    """(href, iCalendar bytes) of the objects with an event in the window; raises SourceError.

    With a cache dir, the sync state of each calendar is kept there and later reads are incremental.
    """
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
            states = _load_state(cache_dir, source) if cache_dir is not None else {}
            new_states: dict[str, Any] = {}
            for cal in _calendars(client, url):
                if cache_dir is None:
                    for obj in cal.search(start=start, end=end, event=True, expand=False):
                        out.append((str(obj.url), _text(obj.data).encode()))
                    continue
                key = _canon(cal.url)
                state = _fetch_calendar(cal, start, end, states.get(key))
                new_states[key] = state
                out.extend((href, data.encode()) for href, data in sorted(state["objects"].items()))
            if cache_dir is not None:
                _save_state(cache_dir, source, new_states)
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
    objects = fetch_objects(source, start, end, cache_dir)
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
