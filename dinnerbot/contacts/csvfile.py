"""CSV address-book exports: Google Contacts (current and old headers), Outlook (English and German),
Thunderbird and similar.

Columns are recognised by their header words rather than by fixed layouts, so that a reordered or
partial export still reads: "Home City", "Ort privat", "Address 1 - City" and "Work City" all map to the
city of an address whose kind (home, work, other) comes from the same header. The encoding is detected
(UTF-8 with or without BOM, UTF-16, else charset-normalizer's guess, Windows-1252 for western text as
Outlook writes it); the delimiter is sniffed (comma, semicolon, tab). A file without a header row is
read by guessing the name and e-mail columns, and says so as a problem.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from dinnerbot.contacts.base import (
    address_kind,
    contact_id,
    hints_from_categories,
    lang_hint,
    name_from_email,
    parse_birthday,
    register_hint,
)
from dinnerbot.model import Address, Contact, Problem

_WESTERN = {
    "cp1252",
    "windows-1252",
    "latin_1",
    "iso-8859-1",
    "iso8859_15",
    "cp1250",
    "iso8859_2",
    "mac_roman",
    "cp850",
    "cp437",
    "ascii",
    "iso8859_1",
    "cp1257",
    "utf_8",
}


def decode_csv(data: bytes) -> tuple[str, str]:
    """(text, encoding name); never raises."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:200_000]).best()
        enc = best.encoding if best is not None else "cp1252"
    except Exception:  # charset-normalizer missing or confused: Outlook's default
        enc = "cp1252"
    if enc.replace("-", "_").lower() in _WESTERN:
        enc = "cp1252"
    return data.decode(enc, errors="replace"), enc


def _h(header: str) -> str:
    return " ".join(re.sub(r"[^\w/]+", " ", header.casefold()).split())


# Plain fields: normalised header -> contact field.
_FIELDS = {
    "name": "name",
    "display name": "name",
    "full name": "name",
    "anzeigename": "name",
    "vollständiger name": "name",
    "first name": "given",
    "given name": "given",
    "vorname": "given",
    "prénom": "given",
    "last name": "family",
    "family name": "family",
    "nachname": "family",
    "surname": "family",
    "nom": "family",
    "name prefix": "prefix",
    "prefix": "prefix",
    "title": "prefix",
    "titel": "prefix",
    "anrede": "prefix",
    "company": "org",
    "organization": "org",
    "organisation": "org",
    "organization 1 name": "org",
    "firma": "org",
    "organization name": "org",
    "job title": "title",
    "organization 1 title": "title",
    "position": "title",
    "organization title": "title",
    "notes": "note",
    "notizen": "note",
    "note": "note",
    "notiz": "note",
    "birthday": "birthday",
    "geburtstag": "birthday",
    "gender": "gender",
    "geschlecht": "gender",
    "language": "lang",
    "sprache": "lang",
    "x dinnerbot lang": "lang",
    "register": "register",
    "x dinnerbot register": "register",
    "labels": "categories",
    "group membership": "categories",
    "categories": "categories",
    "kategorien": "categories",
    "category": "categories",
    "latitude": "lat",
    "longitude": "lon",
    "geo": "geo",
    "uid": "uid",
    "id": "uid",
}
_ADDR_FIELDS = (
    ("formatted", "label"),
    ("label", "label"),
    ("po box", "pobox"),
    ("postfach", "pobox"),
    ("postal code", "postal"),
    ("postleitzahl", "postal"),
    ("zipcode", "postal"),
    ("zip", "postal"),
    ("plz", "postal"),
    ("street", "street"),
    ("straße", "street"),
    ("strasse", "street"),
    ("address 2", "street2"),
    ("extended address", "street2"),
    ("city", "city"),
    ("ort", "city"),
    ("stadt", "city"),
    ("state", "region"),
    ("region", "region"),
    ("bundesland", "region"),
    ("land/region", "country"),
    ("country", "country"),
    ("land", "country"),
    ("type", "type"),
)


@dataclass
class _Columns:
    fields: dict[int, str] = field(default_factory=dict)
    emails: list[int] = field(default_factory=list)
    phones: list[int] = field(default_factory=list)
    addr: dict[int, tuple[str, str]] = field(default_factory=dict)  # column -> (group, part)

    @property
    def useful(self) -> bool:
        return bool(self.fields or self.emails or self.addr)


