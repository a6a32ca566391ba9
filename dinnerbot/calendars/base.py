"""The calendar source interface, the last-good-copy cache every source shares, and event filters."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from dinnerbot.model import Event, Problem

# Titles that exporters prefix to cancelled meetings (Outlook de/en, Exchange, Google).
CANCEL_PREFIXES = re.compile(
    r"^\s*(abgesagt|storniert|canceled|cancelled|annulé|annule|cancelado|annullato|geannuleerd)\s*:",
    re.IGNORECASE,
)


class CalendarSource(Protocol):
    """One calendar: a file, a URL, a vdir folder or a CalDAV collection."""

    name: str

    def read(
        self, start: datetime, end: datetime, *, home_tz: ZoneInfo, me: Sequence[str]
    ) -> tuple[list[Event], list[Problem]]:
        """Event occurrences overlapping [start, end) and the problems met on the way.

        Raises ``SourceError`` when the source cannot be read at all.
        """
        ...


def is_cancelled(event: Event) -> bool:
    return event.status.upper() == "CANCELLED" or bool(CANCEL_PREFIXES.match(event.summary))


def good_copy_path(cache_dir: Path, source: str, suffix: str = ".ics") -> Path:
    digest = hashlib.sha256(source.encode()).hexdigest()[:24]
    return cache_dir / "calendars" / f"{digest}{suffix}"


def save_good_copy(cache_dir: Path | None, source: str, data: bytes) -> None:
    """Keep the last copy of a source that read well, written atomically with mode 0600."""
    if cache_dir is None:
        return
    path = good_copy_path(cache_dir, source)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)


def load_good_copy(cache_dir: Path | None, source: str) -> tuple[bytes, datetime] | None:
    """The last good copy of a source and when it was saved, or None."""
    if cache_dir is None:
        return None
    path = good_copy_path(cache_dir, source)
    try:
        data = path.read_bytes()
        saved = datetime.fromtimestamp(path.stat().st_mtime).astimezone()
    except OSError:
        return None
    return data, saved


def redact(source: str) -> str:
    """A source as shown to the user: no password in a URL's user-info."""
    return re.sub(r"(://[^/:@]+):[^@/]*@", r"\1:***@", source)
