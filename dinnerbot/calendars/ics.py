"""Reading iCalendar text: the fast window pre-filter, parsing, expansion, and turning components into Events.

``parse_ics`` is the one path every source ends in (file, URL, vdir, CalDAV). It

1. splits the text into VEVENT blocks and drops the blocks whose DTSTART/DTEND/RRULE cannot touch the
   window before any parsing (most of a five-year export), keeping every block it cannot judge;
2. parses what is left with icalendar (a broken block is parsed alone, reported with its line, and the
   rest still counts), fixes Google's X-WR-TIMEZONE with x-wr-timezone;
3. expands recurrences with recurring-ical-events (a series that fails is reported by UID);
4. classifies time once: aware datetimes (Windows zone names mapped to IANA), floating times (made aware
   in the home zone, ``floating=True``), all-day dates; drops cancelled and declined events.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dinnerbot.calendars.base import is_cancelled
from dinnerbot.errors import SourceError
from dinnerbot.model import Event, Problem

_BLOCK = re.compile(rb"^BEGIN:VEVENT\r?$.*?^END:VEVENT\r?$\n?", re.MULTILINE | re.DOTALL)
_PROP = re.compile(rb"^(DTSTART|DTEND|DURATION|RRULE|RDATE|RECURRENCE-ID)[;:]([^\r\n]*)", re.MULTILINE)
_DATE8 = re.compile(rb"(\d{4})(\d{2})(\d{2})")
_DUR = re.compile(rb"P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?)?")
_UNTIL = re.compile(rb"UNTIL=(\d{8})")
_UID = re.compile(rb"^UID[;:]([^\r\n]*)", re.MULTILINE)
MARGIN = timedelta(days=2)  # time zones and DST: a date two days off can still touch the window


def decode(data: bytes) -> str:
    """Calendar bytes as text: UTF-8 (with or without BOM), else the detected charset."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is not None:
            return str(best)
    except ImportError:  # pragma: no cover - a dependency
        pass
    return data.decode("cp1252", errors="replace")


# ---------------------------------------------------------------- pre-filter


def _date_of(value: bytes) -> date | None:
    m = _DATE8.search(value.rsplit(b":", 1)[-1])
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def _block_may_touch(block: bytes, first: date, last: date) -> bool:
    """False only when the block surely has no occurrence in [first, last] (dates, margins included)."""
    props: dict[bytes, bytes] = {}
    for m in _PROP.finditer(block):
        props.setdefault(m[1], m[2])
    if b"DTSTART" not in props:
        return True  # let the parser complain
    start = _date_of(props[b"DTSTART"])
    if start is None:
        return True
    if b"RECURRENCE-ID" in props:
        rid = _date_of(props[b"RECURRENCE-ID"])
        if rid is None or first - MARGIN <= rid <= last + MARGIN:
            return True
    if b"RRULE" in props or b"RDATE" in props:
        if start > last + MARGIN:
            return False
        until = _UNTIL.search(props.get(b"RRULE", b""))
        if b"RDATE" in props or until is None:
            return True
        end_of_series = _date_of(until[1])
        return end_of_series is None or end_of_series >= first - MARGIN - timedelta(days=40)
    end = start + timedelta(days=1)
    if b"DTEND" in props:
        end = _date_of(props[b"DTEND"]) or end
    elif b"DURATION" in props:
        d = _DUR.search(props[b"DURATION"])
        if d is None or not d[0]:
            return True
        end = start + timedelta(weeks=int(d[1] or 0), days=int(d[2] or 0) + 1, hours=int(d[3] or 0))
    return start <= last + MARGIN and max(end, start) >= first - MARGIN


def _may_touch(block: bytes, first: date, last: date) -> bool:
    try:
        return _block_may_touch(block, first, last)
    except (ValueError, OverflowError):  # dates near year 1 or 9999: let the parser judge
        return True


