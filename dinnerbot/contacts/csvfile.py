"""Google Contacts and Outlook CSV exports (filled in below)."""

from __future__ import annotations

from pathlib import Path

from dinnerbot.model import Contact, Problem


def read_csv(path: Path) -> tuple[list[Contact], list[Problem]]:
    return [], [Problem(str(path), "CSV address books are not supported yet")]
