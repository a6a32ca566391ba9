"""The atlas: every contact with the places found for it, kept in one SQLite file between runs.

``open_atlas(sources, geocoder, ...)`` reads, merges and places the address books once. A later run over
the same files (same paths and sizes, and the same mtimes or, failing that, the same bytes), with the
same home country, geocoder and dinnerbot release, reads the stored places instead: it neither parses
nor geocodes, and ``near()`` unpickles only the contacts with an address inside the radius (a
latitude/longitude box from an index first, then the exact great-circle distance).

Network sources (CardDAV) are read and placed every time; the file holds one atlas, the latest.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import pickle
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from dinnerbot.geo.distance import haversine_km
from dinnerbot.model import Contact, Nearby, Place, PlacedContact, Problem

if TYPE_CHECKING:
    from dinnerbot.geo.base import Geocoder

SCHEMA = 1
FILE = "atlas.sqlite"
KM_PER_DEGREE = 111.2


def nearby(placed: Iterable[PlacedContact], where: Place, radius_km: float) -> list[Nearby]:
    """Contacts with any placed address within the radius, each with its nearest address."""
    found = []
    for p in placed:
        if p.location is None:
            continue
        best = min(
            ((haversine_km(where.lat, where.lon, loc.lat, loc.lon), loc) for loc in (p.location, *p.others)),
            key=lambda pair: pair[0],
        )
        if best[0] <= radius_km:
            found.append(Nearby(placed=p, location=best[1], distance_km=best[0]))
    return found


class Atlas:
    """The placed contacts of the configured address books and the problems met reading them."""

    def __init__(
        self,
        problems: Sequence[Problem],
        *,
        placed: Sequence[PlacedContact] | None = None,
        path: Path | None = None,
        fresh: Callable[[], tuple[list[PlacedContact], list[Problem]]] | None = None,
    ) -> None:
        self.problems = tuple(problems)
        self._placed = list(placed) if placed is not None else None
        self._path = path
        self._fresh = fresh  # reads and places afresh, should the stored atlas turn out unreadable
        self.from_cache = placed is None  # True when nothing was parsed or geocoded

    def everyone(self) -> list[PlacedContact]:
        """Every contact, placed or not, in the order the address books give them."""
        if self._placed is None:
            stored = self._load("SELECT blob FROM contact ORDER BY idx", ())
            if stored is not None:
                self._placed = stored
        return self._placed if self._placed is not None else self._read_afresh()

    def near(self, where: Place, radius_km: float) -> list[Nearby]:
        """The contacts with a placed address within ``radius_km`` of ``where``, nearest address each."""
        if self._placed is None:
            box, args = _box(where.lat, where.lon, radius_km)
            sql = f"SELECT blob FROM contact WHERE idx IN (SELECT DISTINCT idx FROM point WHERE {box}) ORDER BY idx"
            stored = self._load(sql, args)
            if stored is not None:
                return nearby(stored, where, radius_km)
        return nearby(self.everyone(), where, radius_km)

    def _load(self, sql: str, args: tuple[float, ...]) -> list[PlacedContact] | None:
        """The stored contacts the query selects; None when the file cannot be read back."""
        assert self._path is not None
        try:
            with contextlib.closing(sqlite3.connect(f"file:{self._path}?mode=ro", uri=True)) as con:
                rows = con.execute(sql, args).fetchall()
            return [pickle.loads(blob) for (blob,) in rows]
        except (sqlite3.Error, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
            return None

    def _read_afresh(self) -> list[PlacedContact]:
        assert self._fresh is not None
        placed, problems = self._fresh()
        self._placed, self.problems, self.from_cache = placed, tuple(problems), False
        return placed


def open_atlas(
    sources: Sequence[str],
    geocoder: Geocoder,
    *,
    home_country: str | None,
    cache_dir: Path | None,
) -> Atlas:
    """The atlas of ``sources``: from ``cache_dir`` when nothing changed, else read, placed and stored."""
    from dinnerbot.contacts import read_contacts

    files = _source_files(sources) if cache_dir is not None else None
    path = cache_dir / "contacts" / FILE if cache_dir is not None else None
    key = f"{_release()}{home_country or ''}|{getattr(geocoder, 'cache_key', type(geocoder).__name__)}"

    def fresh() -> tuple[list[PlacedContact], list[Problem]]:
        contacts, problems = read_contacts(sources)
        placed = geocoder.locate_all(contacts, home_country=home_country)
        if files is not None and path is not None:
            with contextlib.suppress(OSError, sqlite3.Error):
                _store(path, key, files, placed, problems)
        return placed, problems

    if files is not None and path is not None:
        problems = _stored(path, key, files)
        if problems is not None:
            return Atlas(problems, path=path, fresh=fresh)
    placed, problems = fresh()
    return Atlas(problems, placed=placed)


def read_contacts_kept(sources: Sequence[str], *, cache_dir: Path | None) -> tuple[list[Contact], list[Problem]]:
    """The merged contacts of ``sources`` (no places): from the atlas when it holds exactly these files,
    whatever geocoder placed them, else read afresh (and not stored: that takes a geocoder)."""
    from dinnerbot.contacts import read_contacts

    files = _source_files(sources) if cache_dir is not None else None
    if files is not None and cache_dir is not None:
        path = cache_dir / "contacts" / FILE
        problems = _stored(path, _release(), files, prefix=True)
        if problems is not None:
            stored = Atlas(problems, path=path)._load("SELECT blob FROM contact ORDER BY idx", ())
            if stored is not None:
                return [p.contact for p in stored], problems
    return read_contacts(sources)


# -- the file


FileState = tuple[str, int, int]  # resolved path, size, mtime_ns


def _source_files(sources: Sequence[str]) -> list[FileState] | None:
    """Every local file behind ``sources``; None when one is a network source or cannot be read."""
    out: list[FileState] = []
    for source in sources:
        if "://" in source:
            return None
        path = Path(source).expanduser()
        try:
            files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
            for f in files:
                st = f.stat()
                out.append((str(f.resolve()), st.st_size, st.st_mtime_ns))
        except OSError:
            return None
    return out


def _digest(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _release() -> str:
    from dinnerbot import __version__  # a new release may read or place differently

    return f"{SCHEMA}|{__version__}|"


def _stored(path: Path, key: str, files: list[FileState], *, prefix: bool = False) -> list[Problem] | None:
    """The stored problems when ``path`` holds the atlas of exactly these files, placed the ``key`` way
    (with ``prefix``: any key that starts so); None: read again.

    A file whose mtime changed but whose bytes did not (a sync that touched it) still counts as the same."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as con:
            meta = dict(con.execute("SELECT name, value FROM meta").fetchall())
    except sqlite3.Error:
        return None
    stored_key = str(meta.get("key", ""))
    if not (stored_key.startswith(key) if prefix else stored_key == key):
        return None
    try:
        stored: list[tuple[str, int, int, str]] = pickle.loads(meta["files"])
        problems: list[Problem] = pickle.loads(meta["problems"])
    except (KeyError, TypeError, ValueError, EOFError, pickle.UnpicklingError, AttributeError):
        return None
    if [f[:2] for f in stored] != [f[:2] for f in files]:
        return None
    try:
        for (name, _size, mtime, digest), (_, _, now) in zip(stored, files, strict=True):
            if mtime != now and _digest(name) != digest:
                return None
    except OSError:
        return None
    touched = [(name, size, now, digest) for (name, size, _, digest), (_, _, now) in zip(stored, files, strict=True)]
    if touched != stored:  # touched, not changed: keep the new mtimes, so the bytes are not hashed every run
        with contextlib.suppress(sqlite3.Error), contextlib.closing(sqlite3.connect(path)) as con, con:
            con.execute("UPDATE meta SET value = ? WHERE name = 'files'", (pickle.dumps(touched),))
    return problems


