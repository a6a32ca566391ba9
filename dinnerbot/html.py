"""The HTML digest: one self-contained page (inline CSS and SVG, no script, no request) for a plan.

The page is rendered from ``digest.html.j2`` through the one jinja2 Environment in ``messages.py``, so it
is autoescaped and a user may override it like any other template. This module only shapes the data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from dinnerbot.digest import also_called
from dinnerbot.model import Candidate, CityPlan, Contact, EveningPlan, Place, Plan, Trip

MAP_SIZE = 300  # SVG user units; the map scales to the page width
_MAP_RADIUS = 125  # the outer circle, in SVG units
_LINK_LABELS = (("tel", "Call"), ("sms_link", "SMS"), ("whatsapp", "WhatsApp"), ("mailto", "E-mail"))


@dataclass(frozen=True, slots=True)
class MapPoint:
    x: float
    y: float
    label: str  # the number in the call list, or initials on a trip map
    name: str
    place: str
    distance: str
    role: str


@dataclass(frozen=True, slots=True)
class MapView:
    """A small map of the candidates around the destination, in SVG user units (centre 150,150)."""

    center: str
    radius_km: float
    points: tuple[MapPoint, ...]
    size: int = MAP_SIZE
    radius_px: int = _MAP_RADIUS

    @property
    def half(self) -> float:
        return self.size / 2


def candidate_map(
    destination: Place, candidates: tuple[Candidate, ...], radius_km: float | None, *, numbered: bool = True
) -> MapView:
    """Project the candidates (equirectangular, fine at city scale) around the destination, north up."""
    distances = [c.distance_km for c in candidates]
    scale_km = radius_km if radius_km else 0.0
    if not scale_km:
        scale_km = _nice_ceiling(max(distances, default=10.0) * 1.1)
    coslat = math.cos(math.radians(destination.lat))
    half = MAP_SIZE / 2
    points = []
    for number, c in enumerate(candidates, 1):
        dx = (c.location.lon - destination.lon) * 111.32 * coslat
        dy = (c.location.lat - destination.lat) * 110.57
        factor = _MAP_RADIUS / scale_km
        x, y = dx * factor, -dy * factor
        length = math.hypot(x, y)
        if length > _MAP_RADIUS + 12:  # beyond the circle (home and work both near): pin to its rim
            x, y = x * (_MAP_RADIUS + 12) / length, y * (_MAP_RADIUS + 12) / length
        points.append(
            MapPoint(
                x=round(half + x, 1),
                y=round(half + y, 1),
                label=str(number) if numbered else _initials(c.contact),
                name=c.contact.name,
                place=c.location.place,
                distance=_distance(c.distance_km),
                role=c.role,
            )
        )
    return MapView(center=destination.name, radius_km=scale_km, points=tuple(points))


def _initials(contact: Contact) -> str:
    names = [contact.given_name, contact.family_name] if contact.given_name or contact.family_name else []
    words = " ".join(names or [contact.name]).replace("-", " ").split()
    letters = [word[0] for word in words if word[:1].isalnum()]
    return ("".join(letters[:1] + letters[-1:]) if len(letters) > 1 else "".join(letters)).upper() or "?"


def _distance(km: float) -> str:
    return f"{km:.0f} km" if km >= 1 else f"{km * 1000:.0f} m"


def _nice_ceiling(km: float) -> float:
    for step in (1, 2, 5, 10, 20, 25, 50, 75, 100, 150, 200, 300, 500, 1000):
        if km <= step:
            return float(step)
    return float(math.ceil(km / 1000) * 1000)


def _day(value: date) -> str:
    return value.strftime("%a %-d %b %Y")


def _time(value: datetime) -> str:
    return value.strftime("%a %-d %b, %H:%M")


def _place(place: Place) -> str:
    return f"{place.name}, {place.country}" if place.country else place.name


def _candidate_view(c: Candidate, number: int, messages: dict[str, dict[str, str]]) -> dict[str, Any]:
    texts = messages.get(c.contact.id, {})
    return {
        "number": number,
        "name": c.contact.name,
        "org": c.contact.org,
        "phone": c.contact.phone or "",
        "email": c.contact.email or "",
        "place": c.location.place,
        "distance": _distance(c.distance_km),
        "score": f"{c.score:.1f}",
        "reasons": c.reasons,
        "role": c.role,
        "messages": texts,
        "links": [(label, texts[key]) for key, label in _LINK_LABELS if texts.get(key)],
    }


def _evening_view(ep: EveningPlan) -> dict[str, Any]:
    ev = ep.evening
    return {
        "title": _day(ev.date),
        "window": f"{ev.start:%H:%M}–{ev.end:%H:%M}",
        "free": ev.free,
        "busy_with": ev.busy_with,
        "call_by": _time(ep.call_by) if ep.call_by else "",
        "venue": ev.venue,
        "candidates": [_candidate_view(c, n, ep.messages) for n, c in enumerate(ep.candidates, 1)],
    }


def _trip_view(trip: Trip, evenings: tuple[EveningPlan, ...]) -> dict[str, Any]:
    everyone: dict[str, Candidate] = {}
    for ep in evenings:
        for c in ep.candidates:
            everyone.setdefault(c.contact.id, c)
    nights = len(trip.nights)
    return {
        "title": _place(trip.destination),
        "dates": f"{_day(trip.start)} – {_day(trip.end)}",
        "nights": f"{nights} night{'s' if nights != 1 else ''}",
        "free": sum(1 for e in trip.evenings if e.free),
        "tentative": trip.tentative,
        "alternatives": "; ".join(trip.alternatives),
        "sources": trip.sources,
        "map": candidate_map(trip.destination, tuple(everyone.values()), None, numbered=False)
        if everyone
        else None,
        "evenings": [_evening_view(ep) for ep in evenings],
    }


def digest_context(result: Plan | CityPlan) -> dict[str, Any]:
    """What ``digest.html.j2`` sees: plain strings and lists, already formatted."""
    if isinstance(result, CityPlan):
        when = _day(result.evening) if result.evening else "in the coming days"
        candidates = [_candidate_view(c, n, result.messages) for n, c in enumerate(result.candidates, 1)]
        return {
            "kind": "city",
            "title": f"Dinner in {_place(result.destination)}",
            "subtitle": f"{when} · within {result.radius_km:g} km",
            "note": also_called(result) if result.alternatives else "",
            "city": {
                "map": candidate_map(result.destination, result.candidates, result.radius_km),
                "candidates": candidates,
            },
            "trips": [],
            "problems": [str(p) for p in result.problems],
            "generated": "",
        }
    return {
        "kind": "plan",
        "note": "",
        "title": f"Trips {_day(result.window_from)} – {_day(result.window_to)}",
        "subtitle": f"home: {_place(result.home)}",
        "city": None,
        "trips": [_trip_view(tp.trip, tp.evenings) for tp in result.trips],
        "problems": [str(p) for p in result.problems],
        "generated": _time(result.generated_at),
    }


def render_html(result: Plan | CityPlan, *, templates_dir: Path | None = None) -> str:
    """One self-contained, autoescaped HTML page for a plan or a city query."""
    from dinnerbot.messages import render_template

    return render_template("digest.html.j2", digest_context(result), templates_dir)