def split_blocks(data: bytes) -> tuple[bytes, list[tuple[int, bytes]]] | None:
    """The calendar without its VEVENTs and each VEVENT block with its line; None if not splittable."""
    if data.count(b"BEGIN:VCALENDAR") != 1:
        return None
    parts: list[bytes] = []
    blocks: list[tuple[int, bytes]] = []
    pos, line = 0, 1
    for m in _BLOCK.finditer(data):
        parts.append(data[pos : m.start()])
        line += data.count(b"\n", pos, m.start())
        blocks.append((line, m[0] if m[0].endswith(b"\n") else m[0] + b"\r\n"))
        line += m[0].count(b"\n")
        pos = m.end()
    parts.append(data[pos:])
    header = b"".join(parts)
    if b"END:VCALENDAR" not in header:
        return None
    return header, blocks


def _join(header: bytes, blocks: Iterable[bytes]) -> bytes:
    cut = header.rfind(b"END:VCALENDAR")
    head = header[:cut]
    if head and not head.endswith(b"\n"):
        head += b"\r\n"
    return head + b"".join(blocks) + header[cut:]


# ---------------------------------------------------------------- parse + expand


def _parse(data: bytes, source: str, window: tuple[date, date] | None) -> tuple[list[Any], list[Problem]]:
    """icalendar Calendars from bytes; blocks that break the parser are parsed one by one and reported."""
    from icalendar import Calendar

    problems: list[Problem] = []
    if data.count(b"BEGIN:VCALENDAR") > data.count(b"END:VCALENDAR"):
        line = data.count(b"\n") + 1
        problems.append(
            Problem(source, "file ends before END:VCALENDAR (truncated?); read what came before", line)
        )
    split = split_blocks(data)
    if split is not None:
        header, blocks = split
        if window is not None:
            blocks = [(n, b) for n, b in blocks if _may_touch(b, *window)]
        text = decode(_join(header, (b for _, b in blocks)))
    else:
        header, blocks = b"", []
        text = decode(data)
    try:
        return list(Calendar.from_ical(text, multiple=True)), problems
    except Exception as exc:  # icalendar raises ValueError and friends on broken input
        if split is None or not blocks:
            raise SourceError(source, f"not a readable iCalendar file: {exc}") from exc
    # One bad block: parse the blocks one by one so the rest still counts.
    try:
        base = Calendar.from_ical(decode(_join(header, [])))
    except Exception:
        base = Calendar.from_ical("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
        problems.append(Problem(source, "calendar header unreadable; time zones of the file ignored", 1))
    for line, block in blocks:
        try:
            one = Calendar.from_ical(decode(_join(header if base else b"", [block])))
        except Exception as exc:
            uid = _UID.search(block)
            what = f"UID {decode(uid[1]).strip()}: " if uid else ""
            problems.append(Problem(source, f"{what}unreadable event skipped ({_short(exc)})", line))
            continue
        for comp in one.walk("VEVENT"):
            base.add_component(comp)
    return [base], problems


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


def _expand(cal: Any, source: str, start: datetime, end: datetime) -> tuple[list[Any], list[Problem]]:
    import recurring_ical_events
    from icalendar import Calendar

    problems: list[Problem] = []
    try:
        if "X-WR-TIMEZONE" in cal:
            import x_wr_timezone

            cal = x_wr_timezone.to_standard(cal)
    except Exception as exc:
        problems.append(Problem(source, f"X-WR-TIMEZONE not applied ({_short(exc)})"))
    good = []
    for comp in cal.walk("VEVENT"):
        if "DTSTART" not in comp:
            problems.append(Problem(source, f"UID {comp.get('UID', '?')}: event without DTSTART skipped"))
            continue
        good.append(comp)
    try:
        clean = Calendar()
        for comp in good:
            clean.add_component(comp)
        return list(recurring_ical_events.of(clean).between(start, end)), problems
    except Exception:
        pass
    # Expand each UID alone, so one broken series does not hide the others.
    by_uid: dict[str, list[Any]] = {}
    for comp in good:
        by_uid.setdefault(str(comp.get("UID", id(comp))), []).append(comp)
    out: list[Any] = []
    for uid, comps in by_uid.items():
        sub = Calendar()
        for comp in comps:
            sub.add_component(comp)
        try:
            out.extend(recurring_ical_events.of(sub).between(start, end))
        except Exception as exc:
            problems.append(Problem(source, f"UID {uid}: event could not be expanded ({_short(exc)})"))
    return out, problems


# ---------------------------------------------------------------- components -> Events


def _iana(value: Any, prop: Any) -> str | None:
    """The IANA name of an aware datetime's zone: ZoneInfo key, or its TZID (IANA or Windows)."""
    tz = value.tzinfo
    key = getattr(tz, "key", None)
    if isinstance(key, str):
        return key
    tzid = None
    params = getattr(prop, "params", None)
    if params is not None:
        tzid = params.get("TZID")
    if not tzid:
        name = tz.tzname(value) if tz is not None else None
        if name in ("UTC", "Z"):
            return "UTC"
        return None
    return iana_name(str(tzid))


def iana_name(tzid: str) -> str | None:
    """'W. Europe Standard Time' -> 'Europe/Berlin'; an IANA name stays; unknown -> None."""
    from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

    tzid = tzid.strip().strip('"')
    if tzid in WINDOWS_TO_OLSON:
        return str(WINDOWS_TO_OLSON[tzid])
    for candidate in (tzid, tzid.lstrip("/"), tzid.split("/", 1)[-1] if tzid.startswith("/") else tzid):
        try:
            ZoneInfo(candidate)
            return candidate
        except (ZoneInfoNotFoundError, ValueError):
            continue
    # Outlook sometimes writes "(UTC+01:00) Amsterdam, Berlin, ..." or a mangled Olson name at the end.
    m = re.search(r"([A-Z][a-z]+/[A-Za-z_]+(?:/[A-Za-z_]+)?)", tzid)
    if m:
        try:
            ZoneInfo(m[1])
            return m[1]
        except (ZoneInfoNotFoundError, ValueError):
            return None
    return None


def _when(value: Any, prop: Any, home_tz: tzinfo) -> tuple[datetime | date, bool, str | None]:
    """(aware datetime or date, floating?, IANA zone)."""
    if not isinstance(value, datetime):
        return value, False, None
    if value.tzinfo is None:
        return value.replace(tzinfo=home_tz), True, None
    name = _iana(value, prop)
    if name and not isinstance(value.tzinfo, ZoneInfo):
        value = value.replace(tzinfo=ZoneInfo(name))
    return value, False, name


def _text(comp: Any, name: str) -> str:
    value = comp.get(name)
    if value is None:
        return ""
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value).strip()


