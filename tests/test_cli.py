"""The commands as the README shows them, on the example files and on broken input."""

from __future__ import annotations

import json
import math
from pathlib import Path

from click.testing import CliRunner, Result

from dinnerbot.cli import cli

from .conftest import EXAMPLES

CONFIG = str(EXAMPLES / "dinnerbot.toml")
CONTACTS = str(EXAMPLES / "contacts.vcf")
CALENDAR = str(EXAMPLES / "calendar.ics")


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def test_version_and_help() -> None:
    assert run("--version").output.startswith("dinnerbot, version ")
    out = run("--help").output
    for command in ("trips", "contacts", "city", "plan"):
        assert command in out


def test_every_command_has_help_with_an_example() -> None:
    for name, command in cli.commands.items():
        assert command.help and "Example: dinnerbot" in command.help, name


def test_trips_on_the_example_calendar() -> None:
    result = run("--config", CONFIG, "trips", "--from", "2026-12-01", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["home"]["name"] == "Stuttgart"
    trips = {t["destination"]["name"]: t for t in data["trips"]}
    assert set(trips) >= {"Dresden", "Hamburg", "Vienna", "Zurich"} or set(trips) >= {
        "Dresden",
        "Hamburg",
        "Wien",
        "Zürich",
    }
    dresden = trips["Dresden"]
    assert dresden["start"] == "2026-12-02" and dresden["end"] == "2026-12-04"
    assert dresden["nights"] == ["2026-12-02", "2026-12-03"]
    assert dresden["free_evenings"] == ["2026-12-03"]  # the 2nd has a team dinner
    assert dresden["sources"]
    names = " ".join(trips)
    assert "Karlsruhe" not in names and "Berlin" not in names and "Leipzig" not in names


def test_trips_text_names_the_evidence() -> None:
    result = run("--config", CONFIG, "trips", "--from", "2026-12-01")
    assert result.exit_code == 0
    assert "Dresden" in result.stdout and "Hotel Bellevue Dresden" in result.stdout


def test_contacts_json_places_and_explains() -> None:
    result = run("contacts", "--contacts", CONTACTS, "--home", "Stuttgart", "--format", "json")
    assert result.exit_code == 0, result.output
    people = {c["name"]: c for c in json.loads(result.stdout)["contacts"]}
    assert len(people) == 35
    pohl = people["Elisabeth Pohl"]
    assert (pohl["lat"], pohl["lon"], pohl["located_by"]) == (51.1664, 13.6806, "geo")
    nobody = people["Nadine Schulz"]
    assert nobody["lat"] is None and nobody["lon"] is None and nobody["unlocated_reason"]
    assert people["Anna Schubert"]["place"] and people["Anna Schubert"]["located_by"] in {"postal", "city"}


# Hand check: the contact's town (GeoNames centre, or the card's GEO) against Dresden's centre.
DRESDEN = (51.05089, 13.73832)
HAND = {
    "Elisabeth Pohl": (51.1664, 13.6806),  # GEO on the card: Moritzburg
    "Anna Schubert": (51.10654, 13.66047),  # Radebeul
    "Jens Hoffmann": (51.16358, 13.47748),  # Meißen
    "Sabine König": (50.96230, 13.94040),  # Pirna
    "Claudia Neumann": (51.00167, 13.64889),  # Freital
}


def test_city_dresden_lists_the_contacts_within_the_radius() -> None:
    result = run("city", "Dresden", "--contacts", CONTACTS, "--home", "Stuttgart", "--all", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["destination"]["name"] == "Dresden" and data["radius_km"] == 50
    found = {c["name"]: c for c in data["candidates"]}
    expected_in = {
        "Dr. Katrin Weber",
        "Thomas Richter",
        "Anna Schubert",
        "Jens Hoffmann",
        "Sabine König",
        "Michael Lorenz",
        "Claudia Neumann",
        "Lena Fischer",
        "Ines Hartmann",
        "Robert Klein",
        "Sarah Becker",
        "Martin Schneider",
        "Elisabeth Pohl",
        "Karl-Heinz Müller",
    }
    assert set(found) == expected_in  # Chemnitz (62 km), Leipzig, no address: out
    for name, (lat, lon) in HAND.items():
        assert abs(found[name]["distance_km"] - km(*DRESDEN, lat, lon)) <= 1.0, name
    distances = [c["distance_km"] for c in data["candidates"]]
    assert all(d <= 50 for d in distances)
    assert [c["score"] for c in data["candidates"]] == sorted((c["score"] for c in data["candidates"]), reverse=True)
    assert all(c["reasons"] for c in data["candidates"])


def test_plan_measures_distances_from_the_hotel_of_the_night() -> None:
    result = run("--config", CONFIG, "plan", "--from", "2026-12-01", "--all", "--format", "json")
    assert result.exit_code == 0, result.output
    (dresden,) = [t for t in json.loads(result.stdout)["trips"] if t["destination"]["name"] == "Dresden"]
    evening = next(e for e in dresden["evenings"] if e["date"] == "2026-12-03")
    venue = evening["venue"]
    assert venue["name"].startswith("Hotel Bellevue Dresden") and "01097" in venue["name"]
    assert km(*DRESDEN, venue["lat"], venue["lon"]) > 1.5  # the hotel is across the river, not the centre
    found = {c["name"]: c for c in evening["candidates"]}
    for name, (lat, lon) in HAND.items():
        if name in found:
            assert abs(found[name]["distance_km"] - km(venue["lat"], venue["lon"], lat, lon)) <= 1.0, name
    assert len(set(HAND) & set(found)) >= 3
    text = run("--config", CONFIG, "plan", "--from", "2026-12-01").output
    assert "Distances from Hotel Bellevue Dresden, Große Meißner Str. 15, 01097 Dresden" in text


def test_an_ambiguous_city_names_the_other_places_it_could_mean() -> None:
    result = run("city", "Neustadt", "--contacts", CONTACTS, "--home", "Stuttgart", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["destination"]["name"].startswith("Neustadt")
    assert len(data["alternatives"]) >= 3
    assert "Neustadt in Holstein (Schleswig-Holstein), DE" in data["alternatives"]
    assert all(a.partition(" (")[0] != data["destination"]["name"] or "(" in a for a in data["alternatives"])
    text = run("city", "Cambridge", "--contacts", CONTACTS, "--home", "Stuttgart").output
    assert "The name is ambiguous" in text and "Cambridge (Massachusetts), US" in text
    suggested = text.split('("')[1].split('")')[0]  # the example it gives resolves without doubt
    again = json.loads(run("city", suggested, "--contacts", CONTACTS, "--format", "json").stdout)
    assert again["alternatives"] == [] and again["destination"]["country"] != "GB"
    clear = json.loads(run("city", "Dresden", "--contacts", CONTACTS, "--format", "json").stdout)
    assert clear["alternatives"] == []
    assert "ambiguous" not in run("city", "Dresden", "--contacts", CONTACTS).output


def test_city_default_list_is_short_with_backups() -> None:
    result = run(
        "city",
        "Dresden",
        "--contacts",
        CONTACTS,
        "--home",
        "Stuttgart",
        "--date",
        "2026-12-03",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    candidates = json.loads(result.stdout)["candidates"]
    assert [c["role"] for c in candidates] == ["call"] * 3 + ["backup"] * 2
    assert all(c["messages"] for c in candidates)


def test_plan_on_the_examples() -> None:
    result = run("--config", CONFIG, "plan", "--from", "2026-12-01")
    assert result.exit_code == 0, result.output
    assert "Dresden" in result.stdout and "Hamburg" in result.stdout
    data = json.loads(run("--config", CONFIG, "plan", "--from", "2026-12-01", "--format", "json").stdout)
    assert data["window"] == {"from": "2026-12-01", "to": "2027-01-30"}
    dresden = next(t for t in data["trips"] if t["destination"]["name"] == "Dresden")
    evenings = {e["date"]: e for e in dresden["evenings"]}
    assert evenings["2026-12-02"]["free"] is False and evenings["2026-12-02"]["candidates"] == []
    assert len([c for c in evenings["2026-12-03"]["candidates"] if c["role"] == "call"]) == 3
    called = [c["id"] for t in data["trips"] for e in t["evenings"] for c in e["candidates"] if c["role"] == "call"]
    for trip in data["trips"]:  # nobody is proposed twice on one trip
        ids = [c["id"] for e in trip["evenings"] for c in e["candidates"] if c["role"] == "call"]
        assert len(ids) == len(set(ids))
    assert called


def test_markdown_format() -> None:
    result = run("--config", CONFIG, "plan", "--from", "2026-12-01", "--format", "markdown")
    assert result.exit_code == 0
    assert result.stdout.startswith("# dinnerbot plan")


# ------------------------------------------------------------------ bad input


def test_missing_file_is_one_line_and_partial(tmp_path: Path) -> None:
    result = run(
        "city",
        "Dresden",
        "--contacts",
        str(tmp_path / "nope.vcf"),
        "--contacts",
        CONTACTS,
        "--home",
        "Stuttgart",
        "--format",
        "json",
    )
    assert result.exit_code == 3
    assert "nope.vcf" in result.stderr and "Traceback" not in result.output
    assert json.loads(result.stdout)["candidates"]  # the good file still counts


def test_unknown_city_exits_2() -> None:
    result = run("city", "Xyzzyville", "--contacts", CONTACTS)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: city: unknown place 'Xyzzyville'")


def test_config_with_a_wrong_type_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('home = "Stuttgart"\ntop = "three"\n', encoding="utf-8")
    result = run("--config", str(path), "city", "Dresden", "--contacts", CONTACTS)
    assert result.exit_code == 2
    assert f"top: expected an integer, got str 'three' ({path})" in result.stderr


def test_bad_option_value_exits_2() -> None:
    result = run("--config", CONFIG, "plan", "--from", "tomorrow")
    assert result.exit_code == 2 and "--from: expected a date YYYY-MM-DD" in result.stderr


def test_truncated_ics_warns_and_keeps_going(tmp_path: Path) -> None:
    text = (EXAMPLES / "calendar.ics").read_text(encoding="utf-8")
    broken = tmp_path / "truncated.ics"
    broken.write_text(text[: len(text) // 3], encoding="utf-8")
    result = run(
        "--config",
        CONFIG,
        "trips",
        "--from",
        "2026-12-01",
        "--calendar",
        str(broken),
        "--calendar",
        CALENDAR,
        "--format",
        "json",
    )
    assert result.exit_code == 3
    assert "truncated.ics" in result.stderr and "Traceback" not in result.output
    assert any(t["destination"]["name"] == "Dresden" for t in json.loads(result.stdout)["trips"])


def test_vcard_without_a_name_is_reported_and_the_rest_counts(tmp_path: Path) -> None:
    book = tmp_path / "book.vcf"
    book.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nTEL:+49 351 1\r\nEND:VCARD\r\n"
        + (EXAMPLES / "contacts.vcf").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    result = run("contacts", "--contacts", str(book), "--format", "json")
    assert result.exit_code == 3
    assert "book.vcf" in result.stderr
    assert len(json.loads(result.stdout)["contacts"]) == 35


def test_no_calendar_configured_exits_2() -> None:
    result = run("trips", "--home", "Stuttgart")
    assert result.exit_code == 2 and "calendars: no calendar configured" in result.stderr


def test_help_does_not_import_heavy_libraries() -> None:
    import subprocess
    import sys

    probe = (
        "import sys\nfrom dinnerbot.cli import cli\n"
        "try:\n    cli(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('caldav', 'geopy', 'jinja2', 'icalendar', 'requests') if m in sys.modules),"
        " file=sys.stderr)"
    )
    err = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stderr
    assert err.strip().splitlines()[-1] == "[]"


def test_plan_opens_no_socket_by_default() -> None:
    """The default path is offline: with every socket blocked, the plan still comes out."""
    import pytest_socket

    pytest_socket.disable_socket(allow_unix_socket=True)
    try:
        result = run("--config", CONFIG, "plan", "--from", "2026-12-01", "--format", "json")
    finally:
        pytest_socket.enable_socket()
    assert result.exit_code == 0, result.output
    assert any(t["destination"]["name"] == "Dresden" for t in json.loads(result.stdout)["trips"])


def test_geocode_shows_the_candidates_weighed() -> None:
    result = run("geocode", "Frankfurt", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["place"]["name"] == "Frankfurt am Main"
    assert {"Frankfurt (Oder)"} <= {c["name"] for c in data["candidates"]}
    text = run("geocode", "Hauptstraße 5, 01662 Meißen").stdout
    assert "Meißen, DE" in text and "postal" in text


def test_geocode_unknown_place_exits_1() -> None:
    result = run("geocode", "Xyzzyville")
    assert result.exit_code == 1 and "not placed" in result.stdout


def test_log_accepted_writes_the_invitation(tmp_path: Path) -> None:
    import icalendar

    result = run(
        "--config",
        CONFIG,
        "log",
        "Anna Schubert",
        "accepted",
        "--date",
        "2026-12-03",
        "--city",
        "Dresden",
        "--invite",
        str(tmp_path / "out"),
    )
    assert result.exit_code == 0, result.output
    ics = tmp_path / "out" / "dinner-2026-12-03-anna-schubert.ics"
    event = next(iter(icalendar.Calendar.from_ical(ics.read_text(encoding="utf-8")).walk("VEVENT")))
    start = event["DTSTART"].dt
    assert start.isoformat() == "2026-12-03T18:30:00+01:00" and str(start.tzinfo) == "Europe/Berlin"
    assert "anna.schubert@mail.example" in str(event.get("ATTENDEE"))
    receipt = (tmp_path / "out" / "bewirtung-2026-12-03-anna-schubert.md").read_text(encoding="utf-8")
    assert "Anna Schubert" in receipt and "3. Dezember 2026" in receipt
    history = run("--config", CONFIG, "history", "Anna Schubert").stdout
    assert "accepted" in history


def test_log_invite_needs_accepted_and_city(tmp_path: Path) -> None:
    result = run("--config", CONFIG, "log", "Anna Schubert", "declined", "--invite", str(tmp_path))
    assert result.exit_code == 2 and "--invite needs" in result.stderr


def test_a_tentative_trip_holds_its_call_list_back(tmp_path: Path) -> None:
    cal = tmp_path / "tentative.ics"
    cal.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        "BEGIN:VEVENT\r\nUID:t1\r\nDTSTAMP:20261120T080000Z\r\nDTSTART;VALUE=DATE:20261202\r\n"
        "DTEND;VALUE=DATE:20261204\r\nSUMMARY:Kunde Dresden?\r\nLOCATION:Dresden\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n",
        encoding="utf-8",
    )
    args = ["--config", CONFIG, "plan", "--from", "2026-12-01", "--calendar", str(cal), "--format", "json"]
    held = json.loads(run(*args).stdout)["trips"]
    assert held and held[0]["tentative"] is True
    assert all(not e["candidates"] for e in held[0]["evenings"])
    asked = json.loads(run(*args, "--all").stdout)["trips"]
    assert any(e["candidates"] for e in asked[0]["evenings"])
