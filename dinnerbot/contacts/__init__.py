"""Address books: vCard files, Google/Outlook CSV exports, vdir folders, CardDAV; duplicates merged.

``read_contacts(sources)`` is the one entry point. A source is

* a ``.vcf`` file (vCard 2.1, 3.0, 4.0; any number of cards),
* a ``.csv`` file (Google Contacts new and old headers, Outlook English and German, any encoding),
* a folder: a vdir (one card per ``.vcf`` file, as khard and vdirsyncer keep them); ``.csv`` files in it too,
* ``carddav+https://user@host/path`` (or ``carddav+http://``): a CardDAV address book; the password
  comes from ``config.secret`` (environment variable ``DINNERBOT_CARDDAV_PASSWORD``).

Nothing raises for bad data: every unreadable source, card or row becomes a ``Problem`` and the rest counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from dinnerbot.model import Contact, Problem


def read_source(source: str) -> tuple[list[Contact], list[Problem]]:
    """The contacts of one source, unmerged."""
    if source.startswith(("carddav+http://", "carddav+https://")):
        from dinnerbot.contacts.dav import read_carddav

        return read_carddav(source)
    path = Path(source).expanduser()
    if path.is_dir():
        from dinnerbot.contacts.vdir import read_vdir

        return read_vdir(path)
    if not path.exists():
        return [], [Problem(source, "address book not found")]
    if path.suffix.lower() == ".csv":
        from dinnerbot.contacts.csvfile import read_csv

        return read_csv(path)
    from dinnerbot.contacts.vcard import read_vcf

    return read_vcf(path)


def read_contacts(sources: Sequence[str]) -> tuple[list[Contact], list[Problem]]:
    """Every contact of every source, duplicates (same e-mail or phone) merged, in a stable order.

    Nothing is cached here: ``dinnerbot.atlas`` keeps the read and placed contacts between runs."""
    from dinnerbot.contacts.merge import merge_contacts

    everyone: list[Contact] = []
    problems: list[Problem] = []
    for source in sources:
        try:
            contacts, probs = read_source(source)
        except Exception as exc:  # one broken source never sinks the others
            contacts, probs = [], [Problem(source, f"cannot read: {type(exc).__name__}: {exc}")]
        everyone.extend(contacts)
        problems.extend(probs)
    return merge_contacts(everyone), problems


__all__ = ["read_contacts", "read_source"]
