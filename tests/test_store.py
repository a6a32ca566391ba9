"""The interaction log in SQLite: what goes in comes out, export/import round trips, the file is private."""

from __future__ import annotations

import json
import sqlite3
import stat
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dinnerbot.errors import StoreError
from dinnerbot.model import Contact, Location, Nearby, Outcome, PlacedContact
from dinnerbot.ranking import rank
from dinnerbot.store import SCHEMA_VERSION, Store


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "dinnerbot.sqlite"


def test_what_is_logged_comes_back_with_an_id(db: Path) -> None:
    with Store.open(db) as store:
        first = store.add(Outcome("anna", "declined", date(2026, 11, 23), note="busy", city="Dresden"))
        store.add(Outcome("bernd", "accepted", date(2026, 10, 1)))
        store.add(Outcome("anna", "met", date(2026, 1, 5)))

    with Store.open(db) as store:
        assert first.id == 1
        assert [o.kind for o in store.history()] == ["met", "accepted", "declined"]  # by date
        assert store.history("anna") == [
            Outcome("anna", "met", date(2026, 1, 5), id=3),
            Outcome("anna", "declined", date(2026, 11, 23), note="busy", city="Dresden", id=1),
        ]
        assert store.history("nobody") == []


def test_the_file_is_private_in_wal_mode_with_a_schema_version(db: Path) -> None:
    with Store.open(db) as store:
        store.add(Outcome("anna", "met", date(2026, 1, 5)))
        assert store.schema_version == SCHEMA_VERSION
        assert store.integrity_check() == "ok"
        for companion in ("-wal", "-shm"):  # SQLite gives them the database's mode
            assert stat.S_IMODE(db.with_name(db.name + companion).stat().st_mode) == 0o600

    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("SELECT version FROM schema_version").fetchone()[0] == SCHEMA_VERSION


def test_an_existing_file_readable_by_others_is_made_private(db: Path) -> None:
    db.parent.mkdir()
    db.touch(mode=0o644)
    db.chmod(0o644)

    Store.open(db).close()

    assert stat.S_IMODE(db.stat().st_mode) == 0o600


def test_a_database_from_a_newer_dinnerbot_is_refused(db: Path) -> None:
    Store.open(db).close()
    with sqlite3.connect(db) as raw:
        raw.execute("UPDATE schema_version SET version = 99")

    with pytest.raises(StoreError) as info:
        Store.open(db)
    assert str(db) in info.value.message
    assert "newer dinnerbot" in info.value.message


def test_a_file_that_is_not_a_database_is_reported_with_its_path(db: Path) -> None:
    db.parent.mkdir()
    db.write_bytes(b"this is not sqlite, it is a shopping list\n" * 100)

    with pytest.raises(StoreError) as info:
        Store.open(db)
    assert str(db) in info.value.message


def test_an_unknown_kind_is_refused(db: Path) -> None:
    with Store.open(db) as store, pytest.raises(StoreError, match="unknown outcome 'maybe'"):
        store.add(Outcome("anna", "maybe", date(2026, 1, 5)))


def test_add_many_is_all_or_nothing(db: Path) -> None:
    with Store.open(db) as store:
        with pytest.raises(StoreError):
            store.add_many([Outcome("anna", "met", date(2026, 1, 5)), Outcome("", "met", date(2026, 1, 5))])
        assert store.history() == []


def test_a_failing_transaction_leaves_nothing_behind(db: Path) -> None:
    with Store.open(db) as store:
        with pytest.raises(RuntimeError), store.transaction():
            store.add(Outcome("anna", "met", date(2026, 1, 5)))
            store.put("last_run", "2026-11-24")
            raise RuntimeError("the nightly job fell over")
        assert store.history() == []
        assert store.get("last_run") is None


def test_key_value_state_for_the_nightly_job(db: Path) -> None:
    with Store.open(db) as store:
        assert store.get("sent", {}) == {}
        store.put("sent", {"2026-11-26": ["anna", "bernd"]})
        store.put("last_run", date(2026, 11, 24))
    with Store.open(db) as store:
        assert store.get("sent") == {"2026-11-26": ["anna", "bernd"]}
        assert store.get("last_run") == "2026-11-24"
        store.remove("sent")
        assert store.get("sent") is None


def test_delete_a_mistaken_entry(db: Path) -> None:
    with Store.open(db) as store:
        entry = store.add(Outcome("anna", "met", date(2026, 1, 5)))
        assert entry.id is not None
        assert store.delete(entry.id) is True
        assert store.delete(entry.id) is False
        assert store.history() == []


# --- export / import ---------------------------------------------------------------------------------------

outcomes = st.builds(
    Outcome,
    contact_id=st.text(min_size=1, max_size=20),
    kind=st.sampled_from(["accepted", "declined", "no-answer", "met", "proposed"]),
    date=st.dates(date(1990, 1, 1), date(2040, 12, 31)),
    note=st.text(max_size=40),  # commas, quotes, newlines, \r, emoji, ...
    city=st.text(max_size=15),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(outcomes, max_size=15), fmt=st.sampled_from(["json", "csv"]))
