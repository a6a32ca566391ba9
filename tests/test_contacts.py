"""Reading address books: vCard 2.1/3.0/4.0, Google and Outlook CSV, vdir, merging, the parse cache."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from dinnerbot.contacts import read_contacts
from dinnerbot.contacts.base import contact_id
from dinnerbot.contacts.merge import merge_contacts, normalize_phone
from dinnerbot.model import Contact

DATA = Path(__file__).parent / "data" / "contacts"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "realworld"


def by_name(contacts: list[Contact]) -> dict[str, Contact]:
    return {c.name: c for c in contacts}


def test_vcard21_quoted_printable_and_charset() -> None:
    contacts, problems = read_contacts([str(DATA / "vcard21_quoted_printable.vcf")])
    assert problems == []
    (c,) = contacts
    assert c.name == "Dr. Jürgen Müller"
    assert (c.given_name, c.family_name, c.prefix) == ("Jürgen", "Müller", "Dr.")
    assert c.note == "Erste Zeile\r\nzweite Zeile"
    (a,) = c.addresses
    assert (a.kind, a.city, a.postal_code, a.country) == ("work", "Radebeul", "01445", "Deutschland")
    assert a.street.startswith("Hauptstraße 1")
    assert c.phones == ("+49 171 1234567",) and c.emails == ("juergen.mueller@example.de",)


def test_apple_grouped_items_and_categories() -> None:
    (c,), problems = read_contacts([str(DATA / "apple_grouped_items.vcf")])
    assert problems == []
    kinds = {a.kind: a.city for a in c.addresses}
    assert kinds == {"work": "Frankfurt am Main", "home": "Potsdam"}
    assert c.org == "Berg & Partner"
    assert c.categories == ("Kunden", "du") and c.register == "informal"
    assert c.birthday == date(1979, 3, 14)
    assert c.note == "Mag italienisches Essen, kein Fisch"
    assert c.id == contact_id("3F2504E0-4F89-11D3-9A0C-0305E82C3301", "", [])


def test_vcard4_geo_uri_gender_lang_register_and_old_geo() -> None:
    contacts, problems = read_contacts([str(DATA / "vcard40_geo_and_hints.vcf")])
    assert problems == []
    claire, old = by_name(contacts)["Claire Dubois"], by_name(contacts)["Old Style Geo"]
    assert claire.geo == (45.764, 4.8357)
    assert (claire.gender, claire.lang, claire.register) == ("F", "fr", "formal")
    assert old.geo == (51.0504, 13.7373) and old.lang == "en" and old.register == "formal"


def test_broken_cards_are_reported_and_the_rest_counts() -> None:
    path = DATA / "broken_cards.vcf"
    contacts, problems = read_contacts([str(path)])
    assert set(by_name(contacts)) == {"Good Before", "Half Broken", "Never Closed", "Good After"}
    messages = {(p.line, p.message.split(":")[0]) for p in problems}
    assert (8, "not a vCard property line") in messages
    assert any(p.line == 12 and "no name" in p.message for p in problems)
    assert any(p.line == 16 and "not closed" in p.message for p in problems)
    assert any("GEO" in p.message for p in problems)
    assert all(p.source == str(path) for p in problems)
    assert by_name(contacts)["Good After"].sources == (f"{path}:20",)


def test_google_csv_new_header() -> None:
    contacts, problems = read_contacts([str(DATA / "google_contacts.csv")])
    assert problems == []
    anna, tom = by_name(contacts)["Anna Berg"], by_name(contacts)["Tom Baker"]
    assert anna.emails == ("anna@berg-partner.de", "anna.berg@example.org")
    assert anna.org == "Berg & Partner" and anna.title == "Partnerin" and anna.categories == ("Kunden",)
    (home,) = anna.addresses
    assert (home.kind, home.city, home.postal_code) == ("home", "Potsdam", "14467")
    assert [a.kind for a in tom.addresses] == ["home", "work"]
    assert "CB1 2AD" in tom.addresses[0].label


def test_outlook_german_cp1252() -> None:
    contacts, problems = read_contacts([str(DATA / "outlook_de_cp1252.csv")])
    assert problems == []
    j, g = by_name(contacts)["Jürgen Müller"], by_name(contacts)["Gréta Öztürk"]
    assert j.org == "Müller GmbH" and j.title == "Geschäftsführer" and j.gender == "M"
    assert j.birthday == date(1968, 5, 17) and j.register == "formal" and j.note == "Grüße an die Familie"
    assert j.addresses[0].kind == "work" and j.addresses[0].city == "Radebeul"
    assert j.phones == ("+49 351 1234567", "0171 1234567")
    assert g.addresses[0].kind == "home" and g.addresses[0].country == "Österreich"
    assert g.birthday is None and g.gender == "F" and g.register == "informal"


def test_outlook_english() -> None:
    (c,), problems = read_contacts([str(DATA / "outlook_en.csv")])
    assert problems == []
    assert (c.name, c.prefix, c.gender, c.birthday) == ("Sarah Connor", "Dr.", "F", date(1980, 5, 17))
    a = c.addresses[0]
    assert (a.kind, a.city, a.region, a.postal_code, a.country) == (
        "work",
        "Sunnyvale",
        "CA",
        "94087",
        "United States of America",
    )


def test_same_person_in_three_sources_is_merged(tmp_path: Path) -> None:
    contacts, _ = read_contacts(
        [
            str(DATA / "vcard21_quoted_printable.vcf"),
            str(DATA / "outlook_de_cp1252.csv"),
            str(DATA / "apple_grouped_items.vcf"),
            str(DATA / "google_contacts.csv"),
        ]
    )
    names = [c.name for c in contacts]
    assert names.count("Anna Berg") == 1
    juergen = next(c for c in contacts if "juergen.mueller@example.de" in c.emails)
    assert len(juergen.sources) == 2 and juergen.birthday == date(1968, 5, 17)
    anna = next(c for c in contacts if c.name == "Anna Berg")
    assert {a.city for a in anna.addresses} == {"Frankfurt am Main", "Potsdam"}
    assert set(anna.emails) == {"anna@berg-partner.de", "anna.berg@example.org"}


def test_merge_by_phone_and_stable_id() -> None:
    a = Contact(id="cb", name="A", phones=("+49 (0)351 / 123 4567",), sources=("x:1",))
    b = Contact(id="ca", name="A Person", phones=("0049 351 1234567",), sources=("y:1",))
    c = Contact(id="cc", name="Other", phones=("+49 351 7654321",))
    merged = merge_contacts([a, b, c])
    assert len(merged) == 2
    assert merged[0].id == "ca" and merged[0].sources == ("x:1", "y:1") and merged[0].name == "A Person"
    assert [m.id for m in merge_contacts([b, a, c])] == [m.id for m in merged]
    assert normalize_phone("0351 1234567", "DE") == "+493511234567"
    assert normalize_phone("0351 1234567") is None


def test_ids_are_stable_across_runs() -> None:
    first, _ = read_contacts([str(DATA / "google_contacts.csv")])
    second, _ = read_contacts([str(DATA / "google_contacts.csv")])
    assert [c.id for c in first] == [c.id for c in second]
    assert len({c.id for c in first}) == len(first)


def test_vdir_folder(tmp_path: Path) -> None:
    book = tmp_path / "contacts" / "default"
    book.mkdir(parents=True)
    for name in ("vcard21_quoted_printable.vcf", "apple_grouped_items.vcf"):
        shutil.copy(DATA / name, book / name)
    (book / ".hidden.vcf").write_text("garbage")
    contacts, problems = read_contacts([str(tmp_path / "contacts")])
    assert problems == [] and {c.name for c in contacts} == {"Dr. Jürgen Müller", "Anna Berg"}


def test_missing_source_is_a_problem() -> None:
    contacts, problems = read_contacts(["/nonexistent/book.vcf", str(DATA / "outlook_en.csv")])
    assert len(contacts) == 1 and "not found" in problems[0].message


@pytest.mark.parametrize("kind", ["vcf", "csv"])
def test_every_realworld_file_reads(kind: str) -> None:
    folder = SHARED / kind
    if not folder.is_dir():
        pytest.skip(f"{folder} missing (the shared realworld corpus sits beside the repository)")
    files = sorted(folder.iterdir())
    assert files
    total = 0
    for path in files:
        contacts, problems = read_contacts([str(path)])
        total += len(contacts)
        assert all(p.source == str(path) for p in problems)
        assert all(c.name and c.id for c in contacts)
    assert total >= len(files) // 2


def test_shared_office_address_does_not_merge_colleagues() -> None:
    a = Contact(id="a", name="Max Huber", emails=("info@kanzlei.at",))
    b = Contact(id="b", name="Anna Huber", emails=("info@kanzlei.at",))
    c = Contact(id="c", name="Huber, Max", emails=("info@kanzlei.at", "max@huber.at"))
    merged = merge_contacts([a, b, c])
    assert sorted(m.name for m in merged) == ["Anna Huber", "Max Huber"]


def test_a_label_property_is_an_address_when_no_adr_gives_it(tmp_path: Path, shared_cache_dir: Path) -> None:
    book = tmp_path / "outlook.vcf"
    book.write_bytes(
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nN:Gruber;Andreas\r\nFN:Andreas Gruber\r\n"
        b"ADR;HOME:;;Hauptstr. 1;Graz;;8010;Austria\r\n"
        b"LABEL;HOME;ENCODING=QUOTED-PRINTABLE:Hauptstr. 1=0D=0A8010 Graz=0D=0AAustria\r\n"
        b"LABEL;WORK;ENCODING=QUOTED-PRINTABLE:K=C3=A4rntner Ring 5=0D=0A1010 Wien=0D=0A=C3=96sterreich\r\n"
        b"END:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Only A Label\r\n"
        b"LABEL;TYPE=WORK:Ringstra\xc3\x9fe 5\\n1010 Wien\r\nEND:VCARD\r\n"
    )
    (gruber, label_only), problems = read_contacts([str(book)])
    assert not problems
    assert [(a.kind, a.city, a.label) for a in gruber.addresses] == [
        ("home", "Graz", ""),
        ("work", "", "Kärntner Ring 5\n1010 Wien\nÖsterreich"),
    ]
    assert [(a.kind, a.label) for a in label_only.addresses] == [("work", "Ringstraße 5\n1010 Wien")]
    from dinnerbot.geo import open_gazetteer
    from dinnerbot.geo.resolver import OfflineGeocoder

    placed = OfflineGeocoder(open_gazetteer(shared_cache_dir), home_country="DE").locate(label_only)
    assert placed.location is not None and placed.location.country == "AT" and placed.location.located_by == "postal"
