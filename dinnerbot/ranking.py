"""Whom to call: nearby contacts + the interaction log + the evening -> an ordered call list with reasons.

Pure: no files, no clock (``now`` is an argument), no network. Every candidate's ``score`` is exactly the
sum of its ``contributions`` (signal -> points), and ``reasons[i]`` is the human text of
``contributions[i]``: the list explains itself and ``--explain`` prints the two side by side.

Signals and their default points (every number is a key of the ``[ranking]`` config section):

=================  ==========================================================================  =========
signal             when                                                                        points
=================  ==========================================================================  =========
``relationship``   the best category: customer/Kunde, friend/Freunde, supplier/Lieferant,      30/25/15/
                   colleague/Kollege, network/LinkedIn (``relationship = {customer = 30}``)    10/5
``favourite``      a category favourite/favorite/priority/VIP/Favorit                          +20
``last_met``       never met: ``never_met``; met or dined within ``recent_days`` (30):         +20; -30;
                   ``recent``; else ``per_month`` per month since, up to ``gap_cap``           2/month ≤36
``cadence``        the last meeting is longer ago than the keep-in-touch cadence of the        +20
                   contact or its category (``cadence = {customer = 180, friend = 365}``,
                   days; keyed by category, contact id, e-mail or name)
``history``        ``accepted`` per accepted invitation, counting up to 3                      +5 each
``declined``       declined within ``decline_days`` (7) of today: asks again next week,        -40
                   never "forever" (persistence is the point)
``no_answer``      no answer within ``decline_days`` of today                                  -10
``distance``       ``per_km`` per km from the destination, at most ``distance_cap``            -0.5/km ≥-30
``birthday``       the birthday falls on one of the trip's nights (or this evening)            +10
``anniversary``    a dinner or meeting took place on this date in an earlier year              +5
``proposed``       already proposed for another evening of this trip (only with show_all;      -50
                   otherwise such contacts are left out)
``variety``        per person of the same company already higher on this list                  -15
=================  ==========================================================================  =========

Left out entirely: contacts on the ``never`` list and contacts snoozed until a later date (``snooze``),
matched by contact id, e-mail or name.

Ties break by name (case-folded), then id: the same input always gives the same list.
"""

from __future__ import annotations

import heapq
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any

from dinnerbot.errors import ConfigError
from dinnerbot.model import Candidate, Contact, Event, Nearby, Outcome

KINDS = ("accepted", "declined", "no-answer", "met", "proposed")
CALENDAR_NOTE = "calendar: "  # the note of a meeting learned from the calendar

# Category spellings (case-folded) -> the relationship they name.
RELATIONSHIP_ALIASES: dict[str, str] = {
    **dict.fromkeys(("customer", "customers", "kunde", "kunden", "client", "clients", "kundin"), "customer"),
    **dict.fromkeys(("supplier", "suppliers", "lieferant", "lieferanten", "vendor", "vendors"), "supplier"),
    **dict.fromkeys(("friend", "friends", "freund", "freunde", "freundin", "freundinnen"), "friend"),
    **dict.fromkeys(
        ("colleague", "colleagues", "kollege", "kollegen", "kollegin", "coworker", "coworkers"), "colleague"
    ),
    **dict.fromkeys(("network", "linkedin", "xing", "netzwerk", "contacts"), "network"),
}
FAVOURITE_CATEGORIES = frozenset(
    ("favourite", "favourites", "favorite", "favorites", "favorit", "favoriten", "priority", "vip", "starred")
)


def _default_relationship() -> dict[str, float]:
    return {"customer": 30.0, "friend": 25.0, "supplier": 15.0, "colleague": 10.0, "network": 5.0}


def _default_cadence() -> dict[str, int]:
    return {"customer": 180, "friend": 365}


_MET_RANK = {"": -1, "calendar": 0, "met": 1, "accepted": 2}


