"""The one jinja2 Environment, and the messages for each candidate: call script, SMS, e-mail, links.

Templates live in ``templates/<lang>/<register>/<channel>.txt.j2`` (``call``, ``sms``, ``email_subject``,
``email``). A user folder (config key ``templates``) is searched first, the shipped defaults last;
``{% extends "default:de/formal/sms.txt.j2" %}`` reaches a shipped default from a user template of the
same name. Every template runs in jinja2's sandbox with ``StrictUndefined``; ``.html`` templates are
autoescaped. A broken template raises :class:`~dinnerbot.errors.TemplateError` naming file and line.
"""

from __future__ import annotations

import functools
import types
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from dinnerbot.errors import TemplateError
from dinnerbot.model import Candidate, Contact

if TYPE_CHECKING:
    from jinja2 import Environment

LANGS = ("de", "en")
REGISTERS = ("formal", "informal")
TEXT_CHANNELS = ("call", "sms", "email_subject", "email_body")
_TEMPLATE_OF = {"call": "call", "sms": "sms", "email_subject": "email_subject", "email_body": "email"}
_BABEL_LOCALE = {"de": "de_DE", "en": "en_GB"}
_DATE_PATTERN = {"de": "EEEE, d. MMMM", "en": "EEEE, d MMMM"}
_SOON = {"de": "in den nächsten Tagen", "en": "in the coming days"}


@dataclass(frozen=True, slots=True)
class Sender:
    """The user, as the messages sign them."""

    name: str
    phone: str = ""
    email: str = ""


# --- the environment ---------------------------------------------------------------------------


def shipped_templates_dir() -> Path:
    """The shipped defaults: ``dinnerbot/templates`` in a wheel, the repo's ``templates/`` in a checkout."""
    from importlib.resources import files

    packaged = files("dinnerbot") / "templates"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[1] / "templates"


def _autoescape(name: str | None) -> bool:
    if not name:
        return False
    base = name.removesuffix(".j2").removesuffix(".jinja")
    return base.endswith((".html", ".htm", ".xml", ".svg"))


@functools.lru_cache(maxsize=8)
def environment(templates_dir: Path | None = None) -> Environment:
    """The jinja2 Environment: sandboxed, strict, user folder first, shipped defaults last."""
    from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader, StrictUndefined
    from jinja2.loaders import BaseLoader
    from jinja2.sandbox import SandboxedEnvironment

    shipped = FileSystemLoader(str(shipped_templates_dir()))
    loaders: list[BaseLoader] = []
    if templates_dir is not None:
        loaders.append(FileSystemLoader(str(Path(templates_dir).expanduser())))
    loaders.append(PrefixLoader({"default": shipped}, delimiter=":"))
    loaders.append(shipped)
    return SandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        autoescape=_autoescape,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_template(name: str, context: dict[str, Any], templates_dir: Path | None = None) -> str:
    """Render one template; any jinja2 problem becomes a TemplateError naming the file and line."""
    import jinja2
    from jinja2.sandbox import SecurityError

    env = environment(templates_dir)
    try:
        template = env.get_template(name)
    except jinja2.TemplateSyntaxError as exc:
        where = exc.filename or exc.name or name
        raise TemplateError(
            f"{where}:{exc.lineno}: template syntax error: {exc.message}",
            hint="fix the template, or delete it to use the shipped default",
        ) from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"template not found: {exc.name}") from None
    try:
        return template.render(context)
    except SecurityError as exc:
        raise TemplateError(
            f"{_where(template, exc)}: blocked by the template sandbox: {exc}",
            hint="templates may use the variables dinnerbot passes, not Python internals",
        ) from None
    except jinja2.TemplateSyntaxError as exc:  # an {% include %} or {% extends %} of a broken file
        raise TemplateError(
            f"{exc.filename or exc.name}:{exc.lineno}: template syntax error: {exc.message}"
        ) from None
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{_where(template, exc)}: {exc.message or exc}") from None
    except (TypeError, ValueError, AttributeError, ZeroDivisionError) as exc:
        raise TemplateError(f"{_where(template, exc)}: {type(exc).__name__}: {exc}") from None


