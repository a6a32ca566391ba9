"""Merging the same person found in several address books (same e-mail, or same phone number)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from dinnerbot.model import Address, Contact


@lru_cache(maxsize=65536)
def normalize_phone(raw: str, region: str = "") -> str | None:
    """E.164 form of a phone number ('+4917012345678'), or None when it cannot be read reliably.

    International numbers ('+49 ...', '0049 ...') always work; national ones ('0170 ...') only with the
    region of the contact's address."""
    digits = re.sub(r"[^\d+]", "", raw.replace("(0)", ""))
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if len(digits) < 7 or "+" in digits[1:]:
        return None
    if digits.startswith("+"):
        return digits  # already international: E.164 is the digits (fast path, no metadata needed)
    if not region:
        return None
    import phonenumbers

    try:
        num = phonenumbers.parse(digits, None if digits.startswith("+") else region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(num):
        return None
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


_COUNTRY_REGION = {
    "deutschland": "DE",
    "germany": "DE",
    "österreich": "AT",
    "austria": "AT",
    "schweiz": "CH",
    "switzerland": "CH",
    "france": "FR",
    "frankreich": "FR",
    "nederland": "NL",
    "netherlands": "NL",
    "united kingdom": "GB",
    "uk": "GB",
    "usa": "US",
    "united states": "US",
}


def _region(contact: Contact) -> str:
    for a in contact.addresses:
        c = a.country.strip()
        if len(c) == 2 and c.isalpha():
            return c.upper()
        if c.casefold() in _COUNTRY_REGION:
            return _COUNTRY_REGION[c.casefold()]
    return ""


_TITLES = {"dr", "prof", "herr", "frau", "mr", "mrs", "ms", "mme", "m", "ing", "dipl", "med", "jr", "sr"}


def _name_tokens(contact: Contact) -> frozenset[str]:
    import unicodedata

    t = unicodedata.normalize("NFKD", contact.name.casefold())
    t = "".join(c for c in t if not unicodedata.combining(c))
    return frozenset(w for w in re.split(r"[^\w]+", t) if w and w not in _TITLES)


def same_person(a: Contact, b: Contact) -> bool:
    """Whether two cards sharing an e-mail or phone are one person: the shorter name's words must all be in
    the longer one ("Dr. Jürgen Müller" = "Müller, Jürgen"), so that a shared office address
    (info@firma.de, the switchboard) does not merge colleagues."""
    na, nb = _name_tokens(a), _name_tokens(b)
    if not na or not nb:
        return True
    return na <= nb or nb <= na


def merge_contacts(contacts: Sequence[Contact]) -> list[Contact]:
    """One contact per person: cards sharing an e-mail address or a phone number, with compatible names
    (see ``same_person``), are merged.

    The merged contact keeps every e-mail, phone, address, category and source; single-valued fields come
    from the first card that has them (sources in the order given). Its id is the smallest id of the cards,
    so it stays the same whatever the order of the sources."""
    parent = list(range(len(contacts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    seen: dict[str, int] = {}
    for i, c in enumerate(contacts):
        region = _region(c)
        keys = [f"e:{e.lower()}" for e in c.emails]
        keys += [f"p:{n}" for n in (normalize_phone(p, region) for p in c.phones) if n]
        keys.append(f"i:{c.id}")
        for k in keys:
            j = seen.setdefault(k, i)
            if j != i and same_person(contacts[i], contacts[j]):
                a, b = find(i), find(j)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: dict[int, list[Contact]] = {}
    for i, c in enumerate(contacts):
        groups.setdefault(find(i), []).append(c)
    return [group[0] if len(group) == 1 else merge_group(group) for _, group in sorted(groups.items())]


def merge_group(group: Sequence[Contact]) -> Contact:
    def first(attr: str) -> Any:
        for c in group:
            v = getattr(c, attr)
            if v:
                return v
        return getattr(group[0], attr)

    def union(attr: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(x for c in group for x in getattr(c, attr)))

    addresses: dict[str, Address] = {}
    for c in group:
        for a in c.addresses:
            addresses.setdefault(a.one_line().casefold(), a)
    name = max((c.name for c in group), key=lambda n: ("," not in n, len(n.split()), len(n)))
    return Contact(
        id=min(c.id for c in group),
        name=name,
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
