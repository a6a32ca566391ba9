"""CardDAV address books (filled in below)."""

from __future__ import annotations

from dinnerbot.model import Contact, Problem


def read_carddav(url: str) -> tuple[list[Contact], list[Problem]]:
    return [], [Problem(url, "CardDAV is not supported yet")]