def _where(template: Any, exc: BaseException) -> str:
    """'file:line' of the innermost template frame in the traceback (jinja2 rewrites them to the source)."""
    filename = template.filename or template.name
    line: int | None = None
    tb: types.TracebackType | None = exc.__traceback__
    while tb is not None:
        code_file = tb.tb_frame.f_code.co_filename
        if code_file.endswith((".j2", ".jinja", ".html", ".txt")) or code_file == template.filename:
            filename, line = code_file, tb.tb_lineno
        tb = tb.tb_next
    return f"{filename}:{line}" if line else str(filename)


# --- names, dates, links -----------------------------------------------------------------------


def _split_name(contact: Contact) -> tuple[str, str]:
    given, family = contact.given_name.strip(), contact.family_name.strip()
    if given or family:
        return given, family
    parts = contact.name.split()
    if len(parts) >= 2:
        return " ".join(parts[:-1]), parts[-1]
    return contact.name.strip(), ""


def salutations(contact: Contact, lang: str, register: str) -> dict[str, str]:
    """How the contact is greeted on each channel, without punctuation: call, sms, email."""
    given, family = _split_name(contact)
    prefix = contact.prefix.strip()
    gender = contact.gender.strip().upper()[:1]
    full = " ".join(p for p in (given, family) if p) or contact.name
    first = given or full
    if register == "informal":
        if lang == "de":
            dear = {"F": "Liebe", "M": "Lieber"}.get(gender, "Hallo")
            return {"call": f"Hallo {first}", "sms": f"Hallo {first}", "email": f"{dear} {first}"}
        return {"call": f"Hi {first}", "sms": f"Hi {first}", "email": f"Hi {first}"}
    if lang == "de":
        title = {"F": "Frau", "M": "Herr"}.get(gender)
        if title and family:
            spoken = " ".join(p for p in (title, prefix, family) if p)
            short = f"{title} {family}"
            dear = "Sehr geehrte" if gender == "F" else "Sehr geehrter"
            return {"call": f"Guten Tag {spoken}", "sms": f"Guten Tag {short}", "email": f"{dear} {spoken}"}
        named = " ".join(p for p in (prefix, full) if p)
        return {"call": f"Guten Tag {named}", "sms": f"Guten Tag {full}", "email": f"Guten Tag {named}"}
    en_prefix = prefix.split()[0].replace(".", "") if prefix else ""  # "Prof. Dr." -> "Prof"
    title = en_prefix or {"F": "Ms", "M": "Mr"}.get(gender, "")
    polite = f"{title} {family}" if title and family else full
    return {"call": f"Hello {polite}", "sms": f"Hello {polite}", "email": f"Dear {polite}"}


def format_evening(evening: date | None, lang: str) -> str:
    """'Donnerstag, 3. Dezember' / 'Thursday, 3 December'; '' when there is no evening."""
    if evening is None:
        return ""
    from babel.dates import format_date

    return str(
        format_date(
            evening, _DATE_PATTERN.get(lang, _DATE_PATTERN["en"]), locale=_BABEL_LOCALE.get(lang, "en_GB")
        )
    )


def _numbers(contact: Contact, region: str) -> list[tuple[str, bool]]:
    """(E.164, is_mobile) for each phone that parses; mobile includes the US 'fixed line or mobile'."""
    import phonenumbers
    from phonenumbers import PhoneNumberType

    out: list[tuple[str, bool]] = []
    for raw in contact.phones:
        try:
            number = phonenumbers.parse(raw, region or "DE")
        except phonenumbers.NumberParseException:
            continue
        if not phonenumbers.is_possible_number(number):
            continue
        kind = phonenumbers.number_type(number)
        mobile = kind in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)
        out.append((phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), mobile))
    return out


