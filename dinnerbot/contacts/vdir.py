"""vdir folders (khard, vdirsyncer): one card per ``.vcf`` file, possibly in sub-folders per address book."""

from __future__ import annotations

from pathlib import Path

from dinnerbot.model import Contact, Problem


def read_vdir(folder: Path) -> tuple[list[Contact], list[Problem]]:
    """Every ``.vcf`` (and ``.csv``) file under ``folder``, sorted by path so the order is stable."""
    from dinnerbot.contacts import read_source

    contacts: list[Contact] = []
    problems: list[Problem] = []
    files = sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.suffix.lower() in (".vcf", ".vcard", ".csv")
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )
    if not files:
        problems.append(Problem(str(folder), "no .vcf or .csv files in this folder"))
    for path in files:
        c, p = read_source(str(path))
        contacts.extend(c)
        problems.extend(p)
    return contacts, problems
