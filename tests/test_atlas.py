"""The atlas: placed contacts kept between runs, and the nearby query that reads only what it needs."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

import dinnerbot.contacts as contacts_pkg
from dinnerbot.atlas import FILE, nearby, open_atlas
from dinnerbot.geo import open_gazetteer
from dinnerbot.geo.resolver import OfflineGeocoder
from dinnerbot.model import Place

DATA = Path(__file__).parent / "data" / "contacts"
CORPUS = DATA / "corpus"
EXAMPLE = Path(__file__).parents[1] / "examples" / "contacts.vcf"


@pytest.fixture(scope="module")
def geocoder(shared_cache_dir: Path) -> OfflineGeocoder:
    return OfflineGeocoder(open_gazetteer(shared_cache_dir), home_country="DE")


@pytest.fixture()
def books(tmp_path: Path) -> list[str]:
    """The labelled corpus and the example book, copied so that the tests may touch and change them."""
    folder = tmp_path / "books"
    folder.mkdir()
    for f in ("book.vcf", "google.csv", "outlook_de.csv"):
        shutil.copy(CORPUS / f, folder / f)
    shutil.copy(EXAMPLE, folder / "example.vcf")
    shutil.copy(DATA / "broken_cards.vcf", folder / "broken.vcf")
    return [str(folder / f) for f in ("book.vcf", "google.csv", "outlook_de.csv", "example.vcf", "broken.vcf")]


def forbid_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(contacts_pkg, "read_contacts", lambda *a, **k: pytest.fail("address books read again"))
    monkeypatch.setattr(OfflineGeocoder, "locate", lambda *a, **k: pytest.fail("geocoded again"))


def test_second_run_neither_parses_nor_geocodes_and_loses_nothing(
    books: list[str], geocoder: OfflineGeocoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = open_atlas(books, geocoder, home_country="DE", cache_dir=tmp_path / "cache")
    assert not first.from_cache
    everyone = first.everyone()
    assert len(everyone) > 500 and sum(p.location is not None for p in everyone) > 400
    assert any("broken.vcf" in p.source for p in first.problems)  # the broken cards are still reported
    forbid_reading(monkeypatch)
    again = open_atlas(books, geocoder, home_country="DE", cache_dir=tmp_path / "cache")
    assert again.from_cache
    assert again.everyone() == everyone
    assert again.problems == first.problems


@pytest.mark.parametrize(
    ("lat", "lon", "radius"),
    [
        (51.050, 13.738, 50),  # Dresden
        (48.137, 11.575, 50),  # München
        (47.377, 8.540, 80),  # Zürich
        (51.507, -0.128, 30),  # London: the box crosses the prime meridian
        (50.110, 8.682, 400),  # a wide radius
        (52.520, 13.405, 0.5),  # nothing but the very centre
    ],
)
def test_stored_near_is_exactly_nearby_over_everyone(
    books: list[str], geocoder: OfflineGeocoder, tmp_path: Path, lat: float, lon: float, radius: float
) -> None:
    cache = tmp_path / "cache"
    fresh = open_atlas(books, geocoder, home_country="DE", cache_dir=cache)
    where = Place("X", "", lat, lon)
    expected = nearby(fresh.everyone(), where, radius)
    stored = open_atlas(books, geocoder, home_country="DE", cache_dir=cache)
    assert stored.from_cache
    assert stored.near(where, radius) == expected == fresh.near(where, radius)
    if radius >= 50:
        assert expected  # the corpus has contacts around every one of these cities


def test_near_across_the_date_line_and_at_the_pole(geocoder: OfflineGeocoder, tmp_path: Path) -> None:
    book = tmp_path / "pacific.vcf"
    cards = {
        "Taveuni East": (-16.85, 179.99),
        "Taveuni West": (-16.85, -179.99),
        "Far away": (-16.85, 170.0),
        "Alert": (82.5, -62.3),
        "Pole": (89.99, 10.0),
    }
    book.write_text(
        "".join(
            f"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:{name}\r\nGEO:geo:{lat},{lon}\r\nEND:VCARD\r\n"
            for name, (lat, lon) in cards.items()
        ),
        encoding="utf-8",
    )
    open_atlas([str(book)], geocoder, home_country="DE", cache_dir=tmp_path / "cache")
    stored = open_atlas([str(book)], geocoder, home_country="DE", cache_dir=tmp_path / "cache")
    assert stored.from_cache
    for where, radius, names in [
        (Place("Date line", "FJ", -16.85, 180.0), 20, {"Taveuni East", "Taveuni West"}),
        (Place("Date line", "FJ", -16.85, -179.995), 20, {"Taveuni East", "Taveuni West"}),
        (Place("North Pole", "", 90.0, 0.0), 1000, {"Pole", "Alert"}),
    ]:
        assert {n.placed.contact.name for n in stored.near(where, radius)} == names


def test_changed_touched_and_moved_books(
    books: list[str], geocoder: OfflineGeocoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    open_atlas(books, geocoder, home_country="DE", cache_dir=cache)
    example = Path(books[3])
    os.utime(example, ns=(1_000_000_000, 1_000_000_000))  # a sync touched it; the bytes are the same
    with monkeypatch.context() as m:
        forbid_reading(m)
        assert open_atlas(books, geocoder, home_country="DE", cache_dir=cache).from_cache
        import dinnerbot.atlas

        m.setattr(dinnerbot.atlas, "_digest", lambda path: pytest.fail(f"{path} hashed again"))
        assert open_atlas(books, geocoder, home_country="DE", cache_dir=cache).from_cache  # new mtime kept
    example.write_text(example.read_text(encoding="utf-8").replace("Thomas Richter", "Thomas Richter-Lange"))
    changed = open_atlas(books, geocoder, home_country="DE", cache_dir=cache)
    assert not changed.from_cache
    assert "Thomas Richter-Lange" in {p.contact.name for p in changed.everyone()}
    assert not open_atlas(books[:3], geocoder, home_country="DE", cache_dir=cache).from_cache  # fewer books
    assert not open_atlas(books[:3], geocoder, home_country="AT", cache_dir=cache).from_cache  # other home
    assert open_atlas(books[:3], geocoder, home_country="AT", cache_dir=cache).from_cache
    import dinnerbot

    monkeypatch.setattr(dinnerbot, "__version__", "99.0")  # a new release may read and place differently
    assert not open_atlas(books[:3], geocoder, home_country="AT", cache_dir=cache).from_cache


def test_the_file_is_private_and_a_damaged_one_is_rebuilt(
    books: list[str], geocoder: OfflineGeocoder, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    first = open_atlas(books, geocoder, home_country="DE", cache_dir=cache)
    path = cache / "contacts" / FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0  # nor is the folder readable by others
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(FILE)] == [FILE]  # no temp file left
    path.write_bytes(b"not a database" * 100)
    again = open_atlas(books, geocoder, home_country="DE", cache_dir=cache)
    assert not again.from_cache and again.everyone() == first.everyone()
    assert open_atlas(books, geocoder, home_country="DE", cache_dir=cache).from_cache


def test_without_cache_dir_or_with_a_network_source_nothing_is_stored(
    books: list[str], geocoder: OfflineGeocoder, tmp_path: Path
) -> None:
    plain = open_atlas(books, geocoder, home_country="DE", cache_dir=None)
    assert plain.everyone() and not plain.from_cache
    cache = tmp_path / "cache"
    dav = "carddav+http://127.0.0.1:9/nobody/"  # nothing listens on the discard port
    mixed = open_atlas([books[3], dav], geocoder, home_country="DE", cache_dir=cache)
    assert {p.contact.name for p in mixed.everyone()} == {
        p.contact.name for p in open_atlas([books[3]], geocoder, home_country="DE", cache_dir=None).everyone()
    }
    assert any(dav in p.source for p in mixed.problems)
    assert not (cache / "contacts" / FILE).exists()


def test_contacts_alone_come_from_any_atlas_of_the_same_files(
    books: list[str], geocoder: OfflineGeocoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dinnerbot.atlas import read_contacts_kept

    cache = tmp_path / "cache"
    fresh, fresh_problems = contacts_pkg.read_contacts(books)
    assert read_contacts_kept(books, cache_dir=cache) == (fresh, fresh_problems)  # no atlas yet: read
    open_atlas(books, geocoder, home_country="AT", cache_dir=cache)
    with monkeypatch.context() as m:
        forbid_reading(m)
        assert read_contacts_kept(books, cache_dir=cache) == (fresh, fresh_problems)
    Path(books[3]).write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Only One\r\nEND:VCARD\r\n", encoding="utf-8")
    changed, _ = read_contacts_kept(books, cache_dir=cache)
    assert "Only One" in {c.name for c in changed} and len(changed) < len(fresh)


def test_an_unreadable_stored_contact_means_reading_afresh(
    books: list[str], geocoder: OfflineGeocoder, tmp_path: Path
) -> None:
    import sqlite3

    cache = tmp_path / "cache"
    first = open_atlas(books, geocoder, home_country="DE", cache_dir=cache)
    dresden = Place("Dresden", "DE", 51.05, 13.74)
    for ask in ("near", "everyone"):
        with sqlite3.connect(cache / "contacts" / FILE) as con:
            con.execute("UPDATE contact SET blob = x'800495' WHERE idx % 3 = 0")  # pickles cut short
        stored = open_atlas(books, geocoder, home_country="DE", cache_dir=cache)
        assert stored.from_cache
        if ask == "near":
            assert stored.near(dresden, 50) == first.near(dresden, 50)
        else:
            assert stored.everyone() == first.everyone()
        assert not stored.from_cache and stored.problems == first.problems
    assert open_atlas(books, geocoder, home_country="DE", cache_dir=cache).everyone() == first.everyone()