def links(contact: Contact, *, sms: str, subject: str, body: str, region: str = "DE") -> dict[str, str]:
    """tel:, sms:, mailto: and WhatsApp links; a key is left out when the contact lacks what it needs."""
    out: dict[str, str] = {}
    numbers = _numbers(contact, region)
    if numbers:
        out["tel"] = f"tel:{numbers[0][0]}"
    mobile = next((n for n, is_mobile in numbers if is_mobile), None)
    if mobile:
        out["sms_link"] = f"sms:{mobile}?body={quote(sms, safe='')}"
        out["whatsapp"] = f"https://wa.me/{mobile.lstrip('+')}?text={quote(sms, safe='')}"
    if contact.email:
        crlf_body = body.replace("\r\n", "\n").replace("\n", "\r\n")
        out["mailto"] = (
            f"mailto:{quote(contact.email, safe='@')}?subject={quote(subject, safe='')}"
            f"&body={quote(crlf_body, safe='')}"
        )
    return out


# --- the messages ------------------------------------------------------------------------------


def message_context(
    candidate: Candidate,
    *,
    city: str,
    evening: date | None,
    sender: Sender,
    lang: str,
    register: str,
    tz: str | None = None,
) -> dict[str, Any]:
    """What every message template sees."""
    contact = candidate.contact
    given, family = _split_name(contact)
    day = format_evening(evening, lang)
    if evening is None:
        when = _SOON[lang]
    elif lang == "de":
        when = f"am {day}"
    else:
        when = f"on {day}"
    return {
        "contact": contact,
        "name": contact.name,
        "first_name": given or contact.name,
        "family_name": family,
        "greeting": salutations(contact, lang, register),
        "city": city,
        "evening": evening,
        "day": day,  # "Donnerstag, 3. Dezember" or ""
        "when": when,  # "am Donnerstag, 3. Dezember" / "in den nächsten Tagen"
        "tz": tz or "",
        "sender": sender,
        "sender_first": (sender.name.split() or [""])[0],
        "lang": lang,
        "register": register,
        "distance_km": round(candidate.distance_km),
        "place": candidate.location.place,
        "reasons": candidate.reasons,
    }


def render_messages(
    candidate: Candidate,
    *,
    city: str,
    evening: date | None,
    sender: Sender,
    lang: str = "de",
    register: str = "formal",
    templates_dir: Path | None = None,
    tz: str | None = None,
) -> dict[str, str]:
    """Every channel for one candidate: call, sms, email_subject, email_body, and the links
    tel, sms_link, mailto, whatsapp (each only when the contact has a fitting number or address).

    The contact's own ``lang``/``register`` win over the defaults passed here.
    """
    lang = _pick(candidate.contact.lang, lang, LANGS)
    register = _pick(candidate.contact.register, register, REGISTERS)
    context = message_context(
        candidate, city=city, evening=evening, sender=sender, lang=lang, register=register, tz=tz
    )
    out: dict[str, str] = {}
    for channel in TEXT_CHANNELS:
        name = f"{lang}/{register}/{_TEMPLATE_OF[channel]}.txt.j2"
        text = render_template(name, context, templates_dir).strip()
        out[channel] = " ".join(text.split()) if channel in ("email_subject", "sms") else text
    region = candidate.location.country.strip().upper()
    out.update(
        links(
            candidate.contact,
            sms=out["sms"],
            subject=out["email_subject"],
            body=out["email_body"],
            region=region if len(region) == 2 and region.isalpha() else "DE",
        )
    )
    return out


def _pick(value: str | None, default: str, allowed: tuple[str, ...]) -> str:
    for choice in (value, default):
        if choice:
            short = choice.strip().lower().replace("_", "-").split("-")[0]
            if short in allowed:
                return short
            if choice.strip().lower() in allowed:
                return choice.strip().lower()
    return allowed[0]
