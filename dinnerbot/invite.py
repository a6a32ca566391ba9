"""Calendar files and paperwork around a dinner.

* ``placeholders_ics(plan)``: a tentative, transparent "Dinner?" event for each free evening, for the
  user's own calendar (``--format ics``). Stable UIDs, so importing it again updates rather than doubles.
* ``invitation_ics(contact, city, evening_start, ...)``: after a yes, the dinner itself with the contact as
  attendee, in the destination's zone; to import and to send.
* ``bewirtung_markdown(...)``: for German users, the business-meal receipt details (Bewirtungsbeleg) to
  fill in after the dinner, from the template ``de/bewirtung.md.j2``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from dinnerbot.messages import Sender, render_template
from dinnerbot.model import Contact, Place, Plan

PRODID = "-//dinnerbot//dinnerbot//EN"
DINNER_LENGTH = timedelta(hours=2, minutes=30)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def _calendar(method: str | None = None) -> Any:
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    if method:
        cal.add("method", method)
    return cal


def _finish(cal: Any, days: Sequence[date]) -> str:
    """VTIMEZONEs for the zones used, covering only the years around the events (short, still exact)."""
    if days:
        first, last = min(days), max(days)
        cal.add_missing_timezones(first_date=date(first.year - 1, 1, 1), last_date=date(last.year + 2, 1, 1))
    return str(cal.to_ical().decode("utf-8"))


def _require_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime, got {value!r}")


def placeholders_ics(plan: Plan) -> str:
    """One tentative "Dinner?" VEVENT per free evening still ahead, in the destination's zone.

    The events are TRANSP:TRANSPARENT (shown as free) so that the next run still sees the evening as free.
    """
    from icalendar import Event as VEvent

    cal = _calendar("PUBLISH")
    cal.add("x-wr-calname", "dinnerbot")
    days: list[date] = []
    for trip_plan in plan.trips:
        trip = trip_plan.trip
        city = trip.destination.name
        for ep in trip_plan.evenings:
            ev = ep.evening
            if not ev.free or ev.end <= plan.generated_at:
                continue
            _require_aware(ev.start, "evening start")
            event = VEvent()
            event.add("uid", f"dinnerbot-{ev.date.isoformat()}-{_slug(city)}@dinnerbot")
            event.add("dtstamp", plan.generated_at)
            event.add("dtstart", ev.start)
            event.add("dtend", ev.end)
            event.add("summary", f"Dinner? ({city})")
            event.add("location", city)
            event.add("status", "TENTATIVE")
            event.add("transp", "TRANSPARENT")
            event.add("categories", ["dinnerbot"])
            lines = [
                f"A free evening in {city}. Whom to ask:" if ep.candidates else f"A free evening in {city}."
            ]
            for n, c in enumerate(ep.candidates, 1):
                phone = f" {c.contact.phone}" if c.contact.phone else ""
                backup = " (backup)" if c.role != "call" else ""
                lines.append(
                    f"{n}. {c.contact.name}{backup}{phone} - {c.location.place}, {c.distance_km:.0f} km"
                )
            if ep.call_by:
                lines.append(f"Ask by {ep.call_by:%a %d %b %H:%M}.")
            event.add("description", "\n".join(lines))
            cal.add_component(event)
            days.append(ev.date)
    return _finish(cal, days)


def invitation_ics(
    contact: Contact,
    city: Place | str,
    evening_start: datetime,
    *,
    now: datetime,
    sender: Sender | None = None,
    duration: timedelta = DINNER_LENGTH,
    venue: str = "",
    lang: str | None = None,
    note: str = "",
) -> str:
    """The accepted dinner as an iCalendar invitation (METHOD:REQUEST when the contact has an e-mail).

    ``evening_start`` must be aware; it is written in the destination's zone when ``city`` is a Place
    with a time zone. ``now`` becomes DTSTAMP. The UID is stable for contact, day and city.
    """
    from zoneinfo import ZoneInfo

    from icalendar import Event as VEvent
    from icalendar import vCalAddress, vText

    _require_aware(evening_start, "evening_start")
    _require_aware(now, "now")
    city_name = city.name if isinstance(city, Place) else city
    if isinstance(city, Place) and city.timezone:
        evening_start = evening_start.astimezone(ZoneInfo(city.timezone))
    language = (lang or contact.lang or "de").split("-")[0].lower()
    summary = f"Abendessen mit {contact.name}" if language == "de" else f"Dinner with {contact.name}"
    invited = bool(contact.email and sender and sender.email)
    cal = _calendar("REQUEST" if invited else "PUBLISH")
    event = VEvent()
    key = f"{contact.id}|{evening_start.date().isoformat()}|{city_name}"
    event.add("uid", f"dinnerbot-dinner-{hashlib.sha1(key.encode()).hexdigest()[:16]}@dinnerbot")
    event.add("dtstamp", now)
    event.add("dtstart", evening_start)
    event.add("dtend", evening_start + duration)
    event.add("summary", summary)
    event.add("location", f"{venue}, {city_name}" if venue else city_name)
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("categories", ["dinnerbot"])
    details = [note] if note else []
    if contact.phone:
        details.append(f"{contact.name}: {contact.phone}")
    if details:
        event.add("description", "\n".join(details))
    if sender and sender.email:
        organizer = vCalAddress(f"mailto:{sender.email}")
        if sender.name:
            organizer.params["cn"] = vText(sender.name)
        organizer.params["role"] = vText("CHAIR")
        event.add("organizer", organizer, encode=False)
    if contact.email:
        attendee = vCalAddress(f"mailto:{contact.email}")
        attendee.params["cn"] = vText(contact.name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText("ACCEPTED")
        attendee.params["rsvp"] = vText("FALSE")
        event.add("attendee", attendee, encode=False)
    cal.add_component(event)
    return _finish(cal, [evening_start.date()])


def bewirtung_markdown(
    guests: Contact | Sequence[Contact],
    *,
    day: date,
    city: Place | str,
    host: Sender,
    occasion: str = "",
    venue: str = "",
    templates_dir: Path | None = None,
) -> str:
    """A draft of the Bewirtungsbeleg details (date, place, host, guests, occasion) as markdown."""
    from babel.dates import format_date

    people = [guests] if isinstance(guests, Contact) else list(guests)
    context = {
        "day": day,
        "day_text": str(format_date(day, "EEEE, d. MMMM y", locale="de_DE")),
        "city": city.name if isinstance(city, Place) else city,
        "host": host,
        "guests": [{"name": g.name, "org": g.org, "title": g.title, "address": _address(g)} for g in people],
        "occasion": occasion,
        "venue": venue,
    }
    return render_template("de/bewirtung.md.j2", context, templates_dir).strip() + "\n"


def _address(contact: Contact) -> str:
    work = next((a for a in contact.addresses if a.kind == "work"), None)
    chosen = work or (contact.addresses[0] if contact.addresses else None)
    return chosen.one_line() if chosen else ""


def accepted_dinner(
    contact: Contact,
    city: Place,
    day: date,
    *,
    dinner: str,
    now: datetime,
    sender: Sender,
    lang: str = "de",
    occasion: str = "",
    templates_dir: Path | None = None,
) -> tuple[str, str | None]:
    """For `dinnerbot log NAME accepted --date D`: the invitation (.ics text) and, when the user's language
    is German, the Bewirtungsbeleg draft (markdown), else None. ``dinner`` is the config's 'HH:MM-HH:MM'
    window; the dinner starts at its beginning, local to ``city``.
    """
    from dinnerbot.clock import evening_window, parse_window, zone

    start, _ = evening_window(day, parse_window(dinner), zone(city.timezone))
    ics = invitation_ics(contact, city, start, now=now, sender=sender)
    receipt = None
    if lang.lower().startswith("de"):
        receipt = bewirtung_markdown(
            contact, day=day, city=city, host=sender, occasion=occasion, templates_dir=templates_dir
        )
    return ics, receipt
