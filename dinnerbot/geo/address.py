"""Split a free-text address or location string into street, postal code, city, region and country.

Handles the usual orders: DE/AT/CH/FR/NL "Street 1, 12345 City", "D-80331 München", "1012 AB Amsterdam",
UK "City SW1A 1AA" / "SW1A 1AA", US "City, ST 12345", "City, Country", line breaks or commas between parts.
What is a country is decided by a callback (the gazetteer's multilingual country table), so this module
stays pure.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

_LATLON = re.compile(r"^\s*(?:geo:)?\s*([-+]?\d{1,2}(?:\.\d+)?)\s*[,;]\s*([-+]?\d{1,3}(?:\.\d+)?)\s*$", re.I)
# "80331 München", "D-80331 München", "CH-8001 Zürich", "1012 AB Amsterdam", "75001 Paris Cedex 01"
_CODE_CITY = re.compile(
    r"^(?:(?P<cc>[A-Z]{1,3})\s?[-–]\s?)?(?P<code>\d{4,5}(?:\s?[A-Z]{2}(?=\s))?|\d{2}-\d{3}|\d{3}\s\d{2}|\d{4}-\d{3})"
    r"\s+(?P<city>\D.*)$"
)
# "IL 62701", "Springfield IL 62701", "München 80331" (rare)
_CITY_CODE = re.compile(
    r"^(?:(?P<city>\D+?)\s+)?(?P<region>[A-Z]{2})\s+(?P<code>\d{5})(?:-\d{4})?$|^(?P<city2>\D+?)\s+(?P<code2>\d{5})$"
)
US_STATES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
    ]
)
_UK_POSTCODE = re.compile(r"\b(?P<code>[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2})\b")
_CA_POSTCODE = re.compile(r"\b(?P<code>[A-Z]\d[A-Z]\s?\d[A-Z]\d)\b")
_HOUSE_NUMBER = re.compile(r"(^\d+[a-z]?\s+\D)|(\D\s+\d+\s?[a-zA-Z]?(?:[-/]\d+[a-z]?)?$)|\d+\s?(?:bis|ter)\b")
_STREET_WORD = re.compile(
    r"(stra(ss|ß)e\b|str\.|gasse\b|allee\b|chaussee\b|\brue\b|\bavenue\b|\bav\.|\bboulevard\b|\bbd\b|\bstreet\b|"
    r"\bst\.?$|\broad\b|\brd\.?$|\blane\b|\bdrive\b|straat\b|laan\b|gracht\b|\bvia\b|\bcalle\b|\bpostfach\b|"
    r"\bp\.?o\.? box\b|\bsuite\b|\bfloor\b|\betage\b)",
    re.I,
)
_CEDEX = re.compile(r"\s+cedex(\s+\d+)?$", re.I)


@dataclass(frozen=True, slots=True)
class ParsedAddress:
    street: str = ""
    postal_code: str = ""
    city: str = ""
    region: str = ""
    country: str = ""  # ISO code, when recognised
    country_text: str = ""
    latlon: tuple[float, float] | None = None
    others: tuple[str, ...] = field(default=())  # segments that were none of the above (hotel names, rooms)

    def as_dict(self) -> dict[str, str]:
        d = {
            "street": self.street,
            "postal_code": self.postal_code,
            "city": self.city,
            "region": self.region,
            "country": self.country,
        }
        if self.latlon:
            d["latlon"] = f"{self.latlon[0]},{self.latlon[1]}"
        return {k: v for k, v in d.items() if v}


def parse_latlon(text: str) -> tuple[float, float] | None:
    m = _LATLON.match(text)
    if not m:
        return None
    lat, lon = float(m.group(1)), float(m.group(2))
    if -90 <= lat <= 90 and -180 <= lon <= 180 and ("." in m.group(1) or "." in m.group(2)):
        return lat, lon
    return None


def clean_city(city: str) -> str:
    """'Paris Cedex 08' -> 'Paris'; trailing district numbers 'Wien 1' stay (the gazetteer strips later)."""
    return _CEDEX.sub("", city).strip(" ,;")


def looks_like_street(segment: str) -> bool:
    return bool(_STREET_WORD.search(segment) or _HOUSE_NUMBER.search(segment))


def parse_address(text: str, country_of: Callable[[str], str | None]) -> ParsedAddress:
    """Parse one free-text address; ``country_of`` maps a country name (any language) to ISO or None."""
    text = text.strip()
    ll = parse_latlon(text)
    if ll:
        return ParsedAddress(latlon=ll)
    segments = [s.strip(" ,;\t") for s in re.split(r"[\n,;]|\s[-–|]\s", text)]
    segments = [s for s in segments if s]
    country = country_text = postal = city = region = street = ""
    # the country is the last segment when it is one
    if len(segments) > 1 and segments[-1] in US_STATES:
        region = segments.pop()  # "Cambridge, MA": a US state, not Morocco (the resolver tries both)
    if segments and not region:
        iso = country_of(segments[-1])
        if (
            iso
            and len(segments) > 1
            or (iso and not re.search(r"\d", segments[-1]) and len(segments) == 1 and len(segments[-1]) > 3)
        ):
            country, country_text = iso or "", segments.pop()
    used: set[int] = set()
    for i in range(len(segments) - 1, -1, -1):
        seg = segments[i]
        m = _CODE_CITY.match(seg)
        if m and not re.search(r"\d", m.group("city")):
            postal, city = m.group("code"), clean_city(m.group("city"))
            if m.group("cc") and not country:
                country = _LETTER_CODES.get(m.group("cc"), "") or (country_of(m.group("cc")) or "")
            used.add(i)
            break
        m2 = _CITY_CODE.match(seg)
        if m2 and not looks_like_street(m2.group("city") or m2.group("city2") or ""):
            postal = m2.group("code") or m2.group("code2")
            region = m2.group("region") or ""
            if m2.group("city") or m2.group("city2"):
                city = clean_city(m2.group("city") or m2.group("city2"))
            elif i > 0:
                city = segments[i - 1]
                used.add(i - 1)
            used.add(i)
            break
        m3 = _UK_POSTCODE.search(seg) or _CA_POSTCODE.search(seg)
        if m3 and (country in ("", "GB", "CA", "IE") and re.search(r"\d", m3.group("code"))):
            postal = m3.group("code")
            rest = (seg[: m3.start()] + seg[m3.end() :]).strip(" ,")
            if rest and not looks_like_street(rest):
                city = rest
            elif i > 0 and not looks_like_street(segments[i - 1]):
                city = segments[i - 1]
                used.add(i - 1)
            used.add(i)
            break
    others = []
    for i, seg in enumerate(segments):
        if i in used:
            continue
        if not street and looks_like_street(seg):
            street = seg
        else:
            others.append(seg)
    return ParsedAddress(
        street=street,
        postal_code=postal,
        city=city,
        region=region,
        country=country,
        country_text=country_text,
        others=tuple(others),
    )


# Letter prefixes before postal codes (old European style "D-80331").
_LETTER_CODES = {
    "D": "DE",
    "A": "AT",
    "CH": "CH",
    "F": "FR",
    "NL": "NL",
    "B": "BE",
    "L": "LU",
    "I": "IT",
    "DK": "DK",
    "S": "SE",
    "N": "NO",
    "FL": "LI",
    "E": "ES",
    "P": "PT",
    "PL": "PL",
    "CZ": "CZ",
    "H": "HU",
    "SK": "SK",
    "SLO": "SI",
    "HR": "HR",
    "FIN": "FI",
    "SF": "FI",
}
