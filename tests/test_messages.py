"""Messages for every language, form of address and channel; salutations; links; user templates; sandbox."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from dinnerbot.errors import TemplateError
from dinnerbot.messages import (
    LANGS,
    REGISTERS,
    TEXT_CHANNELS,
    Sender,
    render_messages,
    salutations,
    shipped_templates_dir,
)
from dinnerbot.model import Candidate, Contact, Location

DATA = Path(__file__).parent / "data" / "messages"
THURSDAY = date(2026, 12, 3)
LOCAL_DATE = {"de": "Donnerstag, 3. Dezember", "en": "Thursday, 3 December"}
SENDER = Sender(name="Jan Müller", phone="+49 711 1234567", email="jan@example.com")


def weber(**changes: object) -> Contact:
    contact = Contact(
        id="weber",
        name="Dr. Anna Weber",
        given_name="Anna",
        family_name="Weber",
        prefix="Dr.",
        gender="F",
        emails=("anna.weber@example.org",),
        phones=("0171 2345678", "0351 4567890"),
    )
    return replace(contact, **changes)  # type: ignore[arg-type]


def candidate(contact: Contact, country: str = "DE") -> Candidate:
    location = Location(51.05, 13.74, "Dresden, DE", "city", country=country)
    return Candidate(contact=contact, location=location, distance_km=4.2, score=0.9, reasons=("old friend",))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("register", REGISTERS)
def test_every_language_register_and_channel(lang: str, register: str) -> None:
    out = render_messages(
        candidate(weber()), city="Dresden", evening=THURSDAY, sender=SENDER, lang=lang, register=register
    )
    for channel in TEXT_CHANNELS:
        text = out[channel]
        assert text.strip(), channel
        assert "Dresden" in text, (channel, text)
        assert LOCAL_DATE[lang] in text, (channel, text)
        assert not re.search(r"\{\{|\}\}|\{%|%\}|\{#", text), (channel, text)
        if channel != "email_subject":
            name = "Anna" if register == "informal" else "Weber"
            assert name in text, (channel, text)
    other = LOCAL_DATE["en" if lang == "de" else "de"]
    assert all(other not in out[c] for c in TEXT_CHANNELS)
    # inviting and paying is said in every spoken or written channel
    invite = {"de": ("lade", "einladen"), "en": ("treat", "invite")}[lang]
    for channel in ("call", "sms", "email_body"):
        assert any(word in out[channel] for word in invite), (channel, out[channel])


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("register", REGISTERS)
def test_no_evening_says_coming_days(lang: str, register: str) -> None:
    out = render_messages(
        candidate(weber()), city="Görlitz", evening=None, sender=SENDER, lang=lang, register=register
    )
    soon = {"de": "in den nächsten Tagen", "en": "in the coming days"}[lang]
    for channel in ("call", "sms", "email_body"):
        assert soon in out[channel]
        assert "Görlitz" in out[channel]
    assert "None" not in " ".join(out.values())
    assert out["email_subject"].endswith("Görlitz?")


def test_salutation_fits_the_channel_and_register() -> None:
    formal = render_messages(candidate(weber()), city="Dresden", evening=THURSDAY, sender=SENDER)
    assert formal["email_body"].startswith("Sehr geehrte Frau Dr. Weber,\n")
    assert formal["sms"].startswith("Guten Tag Frau Weber,")
    assert "Sehr geehrte" not in formal["sms"] and "Sehr geehrte" not in formal["call"]
    assert "Liebe" not in formal["email_body"] and "Anna" not in formal["email_body"]
    assert " Sie " in formal["sms"] and " du " not in formal["sms"]

    informal = render_messages(
        candidate(weber()), city="Dresden", evening=THURSDAY, sender=SENDER, register="informal"
    )
    assert informal["email_body"].startswith("Liebe Anna,\n")
    assert informal["sms"].startswith("Hallo Anna,")
    assert "Weber" not in informal["sms"] and " Sie " not in informal["sms"]
    assert informal["email_body"].rstrip().endswith("Jan")

    man = weber(given_name="Thomas", family_name="Schulz", prefix="", gender="M", name="Thomas Schulz")
    assert salutations(man, "de", "formal")["email"] == "Sehr geehrter Herr Schulz"
    assert salutations(man, "de", "informal")["email"] == "Lieber Thomas"
    assert salutations(man, "en", "formal")["email"] == "Dear Mr Schulz"
    unknown = weber(gender="", prefix="")
    assert salutations(unknown, "de", "formal") == {
        "call": "Guten Tag Anna Weber",
        "sms": "Guten Tag Anna Weber",
        "email": "Guten Tag Anna Weber",
    }
    assert salutations(unknown, "de", "informal")["email"] == "Hallo Anna"
    assert salutations(weber(), "en", "formal")["email"] == "Dear Dr Weber"
    professor = weber(prefix="Prof. Dr.")
    assert salutations(professor, "en", "formal")["email"] == "Dear Prof Weber"
    assert salutations(professor, "de", "formal")["email"] == "Sehr geehrte Frau Prof. Dr. Weber"
    assert salutations(professor, "de", "formal")["sms"] == "Guten Tag Frau Weber"


def test_contact_language_and_register_win_over_defaults() -> None:
    friend = weber(lang="en", register="informal")
    out = render_messages(candidate(friend), city="Dresden", evening=THURSDAY, sender=SENDER, lang="de")
    assert out["sms"].startswith("Hi Anna")
    assert "Thursday, 3 December" in out["sms"]
    regional = weber(lang="de-AT", register=None)
    out = render_messages(
        candidate(regional), city="Wien", evening=THURSDAY, sender=SENDER, register="formal"
    )
    assert out["email_body"].startswith("Sehr geehrte Frau Dr. Weber")


def test_links_are_e164_encoded_and_whatsapp_only_for_mobiles() -> None:
    out = render_messages(candidate(weber()), city="Dresden", evening=THURSDAY, sender=SENDER)
    assert out["tel"] == "tel:+491712345678"
    assert out["sms_link"].startswith("sms:+491712345678?body=")
    assert unquote(out["sms_link"].split("body=", 1)[1]) == out["sms"]
    assert out["whatsapp"].startswith("https://wa.me/491712345678?text=")
    mail = urlsplit(out["mailto"])
    assert mail.scheme == "mailto" and mail.path == "anna.weber@example.org"
    query = parse_qs(mail.query)
    assert query["subject"] == [out["email_subject"]]
    assert query["body"][0].replace("\r\n", "\n") == out["email_body"]
    assert " " not in out["mailto"] and "\n" not in out["mailto"]

    landline = weber(phones=("+49 351 4567890",), emails=())
    out = render_messages(candidate(landline), city="Dresden", evening=THURSDAY, sender=SENDER)
    assert out["tel"] == "tel:+493514567890"
    assert "whatsapp" not in out and "sms_link" not in out and "mailto" not in out

    french = weber(phones=("06 12 34 56 78", "not a number"))
    out = render_messages(candidate(french, country="FR"), city="Lyon", evening=THURSDAY, sender=SENDER)
    assert out["tel"] == "tel:+33612345678"
    assert out["whatsapp"].startswith("https://wa.me/33612345678?")


def test_shipped_templates_cover_every_combination() -> None:
    root = shipped_templates_dir()
    for lang in LANGS:
        for register in REGISTERS:
            for name in ("call", "sms", "email_subject", "email"):
                assert (root / lang / register / f"{name}.txt.j2").is_file()


def test_user_template_overrides_and_extends_default(tmp_path: Path) -> None:
    user = tmp_path / "templates"
    shutil.copytree(DATA / "override", user)
    out = render_messages(
        candidate(weber()), city="Dresden", evening=THURSDAY, sender=SENDER, templates_dir=user
    )
    assert out["call"] == "Eigenes Skript: Guten Tag Frau Dr. Weber – Dresden, am Donnerstag, 3. Dezember."
    assert out["sms"].startswith("Guten Tag Frau Weber, hier ist Jan Müller.")  # the default, via extends
    assert out["email_body"].startswith("Sehr geehrte Frau Dr. Weber,")  # not overridden: shipped


def test_broken_user_template_names_file_and_line(tmp_path: Path) -> None:
    user = tmp_path / "mine"
    shutil.copytree(DATA / "broken", user)
    with pytest.raises(TemplateError) as info:
        render_messages(
            candidate(weber()),
            city="Dresden",
            evening=THURSDAY,
            sender=SENDER,
            lang="en",
            register="informal",
            templates_dir=user,
        )
    message = info.value.message
    assert str(user / "en" / "informal" / "sms.txt.j2") in message
    assert re.search(r"sms\.txt\.j2:4\b", message), message
    assert info.value.exit_code == 2


def test_undefined_variable_names_file_and_line(tmp_path: Path) -> None:
    user = tmp_path / "mine"
    shutil.copytree(DATA / "undefined", user)
    with pytest.raises(TemplateError) as info:
        render_messages(
            candidate(weber()), city="Dresden", evening=THURSDAY, sender=SENDER, templates_dir=user
        )
    assert "email.txt.j2:3" in info.value.message
    assert "no_such_variable" in info.value.message


def test_sandbox_stops_python_internals(tmp_path: Path) -> None:
    user = tmp_path / "evil"
    shutil.copytree(DATA / "sandbox", user)
    with pytest.raises(TemplateError) as info:
        render_messages(
            candidate(weber()), city="Dresden", evening=THURSDAY, sender=SENDER, templates_dir=user
        )
    assert "sandbox" in info.value.message
    assert "sms.txt.j2" in info.value.message


def test_text_is_not_html_escaped_but_html_templates_are(tmp_path: Path) -> None:
    from dinnerbot.messages import render_template

    odd = weber(given_name="<Anna & Co>", gender="", register="informal")
    out = render_messages(candidate(odd), city="Dresden", evening=THURSDAY, sender=SENDER)
    assert out["sms"].startswith("Hallo <Anna & Co>,")  # an SMS is plain text: no &lt; in it
    (tmp_path / "card.html.j2").write_text("<p>{{ name }}</p>", encoding="utf-8")
    (tmp_path / "card.txt.j2").write_text("{{ name }}", encoding="utf-8")
    assert render_template("card.html.j2", {"name": "<b>"}, tmp_path) == "<p>&lt;b&gt;</p>"
    assert render_template("card.txt.j2", {"name": "<b>"}, tmp_path) == "<b>"


def test_messages_stay_short() -> None:
    """The SMS fits a messenger preview; the call script is a few lines, not a speech."""
    for lang in LANGS:
        for register in REGISTERS:
            out = render_messages(
                candidate(weber()),
                city="Dresden",
                evening=THURSDAY,
                sender=SENDER,
                lang=lang,
                register=register,
            )
            assert len(out["sms"]) <= 200, out["sms"]
            assert 3 <= len(out["call"].splitlines()) <= 6
            assert len(out["email_subject"]) <= 70