@dataclass(frozen=True)
class RankSettings:
    """Weights of the ranking signals; see the module docstring for what each one does."""

    relationship: Mapping[str, float] = field(default_factory=_default_relationship)
    favourite: float = 20.0
    never_met: float = 20.0
    recent_days: int = 30
    recent: float = -30.0
    per_month: float = 2.0
    gap_cap: float = 36.0
    cadence: Mapping[str, int] = field(default_factory=_default_cadence)  # category or contact -> days
    overdue: float = 20.0
    accepted: float = 5.0
    accepted_max: int = 3
    declined: float = -40.0
    no_answer: float = -10.0
    decline_days: int = 7
    per_km: float = 0.5
    distance_cap: float = 30.0
    birthday: float = 10.0
    anniversary: float = 5.0
    proposed: float = -50.0
    variety: float = -15.0
    never: frozenset[str] = frozenset()  # contact ids, e-mails or names, case-folded
    snooze: Mapping[str, date] = field(default_factory=dict)  # contact id/e-mail/name -> until (exclusive)
    calendar_meetings: bool = True  # for plan: learn last-met dates with meetings_from_events
    calendar_max_attendees: int = 8
    calendar_days: int = 180  # how far back the calendars are read for meetings (cost grows with it)

    @classmethod
    def from_config(cls, section: Mapping[str, Any]) -> RankSettings:
        """Validate the ``[ranking]`` config section; every problem at once in one ConfigError."""
        problems: list[str] = []
        values: dict[str, Any] = {}
        known = {f.name: f for f in fields(cls)}
        for key, value in section.items():
            name = f"ranking.{key}"
            if key not in known:
                problems.append(f"{name}: unknown key (known: {', '.join(sorted(known))})")
                continue
            if key == "relationship":
                value = _check_mapping(name, value, _is_number, "a number", problems)
                if value is not None:
                    bad = sorted(k for k in value if _category_key(k) not in _default_relationship())
                    if bad:
                        problems.append(
                            f"{name}: unknown relationship {', '.join(bad)} "
                            "(expected customer, supplier, friend, colleague, network)"
                        )
                        continue
                    values[key] = {
                        **_default_relationship(),
                        **{_category_key(k): float(v) for k, v in value.items()},
                    }
            elif key == "cadence":
                value = _check_mapping(
                    name,
                    value,
                    lambda v: isinstance(v, int) and not isinstance(v, bool) and v > 0,
                    "a whole number of days > 0",
                    problems,
                )
                if value is not None:
                    values[key] = {_category_key(k): int(v) for k, v in value.items()}
            elif key == "snooze":
                value = _check_mapping(
                    name,
                    value,
                    lambda v: isinstance(v, date) and not isinstance(v, datetime),
                    'a date (snooze = {"anna@example.com" = 2026-12-31})',
                    problems,
                )
                if value is not None:
                    values[key] = {k.casefold(): v for k, v in value.items()}
            elif key == "never":
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    problems.append(
                        f"{name}: expected a list of contact ids, e-mails or names, got {value!r}"
                    )
                else:
                    values[key] = frozenset(v.casefold() for v in value)
            elif key == "calendar_meetings":
                if not isinstance(value, bool):
                    problems.append(f"{name}: expected true or false, got {value!r}")
                else:
                    values[key] = value
            elif key in ("recent_days", "decline_days", "accepted_max", "calendar_max_attendees", "calendar_days"):
                if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                    problems.append(f"{name}: expected a whole number >= 0, got {value!r}")
                else:
                    values[key] = value
            elif not _is_number(value):
                problems.append(f"{name}: expected a number, got {value!r}")
            elif key in ("per_km", "per_month", "gap_cap", "distance_cap") and value < 0:
                problems.append(f"{name}: expected a number >= 0, got {value!r}")
            elif key == "variety" and value > 0:
                problems.append(f"{name}: expected a penalty <= 0, got {value!r}")
            else:
                values[key] = float(value)
        if problems:
            raise ConfigError(
                "; ".join(problems), hint="dinnerbot.ranking.settings_reference() lists every key"
            )
        return cls(**values)


