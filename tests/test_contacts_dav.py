"""CardDAV against a real Radicale on 127.0.0.1: cards loaded over HTTP, read back through read_contacts."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from dinnerbot.contacts import read_contacts
from tests.servers import radicale_server

DATA = Path(__file__).parent / "data" / "contacts"
MKCOL = (
    '<?xml version="1.0" encoding="utf-8"?><d:mkcol xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav">'
    "<d:set><d:prop><d:resourcetype><d:collection/><c:addressbook/></d:resourcetype>"
    "<d:displayname>Kontakte</d:displayname></d:prop></d:set></d:mkcol>"
)


def load_book(base: str, cards: dict[str, str]) -> str:
    auth = ("alice", "secret")
    book = base + "alice/kontakte/"
    r = requests.request("MKCOL", book, data=MKCOL, auth=auth, timeout=10)
    assert r.status_code in (201, 405), r.text
    for name, text in cards.items():
        r = requests.put(
            book + name,
            data=text.encode(),
            auth=auth,
            timeout=10,
            headers={"Content-Type": "text/vcard; charset=utf-8"},
        )
        assert r.status_code in (201, 204), r.text
    return book


def cards() -> dict[str, str]:
    return {
        "anna.vcf": (DATA / "apple_grouped_items.vcf").read_text(encoding="utf-8"),
        "claire.vcf": (DATA / "vcard40_geo_and_hints.vcf").read_text(encoding="utf-8").split("END:VCARD")[0]
        + "END:VCARD\n",
    }


@pytest.mark.network
def test_carddav_reads_a_book_and_a_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DINNERBOT_PASSWORD", "secret")
    with radicale_server(tmp_path) as base:
        load_book(base, cards())
        port = base.rstrip("/").rsplit(":", 1)[1]
        book_url = f"carddav+http://alice@127.0.0.1:{port}/alice/kontakte/"
        contacts, problems = read_contacts([book_url])
        assert problems == []
        assert {c.name for c in contacts} == {"Anna Berg", "Claire Dubois"}
        anna = next(c for c in contacts if c.name == "Anna Berg")
        assert {a.city for a in anna.addresses} == {"Frankfurt am Main", "Potsdam"}
        assert anna.sources[0].startswith(f"carddav+http://alice@127.0.0.1:{port}/alice/kontakte/anna.vcf")
        home, _ = read_contacts([f"carddav+http://alice@127.0.0.1:{port}/alice/"])
        assert {c.name for c in home} == {"Anna Berg", "Claire Dubois"}
        merged, _ = read_contacts([book_url, str(DATA / "google_contacts.csv")])
        assert sum(c.name == "Anna Berg" for c in merged) == 1


@pytest.mark.network
def test_carddav_wrong_password_is_a_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DINNERBOT_PASSWORD", "wrong")
    with radicale_server(tmp_path) as base:
        port = base.rstrip("/").rsplit(":", 1)[1]
        contacts, problems = read_contacts(
            [f"carddav+http://alice@127.0.0.1:{port}/alice/kontakte/", str(DATA / "outlook_en.csv")]
        )
        assert len(contacts) == 1
        assert "401" in problems[0].message and "wrong" not in problems[0].message


def test_carddav_unreachable_is_a_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.servers import free_port

    monkeypatch.setenv("DINNERBOT_PASSWORD", "x")
    contacts, problems = read_contacts([f"carddav+http://bob@127.0.0.1:{free_port()}/bob/"])
    assert contacts == [] and "cannot reach" in problems[0].message
