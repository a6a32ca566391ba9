"""The parse cache: a file's contacts are parsed again only when its size, mtime or content changed."""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable
from pathlib import Path

from dinnerbot.model import Contact, Problem

CACHE_VERSION = 1
Reader = Callable[[Path], tuple[list[Contact], list[Problem]]]


def _key(path: Path, st: os.stat_result, reader: Reader) -> str:
    basis = f"{CACHE_VERSION}|{path.resolve()}|{getattr(reader, '__qualname__', '')}"
    return hashlib.sha1(basis.encode()).hexdigest()[:20]


def cached_read(path: Path, reader: Reader, cache_dir: Path | None) -> tuple[list[Contact], list[Problem]]:
    """``reader(path)``, remembered in ``cache_dir/contacts`` keyed by size, mtime and a hash of the bytes.

    The hash is checked only when size or mtime differ (a touched but unchanged file is not parsed again)."""
    if cache_dir is None:
        return reader(path)
    try:
        st = path.stat()
    except OSError:
        return reader(path)
    folder = cache_dir / "contacts"
    entry = folder / f"{_key(path, st, reader)}.pickle"
    digest: str | None = None
    try:
        with entry.open("rb") as fh:
            size, mtime, stored_digest, result = pickle.load(fh)
        if (size, mtime) == (st.st_size, st.st_mtime_ns):
            return result
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if size == st.st_size and digest == stored_digest:
            _store(entry, st, digest, result)
            return result
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError):
        pass
    result = reader(path)
    try:
        digest = digest or hashlib.sha256(path.read_bytes()).hexdigest()
        _store(entry, st, digest, result)
    except OSError:
        pass
    return result


def _store(entry: Path, st: os.stat_result, digest: str, result: object) -> None:
    entry.parent.mkdir(parents=True, exist_ok=True)
    tmp = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as fh:
        pickle.dump((st.st_size, st.st_mtime_ns, digest, result), fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, entry)
