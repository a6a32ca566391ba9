"""The one-pass vCard reader and the merge give what their plain formulations give.

``parse_vcards`` reads a text in one pass; ``parse_cards`` + ``card_to_contact`` (tests/vcard_reference.py)
are the plain two-step reading it must agree with. ``merge_contacts`` is compared with the straightforward
union of cards sharing a key (written out below).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from dinnerbot.contacts import merge, vcard
from dinnerbot.model import Address, Contact, Problem

from . import vcard_reference

DATA = Path(__file__).parent / "data"
REALWORLD = Path(__file__).resolve().parents[2] / "shared" / "realworld" / "vcf"


def two_step(text: str, source: str) -> tuple[list[Contact], list[Problem]]:
    cards, problems = vcard_reference.parse_cards(text, source)
    contacts = []
    for card in cards:
        contact, probs = vcard_reference.card_to_contact(card, source)
        problems.extend(probs)
        if contact is not None:
            contacts.append(contact)
    return contacts, problems


def outcome(read: Callable[[str, str], Any], text: str) -> Any:
    """What a reader gives, or which exception it raises (a bad CHARSET can make both fail)."""
    try:
        return read(text, "book.vcf")
    except Exception as exc:  # noqa: BLE001 - compared, not hidden
        return type(exc).__name__, str(exc)


def assert_same_reading(text: str) -> None:
    assert outcome(vcard.parse_vcards, text) == outcome(two_step, text)


# --- vCard files -----------------------------------------------------------------------------------------


def test_test_data_files_read_the_same() -> None:
    files = sorted(DATA.rglob("*.vcf"))
    assert files
    for path in files:
        text = vcard.decode_bytes(path.read_bytes())
        assert vcard.parse_vcards(text, str(path)) == two_step(text, str(path)), path


@pytest.mark.skipif(not REALWORLD.is_dir(), reason="real-world vCard corpus not available")
def test_realworld_files_read_the_same() -> None:
    files = sorted(REALWORLD.rglob("*.vcf"))
    assert files
    for path in files:
        text = vcard.decode_bytes(path.read_bytes())
        assert vcard.parse_vcards(text, str(path)) == two_step(text, str(path)), path


# --- generated vCard texts -------------------------------------------------------------------------------

BEGINS = ["BEGIN:VCARD", "begin:vcard", "  BEGIN:VCARD ", "BEGIN:VCARD\t", "begın:vcard", "BEGIN:VCARD\u3000"]
BEGINS += ["BEGIN:VCARDX", "BEGIN: VCARD"]
ENDS = ["END:VCARD", "end:VCard", " END:VCARD ", "END:VCARD;", "\u2003END:VCARD"]
NAMES = [
    "FN", "N", "EMAIL", "TEL", "ADR", "ORG", "TITLE", "NOTE", "UID", "GEO", "CATEGORIES", "BDAY", "LANG", "GENDER",
    "X-DINNERBOT-LANG", "X-DINNERBOT-REGISTER", "X-GENDER", "X-ABLabel", "PHOTO", "KEY", "VERSION", "X-FOO", "email",
    "item1.ADR", "item1.X-ABLabel", "item2.X-ABLabel", "AGENT",
]  # fmt: skip
PARAMS = [
    "", ";TYPE=HOME", ";type=work;type=pref", ";HOME", ";WORK;PREF", ";CHARSET=UTF-8", ";ENCODING=QUOTED-PRINTABLE",
    ";CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE", ";QUOTED-PRINTABLE", ";CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE",
    ";CHARSET=bogus;ENCODING=QUOTED-PRINTABLE", ";ENCODING=BASE64", ";ENCODING=b", ";BASE64", ';LABEL="Hof 1\\nBerlin"',
    ';X="a:b"', ';X="a;b",c', ";TYPE=INTERNET;TYPE=HOME", ";=x", ";;", ";TYPE=", ";X-AB=_$!<Work>!$_",
]  # fmt: skip
VALUES = [
    "Anna Berg", "Berg;Anna;;Dr.;", "anna@x.de", "MAILTO:Anna@X.de", "+49 170 1234567", "tel:+49-30-1234",
    ";;Hauptstr. 1;Berlin;;10115;Deutschland", ";;Str\\; 2\\nHof;Köln;NRW;50667;DE", "Firma;Abt", "geo:51.05,13.74",
    "51.05;13.74", "91;0", "0;0", "x", "1980-05-17", "--0517", "19800230", "de", "en-GB", "du", "Sie", "F", "m",
    "myContacts,Kunden,lang:en", "M=C3=BCller;J=C3=BCrgen;;;", "Erste=0D=0AZweite", "=E4=F6=FC", "", " ", "\\",
    "a\\nb\\,c\\;d", "_$!<Home>!$_", "Büro", "/9j/4AAQSkZJRgABAQ==", "x:y", "=", "Dr. Jürgen Müller", "Müller, Jürgen",
]  # fmt: skip
JUNK = ["", " ", "\t", "garbage", "A.B.C:x", ";x:y", ":value", "aGVsbG8=", "  continued", "\tcontinued", "=", "1.2:x"]
LINE_ENDS = ["\n", "\r\n", "\r", "\u2028", "\x85", "\x0b", "\x0c", "\x1c"]


def generated_vcard(rnd: random.Random) -> str:
    lines: list[str] = []
    for _ in range(rnd.randint(0, 5)):
        if rnd.random() < 0.1:
            lines.append(rnd.choice(JUNK))
        if rnd.random() < 0.9:
            lines.append(rnd.choice(BEGINS) if rnd.random() < 0.3 else "BEGIN:VCARD")
        for _ in range(rnd.randint(0, 10)):
            r = rnd.random()
            if r < 0.12:
                lines.append(rnd.choice(JUNK + BEGINS[:2] + ENDS[:2]))
                continue
            params = "".join(rnd.choice(PARAMS) for _ in range(rnd.choice([0, 1, 1, 2])))
            line = f"{rnd.choice(NAMES)}{params}:{rnd.choice(VALUES)}"
            while len(line) > 3 and rnd.random() < 0.3:  # folded, with one or more fold characters
                k = rnd.randint(1, len(line) - 1)
                lines.append(line[:k])
                line = rnd.choice([" ", "\t", "  "]) + line[k:]
            lines.append(line)
            if "QUOTED" in params and rnd.random() < 0.4:  # soft line break
                lines[-1] += "="
                lines.append(rnd.choice(VALUES))
            if "BASE64" in params.upper() and rnd.random() < 0.5:  # 2.1 data continued without indentation
                lines.extend(rnd.choice(["QUJD", "aGVsbG8=", "not base64!"]) for _ in range(rnd.randint(1, 2)))
        if rnd.random() < 0.9:
            lines.append(rnd.choice(ENDS) if rnd.random() < 0.3 else "END:VCARD")
    end = rnd.choice(["\n", "\r\n"])
    return "".join(line + (end if rnd.random() < 0.9 else rnd.choice(LINE_ENDS)) for line in lines)


@pytest.mark.parametrize("seed", range(4))
def test_generated_vcards_read_the_same(seed: int) -> None:
    rnd = random.Random(seed)
    for _ in range(300):
        assert_same_reading(generated_vcard(rnd))


def test_a_charset_that_is_no_text_codec_falls_back() -> None:
    for charset in ("undefined", "punycode", "no-such-charset"):
        card = f"BEGIN:VCARD\nFN:A\nNOTE;CHARSET={charset};ENCODING=QUOTED-PRINTABLE:M=C3=BCller\nEND:VCARD\n"
        assert outcome(vcard.parse_vcards, card) == outcome(two_step, card)
        (contact,), problems = vcard.parse_vcards(card, "x.vcf")
        assert contact.name == "A" and contact.note == "Müller" and not problems


# --- merging ---------------------------------------------------------------------------------------------


def plain_merge(contacts: Sequence[Contact]) -> list[Contact]:
    """The straightforward merge: union of the cards sharing a prefixed key, one key table."""
    import unicodedata

    import phonenumbers

    def phone(raw: str, region: str) -> str | None:
        digits = re.sub(r"[^\d+]", "", raw.replace("(0)", ""))
        if digits.startswith("00"):
            digits = "+" + digits[2:]
        if len(digits) < 7 or "+" in digits[1:]:
            return None
        if digits.startswith("+"):
            return digits
        if not region:
            return None
        try:
            num = phonenumbers.parse(digits, region)
        except phonenumbers.NumberParseException:
            return None
        if not phonenumbers.is_possible_number(num):
            return None
        return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)

    def tokens(c: Contact) -> frozenset[str]:
        t = unicodedata.normalize("NFKD", c.name.casefold())
        t = "".join(ch for ch in t if not unicodedata.combining(ch))
        return frozenset(w for w in re.split(r"[^\w]+", t) if w and w not in merge._TITLES)

    def same(a: Contact, b: Contact) -> bool:
        na, nb = tokens(a), tokens(b)
        return not na or not nb or na <= nb or nb <= na

    parent = list(range(len(contacts)))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    seen: dict[str, int] = {}
    for i, c in enumerate(contacts):
        region = merge._region(c)
        keys = [f"e:{e.lower()}" for e in c.emails]
        keys += [f"p:{n}" for n in (phone(p, region) for p in c.phones) if n]
        keys.append(f"i:{c.id}")
        for k in keys:
            j = seen.setdefault(k, i)
            if j != i and same(contacts[i], contacts[j]):
                a, b = find(i), find(j)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: dict[int, list[Contact]] = {}
    for i, c in enumerate(contacts):
        groups.setdefault(find(i), []).append(c)
    return [group[0] if len(group) == 1 else plain_group(group) for _, group in sorted(groups.items())]


def plain_group(group: list[Contact]) -> Contact:
    def first(attr: str) -> Any:
        return next((getattr(c, attr) for c in group if getattr(c, attr)), getattr(group[0], attr))

    def union(attr: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(x for c in group for x in getattr(c, attr)))

    addresses: dict[str, Address] = {}
    for c in group:
        for a in c.addresses:
            addresses.setdefault(a.one_line().casefold(), a)
    return Contact(
        id=min(c.id for c in group),
        name=max((c.name for c in group), key=lambda n: ("," not in n, len(n.split()), len(n))),
        given_name=str(first("given_name")),
        family_name=str(first("family_name")),
        prefix=str(first("prefix")),
        gender=str(first("gender")),
        emails=union("emails"),
        phones=union("phones"),
        org=str(first("org")),
        title=str(first("title")),
        categories=union("categories"),
        addresses=tuple(addresses.values()),
        geo=first("geo"),
        birthday=first("birthday"),
        note=str(first("note")),
        lang=first("lang") or None,
        register=first("register") or None,
        sources=union("sources"),
    )


FIRST = ["Anna", "Jürgen", "Jurgen", "Zoë", "Dr. Anna", "", "Mr", "Åsa", "ılker"]
LAST = ["Berg", "Müller", "Mueller", "von Arx", "Straße", "STRASSE", ""]
COUNTRIES = ["", "DE", "de", "Deutschland", " AT ", "Österreich", "CH", "FR", "UK", "usa", "CA", "AR", "JP", "XX", "ÄÖ"]
PHONE_PREFIXES = ["+49 ", "0049 ", "0", "0170 ", "+1 ", "011 ", "+44 (0)", "", "49", "+54 9 ", "0800 "]


def generated_contacts(rnd: random.Random) -> list[Contact]:
    def phone() -> str:
        number = rnd.choice(PHONE_PREFIXES) + "".join(rnd.choice("0123456789") for _ in range(rnd.randint(3, 11)))
        return number.replace("1", "١") if rnd.random() < 0.05 else number  # Arabic-Indic digits

    contacts: list[Contact] = []
    for _ in range(rnd.randint(0, 50)):
        if contacts and rnd.random() < 0.4:  # the same person again, written differently
            base = rnd.choice(contacts)
            words = base.name.split(" ", 1)
            name = rnd.choice([base.name, base.name.upper(), "Dr. " + base.name, ", ".join(reversed(words))])
            emails = tuple(e.upper() if rnd.random() < 0.3 else e for e in base.emails[: rnd.randint(0, 2)])
            phones = base.phones[: rnd.randint(0, 2)] + ((phone(),) if rnd.random() < 0.3 else ())
            cid = base.id if rnd.random() < 0.2 else f"c{rnd.randrange(10**6)}"
        else:
            name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}".strip()
            emails = tuple(f"{rnd.choice(['anna', 'info'])}{rnd.randint(0, 30)}@x.de" for _ in range(rnd.randint(0, 2)))
            phones = tuple(phone() for _ in range(rnd.randint(0, 2)))
            cid = f"c{rnd.randrange(10**6)}"
        addresses = tuple(
            Address(
                rnd.choice(["home", "work"]),
                rnd.choice(["", "Hauptstr. 1", "hauptstr. 1", "A, B"]),
                rnd.choice(["", "10115"]),
                rnd.choice(["", "Berlin", "berlin"]),
                rnd.choice(["", "B"]),
                rnd.choice(COUNTRIES),
                rnd.choice(["", "Label\nx"]),
            )
            for _ in range(rnd.randint(0, 2))
        )
        contacts.append(
            Contact(
                id=cid,
                name=name,
                given_name=rnd.choice(["", "Anna"]),
                family_name=rnd.choice(["", "Berg"]),
                prefix=rnd.choice(["", "Dr."]),
                gender=rnd.choice(["", "F"]),
                emails=emails,
                phones=phones,
                org=rnd.choice(["", "ACME"]),
                title=rnd.choice(["", "CEO"]),
                categories=tuple(rnd.sample(["a", "b", "c", "a"], k=rnd.randint(0, 3))),
                addresses=addresses,
                geo=rnd.choice([None, (1.0, 2.0)]),
                birthday=rnd.choice([None, date(1980, 1, 2)]),
                note=rnd.choice(["", "n"]),
                lang=rnd.choice([None, "de"]),
                register=rnd.choice([None, "formal"]),
                sources=(f"f{rnd.randint(0, 3)}.vcf:{rnd.randint(1, 99)}",) * rnd.choice([1, 1, 2]),
            )
        )
    return contacts


def test_generated_contacts_merge_the_same() -> None:
    pytest.importorskip("phonenumbers")
    rnd = random.Random(3)
    merged_away = 0
    for _ in range(300):
        contacts = generated_contacts(rnd)
        expected = plain_merge(contacts)
        assert merge.merge_contacts(contacts) == expected
        merged_away += len(contacts) - len(expected)
    assert merged_away > 500  # the lists did have people to merge


def test_files_merge_the_same() -> None:
    pytest.importorskip("phonenumbers")
    files = sorted(DATA.rglob("*.vcf"))
    if REALWORLD.is_dir():
        files += sorted(REALWORLD.rglob("*.vcf"))
    contacts = [c for path in files for c in vcard.read_vcf(path)[0]]
    assert merge.merge_contacts(contacts) == plain_merge(contacts)
    assert merge.merge_contacts(contacts[::-1]) == plain_merge(contacts[::-1])
