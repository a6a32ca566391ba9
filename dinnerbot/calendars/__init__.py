"""Reading calendars: .ics files, vdir folders, http(s)/webcal URLs and CalDAV collections through one call.

``read_calendars`` picks the backend from the source's form (the registry below), collects every problem,
falls back to the last good copy of a network source that fails, and merges events that several
calendars share (same UID and start).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from dinnerbot.calendars.base import CalendarSource, is_cancelled, load_good_copy, redact
from dinnerbot.errors import SourceError
from dinnerbot.model import Event, Problem

Reader = Callable[..., tuple[list[Event], list[Problem]]]


def kind_of(source: str) -> str:
    """'caldav', 'url', 'vdir' or 'file' (the registry key of a source)."""
    low = source.lower()
    if low.startswith(("caldav+http://", "caldav+https://", "caldav://")):
        return "caldav"
    if low.startswith(("http://", "https://", "webcal://", "webcals://")):
        return "url"
    if Path(source).expanduser().is_dir():
        return "vdir"
    return "file"


def _reader(kind: str) -> Reader:
    """The registry: backends are imported lazily so that caldav and requests load only when used."""
    if kind == "caldav":
        from dinnerbot.calendars.dav import read_caldav

        return read_caldav
    if kind == "url":
        from dinnerbot.calendars.url import read_url

        return read_url
    if kind == "vdir":
        from dinnerbot.calendars.vdir import read_vdir

        return read_vdir

    def read_ics_file(
        source: str,
        start: datetime,
        end: datetime,
        *,
        home_tz: ZoneInfo,
        me: Sequence[str],
        cache_dir: Path | None,
    ) -> tuple[list[Event], list[Problem]]:
        from dinnerbot.calendars.ics import read_file

        return read_file(Path(source).expanduser(), start, end, home_tz=home_tz, me=me)

    return read_ics_file


def read_source(
    source: str,
    start: datetime,
    end: datetime,
    *,
    home_tz: ZoneInfo,
    me: Sequence[str] = (),
    cache_dir: Path | None = None,
) -> tuple[list[Event], list[Problem]]:
    """One source; a source that fails entirely gives a Problem and, when cached, its last good copy."""
    shown = redact(source)
    kind = kind_of(source)
    try:
        if kind == "file" and cache_dir is not None:
            return _read_file_memo(source, start, end, home_tz=home_tz, me=me, cache_dir=cache_dir)
        return _reader(kind)(source, start, end, home_tz=home_tz, me=me, cache_dir=cache_dir)
    except SourceError as exc:
        reason = exc.message
        if reason.startswith(source):
            reason = reason[len(source) :].lstrip(": ")
        reason = redact(reason)
    except Exception as exc:  # a backend bug must not sink the other calendars
        reason = f"unexpected error: {type(exc).__name__}: {exc}"
    good = load_good_copy(cache_dir, source)
    if good is None:
        return [], [Problem(shown, f"{reason}; no cached copy, this calendar is missing from the result")]
    from dinnerbot.calendars.ics import parse_ics

    data, saved = good
    events, problems = parse_ics(data, shown, start, end, home_tz=home_tz, me=me)
    note = Problem(shown, f"{reason}; using the last good copy from {saved:%Y-%m-%d %H:%M}")
    return events, [note, *problems]


MEMO_VERSION = 1


def _read_file_memo(
    source: str, start: datetime, end: datetime, *, home_tz: ZoneInfo, me: Sequence[str], cache_dir: Path
) -> tuple[list[Event], list[Problem]]:
    """A local file read before, unchanged since (size, mtime) and for the same window: the saved result.

    The nightly job reads the same files every night; the parse is the expensive part.
    """
    import hashlib
    import os
    import pickle
    import tempfile
    import time

    path = Path(source).expanduser()
    try:
        st = path.stat()
    except OSError:
        return _reader("file")(source, start, end, home_tz=home_tz, me=me, cache_dir=cache_dir)
    key = "|".join(
        map(
            str,
            (MEMO_VERSION, path.resolve(), st.st_size, st.st_mtime_ns, start, end, home_tz.key, sorted(me)),
        )
    )
    memo = cache_dir / "calendars" / f"parsed-{hashlib.sha256(key.encode()).hexdigest()[:32]}.pickle"
    try:
        with memo.open("rb") as fh:
            saved = pickle.load(fh)  # our own file, mode 0600, in the user's cache dir
        if isinstance(saved, tuple) and len(saved) == 2:
            return list(saved[0]), list(saved[1])
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        pass
    events, problems = _reader("file")(source, start, end, home_tz=home_tz, me=me, cache_dir=cache_dir)
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        week_ago = time.time() - 7 * 86400  # memos of past windows: keep a week, then drop
        for old in memo.parent.glob("parsed-*.pickle"):
            if old != memo and old.stat().st_mtime < week_ago:
                old.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(dir=memo.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump((events, problems), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.chmod(tmp, 0o600)
        os.replace(tmp, memo)
    except OSError:
        pass
    return events, problems


def merge_duplicates(events: Sequence[Event]) -> list[Event]:
    """One event per (UID, start): the same invitation in two calendars counts once; the richer copy wins."""
    best: dict[tuple[str, str], Event] = {}
    order: list[tuple[str, str]] = []
    for event in events:
        key = (event.uid, event.start.isoformat())
        have = best.get(key)
        if have is None:
            best[key] = event
            order.append(key)
        elif _richness(event) > _richness(have):
            best[key] = event
    return [best[k] for k in order]


def _richness(event: Event) -> int:
    return (2 if event.geo else 0) + (2 if event.location else 0) + (1 if event.description else 0)


def _sort_key(event: Event) -> tuple[str, str]:
    s = event.start
    return (
        s.astimezone(ZoneInfo("UTC")).isoformat() if isinstance(s, datetime) else s.isoformat(),
        event.uid,
    )


def read_calendars(
    sources: Sequence[str],
    start: datetime,
    end: datetime,
    *,
    home_tz: ZoneInfo,
    me: Sequence[str] = (),
    cache_dir: Path | None = None,
) -> tuple[list[Event], list[Problem]]:
    """Event occurrences of every source overlapping [start, end), and every problem met.

    Cancelled events, events whose title says they were cancelled and invitations one of ``me``
    declined are left out; recurrences are expanded; duplicates across calendars merged.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("read_calendars needs an aware window")
    events: list[Event] = []
    problems: list[Problem] = []
    for source in sources:
        found, trouble = read_source(source, start, end, home_tz=home_tz, me=me, cache_dir=cache_dir)
        events.extend(e for e in found if not is_cancelled(e))
        problems.extend(trouble)
    merged = merge_duplicates(events)
    merged.sort(key=_sort_key)
    return merged, problems


__all__ = ["CalendarSource", "read_calendars", "read_source", "merge_duplicates", "kind_of"]