def _store(
    path: Path,
    key: str,
    files: list[FileState],
    placed: Sequence[PlacedContact],
    problems: Sequence[Problem],
) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    con = sqlite3.connect(tmp)
    try:
        os.chmod(tmp, 0o600)  # addresses are personal data
        con.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
            "CREATE TABLE meta (name TEXT PRIMARY KEY, value);"
            "CREATE TABLE contact (idx INTEGER PRIMARY KEY, blob BLOB NOT NULL);"
            "CREATE TABLE point (lat REAL NOT NULL, lon REAL NOT NULL, idx INTEGER NOT NULL);"
        )
        dump = pickle.dumps
        con.executemany(
            "INSERT INTO contact VALUES (?, ?)",
            ((i, dump(p, pickle.HIGHEST_PROTOCOL)) for i, p in enumerate(placed)),
        )
        con.executemany(
            "INSERT INTO point VALUES (?, ?, ?)",
            (
                (loc.lat, loc.lon, i)
                for i, p in enumerate(placed)
                if p.location is not None
                for loc in (p.location, *p.others)
            ),
        )
        con.execute("CREATE INDEX point_lat ON point (lat, lon)")
        with_digests = [(name, size, mtime, _digest(name)) for name, size, mtime in files]
        con.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            [
                ("key", key),
                ("files", dump(with_digests)),
                ("problems", dump(list(problems))),
            ],
        )
        con.commit()
    finally:
        con.close()
    os.replace(tmp, path)


def _box(lat: float, lon: float, radius_km: float) -> tuple[str, tuple[float, ...]]:
    """A WHERE clause (and its arguments) that holds every point within ``radius_km``, and a few more."""
    dlat = radius_km / KM_PER_DEGREE * 1.01
    lat_sql = "lat BETWEEN ? AND ?"
    args: tuple[float, ...] = (lat - dlat, lat + dlat)
    coslat = math.cos(math.radians(min(abs(lat) + dlat, 90.0)))
    if coslat < 1e-3:
        return lat_sql, args  # near a pole: every longitude
    dlon = radius_km / (KM_PER_DEGREE * coslat) * 1.01
    if dlon >= 180:
        return lat_sql, args
    west, east = lon - dlon, lon + dlon
    if west < -180:  # the box crosses the date line
        return f"{lat_sql} AND (lon >= ? OR lon <= ?)", (*args, west + 360, east)
    if east > 180:
        return f"{lat_sql} AND (lon >= ? OR lon <= ?)", (*args, west, east - 360)
    return f"{lat_sql} AND lon BETWEEN ? AND ?", (*args, west, east)
