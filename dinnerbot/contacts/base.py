"""What every address-book reader shares: stable contact ids, names, hints for language and register.

Supported hints (vCard property, CSV column or category), documented for users:

* language: vCard ``LANG`` (``de``, ``en-GB``), ``X-DINNERBOT-LANG``, or a category ``lang:de`` / ``lang:en``.
* register (form of address): ``X-DINNERBOT-REGISTER`` with ``formal``/``informal``/``Sie``/``du``, or a
  category ``du``, ``duzen``, ``informal`` (-> informal) or ``Sie``, ``siezen``, ``formal`` (-> formal).
* gender: vCard 4 ``GENDER`` (``F``, ``M``), ``X-GENDER``, or the CSV "Gender" column.

A card without any name gets one from its organisation, else from its e-mail address ("anna.berg@x.de" ->
"Anna Berg"); a card with none of the three is reported as a problem and skipped.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from datetime import date

from dinnerbot.model import Contact

_INFORMAL = {"du", "duzen", "informal", "informell", "tu", "tutoyer"}
_FORMAL = {"sie", "siezen", "formal", "formell", "vous", "vouvoyer"}


def contact_id(uid: str, name: str, emails: Iterable[str]) -> str:
    """A stable id: from the UID when there is one, else from the name and first e-mail."""
    if uid.strip():
        basis = "uid:" + uid.strip()
    else:
        first = next(iter(emails), "")
        basis = "name:" + _fold(name) + "|" + first.lower()
    return "c" + hashlib.sha1(basis.encode("utf-8")).hexdigest()[:12]


def _fold(text: str) -> str:
    t = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in t if not unicodedata.combining(c)).split())


def register_hint(value: str) -> str | None:
    v = value.strip().casefold()
    if v in _INFORMAL:
        return "informal"
    if v in _FORMAL:
        return "formal"
    return None


def lang_hint(value: str) -> str | None:
    m = re.match(r"^\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*\s*$", value)
    return m.group(1).lower() if m else None


def hints_from_categories(categories: Iterable[str]) -> tuple[str | None, str | None]:
    """(lang, register) from categories like 'du', 'Sie', 'lang:en'."""
    lang = register = None
    for cat in categories:
        c = cat.strip()
        if c.casefold().startswith(("lang:", "lang=", "sprache:")):
            lang = lang_hint(c.split(":", 1)[-1].split("=", 1)[-1]) or lang
        else:
            register = register_hint(c) or register
    return lang, register


def name_from_email(email: str) -> str:
    local = email.split("@", 1)[0]
    parts = [p for p in re.split(r"[._\-+]+", local) if p and not p.isdigit()]
    return " ".join(p.capitalize() for p in parts)


def address_kind(*labels: str) -> str:
    """home, work or other, from TYPE parameters or labels ('_$!<Work>!$_', 'Büro', 'Privat')."""
    text = " ".join(labels).casefold()
    if re.search(
        r"work|büro|buero|arbeit|office|geschäft|geschaeft|business|firma|dienst|travail|bureau", text
    ):
        return "work"
    if re.search(r"home|privat|zuhause|zu hause|wohnung|maison|domicile|personal", text):
        return "home"
    return "other"


def parse_birthday(value: str) -> date | None:
    """'1980-05-17', '19800517', '1980-05-17T00:00:00Z'; '--0517' (no year) gets year 1604 like Apple."""
    v = value.strip()
    m = re.match(r"^(\d{4})-?(\d{2})-?(\d{2})", v)
    if m:
        y, mo, d = (int(x) for x in m.groups())
    else:
        m = re.match(r"^--(\d{2})-?(\d{2})", v)
        if not m:
            return None
        y, mo, d = 1604, int(m.group(1)), int(m.group(2))
    try:
        return date(y, mo, d)
    except ValueError:
        return None


def display_name(contact: Contact) -> str:
    return contact.name or contact.org or (contact.email or "")
