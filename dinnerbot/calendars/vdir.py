"""vdir folders: one .ics file per event, as vdirsyncer and khal keep them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from dinnerbot.calendars.ics import parse_ics
from dinnerbot.errors import SourceError
from dinnerbot.model import Event, Problem


def read_vdir(
    source: str,
    start: datetime,
    end: datetime,
    *,
    home_tz: ZoneInfo,
    me: Sequence[str] = (),
    cache_dir: Path | None = None,
) -> tuple[list[Event], list[Problem]]:
    """Every ``*.ics`` in the folder (and in sub-folders one level down); a bad file is a Problem."""
    root = Path(source).expanduser()
    try:
        files = sorted(p for p in [*root.glob("*.ics"), *root.glob("*/*.ics")] if p.is_file())
    except OSError as exc:
        raise SourceError(source, f"cannot list folder: {exc.strerror or exc}") from exc
    events: list[Event] = []
    problems: list[Problem] = []
    for path in files:
        try:
            data = path.read_bytes()
            found, trouble = parse_ics(data, str(path), start, end, home_tz=home_tz, me=me)
        except SourceError as exc:
            problems.append(Problem(str(path), exc.message.removeprefix(f"{path}: ")))
            continue
        except OSError as exc:
            problems.append(Problem(str(path), f"cannot read: {exc.strerror or exc}"))
            continue
        events.extend(found)
        problems.extend(trouble)
    return events, problems
