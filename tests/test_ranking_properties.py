"""Properties of the ranking for any input: reasons agree with the score, and the order is deterministic."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from dinnerbot.model import Contact, Location, Nearby, Outcome, PlacedContact
from dinnerbot.ranking import rank

NOW = datetime(2026, 11, 24, 18, 0, tzinfo=ZoneInfo("Europe/Berlin"))
TODAY = NOW.date()
EVENING = date(2026, 11, 26)
NIGHTS = (EVENING, date(2026, 11, 27))

CATEGORIES = [
    "Kunde",
    "customer",
    "Lieferant",
    "friends",
    "Kollege",
    "LinkedIn",
    "Favorit",
    "VIP",
    "Golf",
    "",
]
ORGS = ["", "Acme", "acme ", "Globex", "Initech"]
NAMES = ["Anna", "anna", "Bernd", "Carla", "Dieter", "Eva"]

# what each signal's reason must say
REASON = {
    "relationship": r"^(customer|supplier|friend|colleague|network)$",
    "favourite": r"^favourite$",
    "last_met": r"^(never met|last (met|dinner) (today|yesterday|\d+ (days|weeks|months|years) ago)"
    r"( \(calendar\))?)$",
    "cadence": r"^overdue: .+ every ",
    "history": r"^accepted \d+ of \d+$",
    "declined": r"^declined ",
    "no_answer": r"^no answer ",
    "distance": r"^(<1|\d+) km away$",
    "birthday": r"^birthday on \d\d \w\w\w$",
    "anniversary": r"since your meeting on",
    "proposed": r"^already proposed",
    "variety": r"^also from .+: ",
}


@st.composite
def scenario(draw: st.DrawFn) -> tuple[list[Nearby], list[Outcome], frozenset[str]]:
    n = draw(st.integers(0, 12))
    nearby = []
    people: dict[str, Contact] = {}
    for i in range(n):
        cid = f"c{draw(st.integers(0, 14))}"  # sometimes the same contact twice (home and work)
        contact = people.get(cid) or Contact(
            id=cid,
            name=draw(st.sampled_from(NAMES)),
            categories=tuple(draw(st.lists(st.sampled_from(CATEGORIES), max_size=3))),
            org=draw(st.sampled_from(ORGS)),
            birthday=draw(st.one_of(st.none(), st.dates(date(1950, 1, 1), date(2000, 12, 31)))),
        )
        people[cid] = contact
        where = Location(lat=0.0, lon=0.0, place=f"place {i}", located_by="city")
        km = draw(st.floats(0, 80, allow_nan=False))
        nearby.append(
            Nearby(placed=PlacedContact(contact=contact, location=where), location=where, distance_km=km)
        )
    history = [
        Outcome(
            contact_id=f"c{draw(st.integers(0, 14))}",
            kind=draw(st.sampled_from(["accepted", "declined", "no-answer", "met", "proposed"])),
            date=TODAY + timedelta(days=draw(st.integers(-3000, 10))),
            note=draw(st.sampled_from(["", "calendar: Lunch", "nice evening"])),
        )
        for _ in range(draw(st.integers(0, 30)))
    ]
    exclude = frozenset(draw(st.lists(st.sampled_from([f"c{i}" for i in range(15)]), max_size=3)))
    return nearby, history, exclude


@settings(max_examples=300, deadline=None)
@given(scenario(), st.integers(0, 4), st.integers(0, 3), st.booleans())
def test_reasons_agree_with_the_score(
    case: tuple[list[Nearby], list[Outcome], frozenset[str]], top: int, backups: int, show_all: bool
) -> None:
    nearby, history, exclude = case
    result = rank(
        nearby,
        history,
        evening=EVENING,
        now=NOW,
        top=top,
        backups=backups,
        show_all=show_all,
        exclude=exclude,
        trip_nights=NIGHTS,
    )
    for candidate in result:
        # the contributions add up to the score, exactly
        assert candidate.score == sum(points for _, points in candidate.contributions)
        # one reason per contribution, and it says what the signal is about
        assert len(candidate.reasons) == len(candidate.contributions)
        for (signal, points), reason in zip(candidate.contributions, candidate.reasons, strict=True):
            assert math.isfinite(points)
            assert re.search(REASON[signal], reason), (signal, points, reason)
        signals = [s for s, _ in candidate.contributions]
        assert len(signals) == len(set(signals))
    # best first, each contact once, the first `top` to call
    assert [c.score for c in result] == sorted((c.score for c in result), reverse=True)
    assert len({c.contact.id for c in result}) == len(result)
    assert [c.role for c in result] == ["call" if i < top else "backup" for i in range(len(result))]
    if not show_all:
        assert len(result) <= top + backups
        assert not exclude & {c.contact.id for c in result}


@settings(max_examples=150, deadline=None)
@given(scenario(), st.randoms(use_true_random=False))
def test_ranking_is_deterministic_whatever_the_input_order(
    case: tuple[list[Nearby], list[Outcome], frozenset[str]], rnd: object
) -> None:
    nearby, history, exclude = case
    first = rank(
        nearby, history, evening=EVENING, now=NOW, show_all=True, exclude=exclude, trip_nights=NIGHTS
    )
    shuffled_nearby, shuffled_history = nearby[:], history[:]
    rnd.shuffle(shuffled_nearby)  # type: ignore[attr-defined]
    rnd.shuffle(shuffled_history)  # type: ignore[attr-defined]
    again = rank(
        shuffled_nearby,
        shuffled_history,
        evening=EVENING,
        now=NOW,
        show_all=True,
        exclude=exclude,
        trip_nights=NIGHTS,
    )
    assert again == first