# One line per [ranking] key: the reference in the docs is built from this (settings_reference).
SETTINGS_HELP: dict[str, str] = {
    "relationship": "Points per relationship, from the contact's categories (the best one counts).",
    "favourite": "Points for a favourite/priority/VIP category.",
    "never_met": "Points for someone never met (no dinner or meeting in the log or calendar).",
    "recent_days": "Met or dined within this many days: `recent` applies instead of the gap.",
    "recent": "Points (a penalty) for someone met within `recent_days`.",
    "per_month": "Points per month since the last dinner or meeting ...",
    "gap_cap": "... up to this many.",
    "cadence": "Keep-in-touch cadence in days, per category or per contact (id, e-mail or name).",
    "overdue": "Points when the last meeting is longer ago than the cadence.",
    "accepted": "Points per accepted invitation ...",
    "accepted_max": "... counting up to this many.",
    "declined": "Points (a penalty) for a decline within `decline_days`; older declines cost nothing.",
    "no_answer": "Points (a penalty) for an unanswered invitation within `decline_days`.",
    "decline_days": "How long a decline or no-answer holds someone back, in days.",
    "per_km": "Points off per km from the destination ...",
    "distance_cap": "... at most this many.",
    "birthday": "Points when the contact's birthday falls on one of the trip's nights.",
    "anniversary": "Points when a dinner or meeting took place on this date in an earlier year.",
    "proposed": "Points (a penalty) for someone proposed for another evening (listed with --all only).",
    "variety": "Points (<= 0) per person of the same company already higher on the list.",
    "never": "Contacts never to suggest: ids, e-mails or names.",
    "calendar_meetings": "Count past calendar events with a contact (attendee e-mail or name in the title) "
    "as meetings.",
    "calendar_max_attendees": "... only events with at most this many people (a town hall is no meeting).",
    "calendar_days": "... reading the calendars this many days back (0: only the trip window; more days cost "
    "time and memory when a very large calendar is read afresh).",
    "snooze": 'Contacts not to suggest before a date: {"anna@example.com" = 2027-01-15}.',
}


def settings_reference() -> str:
    """The [ranking] keys as a markdown table, defaults read from RankSettings (docs cannot drift)."""
    defaults = RankSettings()
    lines = ["| key | default | what |", "|---|---|---|"]
    for f in fields(RankSettings):
        value = getattr(defaults, f.name)
        if isinstance(value, Mapping):
            shown = "{" + ", ".join(f"{k} = {v:g}" for k, v in value.items()) + "}"
        elif isinstance(value, frozenset):
            shown = "[]"
        elif isinstance(value, bool):
            shown = "true" if value else "false"
        else:
            shown = f"{value:g}"
        lines.append(f"| `{f.name}` | `{shown}` | {SETTINGS_HELP[f.name]} |")
    return "\n".join(lines)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_mapping(
    name: str, value: Any, ok: Any, expected: str, problems: list[str]
) -> dict[str, Any] | None:
    if not isinstance(value, Mapping):
        problems.append(f"{name}: expected a table of name = {expected}, got {value!r}")
        return None
    bad = [k for k, v in value.items() if not ok(v)]
    if bad:
        problems.append(f"{name}.{bad[0]}: expected {expected}, got {value[bad[0]]!r}")
        return None
    return dict(value)


def _category_key(text: str) -> str:
    folded = text.casefold()
    return RELATIONSHIP_ALIASES.get(folded, folded)


# ---------------------------------------------------------------------------------------------------------
# History, summarised once per contact


@dataclass(slots=True)
class _Summary:
    last_met: date | None = None
    last_met_kind: str = ""
    met: list[date] = field(default_factory=list)  # every dinner and meeting, for anniversaries
    accepted: int = 0
    invited: int = 0
    last_declined: date | None = None
    last_no_answer: date | None = None
    proposed: set[date] = field(default_factory=set)


def summarise(
    history: Iterable[Outcome], today: date, only: Container[str] | None = None
) -> dict[str, _Summary]:
    """contact id -> what the log says about them, up to ``today`` (future meetings do not count as met).

    ``only``: the contact ids worth summarising (those near); the rest of the log is skipped.
    """
    out: dict[str, _Summary] = {}
    for o in history:
        cid = o.contact_id
        if only is not None and cid not in only:
            continue
        s = out.get(cid)
        if s is None:
            s = out[cid] = _Summary()
        kind, day = o.kind, o.date
        if kind == "proposed":
            s.proposed.add(day)
            continue
        if kind in ("accepted", "declined", "no-answer"):
            s.invited += 1
        if kind == "accepted":
            s.accepted += 1
        if day > today:
            continue
        if kind in ("met", "accepted"):
            met_kind = "calendar" if o.note.startswith(CALENDAR_NOTE) else kind
            # the latest day wins; on one day a logged dinner beats a meeting beats a calendar event,
            # whatever the order of the log
            if s.last_met is None or (day, _MET_RANK[met_kind]) > (s.last_met, _MET_RANK[s.last_met_kind]):
                s.last_met = day
                s.last_met_kind = met_kind
            s.met.append(day)
        elif kind == "declined":
            if s.last_declined is None or day > s.last_declined:
                s.last_declined = day
        elif kind == "no-answer" and (s.last_no_answer is None or day > s.last_no_answer):
            s.last_no_answer = day
    return out