def classify(headers: list[str]) -> _Columns:
    cols = _Columns()
    for i, raw in enumerate(headers):
        h = _h(raw)
        if not h:
            continue
        if h in _FIELDS:
            cols.fields[i] = _FIELDS[h]
            continue
        if re.search(r"e ?mail|e-mail", h):
            if re.search(r"type|display|typ|anzeige|angezeigt|label|name", h):
                continue
            cols.emails.append(i)
            continue
        if re.search(r"phone|telefon|mobil|handy|tel\b", h) and not re.search(r"type|fax|label|typ", h):
            cols.phones.append(i)
            continue
        m = re.match(r"^address (\d+) (.+)$", h)  # Google: "Address 1 - City"
        if m:
            for word, part in _ADDR_FIELDS:
                if re.match(rf"{re.escape(word)}\b", m.group(2)):
                    # Google's "Label"/"Type" column says home or work; "Formatted" is the free text
                    cols.addr[i] = (
                        f"address {m.group(1)}",
                        "type" if part == "label" and word == "label" else part,
                    )
                    break
            continue
        group = None
        if re.search(r"\bhome\b|privat", h):
            group = "home"
        elif re.search(r"\bbusiness\b|\bwork\b|geschäftlich|geschaeftlich|\bbüro\b", h):
            group = "work"
        elif re.search(r"\bother\b|weitere", h):
            group = "other"
        if group is None:
            if h in (
                "address",
                "adresse",
                "anschrift",
                "street",
                "city",
                "ort",
                "postal code",
                "zip",
                "country",
                "state",
                "plz",
                "location",
            ):
                group = "other"
            else:
                continue
        rest = re.sub(
            r"\bhome\b|privat|\bbusiness\b|\bwork\b|geschäftlich|geschaeftlich|\bother\b|weiterer?s?", "", h
        ).strip()
        if rest in ("address", "adresse", "anschrift", "location"):
            cols.addr[i] = (group, "street" if group != "other" or h != "location" else "label")
            continue
        for word, part in _ADDR_FIELDS:
            if re.search(rf"(^|\s){re.escape(word)}($|[\s/])", rest):
                cols.addr[i] = (group, part)
                break
    return cols


def _sniff(text: str) -> csv.Dialect | type[csv.Dialect]:
    sample = text[:20_000]
    first = sample.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] == 0:
        return csv.excel

    class Dialect(csv.excel):
        delimiter = best

    return Dialect


