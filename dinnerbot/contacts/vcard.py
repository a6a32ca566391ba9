"""A tolerant vCard 2.1/3.0/4.0 reader: a line parser, not vobject (which is slow and strict).

It unfolds continuation lines, decodes quoted-printable (with soft line breaks and CHARSET), reads
``item1.ADR`` + ``item1.X-ABLabel`` groups, both GEO forms, and keeps going after a broken line or card:
each problem is reported with its file and line.
"""

from __future__ import annotations

import codecs
import quopri
import re
from functools import lru_cache
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

_PROP = re.compile(
    r"^(?:(?P<group>[A-Za-z0-9\-]+)\.)?(?P<name>[A-Za-z0-9\-/_]+)(?P<params>(?:;[^:]*)?):(?P<value>.*)$", re.S
)
_BASE64_LINE = re.compile(r"^[A-Za-z0-9+/=\s]+$")
_GEO = re.compile(r"^\s*(?:geo:\s*)?([-+]?\d+(?:\.\d+)?)\s*[;,]\s*([-+]?\d+(?:\.\d+)?)", re.I)


def decode_bytes(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252 (never fails)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if data[:4000].count(b"\x00") > 100:  # UTF-16 without BOM
        return data.decode("utf-16-le" if data[1:2] == b"\x00" else "utf-16-be", errors="replace")
    return data.decode("cp1252", errors="replace")


@lru_cache(maxsize=4096)
def _parse_params(text: str) -> dict[str, list[str]]:
    """Parameters of a property (cached: exports repeat the same few; the result is never modified)."""
    params: dict[str, list[str]] = {}
    for part in _split_unquoted(text, ";"):
        if not part:
            continue
        if "=" in part:
            key, _, val = part.partition("=")
            vals = [v.strip().strip('"') for v in _split_unquoted(val, ",")]
        else:  # vCard 2.1: bare TYPE values (HOME, WORK, QUOTED-PRINTABLE)
            key, vals = (
                ("ENCODING" if part.upper() in ("QUOTED-PRINTABLE", "BASE64", "B") else "TYPE"),
                [part],
            )
        params.setdefault(key.strip().upper(), []).extend(v for v in vals if v)
    return params


def _split_unquoted(text: str, sep: str) -> list[str]:
    if '"' not in text:
        return text.split(sep)
    out: list[str] = []
    cur: list[str] = []
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == sep and not quoted:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return out


def split_value(value: str, sep: str = ";") -> list[str]:
    """Split a structured value on unescaped ``sep`` and unescape the parts."""
    if "\\" not in value:
        return value.split(sep)
    parts: list[str] = []
    cur: list[str] = []
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            nxt = value[i + 1]
            cur.append("\n" if nxt in "nN" else nxt)
            i += 2
            continue
        if ch == sep:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    parts.append("".join(cur))
    return parts


def unescape(value: str) -> str:
    if "\\" not in value:
        return value
    return split_value(value, "\x00")[0]


def _decode_qp(value: str, charset: str) -> str:
    raw = quopri.decodestring(value.encode("latin-1", errors="replace"))
    for cs in (charset, "utf-8", "cp1252"):
        try:
            return raw.decode(cs)
        except (LookupError, UnicodeError):  # unknown charset, or one that is no text codec ("undefined")
            continue
    return raw.decode("latin-1")


def parse_vcards(text: str, source: str) -> tuple[list[Contact], list[Problem]]:
    """The contacts of a vCard text and the problems found (file structure first, then card by card).

    One pass over the lines: each distinct property head (``item1.ADR;TYPE=HOME``) is parsed once per
    text, and a card becomes a contact as soon as it is closed. Gives exactly what ``parse_cards``
    followed by ``card_to_contact`` gives (the plain two-step reading, easier to follow)."""
    contacts: list[Contact] = []
    problems: list[Problem] = []
    card_problems: list[Problem] = []
    heads: dict[str, _Head | None] = {}
    lines = text.splitlines()
    n = len(lines)
    props: list[tuple[_Head, str, int]] | None = None  # the open card's properties
    card_line = depth = 0
    outside = in_binary = has_label = False
    i = 0
    while i < n:
        line = lines[i]
        i += 1
        lineno = i
        if i < n and (lines[i][:1] in _FOLD or line[-1:] == "="):
            line, i = _unfold(lines, lineno - 1)
        stripped = line.strip()
        if not stripped:
            continue
        if len(stripped) <= 11:  # upper() never shortens a text
            upper = stripped.upper()
            if upper == "BEGIN:VCARD":
                if props is not None and depth == 1:
                    problems.append(
                        Problem(source, "card not closed by END:VCARD (kept what was read)", card_line)
                    )
                    _add_contact(props, has_label, card_line, source, contacts, card_problems)
                if props is not None and depth > 1:  # nested vCard (AGENT): skip it
                    depth += 1
                    continue
                props, card_line, depth, outside, in_binary, has_label = [], lineno, 1, False, False, False
                continue
            if upper == "END:VCARD":
                if props is None:
                    problems.append(Problem(source, "END:VCARD without BEGIN:VCARD", lineno))
                    continue
                depth -= 1
                if depth <= 0:
                    _add_contact(props, has_label, card_line, source, contacts, card_problems)
                    props, depth = None, 0
                continue
        if props is None:
            if not outside:
                problems.append(Problem(source, f"text outside a card ignored: {line[:40]!r}", lineno))
            outside = True
            continue
        outside = False
        if depth > 1:
            continue
        head, colon, value = line.partition(":")  # a property's head never holds a colon
        info = heads.get(head) if colon else None
        if info is None and colon:
            info = heads[head] = _parse_head(head)
        if info is None:
            if in_binary and _BASE64_LINE.match(line):
                continue  # vCard 2.1 base64 data continued without indentation
            problems.append(Problem(source, f"not a vCard property line: {line[:60]!r}", lineno))
            continue
        in_binary = info.binary
        if info.label:
            has_label = True
        props.append((info, value, lineno))
    if props is not None:
        problems.append(
            Problem(source, "card not closed by END:VCARD at end of file (kept what was read)", card_line)
        )
        _add_contact(props, has_label, card_line, source, contacts, card_problems)
    problems.extend(card_problems)
    return contacts, problems


_FOLD = (" ", "\t")
_HEAD = re.compile(r"(?:(?P<group>[A-Za-z0-9\-]+)\.)?(?P<name>[A-Za-z0-9\-/_]+)(?P<params>(?:;[^:]*)?)", re.S)
_READ = frozenset(
    {"FN", "N", "UID", "ORG", "TITLE", "NOTE", "EMAIL", "TEL", "ADR", "GEO", "CATEGORIES", "BDAY", "LANG"}
    | {"X-DINNERBOT-LANG", "X-DINNERBOT-REGISTER", "GENDER", "X-GENDER", "LABEL"}
)  # the properties card_to_contact reads
_NOT_DECODED = frozenset(("PHOTO", "LOGO", "SOUND", "KEY"))


class _Head:
    """What ``parse_vcards`` needs to know about a property head such as ``item1.ADR;TYPE=HOME``."""

    __slots__ = ("name", "group", "params", "types", "qp", "charset", "binary", "label", "use", "_kind")

    def __init__(self, group: str, name: str, params_text: str) -> None:
        self.name = name
        self.group = group
        self.params = params = _parse_params(params_text[1:])
        self.types = tuple(t.lower() for t in params.get("TYPE", []))
        self.qp = "QUOTED-PRINTABLE" in [e.upper() for e in params.get("ENCODING", [])]
        self.charset = (params.get("CHARSET") or ["utf-8"])[0]
        upper = params_text.upper()
        self.binary = "BASE64" in upper or "ENCODING=B" in upper
        self.label = bool(group) and name == "X-ABLABEL"
        # what card_to_contact does with the value: read it, only decode it (which can fail), or skip it
        if name in _READ:
            self.use = name
        elif self.qp and name not in _NOT_DECODED:
            self.use = "-"
        else:
            self.use = ""
        self._kind: str | None = None

    def address_kind(self, label: str) -> str:
        if label:
            return _address_kind(self.types, label)
        if self._kind is None:
            self._kind = address_kind(*self.types, "")
        return self._kind


def _parse_head(head: str) -> _Head | None:
    """The parsed head of a property line (the text before its first colon), None if it is not one."""
    m = _HEAD.fullmatch(head)
    if not m:
        return None
    return _Head((m.group("group") or "").lower(), m.group("name").upper(), m.group("params"))


def _unfold(lines: list[str], i: int) -> tuple[str, int]:
    """The logical line starting at ``lines[i]`` and the index of the line after it (as ``_logical_lines``)."""
    line = lines[i]
    i += 1
    qp = "QUOTED-PRINTABLE" in line.split(":", 1)[0].upper()
    while i < len(lines):
        nxt = lines[i]
        if nxt[:1] in (" ", "\t"):
            # 2.1 QP continuation lines keep their text; 3.0/4.0 drop the one fold character
            line += nxt[1:] if not qp else nxt.lstrip(" \t")
            i += 1
        elif qp and line.endswith("="):
            line = line[:-1] + nxt
            i += 1
        else:
            break
    return line, i


_NO_PARTS = ("",) * 7  # missing trailing parts of a structured value


def _add_contact(
    props: list[tuple[_Head, str, int]],
    has_label: bool,
    card_line: int,
    source: str,
    contacts: list[Contact],
    problems: list[Problem],
) -> None:
    """``card_to_contact`` for the properties collected by ``parse_vcards``."""
    labels: dict[str, str] = {}
    if has_label:
        labels = {
            info.group: _decode_qp(value, info.charset) if info.qp else value
            for info, value, _ in props
            if info.label
        }
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
    for info, value, lineno in props:
        name = info.use
        if not name:
            continue
        if info.qp:
            value = _decode_qp(value, info.charset)
        try:
            if name == "EMAIL":
                e = unescape(value).strip().removeprefix("mailto:").strip().lower()
                if "@" in e and e not in emails:
                    emails.append(e)
            elif name == "TEL":
                t = value.strip().removeprefix("tel:").strip()
                if t and t not in phones:
                    phones.append(t)
            elif name == "FN":
                fn = unescape(value).strip()
            elif name == "N":
                parts = split_value(value)
                parts += _NO_PARTS
                family, given, prefix = parts[0].strip(), parts[1].strip(), parts[3].strip()
            elif name == "ADR":
                parts = [x.strip() for x in split_value(value)]
                parts += _NO_PARTS
                street = ", ".join([x for x in (parts[2], parts[1], parts[0]) if x])
                label = info.params.get("LABEL")
                label_param = label[0].replace("\\n", "\n") if label else ""
                if street or parts[5] or parts[3] or parts[4] or parts[6] or label_param:
                    addrs.append(
                        Address(
                            info.address_kind(labels.get(info.group, "")),
                            street.replace("\n", ", "),
                            parts[5],
                            parts[3],
                            parts[4],
                            parts[6],
                            label_param,
                        )
                    )
            elif name == "CATEGORIES":
                cats += _categories(value)
            elif name == "ORG":
                org = _org(value)
            elif name == "TITLE":
                title = unescape(value).strip()
            elif name == "BDAY":
                bday = parse_birthday(value)
            elif name == "NOTE":
                note = unescape(value).strip()
            elif name == "UID":
                uid = value.strip()
            elif name == "GEO":
                m = _GEO.match(unescape(value))
                if m:
                    lat, lon = float(m.group(1)), float(m.group(2))
                    if -90 <= lat <= 90 and -180 <= lon <= 180 and (lat, lon) != (0.0, 0.0):
                        geo = (lat, lon)
                    else:
                        problems.append(Problem(source, f"GEO out of range: {value!r}", lineno))
                else:
                    problems.append(Problem(source, f"GEO not understood: {value!r}", lineno))
            elif name == "LANG" or name == "X-DINNERBOT-LANG":
                lang = lang_hint(value) or lang
            elif name == "X-DINNERBOT-REGISTER":
                register = register_hint(value) or register
            elif name == "GENDER" or name == "X-GENDER":
                g = value.strip()[:1].upper()
                gender = g if g in ("F", "M") else gender
            elif name == "LABEL":
                text = unescape(value).replace("\r\n", "\n").strip()
                if text:
                    label_props.append((info.address_kind(labels.get(info.group, "")), text))
        except (ValueError, IndexError) as exc:  # pragma: no cover - defensive
            problems.append(Problem(source, f"{info.name}: {exc}", lineno))
    addrs += labelled_only(addrs, label_props)
    if cats:
        cat_lang, cat_register = _category_hints(tuple(cats))
        lang, register = lang or cat_lang, register or cat_register
    name = fn or (f"{given} {family}" if given and family else given or family) or org
    if not name and emails:
        name = name_from_email(emails[0])
    if not name:
        problems.append(Problem(source, "card has no name, organisation or e-mail: skipped", card_line))
        return
    contacts.append(
        Contact(
            contact_id(uid, name, emails),
            name,
            given,
            family,
            prefix,
            gender,
            tuple(emails),
            tuple(phones),
            org,
            title,
            tuple(cats),
            tuple(addrs),
            geo,
            bday,
            note,
            lang,
            register,
            (f"{source}:{card_line}",),
        )
    )


def labelled_only(addrs: list[Address], labels: list[tuple[str, str]]) -> list[Address]:
    """The addresses that only a LABEL property gives (vCard 2.1/3.0: the formatted address, which
    Outlook writes beside its ADR): a LABEL of a kind that has an ADR adds nothing."""
    kinds = {a.kind for a in addrs}
    out: list[Address] = []
    for kind, text in labels:
        if kind not in kinds:
            kinds.add(kind)
            out.append(Address(kind, label=text))
    return out


@lru_cache(maxsize=1024)
def _address_kind(types: tuple[str, ...], label: str) -> str:
    return address_kind(*types, label)


@lru_cache(maxsize=1024)
def _category_hints(cats: tuple[str, ...]) -> tuple[str | None, str | None]:
    return hints_from_categories(cats)


@lru_cache(maxsize=4096)
def _categories(value: str) -> tuple[str, ...]:
    return tuple(c.strip() for c in split_value(value, ",") if c.strip())


@lru_cache(maxsize=4096)
def _org(value: str) -> str:
    return " / ".join(x.strip() for x in split_value(value) if x.strip())


def read_vcf(path: Path) -> tuple[list[Contact], list[Problem]]:
    """Every contact in one .vcf file; unreadable files are one Problem."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return [], [Problem(str(path), f"cannot read: {exc.strerror or exc}")]
    return parse_vcards(decode_bytes(data), str(path))
