"""CardDAV address books: ``carddav+https://user@host/path/`` (``carddav+http://`` for a local server).

The URL may name one address book or a home/principal folder; then every address book below it is read.
The password never sits in the source: it comes from ``DINNERBOT_PASSWORD_<HOST>`` /
``DINNERBOT_PASSWORD_<USER>`` / ``DINNERBOT_PASSWORD`` (``config.secret``), the keyring or ~/.netrc,
exactly as for CalDAV (``calendars.dav.password_for``). One REPORT addressbook-query per book fetches
every card; a server or auth failure is one Problem, never an exception.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit
from xml.etree import ElementTree as ET

from dinnerbot.contacts.vcard import parse_vcards
from dinnerbot.model import Contact, Problem

NS = {"d": "DAV:", "c": "urn:ietf:params:xml:ns:carddav"}
_QUERY = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<c:addressbook-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav">'
    "<d:prop><d:getetag/><c:address-data/></d:prop></c:addressbook-query>"
)
_PROPFIND = (
    '<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/>'
    "</d:prop></d:propfind>"
)


def split_source(source: str) -> tuple[str, str, str | None, str]:
    """'carddav+https://alice@host/dav/' -> (https URL, user, password or None, URL shown to the user)."""
    from dinnerbot.calendars.dav import password_for

    rest = source.split("+", 1)[1]
    parts = urlsplit(rest)
    user = unquote(parts.username or "")
    host = parts.hostname or ""
    netloc = host + (f":{parts.port}" if parts.port else "")
    url = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    inline = unquote(parts.password) if parts.password else None
    shown = urlunsplit((parts.scheme, (f"{user}@" if user else "") + netloc, parts.path or "/", "", ""))
    return url, user, inline or password_for(user, host, parts.port), "carddav+" + shown


def read_carddav(source: str, *, timeout: float = 30.0) -> tuple[list[Contact], list[Problem]]:
    import requests

    url, user, password, shown = split_source(source)
    session = requests.Session()
    if user:
        session.auth = (user, password or "")
    session.headers["User-Agent"] = "dinnerbot"
    try:
        books = _address_books(session, url, timeout)
        contacts: list[Contact] = []
        problems: list[Problem] = []
        for book in books:
            c, p = _read_book(session, book, shown, timeout)
            contacts.extend(c)
            problems.extend(p)
        if not books:
            problems.append(Problem(shown, "no address book at this URL"))
        return contacts, problems
    except _HTTPProblem as exc:
        return [], [Problem(shown, str(exc))]
    except requests.RequestException as exc:
        return [], [Problem(shown, f"cannot reach the CardDAV server: {type(exc).__name__}")]
    finally:
        session.close()


class _HTTPProblem(Exception):
    pass


def _check(resp: Any) -> None:
    if resp.status_code == 401:
        raise _HTTPProblem("authentication failed (401): set DINNERBOT_PASSWORD_<HOST> or use the keyring")
    if resp.status_code == 403:
        raise _HTTPProblem("access denied (403)")
    if resp.status_code == 404:
        raise _HTTPProblem("not found (404)")
    if resp.status_code >= 400:
        raise _HTTPProblem(f"server error {resp.status_code}")


def _address_books(session: Any, url: str, timeout: float) -> list[str]:
    """The URL itself when it is an address book, else the address books one level below it."""
    resp = session.request(
        "PROPFIND",
        url,
        data=_PROPFIND,
        headers={"Depth": "1", "Content-Type": "application/xml"},
        timeout=timeout,
    )
    _check(resp)
    books: list[str] = []
    root = ET.fromstring(resp.content)
    for r in root.findall("d:response", NS):
        href = r.findtext("d:href", default="", namespaces=NS)
        if r.find(".//d:resourcetype/c:addressbook", NS) is not None:
            books.append(urljoin(url, href))
    base = url.rstrip("/") + "/"
    if any(b.rstrip("/") + "/" == base for b in books):
        return [url]
    return books


def _read_book(session: Any, book: str, shown: str, timeout: float) -> tuple[list[Contact], list[Problem]]:
    resp = session.request(
        "REPORT",
        book,
        data=_QUERY.encode(),
        headers={"Depth": "1", "Content-Type": "application/xml; charset=utf-8"},
        timeout=timeout,
    )
    _check(resp)
    contacts: list[Contact] = []
    problems: list[Problem] = []
    root = ET.fromstring(resp.content)
    for r in root.findall("d:response", NS):
        href = r.findtext("d:href", default="", namespaces=NS)
        data = r.findtext(".//c:address-data", default="", namespaces=NS)
        if not data.strip():
            continue
        where = shown.rstrip("/") + "/" + href.rstrip("/").rsplit("/", 1)[-1]
        c, p = parse_vcards(data, where)
        contacts.extend(c)
        problems.extend(p)
    return contacts, problems