def read_csv(path: Path) -> tuple[list[Contact], list[Problem]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return [], [Problem(str(path), f"cannot read: {exc.strerror or exc}")]
    text, _enc = decode_csv(data)
    return parse_csv(text, str(path))


def parse_csv(text: str, source: str) -> tuple[list[Contact], list[Problem]]:
    problems: list[Problem] = []
    text = text.replace("\x00", "")
    reader = csv.reader(io.StringIO(text, newline=""), _sniff(text))
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        problems.append(Problem(source, f"CSV error, rest of file skipped: {exc}", reader.line_num))
    rows = [(n, r) for n, r in rows if any(c.strip() for c in r)]
    if not rows:
        return [], problems + [Problem(source, "empty CSV file")]
    cols = classify(rows[0][1])
    if cols.useful:
        body = rows[1:]
    else:
        cols = _guess_columns(rows)
        body = rows
        problems.append(Problem(source, "no header row recognised; guessed the name and e-mail columns", 1))
        if not cols.useful:
            return [], problems + [Problem(source, "no name or e-mail column found")]
    contacts: list[Contact] = []
    for lineno, row in body:
        c = _row_contact(row, cols, source, lineno)
        if c is None:
            problems.append(Problem(source, "row has no name, organisation or e-mail: skipped", lineno))
        else:
            contacts.append(c)
    return contacts, problems


def _guess_columns(rows: list[tuple[int, list[str]]]) -> _Columns:
    cols = _Columns()
    width = max(len(r) for _, r in rows)
    for i in range(width):
        values = [r[i] for _, r in rows[:50] if i < len(r) and r[i].strip()]
        if values and sum("@" in v for v in values) >= len(values) / 2:
            cols.emails.append(i)
    if width and 0 not in cols.emails:
        cols.fields[0] = "name"
    return cols


def _split_multi(value: str) -> list[str]:
    return [v.strip() for v in re.split(r"\s*:::\s*|\n", value) if v.strip()]


def _row_contact(row: list[str], cols: _Columns, source: str, lineno: int) -> Contact | None:
    def cell(i: int) -> str:
        return row[i].strip() if i < len(row) else ""

    f: dict[str, str] = {}
    for i, name in cols.fields.items():
        v = cell(i)
        if v and name not in f:
            f[name] = v
    emails: list[str] = []
    for i in cols.emails:
        for e in _split_multi(cell(i)):
            e = e.lower().removeprefix("mailto:")
            if "@" in e and e not in emails:
                emails.append(e)
    phones: list[str] = []
    for i in cols.phones:
        for p in _split_multi(cell(i)):
            if re.search(r"\d{3}", p) and p not in phones:
                phones.append(p)
    groups: dict[str, dict[str, str]] = {}
    for i, (group, part) in cols.addr.items():
        v = cell(i)
        if v:
            g = groups.setdefault(group, {})
            g[part] = f"{g[part]}, {v}" if part in g and part in ("street", "street2") else g.get(part, v)
    addresses = []
    for group, g in groups.items():
        street = ", ".join(x for x in (g.get("street", ""), g.get("street2", ""), g.get("pobox", "")) if x)
        kind = address_kind(g.get("type", "") or group)
        a = Address(
            kind,
            street.replace("\n", ", "),
            g.get("postal", ""),
            g.get("city", ""),
            g.get("region", ""),
            g.get("country", ""),
            g.get("label", ""),
        )
        if any((a.postal_code, a.city, a.country, a.label, a.street)):
            addresses.append(a)
    given, family = f.get("given", ""), f.get("family", "")
    org = f.get("org", "")
    name = f.get("name") or " ".join(x for x in (given, family) if x) or org
    if not name and emails:
        name = name_from_email(emails[0])
    if not name:
        return None
    cats = [c.strip().lstrip("*").strip() for c in re.split(r":::|;|,", f.get("categories", ""))]
    cats = [
        c
        for c in cats
        if c and c.casefold().replace(" ", "") not in ("mycontacts", "meinekontakte", "starred")
    ]
    cat_lang, cat_register = hints_from_categories(cats)
    geo = _geo(f)
    gender = {"W": "F", "H": "M"}.get(f.get("gender", "")[:1].upper(), f.get("gender", "")[:1].upper())
    if not gender:
        gender = {"frau": "F", "herr": "M", "mrs": "F", "ms": "F", "mr": "M"}.get(
            f.get("prefix", "").casefold().rstrip("."), ""
        )
    return Contact(
        id=contact_id(f.get("uid", ""), name, emails),
        name=name,
        given_name=given,
        family_name=family,
        prefix=f.get("prefix", ""),
        gender=gender if gender in ("F", "M") else "",
        emails=tuple(emails),
        phones=tuple(phones),
        org=org,
        title=f.get("title", ""),
        categories=tuple(cats),
        addresses=tuple(addresses),
        geo=geo,
        birthday=_birthday(f.get("birthday", "")),
        note=f.get("note", ""),
        lang=lang_hint(f.get("lang", "")) or cat_lang,
        register=register_hint(f.get("register", "")) or cat_register,
        sources=(f"{source}:{lineno}",),
    )


def _geo(f: dict[str, str]) -> tuple[float, float] | None:
    try:
        if "lat" in f and "lon" in f:
            lat, lon = float(f["lat"].replace(",", ".")), float(f["lon"].replace(",", "."))
        elif "geo" in f:
            m = re.match(r"^\s*(?:geo:)?([-+]?\d+\.\d+)\s*[,;]\s*([-+]?\d+\.\d+)", f["geo"])
            if not m:
                return None
            lat, lon = float(m.group(1)), float(m.group(2))
        else:
            return None
    except ValueError:
        return None
    return (lat, lon) if -90 <= lat <= 90 and -180 <= lon <= 180 else None


def _birthday(value: str) -> date | None:
    v = value.strip()
    if not v:
        return None
    m = re.match(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$", v)  # 17.05.1980
    if m:
        return parse_birthday(f"{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}")
    m = re.match(r"^(\d{1,2})/(\d{1,2})/(\d{4})$", v)  # Outlook en-US 5/17/1980; 20/01/1991 is day first
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        month, day = (a, b) if a <= 12 else (b, a)
        return parse_birthday(f"{m.group(3)}-{month:02d}-{day:02d}")
    return parse_birthday(v)
