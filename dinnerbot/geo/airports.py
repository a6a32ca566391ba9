"""Airports by IATA code, from the airportsdata package (a maintained table, not a hand-written list)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from dinnerbot.model import Place

_CODE = re.compile(r"(?<![A-Za-z0-9])([A-Z]{3})(?![A-Za-z0-9])")
# Three capitals that are words or train types far more often than airports in a calendar title.
_WORDS = (
    "ICE RJX TGV CEO CFO CTO ZUG BAR AND THE FOR VIA NEW MIT UND DER DIE DAS VON AUS BIS ALL ETA ETD "
    "ABC API DEV OPS PDF TBD TBC HBF GMT UTC CET MEZ CAT QBR OKR KPI HUB"
)
_NOT_CODES = frozenset(_WORDS.split())


@lru_cache(maxsize=1)
def _table() -> dict[str, dict[str, Any]]:
    import airportsdata

    table: dict[str, dict[str, Any]] = dict(airportsdata.load("IATA"))  # type: ignore[arg-type]
    return table


def airport(code: str) -> Place | None:
    """The airport with this IATA code as a Place named for its city, or None."""
    row = _table().get(code.strip().upper())
    if not row:
        return None
    return Place(
        name=str(row.get("city") or row.get("name") or code),
        country=str(row.get("country") or ""),
        lat=float(row["lat"]),
        lon=float(row["lon"]),
        timezone=str(row.get("tz") or "") or None,
        admin1=str(row.get("subd") or ""),
        kind="airport",
    )


def codes_in(text: str) -> list[Place]:
    """Airports named by IATA code in a text, in order ('LH 123 STR → TXL' -> [Stuttgart, Berlin])."""
    out: list[Place] = []
    for m in _CODE.finditer(text):
        if m[1] in _NOT_CODES:
            continue
        place = airport(m[1])
        if place is not None:
            out.append(place)
    return out
