"""The geocoder interface that trips, plan and the CLI use, and the result of resolving one string."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from dinnerbot.model import Contact, Place, PlacedContact

if TYPE_CHECKING:
    from dinnerbot.geo.gazetteer import Gazetteer


@dataclass(frozen=True, slots=True)
class Weighed:
    """One candidate a resolution considered, with why it won or lost."""

    place: Place
    score: float
    why: str = ""


@dataclass(frozen=True, slots=True)
class Resolution:
    """How one string was resolved: the chosen place (or None), the method and the candidates weighed."""

    query: str
    place: Place | None
    method: str  # geo, postal, city, country, online, "" when nothing was found
    candidates: tuple[Weighed, ...] = ()
    reason: str = ""  # why nothing, or why ambiguous
    ambiguous: bool = False
    parsed: dict[str, str] | None = None  # the address parts that were recognised


class Geocoder(Protocol):
    @property
    def cache_key(self) -> str: ...

    @property
    def gaz(self) -> Gazetteer: ...

    def place(self, text: str, *, country: str | None = None) -> Place | None: ...

    def resolve(self, text: str, *, country: str | None = None) -> Resolution: ...

    def locate(self, contact: Contact, *, home_country: str | None = None) -> PlacedContact: ...

    def locate_all(
        self, contacts: Sequence[Contact], *, home_country: str | None = None
    ) -> list[PlacedContact]: ...

    def require_place(self, text: str, *, country: str | None = None) -> Place: ...