def ago(days: int) -> str:
    """A short human age: 'yesterday', '5 days ago', '3 weeks ago', '14 months ago', '2 years ago'."""
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 14:
        return f"{days} days ago"
    if days < 60:
        return f"{days // 7} weeks ago"
    months = round(days / 30.44)
    if months < 24:
        return f"{months} months ago"
    return f"{days // 365} years ago"


def _km(distance: float) -> str:
    if distance < 1:
        return "<1 km away"
    return f"{distance:.0f} km away"


def _cadence_text(days: int) -> str:
    if days % 365 == 0:
        n = days // 365
        return "every year" if n == 1 else f"every {n} years"
    if days % 30 == 0 or days % 31 == 0 or days in (91, 182, 183):
        n = round(days / 30.44)
        return "every month" if n == 1 else f"every {n} months"
    if days % 7 == 0:
        n = days // 7
        return "every week" if n == 1 else f"every {n} weeks"
    return f"every {days} days"


def _keys(contact: Contact) -> list[str]:
    return [contact.id.casefold(), contact.name.casefold(), *(e.casefold() for e in contact.emails)]


# ---------------------------------------------------------------------------------------------------------
# Scoring


@dataclass(slots=True)
class _Scored:
    nearby: Nearby
    parts: list[tuple[str, float, str]]  # signal, points, reason
    base: float
    org: str
    sort_key: tuple[str, str]


def _score(
    item: Nearby,
    summary: _Summary | None,
    *,
    today: date,
    evening: date | None,
    nights: frozenset[date],
    settings: RankSettings,
    excluded: bool,
) -> list[tuple[str, float, str]]:
    contact = item.placed.contact
    parts: list[tuple[str, float, str]] = []
    relations = []
    favourite = False
    for category in contact.categories:
        folded = category.strip().casefold()
        if folded in FAVOURITE_CATEGORIES:
            favourite = True
        rel = RELATIONSHIP_ALIASES.get(folded)
        if rel is not None and rel in settings.relationship:
            relations.append((settings.relationship[rel], rel))
    if relations:
        points, rel = max(relations, key=lambda r: (r[0], r[1]))
        parts.append(("relationship", points, rel))
    if favourite:
        parts.append(("favourite", settings.favourite, "favourite"))

    s = summary or _Summary()
    # time since the last dinner or meeting
    gap: int | None = None
    if s.last_met is None:
        parts.append(("last_met", settings.never_met, "never met"))
    else:
        gap = (today - s.last_met).days
        what = "last dinner" if s.last_met_kind == "accepted" else "last met"
        suffix = " (calendar)" if s.last_met_kind == "calendar" else ""
        if gap < settings.recent_days:
            parts.append(("last_met", settings.recent, f"{what} {ago(gap)}{suffix}"))
        else:
            points = min(settings.gap_cap, settings.per_month * gap / 30.44)
            parts.append(("last_met", round(points, 1), f"{what} {ago(gap)}{suffix}"))
    # keep-in-touch cadence: the contact's own, else the shortest of its categories
    cadence = _cadence(contact, settings)
    if cadence is not None and gap is not None and gap > cadence[0]:
        parts.append(("cadence", settings.overdue, f"overdue: {cadence[1]} {_cadence_text(cadence[0])}"))
    # invitations
    if s.invited:
        counted = min(s.accepted, settings.accepted_max)
        parts.append(("history", counted * settings.accepted, f"accepted {s.accepted} of {s.invited}"))
    if s.last_declined is not None and 0 <= (today - s.last_declined).days <= settings.decline_days:
        parts.append(("declined", settings.declined, f"declined {ago((today - s.last_declined).days)}"))
    if s.last_no_answer is not None and 0 <= (today - s.last_no_answer).days <= settings.decline_days:
        parts.append(("no_answer", settings.no_answer, f"no answer {ago((today - s.last_no_answer).days)}"))
    # where
    distance = item.distance_km
    parts.append(
        ("distance", 0.0 - round(min(settings.distance_cap, settings.per_km * distance), 1), _km(distance))
    )
    # occasions
    if contact.birthday is not None:
        for night in sorted(nights):
            if (night.month, night.day) == (contact.birthday.month, contact.birthday.day):
                parts.append(("birthday", settings.birthday, f"birthday on {night:%d %b}"))
                break
    if s.met:
        for night in sorted(nights):
            years = sorted(
                d.year for d in s.met if d.month == night.month and d.day == night.day and d.year < night.year
            )
            if years:
                n = night.year - years[-1]
                label = "a year" if n == 1 else f"{n} years"
                parts.append(
                    ("anniversary", settings.anniversary, f"{label} since your meeting on {night:%d %b}")
                )
                break
    if excluded:
        parts.append(("proposed", settings.proposed, "already proposed for another evening"))
    return parts