def test_export_then_import_into_an_empty_log_is_identical(
    tmp_path: Path, entries: list[Outcome], fmt: str
) -> None:
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    with Store.open(folder / "a.sqlite") as a:
        a.add_many(entries)
        text = a.export(fmt)  # type: ignore[arg-type]
        history = a.history()
    with Store.open(folder / "b.sqlite") as b:
        assert b.import_(text, fmt) == len(history)  # type: ignore[arg-type]
        assert b.export(fmt) == text  # type: ignore[arg-type]
        assert b.history() == history
        assert b.import_(text, fmt) == 0  # type: ignore[arg-type]


def test_export_formats_are_readable(db: Path) -> None:
    with Store.open(db) as store:
        store.add(
            Outcome("anna", "accepted", date(2026, 3, 4), note='said "gern", bring wine', city="Dresden")
        )
        doc = json.loads(store.export("json"))
        csv_text = store.export("csv")

    assert doc["format"] == "dinnerbot-log"
    assert doc["outcomes"] == [
        {
            "id": 1,
            "contact_id": "anna",
            "kind": "accepted",
            "date": "2026-03-04",
            "note": 'said "gern", bring wine',
            "city": "Dresden",
        }
    ]
    assert csv_text.splitlines() == [
        "id,contact_id,kind,date,note,city",
        '1,anna,accepted,2026-03-04,"said ""gern"", bring wine",Dresden',
    ]


def test_importing_twice_adds_nothing_and_keeps_what_was_there(db: Path, tmp_path: Path) -> None:
    with Store.open(tmp_path / "other.sqlite") as other:
        other.add(Outcome("anna", "met", date(2026, 1, 5)))
        other.add(Outcome("bernd", "declined", date(2026, 2, 5)))
        text = other.export("json")
    with Store.open(db) as store:
        store.add(Outcome("carla", "accepted", date(2026, 3, 1)))
        assert store.import_(text, "json") == 2
        assert store.import_(text, "json") == 0
        assert sorted(o.contact_id for o in store.history()) == ["anna", "bernd", "carla"]
        assert len({o.id for o in store.history()}) == 3  # the colliding id 1 got a new one


def test_a_bad_import_lists_the_problems_and_imports_nothing(db: Path) -> None:
    text = (
        "id,contact_id,kind,date,note,city\n"
        "1,anna,met,2026-01-05,,\n"
        "2,bernd,maybe,2026-01-05,,\n"
        "3,carla,met,5.1.2026,,\n"
    )
    with Store.open(db) as store:
        with pytest.raises(StoreError) as info:
            store.import_(text, "csv")
        assert "line 3: unknown outcome 'maybe'" in info.value.message
        assert "line 4:" in info.value.message and "5.1.2026" in info.value.message
        assert info.value.hint == "nothing was imported"
        assert store.history() == []


@pytest.mark.parametrize(
    ("text", "fmt", "message"),
    [
        ("{not json", "json", "not valid JSON"),
        ('{"outcomes": 3}', "json", "expected a dinnerbot export"),
        ("name,when\nanna,2026-01-01\n", "csv", "CSV header lacks contact_id, date, kind"),
    ],
)
def test_import_refuses_what_is_not_an_export(db: Path, text: str, fmt: str, message: str) -> None:
    with Store.open(db) as store, pytest.raises(StoreError, match=message):
        store.import_(text, fmt)  # type: ignore[arg-type]


# --- the log feeds the ranking ---------------------------------------------------------------------------


def test_logging_an_outcome_changes_the_next_ranking(db: Path) -> None:
    now = datetime(2026, 11, 24, 18, tzinfo=ZoneInfo("Europe/Berlin"))
    where = Location(lat=51.05, lon=13.74, place="Dresden, DE", located_by="city")
    people = [
        Nearby(PlacedContact(Contact(id=cid, name=name, categories=("Kunde",)), where), where, km)
        for cid, name, km in (("anna", "Anna", 2), ("bernd", "Bernd", 4), ("carla", "Carla", 6))
    ]

    def call_list() -> list[str]:
        with Store.open(db) as store:
            history = store.history()
        return [c.contact.name for c in rank(people, history, evening=date(2026, 11, 26), now=now)]

    assert call_list() == ["Anna", "Bernd", "Carla"]

    with Store.open(db) as store:  # Anna said no yesterday: ask the others first this week
        store.add(Outcome("anna", "declined", now.date() - timedelta(days=1)))
    assert call_list() == ["Bernd", "Carla", "Anna"]

    with Store.open(db) as store:  # dinner with Bernd last week: he can wait
        store.add(Outcome("bernd", "accepted", now.date() - timedelta(days=6)))
    assert call_list() == ["Carla", "Anna", "Bernd"]
