"""Turn results into text, JSON (the documented contract, docs/json.md), markdown, HTML or ICS."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from dinnerbot.model import (
    Candidate,
    CityPlan,
    ContactList,
    EveningPlan,
    Place,
    PlacedContact,
    Plan,
    Problem,
    Trip,
    TripList,
    TripPlan,
)

Result = TripList | ContactList | CityPlan | Plan


def render(result: Result, fmt: str, *, explain: bool = False) -> str:
    if fmt == "json":
        return json.dumps(as_json(result), ensure_ascii=False, indent=2)
    if fmt == "html":
        from dinnerbot.html import render_html

        if not isinstance(result, Plan | CityPlan):
            raise ValueError("html is only for plan and city")
        return render_html(result)
    if fmt == "ics":
        from dinnerbot.invite import placeholders_ics

        if not isinstance(result, Plan):
            raise ValueError("ics is only for plan")
        return placeholders_ics(result)
    markdown = fmt == "markdown"
    if isinstance(result, TripList):
        return _trips_text(result, markdown)
    if isinstance(result, ContactList):
        return _contacts_text(result, markdown)
    if isinstance(result, CityPlan):
        return _city_text(result, markdown, explain)
    return _plan_text(result, markdown, explain)


# ---------------------------------------------------------------- JSON


def as_json(result: Result) -> dict[str, Any]:
    if isinstance(result, TripList):
        return {
            "home": result.home.as_dict(),
            "window": {"from": result.window_from.isoformat(), "to": result.window_to.isoformat()},
            "trips": [_trip_json(t) for t in result.trips],
            "problems": _problems_json(result.problems),
        }
    if isinstance(result, ContactList):
        return {
            "contacts": [_contact_json(p) for p in result.contacts],
            "problems": _problems_json(result.problems),
        }
    if isinstance(result, CityPlan):
        return {
            "destination": result.destination.as_dict(),
            "evening": result.evening.isoformat() if result.evening else None,
            "radius_km": result.radius_km,
            "alternatives": list(result.alternatives),
            "candidates": [_candidate_json(c, result.messages) for c in result.candidates],
            "problems": _problems_json(result.problems),
        }
    return {
        "generated_at": result.generated_at.isoformat(timespec="seconds"),
        "window": {"from": result.window_from.isoformat(), "to": result.window_to.isoformat()},
        "home": result.home.as_dict(),
        "trips": [_trip_plan_json(tp) for tp in result.trips],
        "problems": _problems_json(result.problems),
    }


def _problems_json(problems: tuple[Problem, ...]) -> list[dict[str, Any]]:
    return [{"source": p.source, "line": p.line, "message": p.message} for p in problems]


def _trip_json(trip: Trip) -> dict[str, Any]:
    return {
        "destination": trip.destination.as_dict(),
        "start": trip.start.isoformat(),
        "end": trip.end.isoformat(),
        "nights": [n.isoformat() for n in trip.nights],
        "free_evenings": [d.isoformat() for d in trip.free_evenings],
        "tentative": trip.tentative,
        "timezone": trip.destination.timezone,
        "sources": list(trip.sources),
        "alternatives": list(trip.alternatives),
    }


def _trip_plan_json(tp: TripPlan) -> dict[str, Any]:
    data = _trip_json(tp.trip)
    data["evenings"] = [_evening_json(ep) for ep in tp.evenings]
    return data


def _evening_json(ep: EveningPlan) -> dict[str, Any]:
    return {
        "date": ep.evening.date.isoformat(),
        "free": ep.evening.free,
        "busy_with": list(ep.evening.busy_with),
        "window": {"start": ep.evening.start.isoformat(), "end": ep.evening.end.isoformat()},
        "call_by": ep.call_by.isoformat() if ep.call_by else None,
        "venue": _venue_json(ep),
        "candidates": [_candidate_json(c, ep.messages) for c in ep.candidates],
    }


def _venue_json(ep: EveningPlan) -> dict[str, Any] | None:
    where = ep.evening.venue_place
    if where is None:
        return None
    return {"name": ep.evening.venue, "lat": round(where.lat, 5), "lon": round(where.lon, 5)}


def _contact_json(p: PlacedContact) -> dict[str, Any]:
    c, loc = p.contact, p.location
    return {
        "id": c.id,
        "name": c.name,
        "email": c.email,
        "emails": list(c.emails),
        "phones": list(c.phones),
        "org": c.org,
        "categories": list(c.categories),
        "lat": round(loc.lat, 5) if loc else None,
        "lon": round(loc.lon, 5) if loc else None,
        "place": loc.place if loc else None,
        "located_by": loc.located_by if loc else None,
        "address_kind": loc.address_kind if loc else None,
        "unlocated_reason": None if loc else (p.unlocated_reason or "no address"),
        "ambiguous": list(p.ambiguous),
        "sources": list(c.sources),
    }


def _candidate_json(c: Candidate, messages: dict[str, dict[str, str]]) -> dict[str, Any]:
    return {
        "id": c.contact.id,
        "name": c.contact.name,
        "email": c.contact.email,
        "phone": c.contact.phone,
        "org": c.contact.org,
        "place": c.location.place,
        "distance_km": round(c.distance_km, 1),
        "score": round(c.score, 2),
        "reasons": list(c.reasons),
        "contributions": {name: round(points, 2) for name, points in c.contributions},
        "role": c.role,
        "messages": messages.get(c.contact.id, {}),
    }


# ---------------------------------------------------------------- text and markdown


def _place(p: Place) -> str:
    return f"{p.name}, {p.country}" if p.country else p.name


def _day(d: date) -> str:
    return d.strftime("%a %Y-%m-%d")


def _h(text: str, markdown: bool, level: int = 2) -> str:
    return f"{'#' * level} {text}" if markdown else text


def _li(text: str, markdown: bool, indent: int = 0) -> str:
    return " " * indent + ("- " if markdown else "  ") + text


def _trip_lines(trip: Trip, markdown: bool) -> list[str]:
    nights = len(trip.nights)
    title = (
        f"{_place(trip.destination)}: {_day(trip.start)} to {_day(trip.end)}, "
        f"{nights} night{'s' if nights != 1 else ''}" + (" (tentative)" if trip.tentative else "")
    )
    lines = [_h(title, markdown)]
    if trip.alternatives:
        lines.append(_li(f"the calendar's place name also means {'; '.join(trip.alternatives)}", markdown))
    free = ", ".join(_day(d) for d in trip.free_evenings) or "none"
    lines.append(_li(f"free evenings: {free}", markdown))
    for ev in trip.evenings:
        if not ev.free:
            lines.append(_li(f"{_day(ev.date)} busy: {'; '.join(ev.busy_with)}", markdown))
    lines.append(_li("found by:", markdown))
    lines.extend(_li(s, markdown, 4) for s in trip.sources)
    return lines


def _trips_text(result: TripList, markdown: bool) -> str:
    head = f"Trips from {result.window_from} to {result.window_to} (home: {_place(result.home)})"
    lines = [_h(head, markdown, 1), ""]
    if not result.trips:
        lines.append("No trips found.")
    for trip in result.trips:
        lines.extend(_trip_lines(trip, markdown))
        lines.append("")
    return "\n".join(lines).rstrip()


def _contacts_text(result: ContactList, markdown: bool) -> str:
    lines = []
    if markdown:
        lines += ["| name | place | found by | sources |", "|---|---|---|---|"]
    for p in result.contacts:
        where = p.location.place if p.location else f"not placed: {p.unlocated_reason or 'no address'}"
        how = p.location.located_by if p.location else ""
        if markdown:
            lines.append(f"| {p.contact.name} | {where} | {how} | {', '.join(p.contact.sources)} |")
        else:
            lines.append(f"{p.contact.name:<32} {where}" + (f"  ({how})" if how else ""))
    placed = sum(1 for p in result.contacts if p.location)
    lines.append("")
    lines.append(f"{len(result.contacts)} contacts, {placed} placed on the map.")
    return "\n".join(lines)


def _candidate_lines(
    c: Candidate, messages: dict[str, dict[str, str]], markdown: bool, explain: bool, number: int
) -> list[str]:
    phone = f" {c.contact.phone}" if c.contact.phone else ""
    role = "" if c.role == "call" else " (backup)"
    lines = [
        _li(f"{number}. {c.contact.name}{role}{phone} - {c.location.place}, {c.distance_km:.0f} km", markdown)
    ]
    if c.reasons:
        lines.append(_li(" · ".join(c.reasons), markdown, 4))
    if explain:
        parts = ", ".join(f"{name} {points:+.1f}" for name, points in c.contributions)
        lines.append(_li(f"score {c.score:.1f} = {parts}", markdown, 4))
    sms = messages.get(c.contact.id, {}).get("sms")
    if sms and c.role == "call":
        lines.append(_li(f"SMS: {sms}", markdown, 4))
    return lines


def _city_text(result: CityPlan, markdown: bool, explain: bool) -> str:
    when = f" on {_day(result.evening)}" if result.evening else ""
    lines = [
        _h(f"Dinner in {_place(result.destination)}{when} (within {result.radius_km:g} km)", markdown, 1),
        "",
    ]
    if result.alternatives:
        lines += [also_called(result), ""]
    if not result.candidates:
        lines.append("Nobody in your address books lives or works within the radius.")
    for n, c in enumerate(result.candidates, 1):
        lines.extend(_candidate_lines(c, result.messages, markdown, explain, n))
    return "\n".join(lines)


def also_called(result: CityPlan) -> str:
    """The note under an ambiguous destination: which other places the name could mean."""
    first = result.alternatives[0]
    m = re.fullmatch(r"(.+) \((.+)\), \w+", first)  # "Cambridge (Ontario), CA" -> "Cambridge, Ontario"
    example = f"{m[1]}, {m[2]}" if m else first
    return (
        f"The name is ambiguous; it also means {'; '.join(result.alternatives)}. "
        f'Add the region or a postal code to pick another ("{example}").'
    )


def _plan_text(result: Plan, markdown: bool, explain: bool) -> str:
    lines = [
        _h(
            f"dinnerbot plan {result.window_from} to {result.window_to} (home: {_place(result.home)})",
            markdown,
            1,
        ),
        "",
    ]
    if not result.trips:
        lines.append("No trips in this window.")
    for tp in result.trips:
        lines.extend(_trip_lines(tp.trip, markdown))
        for ep in tp.evenings:
            if not ep.evening.free or not ep.candidates:
                continue
            call_by = f" (ask by {ep.call_by:%a %d %b %H:%M})" if ep.call_by else ""
            lines.append("")
            lines.append(_h(f"Evening of {_day(ep.evening.date)}{call_by}", markdown, 3))
            if ep.evening.venue:
                lines.append(f"Distances from {ep.evening.venue}")
            for n, c in enumerate(ep.candidates, 1):
                lines.extend(_candidate_lines(c, ep.messages, markdown, explain, n))
        lines.append("")
    return "\n".join(lines).rstrip()
