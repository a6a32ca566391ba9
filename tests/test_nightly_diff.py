"""nightly.diff on Plan objects built by hand: the rules, without calendars or geography."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dinnerbot.model import (
    Candidate,
    Contact,
    Evening,
    EveningPlan,
    Location,
    Place,
    Plan,
    Problem,
    Trip,
    TripPlan,
)
from dinnerbot.nightly import Settings, diff, render_news, subject

TZ = ZoneInfo("Europe/Berlin")
HOME = Place("Stuttgart", "DE", 48.78, 9.18, "Europe/Berlin")
DRESDEN = Place("Dresden", "DE", 51.05, 13.74, "Europe/Berlin")
LEIPZIG = Place("Leipzig", "DE", 51.34, 12.37, "Europe/Berlin")


def person(cid: str) -> Candidate:
    contact = Contact(id=cid, name=f"Person {cid}")
    return Candidate(contact, Location(51.0, 13.7, "Dresden, DE", "city"), 2.0, 10.0, ("customer",))


def trip(
    where: Place, start: date, nights: int, busy: tuple[date, ...] = (), calls: tuple[str, ...] = ("a", "b")
) -> TripPlan:
    days = tuple(start + timedelta(n) for n in range(nights))
    evenings = tuple(
        Evening(d, datetime.combine(d, time(18, 30), TZ), datetime.combine(d, time(22), TZ), d not in busy)
        for d in days
    )
    t = Trip(where, start, start + timedelta(nights), days, evenings, ("hotel",))
    return TripPlan(t, tuple(EveningPlan(e, tuple(person(c) for c in calls) if e.free else ()) for e in evenings))


def plan(*trips: TripPlan, problems: tuple[Problem, ...] = ()) -> Plan:
    now = datetime(2026, 12, 1, 4, tzinfo=TZ)
    return Plan(now, date(2026, 12, 1), date(2026, 12, 31), HOME, trips, problems)


TODAY = date(2026, 12, 1)


def test_a_trip_beyond_the_lead_time_waits() -> None:
    far = trip(DRESDEN, date(2026, 12, 20), 2)
    news, state = diff(plan(far), {}, today=TODAY, settings=Settings(lead_days=7))
    assert news == [] and state == {}
    news, state = diff(plan(far), {}, today=date(2026, 12, 13), settings=Settings(lead_days=7))
    assert [n.kind for n in news] == ["new"] and len(state) == 1


def test_city_changed_on_the_same_dates() -> None:
    _, state = diff(plan(trip(DRESDEN, date(2026, 12, 3), 2)), {}, today=TODAY)
    news, _ = diff(plan(trip(LEIPZIG, date(2026, 12, 3), 2)), state, today=TODAY)
    assert [(n.kind, n.changes) for n in news] == [("changed", ("destination Dresden -> Leipzig",))]


def test_evening_became_free_and_reorder_of_the_list() -> None:
    start = date(2026, 12, 3)
    _, state = diff(plan(trip(DRESDEN, start, 2, busy=(start,))), {}, today=TODAY)
    news, state = diff(plan(trip(DRESDEN, start, 2)), state, today=TODAY)
    assert news[0].changes == ("evening 2026-12-03 became free",)
    news, _ = diff(plan(trip(DRESDEN, start, 2, calls=("b", "a"))), state, today=TODAY)
    assert news[0].changes == (
        "call list for 2026-12-03 changed: new order",
        "call list for 2026-12-04 changed: new order",
    )


def test_no_reminder_when_switched_off_and_nothing_repeats() -> None:
    start = date(2026, 12, 3)
    off = Settings(remind_on_start=False)
    _, state = diff(plan(trip(DRESDEN, start, 2)), {}, today=TODAY, settings=off)
    news, state = diff(plan(trip(DRESDEN, start, 2)), state, today=start, settings=off)
    assert news == []


def test_a_trip_reported_on_its_first_morning_is_not_reminded_twice() -> None:
    start = date(2026, 12, 3)
    news, state = diff(plan(trip(DRESDEN, start, 2)), {}, today=start)
    assert [n.kind for n in news] == ["new"]
    assert diff(plan(trip(DRESDEN, start, 2)), state, today=start)[0] == []


def test_a_failed_source_never_cancels_and_keeps_the_state() -> None:
    _, state = diff(plan(trip(DRESDEN, date(2026, 12, 3), 2)), {}, today=TODAY)
    broken = plan(problems=(Problem("work.ics", "cannot read"),))
    news, kept = diff(broken, state, today=TODAY)
    assert news == [] and kept == state
    news, gone = diff(plan(), state, today=TODAY)
    assert [n.kind for n in news] == ["cancelled"] and gone == {}


def test_past_trips_are_forgotten_quietly() -> None:
    _, state = diff(plan(trip(DRESDEN, date(2026, 12, 3), 2)), {}, today=TODAY)
    news, left = diff(plan(), state, today=date(2026, 12, 5))
    assert news == [] and left == {}


def test_render_and_subject() -> None:
    p = plan(trip(DRESDEN, date(2026, 12, 3), 2), trip(LEIPZIG, date(2026, 12, 6), 1))
    news, _ = diff(p, {}, today=TODAY)
    assert subject(news) == "dinnerbot: new trip Dresden, DE 2026-12-03 to 2026-12-05 (+1 more)"
    text = render_news(p, news)
    assert text.startswith("NEW: Dresden, DE 2026-12-03 to 2026-12-05\nNEW: Leipzig, DE 2026-12-06 to 2026-12-07\n\n")
