"""Small pure helpers about time that several modules share: the dinner window, dates, zones."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def parse_window(text: str) -> tuple[time, time]:
    """'18:30-22:00' -> (18:30, 22:00)."""
    try:
        left, right = (part.strip() for part in text.split("-"))
        start, end = time.fromisoformat(left), time.fromisoformat(right)
    except ValueError:
        raise ValueError(f"expected 'HH:MM-HH:MM', got {text!r}") from None
    if end <= start:
        raise ValueError(f"the window must end after it starts, got {text!r}")
    return start, end


def zone(name: str | None, fallback: str = "UTC") -> ZoneInfo:
    """A ZoneInfo for an IANA name; the fallback when the name is empty or unknown."""
    for candidate in (name, fallback):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def evening_window(day: date, window: tuple[time, time], tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The dinner window of ``day`` as aware datetimes in ``tz``."""
    return datetime.combine(day, window[0], tz), datetime.combine(day, window[1], tz)


def days(start: date, end: date) -> list[date]:
    """Every date from start up to, not including, end."""
    return [start + timedelta(n) for n in range((end - start).days)]
