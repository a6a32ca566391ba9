"""The plain two-step vCard reading (cards, then contacts), kept as the test oracle of ``parse_vcards``.

``dinnerbot.contacts.vcard.parse_vcards`` reads in one pass and must give exactly what this gives; a change
of behaviour in the reader is made here too, and the equivalence tests say where the two part.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from dinnerbot.contacts.base import (
    address_kind,
    contact_id,
    hints_from_categories,
    lang_hint,
    name_from_email,
    parse_birthday,
    register_hint,
)
from dinnerbot.contacts.vcard import (
    _BASE64_LINE,
    _GEO,
    _PROP,
    _decode_qp,
    _parse_params,
    _unfold,
    labelled_only,
    split_value,
    unescape,
)
from dinnerbot.model import Address, Contact, Problem


@dataclass(slots=True)
class _Prop:
    group: str
    name: str
    params: dict[str, list[str]]
    value: str
    line: int


@dataclass(slots=True)
class _Card:
    line: int
    props: list[_Prop] = field(default_factory=list)


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Unfolded lines with the number of their first physical line (QP soft breaks joined too)."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        start = i
        line, i = _unfold(lines, i)  # on every line: the one-pass reader calls it only where it must
        yield start + 1, line


def _decode_value(prop: _Prop) -> str:
    enc = [e.upper() for e in prop.params.get("ENCODING", [])]
    if "QUOTED-PRINTABLE" in enc:
        return _decode_qp(prop.value, (prop.params.get("CHARSET") or ["utf-8"])[0])
    return prop.value


def parse_cards(text: str, source: str) -> tuple[list[_Card], list[Problem]]:
    """The cards of a vCard text, property by property. With ``card_to_contact`` this is the plain
    two-step reading that ``parse_vcards`` does in one pass (the tests check that both agree)."""
    cards: list[_Card] = []
    problems: list[Problem] = []
    card: _Card | None = None
    depth = 0
    outside = in_binary = False
    for lineno, line in _logical_lines(text):
        if not line.strip():
            continue
        upper = line.strip().upper()
        if upper == "BEGIN:VCARD":
            if card is not None and depth == 1:
                problems.append(
                    Problem(source, "card not closed by END:VCARD (kept what was read)", card.line)
                )
                cards.append(card)
            if card is not None and depth > 1:  # nested vCard (AGENT): skip it
                depth += 1
                continue
            card, depth, outside, in_binary = _Card(lineno), 1, False, False
            continue
        if upper == "END:VCARD":
            if card is None:
                problems.append(Problem(source, "END:VCARD without BEGIN:VCARD", lineno))
                continue
            depth -= 1
            if depth <= 0:
                cards.append(card)
                card, depth = None, 0
            continue
        if card is None:
            if not outside:
                problems.append(Problem(source, f"text outside a card ignored: {line[:40]!r}", lineno))
            outside = True
            continue
        outside = False
        if depth > 1:
            continue
        m = _PROP.match(line)
        if not m:
            if in_binary and _BASE64_LINE.match(line):
                continue  # vCard 2.1 base64 data continued without indentation
            problems.append(Problem(source, f"not a vCard property line: {line[:60]!r}", lineno))
            continue
        in_binary = "BASE64" in m.group("params").upper() or "ENCODING=B" in m.group("params").upper()
        card.props.append(
            _Prop(
                (m.group("group") or "").lower(),
                m.group("name").upper(),
                _parse_params(m.group("params")[1:]),
                m.group("value"),
                lineno,
            )
        )
    if card is not None:
        problems.append(
            Problem(source, "card not closed by END:VCARD at end of file (kept what was read)", card.line)
        )
        cards.append(card)
    return cards, problems


def card_to_contact(card: _Card, source: str) -> tuple[Contact | None, list[Problem]]:
    problems: list[Problem] = []
    labels = {p.group: _decode_value(p) for p in card.props if p.group and p.name == "X-ABLABEL"}
    fn = uid = org = title = note = prefix = gender = ""
    given = family = ""
    emails: list[str] = []
    phones: list[str] = []
    cats: list[str] = []
    addrs: list[Address] = []
    label_props: list[tuple[str, str]] = []
    geo: tuple[float, float] | None = None
    bday = None
    lang = register = None
    for p in card.props:
        name = p.name
        if name in ("PHOTO", "LOGO", "SOUND", "KEY"):
            continue
        value = _decode_value(p)
        types = [t.lower() for t in p.params.get("TYPE", [])]
        try:
            if name == "FN":
                fn = unescape(value).strip()
            elif name == "N":
                parts = split_value(value) + [""] * 5
                family, given, prefix = parts[0].strip(), parts[1].strip(), parts[3].strip()
            elif name == "UID":
                uid = value.strip()
            elif name == "ORG":
                org = " / ".join(x.strip() for x in split_value(value) if x.strip())
            elif name == "TITLE":
                title = unescape(value).strip()
            elif name == "NOTE":
                note = unescape(value).strip()
            elif name == "EMAIL":
                e = unescape(value).strip().removeprefix("mailto:").strip().lower()
                if "@" in e and e not in emails:
                    emails.append(e)
            elif name == "TEL":
                t = value.strip().removeprefix("tel:").strip()
                if t and t not in phones:
                    phones.append(t)
            elif name == "ADR":
                parts = [x.strip() for x in split_value(value)] + [""] * 7
                label_param = (p.params.get("LABEL") or [""])[0]
                street = ", ".join(x for x in (parts[2], parts[1], parts[0]) if x)
                kind = address_kind(*types, labels.get(p.group, ""))
                a = Address(
                    kind,
                    street.replace("\n", ", "),
                    parts[5],
                    parts[3],
                    parts[4],
                    parts[6],
                    label_param.replace("\\n", "\n"),
                )
                if any((a.street, a.postal_code, a.city, a.region, a.country, a.label)):
                    addrs.append(a)
            elif name == "GEO":
                m = _GEO.match(unescape(value))
                if m:
                    lat, lon = float(m.group(1)), float(m.group(2))
                    if -90 <= lat <= 90 and -180 <= lon <= 180 and (lat, lon) != (0.0, 0.0):
                        geo = (lat, lon)
                    else:
                        problems.append(Problem(source, f"GEO out of range: {value!r}", p.line))
                else:
                    problems.append(Problem(source, f"GEO not understood: {value!r}", p.line))
            elif name == "CATEGORIES":
                cats.extend(c.strip() for c in split_value(value, ",") if c.strip())
            elif name == "BDAY":
                bday = parse_birthday(value)
            elif name in ("LANG", "X-DINNERBOT-LANG"):
                lang = lang_hint(value) or lang
            elif name == "X-DINNERBOT-REGISTER":
                register = register_hint(value) or register
            elif name in ("GENDER", "X-GENDER"):
                g = value.strip()[:1].upper()
                gender = g if g in ("F", "M") else gender
            elif name == "LABEL":
                text = unescape(value).replace("\r\n", "\n").strip()
                if text:
                    label_props.append((address_kind(*types, labels.get(p.group, "")), text))
        except (ValueError, IndexError) as exc:  # pragma: no cover - defensive
            problems.append(Problem(source, f"{name}: {exc}", p.line))
    addrs += labelled_only(addrs, label_props)
    cat_lang, cat_register = hints_from_categories(cats)
    lang, register = lang or cat_lang, register or cat_register
    name = (
        fn
        or " ".join(x for x in (given, family) if x)
        or org
        or (name_from_email(emails[0]) if emails else "")
    )
    if not name:
        problems.append(Problem(source, "card has no name, organisation or e-mail: skipped", card.line))
        return None, problems
    contact = Contact(
        id=contact_id(uid, name, emails),
        name=name,
        given_name=given,
        family_name=family,
        prefix=prefix,
        gender=gender,
        emails=tuple(emails),
        phones=tuple(phones),
        org=org,
        title=title,
        categories=tuple(cats),
        addresses=tuple(addrs),
        geo=geo,
        birthday=bday,
        note=note,
        lang=lang,
        register=register,
        sources=(f"{source}:{card.line}",),
    )
    return contact, problems