def _cadence(contact: Contact, settings: RankSettings) -> tuple[int, str] | None:
    if not settings.cadence:
        return None
    for key in _keys(contact):
        if key in settings.cadence:
            return settings.cadence[key], "keep in touch"
    best: tuple[int, str] | None = None
    for category in contact.categories:
        key = _category_key(category.strip())
        if key in settings.cadence and (best is None or settings.cadence[key] < best[0]):
            plural = {
                "customer": "customers",
                "supplier": "suppliers",
                "friend": "friends",
                "colleague": "colleagues",
            }.get(key, key)
            best = (settings.cadence[key], plural)
    return best


def _left_out(contact: Contact, settings: RankSettings, today: date) -> bool:
    keys = _keys(contact)
    if settings.never and any(k in settings.never for k in keys):
        return True
    if settings.snooze:
        for k in keys:
            until = settings.snooze.get(k)
            if until is not None and today < until:
                return True
    return False


def _where(item: Nearby) -> tuple[float, str, str, float, float]:
    loc = item.location
    return (item.distance_km, loc.address_kind, loc.place, loc.lat, loc.lon)


def rank(
    nearby: Sequence[Nearby],
    history: Sequence[Outcome],
    *,
    evening: date | None,
    now: datetime,
    top: int = 3,
    backups: int = 2,
    show_all: bool = False,
    settings: RankSettings | None = None,
    exclude: frozenset[str] = frozenset(),
    trip_nights: Sequence[date] = (),
) -> tuple[Candidate, ...]:
    """The call list for one evening: ``top`` people to call, then ``backups``; with ``show_all``, everyone.

    ``exclude`` holds the ids of contacts already proposed for another evening of the same trip (a
    ``proposed`` entry in the log dated on another of ``trip_nights`` counts too): they are left out,
    or with ``show_all`` kept with the ``proposed`` penalty. Contacts on the never list or snoozed are
    always left out.
    """
    if now.tzinfo is None:
        raise ValueError("rank: now must be an aware datetime")
    settings = settings or RankSettings()
    today = now.date()
    nights = frozenset(trip_nights) | ({evening} if evening else frozenset())
    # a contact near twice (home and work): keep the nearer address
    best: dict[str, Nearby] = {}
    for entry in nearby:
        cid = entry.placed.contact.id
        seen = best.get(cid)
        if seen is None or _where(entry) < _where(seen):
            best[cid] = entry
    summaries = summarise(history, today, only=best)
    scored: list[_Scored] = []
    for cid, near in best.items():
        contact = near.placed.contact
        if _left_out(contact, settings, today):
            continue
        summary = summaries.get(cid)
        excluded = cid in exclude or (
            summary is not None and any(d in nights and d != evening for d in summary.proposed)
        )
        if excluded and not show_all:
            continue
        parts = _score(
            near, summary, today=today, evening=evening, nights=nights, settings=settings, excluded=excluded
        )
        scored.append(
            _Scored(
                nearby=near,
                parts=parts,
                base=sum(p for _, p, _ in parts),
                org=contact.org.strip().casefold(),
                sort_key=(contact.name.casefold(), contact.id),
            )
        )
    limit = len(scored) if show_all else max(0, top) + max(0, backups)
    ordered = _with_variety(scored, limit, settings.variety)
    out = []
    for i, (item, variety_count, first_of_org) in enumerate(ordered):
        parts = list(item.parts)
        if variety_count:
            parts.append(
                (
                    "variety",
                    round(settings.variety * variety_count, 1),
                    f"also from {item.nearby.placed.contact.org.strip()}: {first_of_org}",
                )
            )
        contributions = tuple((signal, float(points)) for signal, points, _ in parts)
        nearby_item = item.nearby
        out.append(
            Candidate(
                contact=nearby_item.placed.contact,
                location=nearby_item.location,
                distance_km=nearby_item.distance_km,
                score=sum(points for _, points in contributions),
                reasons=tuple(reason for _, _, reason in parts),
                contributions=contributions,
                role="call" if i < top else "backup",
            )
        )
    return tuple(out)


