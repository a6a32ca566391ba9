"""Merging the same person found in several address books (same e-mail, or same phone number)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from operator import attrgetter
from typing import Any

from dinnerbot.model import Address, Contact

_NOT_PHONE_CHARS = re.compile(r"[^\d+]")
_NOT_PHONE_BYTES = bytes(c for c in range(128) if not (48 <= c <= 57 or c == 43))  # all but 0-9 and +


@lru_cache(maxsize=65536)
def normalize_phone(raw: str, region: str = "") -> str | None:
    """E.164 form of a phone number ('+4917012345678'), or None when it cannot be read reliably.

    International numbers ('+49 ...', '0049 ...') always work; national ones ('0170 ...') only with the
    region of the contact's address."""
    digits = _phone_digits(raw)
    if digits is None or digits.startswith("+"):
        return digits
    return _national_e164(digits, region) if region else None


def _phone_digits(raw: str) -> str | None:
    """The digits of a phone number: already E.164 for an international one ('+49...', '0049...'), None
    when too short or malformed."""
    raw = raw.replace("(0)", "")
    # the same as the regular expression, quicker for ASCII text
    digits = raw.encode().translate(None, _NOT_PHONE_BYTES).decode() if raw.isascii() else _NOT_PHONE_CHARS.sub("", raw)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if len(digits) < 7 or "+" in digits[1:]:
        return None
    return digits


@lru_cache(maxsize=65536)
def _national_e164(digits: str, region: str) -> str | None:
    """E.164 form of a national number in ``region``, None when it is not a possible number there."""
    import phonenumbers

    try:
        num = phonenumbers.parse(digits, region)
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
    t = contact.name.casefold()
    if not t.isascii():
        t = unicodedata.normalize("NFKD", t).translate(_WITHOUT_COMBINING)
    return frozenset(_NON_WORD.split(t)).difference(_NOT_NAME_WORDS)


class _WithoutCombining(dict[int, int | None]):
    """A ``str.translate`` table that drops combining characters (accents after NFKD), filled as needed."""

    def __missing__(self, code: int) -> int | None:
        keep = None if unicodedata.combining(chr(code)) else code
        self[code] = keep
        return keep


_WITHOUT_COMBINING = _WithoutCombining()
_NON_WORD = re.compile(r"[^\w]+")
_NOT_NAME_WORDS = frozenset(_TITLES | {""})


def same_person(a: Contact, b: Contact) -> bool:
    """Whether two cards sharing an e-mail or phone are one person: the shorter name's words must all be in
    the longer one ("Dr. Jürgen Müller" = "Müller, Jürgen"), so that a shared office address
    (info@firma.de, the switchboard) does not merge colleagues."""
    return _same_tokens(_name_tokens(a), _name_tokens(b))


def _same_tokens(na: frozenset[str], nb: frozenset[str]) -> bool:
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
    tokens: dict[str, frozenset[str]] = {}  # the words of the names compared so far

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        """Card i shares a key with the first card j that had it: one group if they are one person."""
        a = i if parent[i] == i else find(i)
        b = j if parent[j] == j else find(j)
        if a == b:
            return
        ci, cj = contacts[i], contacts[j]
        ti = tokens.get(ci.name)
        if ti is None:
            ti = tokens[ci.name] = _name_tokens(ci)
        tj = tokens.get(cj.name)
        if tj is None:
            tj = tokens[cj.name] = _name_tokens(cj)
        if _same_tokens(ti, tj):
            parent[max(a, b)] = min(a, b)

    # one table per kind of key; the first card with a key is the one later cards are compared with
    by_email: dict[str, int] = {}
    by_phone: dict[str, int] = {}
    by_id: dict[str, int] = {}
    for i, c in enumerate(contacts):
        for e in c.emails:
            j = by_email.setdefault(e.lower(), i)
            if j != i:
                join(i, j)
        if c.phones:
            region = None
            for phone in c.phones:
                n = _phone_digits(phone)
                if n and not n.startswith("+"):  # national: needs the region of the card's address
                    if region is None:
                        region = _region(c)
                    n = _national_e164(n, region) if region else None
                if n:
                    j = by_phone.setdefault(n, i)
                    if j != i:
                        join(i, j)
        j = by_id.setdefault(c.id, i)
        if j != i:
            join(i, j)
    # parents have smaller indices than their children, so one pass from the start finds every root; a
    # group's root is its smallest index, so groups come out in the order of their first card
    roots = parent
    last: dict[int, int] = {}  # root -> its group's last card so far
    after = [0] * len(contacts)  # card -> next card of its group (a list per group would cost more)
    for i, p in enumerate(parent):
        if p != i:
            r = roots[i] = roots[p]
            after[last.get(r, r)] = i
            last[r] = i
    merged: list[Contact] = []
    for i, r in enumerate(roots):
        if r == i:
            end = last.get(i)
            if end is None:
                merged.append(contacts[i])
                continue
            group = [contacts[i]]
            k = i
            while k != end:
                k = after[k]
                group.append(contacts[k])
            merged.append(merge_group(group))
    return merged


_SINGLE = attrgetter(
    "given_name", "family_name", "prefix", "gender", "org", "title", "geo", "birthday", "note", "lang", "register"
)


def merge_group(group: Sequence[Contact]) -> Contact:
    emails: list[str] = []
    phones: list[str] = []
    categories: list[str] = []
    all_addresses: list[Address] = []
    sources: list[str] = []
    for c in group:
        emails += c.emails
        phones += c.phones
        categories += c.categories
        all_addresses += c.addresses
        sources += c.sources
    # single-valued fields: the first card's value unless it is empty, then the first non-empty one
    rows = map(_SINGLE, group)
    first: Sequence[Any] = next(rows)
    for row in rows:
        first = [a or b or a for a, b in zip(first, row, strict=True)]
    given, family, prefix, gender, org, title, geo, birthday, note, lang, register = first
    if len(all_addresses) > 1:
        addresses: dict[str, Address] = {}
        for a in all_addresses:
            addresses.setdefault(a.one_line().casefold(), a)
        all_addresses = list(addresses.values())
    names = list(map(_NAME, group))
    c0 = group[0]
    return Contact(
        min(map(_ID, group)),
        names[0] if names.count(names[0]) == len(names) else max(names, key=_name_rank),
        str(given),
        str(family),
        str(prefix),
        str(gender),
        _union(emails, c0.emails),
        _union(phones, c0.phones),
        str(org),
        str(title),
        _union(categories, c0.categories),
        tuple(all_addresses),
        geo,
        birthday,
        str(note),
        lang or None,
        register or None,
        _union(sources, c0.sources),
    )


def _union(values: list[str], first: tuple[str, ...]) -> tuple[str, ...]:
    """``values`` without repetitions; the first card's tuple itself when that is what they come to."""
    union = tuple(dict.fromkeys(values))
    return first if union == first and type(first) is tuple else union


_ID, _NAME = attrgetter("id"), attrgetter("name")


def _name_rank(name: str) -> tuple[bool, int, int]:
    """The merged card's name: rather "Jürgen Müller" than "Müller, Jürgen", and the longest."""
    return ("," not in name, len(name.split()), len(name))