def _addresses(value: Any) -> list[tuple[str, str]]:
    """(email lower case, PARTSTAT) for ATTENDEE values."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        addr = str(item).strip()
        if addr.lower().startswith("mailto:"):
            addr = addr[7:]
        partstat = ""
        params = getattr(item, "params", None)
        if params is not None:
            partstat = str(params.get("PARTSTAT", "")).upper()
        out.append((addr.strip().lower(), partstat))
    return out


_GEO_URI = re.compile(r"geo:\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)")


def _geo(comp: Any) -> tuple[float, float] | None:
    geo = comp.get("GEO")
    if geo is not None:
        try:
            lat, lon = float(geo.latitude), float(geo.longitude)
            if -90 <= lat <= 90 and -180 <= lon <= 180:
                return lat, lon
        except (AttributeError, TypeError, ValueError):
            m = re.match(r"\s*(-?\d+(?:\.\d+)?)\s*[;,]\s*(-?\d+(?:\.\d+)?)", str(geo))
            if m:
                return float(m[1]), float(m[2])
    apple = comp.get("X-APPLE-STRUCTURED-LOCATION")
    if apple is not None:
        if isinstance(apple, list):
            apple = apple[0] if apple else ""
        m = _GEO_URI.search(str(apple))
        if m:
            return float(m[1]), float(m[2])
    return None


def _apple_title(comp: Any) -> str:
    apple = comp.get("X-APPLE-STRUCTURED-LOCATION")
    if apple is None:
        return ""
    if isinstance(apple, list):
        apple = apple[0] if apple else None
    params = getattr(apple, "params", None)
    if params is None:
        return ""
    return str(params.get("X-TITLE", "")).strip()


def _categories(comp: Any) -> tuple[str, ...]:
    value = comp.get("CATEGORIES")
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        cats = getattr(item, "cats", None)
        if cats is None:
            cats = str(item).split(",")
        out.extend(str(c).strip() for c in cats if str(c).strip())
    return tuple(out)


def to_event(comp: Any, source: str, home_tz: tzinfo) -> Event:
    """One expanded VEVENT occurrence as an Event (raises on a broken DTSTART)."""
    start_prop = comp.get("DTSTART")
    start, floating, tzid = _when(comp.decoded("DTSTART"), start_prop, home_tz)
    end_value: Any
    if "DTEND" in comp:
        end_value = comp.decoded("DTEND")
        end, _, _ = _when(end_value, comp.get("DTEND"), home_tz)
        if isinstance(start, datetime) and not isinstance(end, datetime):
            end = datetime.combine(end, datetime.min.time(), start.tzinfo)
        elif not isinstance(start, datetime) and isinstance(end, datetime):
            end = end.date() if end.date() > start else start + timedelta(days=1)
    elif "DURATION" in comp:
        end = start + comp.decoded("DURATION")
    else:
        end = start if isinstance(start, datetime) else start + timedelta(days=1)
    if end < start:
        end = start
    location = _text(comp, "LOCATION") or _apple_title(comp)
    uid = _text(comp, "UID")
    summary = _text(comp, "SUMMARY")
    if not uid:
        uid = "nouid-" + hashlib.sha1(f"{summary}|{start}".encode()).hexdigest()[:16]
    rid = comp.get("RECURRENCE-ID")
    organizer = _addresses(comp.get("ORGANIZER"))
    return Event(
        uid=uid,
        summary=summary,
        start=start,
        end=end,
        location=location,
        description=_text(comp, "DESCRIPTION"),
        geo=_geo(comp),
        source=source,
        floating=floating,
        transparent=_text(comp, "TRANSP").upper() == "TRANSPARENT",
        status=_text(comp, "STATUS").upper(),
        categories=_categories(comp),
        attendees=tuple(a for a, _ in _addresses(comp.get("ATTENDEE"))),
        organizer=organizer[0][0] if organizer else "",
        recurrence_id=rid.to_ical().decode() if hasattr(rid, "to_ical") else (str(rid) if rid else ""),
        tzid=tzid,
    )


def declined_by(comp: Any, me: Sequence[str]) -> bool:
    mine = {m.strip().lower().removeprefix("mailto:") for m in me if m.strip()}
    if not mine:
        return False
    return any(addr in mine and ps == "DECLINED" for addr, ps in _addresses(comp.get("ATTENDEE")))


def _overlaps(event: Event, start: datetime, end: datetime) -> bool:
    s, e = event.start, event.end
    if not isinstance(s, datetime):
        tz = start.tzinfo
        s = datetime.combine(s, datetime.min.time(), tz)
        e = datetime.combine(e, datetime.min.time(), tz)
    assert isinstance(e, datetime)
    if e <= s:
        return start <= s < end
    return s < end and e > start


def parse_ics(
    data: bytes,
    source: str,
    start: datetime,
    end: datetime,
    *,
    home_tz: tzinfo,
    me: Sequence[str] = (),
    prefilter: bool = True,
) -> tuple[list[Event], list[Problem]]:
    """Events of one iCalendar text overlapping [start, end); raises SourceError if nothing is readable."""
    assert start.tzinfo is not None and end.tzinfo is not None, "window must be aware"
    window = (start.date(), end.date()) if prefilter else None
    cals, problems = _parse(data, source, window)
    events: list[Event] = []
    for cal in cals:
        comps, more = _expand(cal, source, start, end)
        problems.extend(more)
        for comp in comps:
            try:
                event = to_event(comp, source, home_tz)
            except Exception as exc:
                problems.append(Problem(source, f"UID {comp.get('UID', '?')}: event skipped ({_short(exc)})"))
                continue
            if is_cancelled(event) or declined_by(comp, me):
                continue
            if _overlaps(event, start, end):
                events.append(event)
    return events, problems


def read_file(
    path: Path, start: datetime, end: datetime, *, home_tz: tzinfo, me: Sequence[str] = ()
) -> tuple[list[Event], list[Problem]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(str(path), f"cannot read: {exc.strerror or exc}") from exc
    return parse_ics(data, str(path), start, end, home_tz=home_tz, me=me)