def _with_variety(scored: list[_Scored], limit: int, penalty: float) -> list[tuple[_Scored, int, str]]:
    """Greedy order by score where each person loses ``penalty`` per colleague already placed above.

    A lazy heap: an entry whose company gained members since it was pushed is re-pushed with its new score.
    """
    heap: list[tuple[float, tuple[str, str], int, int]] = []  # (-score, tie-break, org count seen, index)
    for i, s in enumerate(scored):
        heap.append((-s.base, s.sort_key, 0, i))
    heapq.heapify(heap)
    placed_per_org: dict[str, list[str]] = {}
    out: list[tuple[_Scored, int, str]] = []
    while heap and len(out) < limit:
        neg, key, seen, i = heapq.heappop(heap)
        s = scored[i]
        count = len(placed_per_org.get(s.org, ())) if s.org else 0
        if count != seen:
            heapq.heappush(heap, (-(s.base + penalty * count), key, count, i))
            continue
        names = placed_per_org.setdefault(s.org, []) if s.org else []
        out.append((s, count, names[0] if names else ""))
        names.append(s.nearby.placed.contact.name)
    return out


# ---------------------------------------------------------------------------------------------------------
# Meetings learned from the calendar

_NOT_A_MEETING = ("birthday", "geburtstag", "cancelled", "canceled", "abgesagt", "jahrestag", "anniversary")


def meetings_from_events(
    events: Iterable[Event],
    contacts: Sequence[Contact],
    *,
    before: datetime | None = None,
    me: Sequence[str] = (),
    max_attendees: int = 8,
    titles: bool = True,
) -> list[Outcome]:
    """Past events that show a meeting with a contact, as ``met`` outcomes (note ``calendar: TITLE``).

    An event counts when an attendee's or the organizer's e-mail is a contact's (``me`` excluded; only
    events with at most ``max_attendees`` people, a town hall is not a meeting), or when ``titles`` and
    the title names a contact's full name ("Dinner Anna Schmidt"). Cancelled events, birthdays and
    events starting at or after ``before`` do not count. One outcome per contact and day, sorted.
    """
    mine = {m.casefold() for m in me}
    by_email: dict[str, Contact] = {}
    for contact in contacts:
        for email in contact.emails:
            by_email.setdefault(email.casefold(), contact)
    names = []
    if titles:
        for contact in contacts:
            folded = _fold(contact.name)
            if len(folded.split()) >= 2 and len(folded) >= 5:
                names.append((f" {folded} ", contact))
    found: dict[tuple[str, date], Outcome] = {}
    for event in events:
        if event.status.upper() == "CANCELLED":
            continue
        start = event.start
        if before is not None:
            if isinstance(start, datetime):
                if start >= before:
                    continue
            elif start >= before.date():
                continue
        day = start.date() if isinstance(start, datetime) else start
        title = _fold(event.summary)
        if any(word in title for word in _NOT_A_MEETING):
            continue
        people: dict[str, Contact] = {}
        addresses = {a.casefold() for a in (*event.attendees, event.organizer) if a} - mine
        if len(addresses) <= max_attendees:
            for address in addresses:
                hit = by_email.get(address)
                if hit is not None:
                    people[hit.id] = hit
        if names:
            padded = f" {title} "
            for name, contact in names:
                if name in padded:
                    people[contact.id] = contact
        for cid in people:
            key = (cid, day)
            if key not in found:
                found[key] = Outcome(cid, "met", day, note=CALENDAR_NOTE + event.summary.strip())
    return sorted(found.values(), key=lambda o: (o.date, o.contact_id))


def _fold(text: str) -> str:
    """Case, accents and punctuation folded away: 'Müller-Lüdenscheidt, Dr.' -> 'muller ludenscheidt dr'."""
    import unicodedata

    t = unicodedata.normalize("NFKD", text.casefold())
    t = "".join(ch if ch.isalnum() else " " for ch in t if not unicodedata.combining(ch))
    return " ".join(t.split())
