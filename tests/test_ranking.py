"""The call list in small scenarios: each test reads as a sentence about whom dinnerbot proposes and why."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dinnerbot.errors import ConfigError
from dinnerbot.model import Candidate, Contact, Location, Nearby, Outcome, PlacedContact
from dinnerbot.ranking import RankSettings, ago, rank, settings_reference

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 24, 18, 0, tzinfo=BERLIN)
TODAY = NOW.date()
EVENING = date(2026, 11, 26)


def person(
    cid: str,
    name: str,
    km: float = 5.0,
    *categories: str,
    org: str = "",
    email: str = "",
    birthday: date | None = None,
) -> Nearby:
    contact = Contact(
        id=cid,
        name=name,
        categories=categories,
        org=org,
        emails=(email,) if email else (),
        birthday=birthday,
    )
    where = Location(lat=51.05, lon=13.74, place="Dresden, DE", located_by="city")
    return Nearby(placed=PlacedContact(contact=contact, location=where), location=where, distance_km=km)


def log(cid: str, kind: str, days_ago: int, note: str = "") -> Outcome:
    return Outcome(contact_id=cid, kind=kind, date=TODAY - timedelta(days=days_ago), note=note)


def names(candidates: tuple[Candidate, ...]) -> list[str]:
    return [c.contact.name for c in candidates]


def by_name(candidates: tuple[Candidate, ...], name: str) -> Candidate:
    return next(c for c in candidates if c.contact.name == name)


def signals(candidate: Candidate) -> dict[str, float]:
    return dict(candidate.contributions)


def call_list(nearby, history=(), **kwargs) -> tuple[Candidate, ...]:  # type: ignore[no-untyped-def]
    kwargs.setdefault("evening", EVENING)
    kwargs.setdefault("now", NOW)
    return rank(nearby, history, **kwargs)


# --- the scenarios of the issue ---------------------------------------------------------------------------


def test_a_decline_yesterday_moves_her_down_this_week_but_not_forever() -> None:
    people = [person("a", "Anna", 5, "Kunde"), person("b", "Bernd", 5, "Kunde")]
    history = [log("a", "accepted", 400), log("b", "accepted", 400), log("a", "declined", 1)]

    this_week = call_list(people, history, show_all=True)
    assert names(this_week) == ["Bernd", "Anna"]
    anna = by_name(this_week, "Anna")
    assert "declined yesterday" in anna.reasons
    assert signals(anna)["declined"] < 0

    # ten days later she is back on top of the list: persistence is the point
    later = call_list(people, history, now=NOW + timedelta(days=10), evening=EVENING + timedelta(days=10))
    assert "declined" not in signals(by_name(later, "Anna"))
    assert by_name(later, "Anna").score == pytest.approx(by_name(later, "Bernd").score)
    assert "accepted 1 of 2" in by_name(later, "Anna").reasons


def test_a_customer_unseen_for_two_years_beats_one_met_last_week() -> None:
    people = [person("old", "Olga", 5, "customer"), person("new", "Nils", 5, "customer")]
    history = [log("old", "accepted", 2 * 365 + 10), log("new", "met", 7)]

    result = call_list(people, history, show_all=True)

    assert names(result) == ["Olga", "Nils"]
    olga, nils = result
    assert "last dinner 2 years ago" in olga.reasons
    assert signals(olga)["last_met"] > 0
    assert "last met 7 days ago" in nils.reasons
    assert signals(nils)["last_met"] < 0


def test_a_supplier_2_km_out_beats_a_friend_40_km_out_but_not_one_10_km_out() -> None:
    supplier = person("s", "Sven", 2, "Lieferant")
    far_friend = person("f", "Frieda", 40, "Freunde")
    near_friend = person("f", "Frieda", 10, "Freunde")

    assert names(call_list([far_friend, supplier])) == ["Sven", "Frieda"]
    assert "40 km away" in by_name(call_list([far_friend, supplier]), "Frieda").reasons
    assert names(call_list([near_friend, supplier])) == ["Frieda", "Sven"]


def test_three_people_from_one_company_make_room_for_someone_else() -> None:
    people = [
        person("1", "Anton", 1, "customer", org="Acme GmbH"),
        person("2", "Berta", 2, "customer", org="Acme GmbH"),
        person("3", "Carla", 3, "customer", org="ACME GmbH "),
        person("4", "Dieter", 12, "supplier", org="Other AG"),
    ]

    result = call_list(people, top=3, backups=1)

    assert names(result) == ["Anton", "Berta", "Dieter", "Carla"]
    assert [c.role for c in result] == ["call", "call", "call", "backup"]
    assert "also from Acme GmbH: Anton" in by_name(result, "Berta").reasons
    assert signals(by_name(result, "Carla"))["variety"] == 2 * RankSettings().variety
    assert "variety" not in signals(by_name(result, "Dieter"))


def test_a_snoozed_contact_is_left_out_until_the_snooze_ends() -> None:
    people = [person("a", "Anna", 5, "customer", email="anna@example.com"), person("b", "Bernd", 5)]
    settings = RankSettings.from_config({"snooze": {"Anna@Example.com": date(2026, 12, 1)}})

    assert names(call_list(people, settings=settings, show_all=True)) == ["Bernd"]
    after = call_list(people, settings=settings, now=NOW + timedelta(days=7), evening=date(2026, 12, 2))
    assert names(after) == ["Anna", "Bernd"]


def test_an_overdue_cadence_lifts_a_contact() -> None:
    people = [person("a", "Anna", 5, "customer"), person("b", "Bernd", 5, "customer")]
    history = [log("a", "met", 200), log("b", "met", 170)]

    result = call_list(people, history)

    assert names(result) == ["Anna", "Bernd"]
    anna, bernd = result
    assert "overdue: customers every 6 months" in anna.reasons
    assert signals(anna)["cadence"] == RankSettings().overdue
    assert "cadence" not in signals(bernd)
    # the cadence is what separates them, not the five months of difference alone
    assert anna.score - bernd.score > RankSettings().overdue


def test_a_contact_cadence_by_email_wins_over_the_category() -> None:
    people = [person("a", "Anna", 5, "friend", email="anna@example.com")]
    settings = RankSettings.from_config({"cadence": {"anna@example.com": 30}})

    (anna,) = call_list(people, [log("a", "met", 45)], settings=settings)

    assert "overdue: keep in touch every month" in anna.reasons


# --- the rest of the contract -----------------------------------------------------------------------------


def test_the_reasons_read_like_the_issue_says() -> None:
    people = [person("a", "Anna", 3, "Kunde")]
    history = [
        log("a", "accepted", 700),
        log("a", "declined", 500),
        Outcome("a", "accepted", TODAY - timedelta(days=426)),
    ]

    (anna,) = call_list(people, history)

    assert anna.reasons[:2] == ("customer", "last dinner 14 months ago")
    assert "3 km away" in anna.reasons
    assert "accepted 2 of 3" in anna.reasons
    assert anna.score == sum(points for _, points in anna.contributions)


def test_the_list_is_short_by_default_and_all_shows_everyone() -> None:
    people = [person(str(i), f"P{i:02}", i) for i in range(10)]

    short = call_list(people)
    everyone = call_list(people, show_all=True)

    assert [c.role for c in short] == ["call", "call", "call", "backup", "backup"]
    assert len(everyone) == 10
    assert everyone[:5] == short
    assert [c.role for c in call_list(people, top=1, backups=0)] == ["call"]


def test_never_suggest_by_id_email_or_name() -> None:
    people = [person("a", "Anna", 1), person("b", "Bernd", 1, email="b@x.de"), person("c", "Carl", 1)]
    settings = RankSettings.from_config({"never": ["a", "B@X.DE", "carl"]})

    assert call_list(people, settings=settings, show_all=True) == ()


def test_someone_proposed_for_another_evening_of_the_trip_is_not_proposed_again() -> None:
    people = [person("a", "Anna", 1, "customer"), person("b", "Bernd", 9)]
    nights = (EVENING, EVENING + timedelta(days=1))

    assert names(call_list(people, exclude=frozenset({"a"}), trip_nights=nights)) == ["Bernd"]
    # a 'proposed' entry in the log for the other night counts the same
    logged = [Outcome("a", "proposed", EVENING + timedelta(days=1))]
    assert names(call_list(people, logged, trip_nights=nights)) == ["Bernd"]
    # ... but not one for this very evening
    assert names(call_list(people, [Outcome("a", "proposed", EVENING)], trip_nights=nights))[0] == "Anna"
    # with --all they are listed, marked
    shown = by_name(call_list(people, exclude=frozenset({"a"}), show_all=True), "Anna")
    assert "already proposed for another evening" in shown.reasons


def test_a_birthday_during_the_trip_is_an_occasion() -> None:
    people = [person("a", "Anna", 5, birthday=date(1980, 11, 27)), person("b", "Bernd", 5)]

    result = call_list(people, trip_nights=(EVENING, date(2026, 11, 27)))

    assert names(result)[0] == "Anna"
    assert "birthday on 27 Nov" in result[0].reasons
    assert "birthday" not in signals(call_list(people, trip_nights=(EVENING,))[0])


def test_the_anniversary_of_a_dinner_is_an_occasion() -> None:
    people = [person("a", "Anna", 5)]

    (anna,) = call_list(people, [Outcome("a", "accepted", date(2025, 11, 26))])

    assert "a year since your meeting on 26 Nov" in anna.reasons


def test_favourite_and_the_best_category_count() -> None:
    people = [person("a", "Anna", 5, "LinkedIn", "Kunde", "Favorit"), person("b", "Bernd", 5, "Kunde")]

    anna = by_name(call_list(people), "Anna")

    assert signals(anna)["relationship"] == 30
    assert signals(anna)["favourite"] == 20
    assert anna.reasons[:2] == ("customer", "favourite")


def test_ties_break_by_name_then_id_whatever_the_input_order() -> None:
    people = [person("z", "Anna", 5), person("y", "anna", 5), person("x", "Bernd", 5), person("w", "Anna", 5)]
    expected = call_list(people, show_all=True)
    for seed in range(5):
        shuffled = people[:]
        random.Random(seed).shuffle(shuffled)
        assert call_list(shuffled, show_all=True) == expected
    assert [c.contact.id for c in expected] == ["w", "y", "z", "x"]  # name case-folded, then id


def test_a_contact_near_twice_is_listed_once_at_the_nearer_address() -> None:
    far = person("a", "Anna", 30)
    near = person("a", "Anna", 2)

    result = call_list([far, near], show_all=True)

    assert len(result) == 1
    assert result[0].distance_km == 2


def test_future_meetings_do_not_count_as_met() -> None:
    (anna,) = call_list([person("a", "Anna")], [Outcome("a", "accepted", TODAY + timedelta(days=3))])

    assert "never met" in anna.reasons


@pytest.mark.parametrize(
    ("days", "text"),
    [(1, "yesterday"), (5, "5 days ago"), (21, "3 weeks ago"), (426, "14 months ago"), (800, "2 years ago")],
)
def test_ages_are_short(days: int, text: str) -> None:
    assert ago(days) == text


# --- [ranking] config section -----------------------------------------------------------------------------


def test_settings_from_config_override_the_defaults() -> None:
    settings = RankSettings.from_config(
        {"per_km": 1, "relationship": {"Freunde": 40}, "cadence": {"Kunde": 90}, "variety": -5}
    )

    assert settings.per_km == 1.0
    assert settings.relationship["friend"] == 40 and settings.relationship["customer"] == 30
    assert settings.cadence == {"customer": 90}
    assert settings.variety == -5


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"per_kilometre": 1}, "ranking.per_kilometre: unknown key"),
        ({"per_km": "far"}, "ranking.per_km: expected a number"),
        ({"per_km": -1}, "ranking.per_km: expected a number >= 0"),
        ({"relationship": {"enemy": 3}}, "ranking.relationship: unknown relationship enemy"),
        ({"relationship": {"friend": True}}, "ranking.relationship.friend: expected a number"),
        ({"cadence": {"customer": 0}}, "ranking.cadence.customer: expected a whole number of days"),
        ({"snooze": {"anna": "soon"}}, "ranking.snooze.anna: expected a date"),
        ({"never": "anna"}, "ranking.never: expected a list"),
        ({"decline_days": 1.5}, "ranking.decline_days: expected a whole number"),
        ({"variety": 10}, "ranking.variety: expected a penalty <= 0"),
        ({"calendar_meetings": "yes"}, "ranking.calendar_meetings: expected true or false"),
    ],
)
def test_bad_ranking_config_names_the_key(section: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        RankSettings.from_config(section)
    assert message in info.value.message


def test_every_ranking_config_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as info:
        RankSettings.from_config({"per_km": "x", "nope": 1})
    assert "ranking.per_km" in info.value.message and "ranking.nope" in info.value.message


def test_every_ranking_key_is_documented_with_its_default() -> None:
    reference = settings_reference()
    for key in RankSettings.__dataclass_fields__:
        assert f"| `{key}` |" in reference
    assert "| `per_km` | `0.5` |" in reference
