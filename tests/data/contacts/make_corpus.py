# ruff: noqa: E741 - f, l, e: first, last, e-mail in a generator script
"""Write the labelled contact corpus in corpus/: vCard 2.1/3.0/4.0, Google CSV, Outlook CSV (de, cp1252; en).

Ground truth is independent of the gazetteer: the coordinates of the towns below were written down by
hand from public maps (city centres, about 1 km precision). Every contact has a unique e-mail address;
truth.csv maps it to "lat,lon" or to "-" when the contact cannot be located (no address, only a street,
an ambiguous name without any hint, an unknown place).

Run: python tests/data/contacts/make_corpus.py   (deterministic; seed fixed)
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

OUT = Path(__file__).parent / "corpus"

# name (local), exonyms, country name (local), ISO, postal code, lat, lon, phone prefix
TOWNS: list[tuple[str, tuple[str, ...], str, str, str, float, float]] = [
    ("Berlin", (), "Deutschland", "DE", "10117", 52.520, 13.405),
    ("Hamburg", (), "Deutschland", "DE", "20095", 53.551, 9.994),
    ("München", ("Munich", "Muenchen"), "Deutschland", "DE", "80331", 48.137, 11.575),
    ("Köln", ("Cologne", "Koeln"), "Deutschland", "DE", "50667", 50.938, 6.960),
    (
        "Frankfurt am Main",
        ("Frankfurt", "Frankfurt/Main", "Frankfurt a. M."),
        "Deutschland",
        "DE",
        "60311",
        50.110,
        8.682,
    ),
    ("Stuttgart", (), "Deutschland", "DE", "70173", 48.776, 9.183),
    ("Düsseldorf", ("Duesseldorf",), "Deutschland", "DE", "40213", 51.227, 6.774),
    ("Dresden", ("DRESDEN",), "Deutschland", "DE", "01067", 51.050, 13.738),
    ("Leipzig", (), "Deutschland", "DE", "04109", 51.340, 12.375),
    ("Hannover", ("Hanover",), "Deutschland", "DE", "30159", 52.376, 9.732),
    ("Nürnberg", ("Nuremberg",), "Deutschland", "DE", "90402", 49.452, 11.077),
    ("Bremen", (), "Deutschland", "DE", "28195", 53.079, 8.802),
    ("Essen", (), "Deutschland", "DE", "45127", 51.456, 7.012),
    ("Dortmund", (), "Deutschland", "DE", "44135", 51.514, 7.466),
    ("Bonn", (), "Deutschland", "DE", "53111", 50.737, 7.098),
    ("Münster", (), "Deutschland", "DE", "48143", 51.960, 7.626),
    ("Karlsruhe", (), "Deutschland", "DE", "76133", 49.007, 8.404),
    ("Mannheim", (), "Deutschland", "DE", "68159", 49.488, 8.466),
    ("Freiburg im Breisgau", ("Freiburg",), "Deutschland", "DE", "79098", 47.999, 7.842),
    ("Heidelberg", (), "Deutschland", "DE", "69117", 49.399, 8.672),
    ("Kiel", (), "Deutschland", "DE", "24103", 54.323, 10.123),
    ("Rostock", (), "Deutschland", "DE", "18055", 54.092, 12.099),
    ("Erfurt", (), "Deutschland", "DE", "99084", 50.978, 11.029),
    ("Potsdam", (), "Deutschland", "DE", "14467", 52.391, 13.065),
    ("Radebeul", (), "Deutschland", "DE", "01445", 51.107, 13.663),
    ("Meißen", ("Meissen",), "Deutschland", "DE", "01662", 51.163, 13.471),
    ("Pirna", (), "Deutschland", "DE", "01796", 50.959, 13.940),
    ("Freiberg", ("Freiberg (Sachsen)", "Freiberg/Sa."), "Deutschland", "DE", "09599", 50.911, 13.339),
    ("Garching bei München", ("Garching b. München",), "Deutschland", "DE", "85748", 48.249, 11.652),
    (
        "Frankfurt (Oder)",
        ("Frankfurt/Oder", "Frankfurt an der Oder"),
        "Deutschland",
        "DE",
        "15230",
        52.347,
        14.551,
    ),
    ("Halle (Saale)", ("Halle/Saale", "Halle an der Saale"), "Deutschland", "DE", "06108", 51.482, 11.970),
    ("Halle (Westf.)", ("Halle Westfalen",), "Deutschland", "DE", "33790", 52.060, 8.360),
    (
        "Neustadt an der Weinstraße",
        ("Neustadt a.d. Weinstraße",),
        "Deutschland",
        "DE",
        "67433",
        49.350,
        8.139,
    ),
    ("Bad Homburg vor der Höhe", ("Bad Homburg",), "Deutschland", "DE", "61348", 50.227, 8.618),
    ("Offenbach am Main", ("Offenbach",), "Deutschland", "DE", "63065", 50.100, 8.766),
    ("Fürth", (), "Deutschland", "DE", "90762", 49.477, 10.989),
    ("Erlangen", (), "Deutschland", "DE", "91054", 49.590, 11.004),
    ("Regensburg", (), "Deutschland", "DE", "93047", 49.013, 12.102),
    ("Augsburg", (), "Deutschland", "DE", "86150", 48.371, 10.898),
    ("Ulm", (), "Deutschland", "DE", "89073", 48.398, 9.991),
    ("Göttingen", (), "Deutschland", "DE", "37073", 51.541, 9.916),
    ("Jena", (), "Deutschland", "DE", "07743", 50.927, 11.589),
    ("Weimar", (), "Deutschland", "DE", "99423", 50.980, 11.329),
    ("Lübeck", (), "Deutschland", "DE", "23552", 53.866, 10.687),
    ("Aachen", (), "Deutschland", "DE", "52062", 50.776, 6.084),
    ("Wiesbaden", (), "Deutschland", "DE", "65183", 50.082, 8.240),
    ("Mainz", (), "Deutschland", "DE", "55116", 49.993, 8.247),
    ("Darmstadt", (), "Deutschland", "DE", "64283", 49.873, 8.651),
    ("Chemnitz", (), "Deutschland", "DE", "09111", 50.833, 12.917),
    ("Magdeburg", (), "Deutschland", "DE", "39104", 52.131, 11.640),
    ("Bielefeld", (), "Deutschland", "DE", "33602", 52.022, 8.532),
    ("Görlitz", (), "Deutschland", "DE", "02826", 51.153, 14.987),
    ("Schwerin", (), "Deutschland", "DE", "19053", 53.636, 11.401),
    ("Wien", ("Vienna",), "Österreich", "AT", "1010", 48.208, 16.372),
    ("Graz", (), "Österreich", "AT", "8010", 47.071, 15.439),
    ("Linz", (), "Österreich", "AT", "4020", 48.306, 14.286),
    ("Salzburg", (), "Österreich", "AT", "5020", 47.810, 13.055),
    ("Innsbruck", (), "Österreich", "AT", "6020", 47.269, 11.404),
    ("Zürich", ("Zurich", "Zuerich"), "Schweiz", "CH", "8001", 47.377, 8.540),
    ("Genève", ("Geneva", "Genf"), "Suisse", "CH", "1204", 46.204, 6.143),
    ("Basel", ("Bâle",), "Schweiz", "CH", "4051", 47.560, 7.589),
    ("Bern", ("Berne",), "Schweiz", "CH", "3011", 46.948, 7.447),
    ("Lausanne", (), "Suisse", "CH", "1003", 46.520, 6.633),
    ("St. Gallen", ("Sankt Gallen",), "Schweiz", "CH", "9000", 47.424, 9.377),
    ("Paris", (), "France", "FR", "75001", 48.857, 2.352),
    ("Lyon", (), "France", "FR", "69002", 45.764, 4.836),
    ("Marseille", (), "France", "FR", "13001", 43.296, 5.370),
    ("Toulouse", (), "France", "FR", "31000", 43.605, 1.444),
    ("Strasbourg", ("Straßburg",), "France", "FR", "67000", 48.573, 7.752),
    ("Bordeaux", (), "France", "FR", "33000", 44.838, -0.579),
    ("Lille", (), "France", "FR", "59000", 50.629, 3.057),
    ("Amsterdam", (), "Nederland", "NL", "1012 AB", 52.370, 4.895),
    ("Rotterdam", (), "Nederland", "NL", "3011 AA", 51.924, 4.478),
    ("Den Haag", ("The Hague",), "Nederland", "NL", "2511 AA", 52.070, 4.300),
    ("Utrecht", (), "Nederland", "NL", "3511 AA", 52.091, 5.122),
    ("London", (), "United Kingdom", "GB", "SW1A 1AA", 51.507, -0.128),
    ("Manchester", (), "United Kingdom", "GB", "M1 1AE", 53.481, -2.243),
    ("Edinburgh", (), "United Kingdom", "GB", "EH1 1YZ", 55.953, -3.189),
    ("Oxford", (), "United Kingdom", "GB", "OX1 1BX", 51.752, -1.258),
    ("Bristol", (), "United Kingdom", "GB", "BS1 4DJ", 51.455, -2.588),
    ("New York", ("NYC",), "USA", "US", "10001", 40.713, -74.006),
    ("San Francisco", (), "USA", "US", "94103", 37.775, -122.419),
    ("Boston", (), "USA", "US", "02108", 42.360, -71.059),
    ("Chicago", (), "USA", "US", "60601", 41.878, -87.630),
    ("Seattle", (), "USA", "US", "98101", 47.606, -122.332),
    ("Austin", (), "USA", "US", "78701", 30.267, -97.743),
    ("Milano", ("Milan", "Mailand"), "Italia", "IT", "20121", 45.464, 9.190),
    ("Roma", ("Rome", "Rom"), "Italia", "IT", "00184", 41.903, 12.496),
    ("Madrid", (), "España", "ES", "28013", 40.417, -3.704),
    ("Barcelona", (), "España", "ES", "08002", 41.385, 2.173),
    ("Praha", ("Prague", "Prag"), "Česko", "CZ", "110 00", 50.076, 14.438),
    ("Warszawa", ("Warsaw", "Warschau"), "Polska", "PL", "00-001", 52.230, 21.012),
    ("København", ("Copenhagen", "Kopenhagen"), "Danmark", "DK", "1050", 55.676, 12.568),
    ("Stockholm", (), "Sverige", "SE", "111 20", 59.329, 18.069),
    ("Bruxelles", ("Brussels", "Brüssel"), "Belgique", "BE", "1000", 50.850, 4.352),
]
COUNTRY_OTHER_LANG = {
    "DE": "Germany",
    "AT": "Austria",
    "CH": "Switzerland",
    "FR": "Frankreich",
    "NL": "Netherlands",
    "GB": "UK",
    "US": "United States",
    "IT": "Italien",
    "ES": "Spain",
    "CZ": "Tschechien",
    "PL": "Poland",
    "DK": "Dänemark",
    "SE": "Schweden",
    "BE": "Belgien",
}
PHONE = {
    "DE": "+49 30",
    "AT": "+43 1",
    "CH": "+41 44",
    "FR": "+33 1",
    "NL": "+31 20",
    "GB": "+44 20",
    "US": "+1 212",
    "IT": "+39 02",
    "ES": "+34 91",
    "CZ": "+420 2",
    "PL": "+48 22",
    "DK": "+45 33",
    "SE": "+46 8",
    "BE": "+32 2",
}
STREETS = {
    "DE": "Hauptstraße",
    "AT": "Hauptstraße",
    "CH": "Bahnhofstrasse",
    "FR": "rue de la Paix",
    "NL": "Damstraat",
    "GB": "High Street",
    "US": "Main Street",
    "IT": "Via Roma",
    "ES": "Calle Mayor",
    "CZ": "Národní",
    "PL": "ulica Długa",
    "DK": "Strøget",
    "SE": "Drottninggatan",
    "BE": "Rue Neuve",
}
FIRST = [
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Eva",
    "Felix",
    "Greta",
    "Hannes",
    "Ida",
    "Jonas",
    "Katrin",
    "Lukas",
    "Marie",
    "Nils",
    "Olga",
    "Paul",
    "Rosa",
    "Stefan",
    "Tina",
    "Uwe",
    "Vera",
    "Wolf",
    "Yara",
    "Zoe",
    "Jürgen",
    "Sören",
    "Chloé",
    "François",
    "Łukasz",
    "Åsa",
]
LAST = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Neumann",
    "Dubois",
    "Rossi",
    "García",
    "Novák",
    "Smith",
    "Jones",
]


def street(iso: str, rnd: random.Random) -> str:
    n = rnd.randint(1, 120)
    name = STREETS[iso]
    return f"{n} {name}" if iso in ("FR", "GB", "US") else f"{name} {n}"


def one_line(town: tuple, rnd: random.Random, *, exonym: bool = False, country_lang: bool = False) -> str:
    name, exo, country, iso, code, _, _ = town
    city = rnd.choice(exo) if exonym and exo else name
    ctry = COUNTRY_OTHER_LANG[iso] if country_lang else country
    s = street(iso, rnd)
    if iso == "GB":
        return f"{s}, {city} {code}, {ctry}"
    if iso == "US":
        state = {
            "New York": "NY",
            "San Francisco": "CA",
            "Boston": "MA",
            "Chicago": "IL",
            "Seattle": "WA",
            "Austin": "TX",
        }[name]
        return f"{s}, {city}, {state} {code}, {ctry}"
    return f"{s}, {code} {city}, {ctry}"


class Corpus:
    def __init__(self) -> None:
        self.rnd = random.Random(20251124)
        self.vcards: list[str] = []
        self.google: list[dict[str, str]] = []
        self.outlook_de: list[dict[str, str]] = []
        self.outlook_en: list[dict[str, str]] = []
        self.truth: list[tuple[str, str, str]] = []  # email, "lat,lon" or "-", case
        self.n = 0

    def person(self) -> tuple[str, str, str]:
        self.n += 1
        first, last = self.rnd.choice(FIRST), self.rnd.choice(LAST)
        return first, last, f"p{self.n:04d}@corpus.example"

    def add_truth(self, email: str, lat: float | None, lon: float | None, case: str) -> None:
        self.truth.append((email, f"{lat:.5f},{lon:.5f}" if lat is not None else "-", case))

    def vcard(self, version: str, first: str, last: str, email: str, lines: list[str]) -> None:
        body = [
            "BEGIN:VCARD",
            f"VERSION:{version}",
            f"N:{last};{first};;;",
            f"FN:{first} {last}",
            f"EMAIL:{email}",
            *lines,
            "END:VCARD",
        ]
        if version == "2.1":
            body[2] = f"N;CHARSET=UTF-8:{last};{first};;;"
            body[3] = f"FN;CHARSET=UTF-8:{first} {last}"
        self.vcards.append("\r\n".join(body))

    def adr(
        self, kind: str, s: str, city: str, code: str, country: str, region: str = "", qp: bool = False
    ) -> str:
        if qp:
            import quopri

            enc = quopri.encodestring(f";;{s};{city};{region};{code};{country}".encode()).decode()
            return f"ADR;{kind.upper()};CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:{enc}"
        return f"ADR;TYPE={kind}:;;{s};{city};{region};{code};{country}"


def build() -> Corpus:
    c = Corpus()
    rnd = c.rnd
    for town in TOWNS:
        name, exo, country, iso, code, lat, lon = town
        # 1. vCard 3.0: full structured address
        f, l, e = c.person()
        c.vcard("3.0", f, l, e, [c.adr("home", street(iso, rnd), name, code, country)])
        c.add_truth(e, lat, lon, "vcard30 full")
        # 2. vCard 4.0: city only, maybe an exonym, country in another language
        f, l, e = c.person()
        city = rnd.choice(exo) if exo else name
        c.vcard(
            "4.0",
            f,
            l,
            e,
            [
                c.adr("work", "", city, "", COUNTRY_OTHER_LANG[iso]),
                f"TEL;TYPE=work:{PHONE[iso]} {rnd.randint(1000000, 9999999)}",
            ],
        )
        c.add_truth(e, lat, lon, "vcard40 city+country")
        # 3. Google CSV: only the formatted free text
        f, l, e = c.person()
        c.google.append(
            {
                "First Name": f,
                "Last Name": l,
                "E-mail 1 - Value": e,
                "Address 1 - Label": "Home",
                "Address 1 - Formatted": one_line(
                    town, rnd, exonym=rnd.random() < 0.4, country_lang=rnd.random() < 0.5
                ),
            }
        )
        c.add_truth(e, lat, lon, "google formatted")
        # 4. Outlook CSV, German for DACH, English elsewhere: columns
        f, l, e = c.person()
        if iso in ("DE", "AT", "CH"):
            c.outlook_de.append(
                {
                    "Vorname": f,
                    "Nachname": l,
                    "E-Mail-Adresse": e,
                    "Straße geschäftlich": street(iso, rnd),
                    "Ort geschäftlich": name,
                    "Postleitzahl geschäftlich": code,
                    "Land/Region geschäftlich": country,
                }
            )
        else:
            c.outlook_en.append(
                {
                    "First Name": f,
                    "Last Name": l,
                    "E-mail Address": e,
                    "Business Street": street(iso, rnd),
                    "Business City": name,
                    "Business Postal Code": code,
                    "Business Country/Region": country,
                }
            )
        c.add_truth(e, lat, lon, "outlook columns")
        # 5. vCard 2.1 quoted-printable, no country, with phone country
        if iso in ("DE", "AT", "CH", "FR"):
            f, l, e = c.person()
            c.vcard(
                "2.1",
                f,
                l,
                e,
                [
                    c.adr("home", street(iso, rnd), name, code, "", qp=True),
                    f"TEL;CELL:{PHONE[iso]} {rnd.randint(1000000, 9999999)}",
                ],
            )
            c.add_truth(e, lat, lon, "vcard21 qp no country")
        # 6. GEO property wins over a (different) address
        if rnd.random() < 0.35:
            f, l, e = c.person()
            glat, glon = lat + rnd.uniform(-0.03, 0.03), lon + rnd.uniform(-0.03, 0.03)
            c.vcard(
                "4.0",
                f,
                l,
                e,
                [f"GEO:geo:{glat:.5f},{glon:.5f}", c.adr("work", "", "Hamburg", "20095", "Deutschland")],
            )
            c.add_truth(e, glat, glon, "geo wins")
        # 7. home and work in different towns: home is the primary location
        if rnd.random() < 0.35:
            other = rnd.choice(TOWNS)
            f, l, e = c.person()
            c.vcard(
                "3.0",
                f,
                l,
                e,
                [
                    c.adr("work", street(other[3], rnd), other[0], other[4], other[2]),
                    c.adr("home", street(iso, rnd), name, code, country),
                ],
            )
            c.add_truth(e, lat, lon, "home and work")
        # 8. postal code in the city field, or the old D-12345 form
        if iso in ("DE", "AT", "CH") and rnd.random() < 0.5:
            f, l, e = c.person()
            prefix = {"DE": "D", "AT": "A", "CH": "CH"}[iso]
            c.vcard(
                "3.0",
                f,
                l,
                e,
                [
                    c.adr("home", street(iso, rnd), f"{code} {name}", "", "")
                    if rnd.random() < 0.5
                    else c.adr("home", street(iso, rnd), name, f"{prefix}-{code}", "")
                ],
            )
            c.add_truth(e, lat, lon, "code in city field / D-")
    hard_cases(c)
    return c


def hard_cases(c: Corpus) -> None:
    rnd = c.rnd
    located = [
        # (address fields: street, city, code, country, region), phone, lat, lon, case
        (("", "Neustadt", "67433", "", ""), "", 49.350, 8.139, "Neustadt by postal code"),
        (("", "Neustadt an der Weinstraße", "", "", ""), "", 49.350, 8.139, "Neustadt full name"),
        (("", "Cambridge", "", "", ""), "+44 1223 555123", 52.205, 0.122, "Cambridge by UK phone"),
        (("", "Cambridge", "", "", "MA"), "", 42.373, -71.110, "Cambridge, MA"),
        (("", "Cambridge", "", "United Kingdom", ""), "", 52.205, 0.122, "Cambridge, UK"),
        (("", "Cambridge", "02139", "USA", ""), "", 42.373, -71.110, "Cambridge by US zip"),
        (("", "Cambridge", "CB2 1TN", "", ""), "", 52.205, 0.122, "Cambridge by UK postcode"),
        (("", "Baden", "2500", "Österreich", ""), "", 48.005, 16.231, "Baden AT"),
        (("", "Baden", "", "Schweiz", ""), "", 47.473, 8.306, "Baden CH"),
        (("", "Baden", "5400", "", ""), "+41 56 555 1234", 47.473, 8.306, "Baden by code and phone"),
        (("", "Frankfurt", "", "Deutschland", ""), "", 50.110, 8.682, "Frankfurt alone"),
        (("", "Frankfurt", "15230", "", ""), "", 52.347, 14.551, "Frankfurt by postal code"),
        (("", "Halle", "06108", "", ""), "", 51.482, 11.970, "Halle by postal code"),
        (("", "Halle (Westf.)", "", "", ""), "", 52.060, 8.360, "Halle Westf"),
        (("", "Springfield", "62701", "USA", "IL"), "", 39.781, -89.650, "Springfield IL"),
        (("", "Paris Cedex 08", "75008", "France", ""), "", 48.872, 2.310, "Paris Cedex"),
        (("", "Berlin-Mitte", "", "", ""), "", 52.520, 13.405, "Berlin-Mitte"),
        (("", "Hamburg-Altona", "", "", ""), "", 53.550, 9.935, "Hamburg-Altona"),
        (("", "Moritzburg", "01468", "Deutschland", ""), "", 51.160, 13.680, "village by postal code"),
        (("", "Moritzburg", "", "Deutschland", ""), "", 51.160, 13.680, "village by name"),
        (("", "Coswig", "01640", "", ""), "", 51.127, 13.580, "Coswig (Sachsen) by code"),
        (("", "Garching", "85748", "", ""), "", 48.249, 11.652, "Garching by code"),
        (("", "Kopenhagen", "", "Dänemark", ""), "", 55.676, 12.568, "German exonym + country"),
        (("", "Mailand", "", "Italien", ""), "", 45.464, 9.190, "German exonym Mailand"),
        (("", "Brüssel", "", "", ""), "", 50.850, 4.352, "Brüssel"),
        (("", "Genf", "", "", ""), "", 46.204, 6.143, "Genf"),
        (("", "Den Haag", "", "Niederlande", ""), "", 52.070, 4.300, "Den Haag"),
        (("", "Lyon", "69002", "FR", ""), "", 45.764, 4.836, "ISO country"),
        (("", "Wien", "1010", "AT", ""), "", 48.208, 16.372, "Wien ISO"),
        (("", "", "01067", "Deutschland", ""), "", 51.050, 13.738, "postal code only"),
        (("", "", "80331", "Germany", ""), "", 48.137, 11.575, "postal code only en"),
    ]
    for (s, city, code, country, region), phone, lat, lon, case in located:
        f, l, e = c.person()
        lines = [c.adr("home", s, city, code, country, region)]
        if phone:
            lines.append(f"TEL:{phone}")
        c.vcard("3.0", f, l, e, lines)
        c.add_truth(e, lat, lon, case)
    unlocatable = [
        ([], "no address"),
        ([c.adr("home", "Hauptstraße 5", "", "", "")], "street only"),
        ([c.adr("home", "", "Neustadt", "", "")], "Neustadt without hints"),
        ([c.adr("home", "", "Neustadt", "", "Deutschland")], "Neustadt in Germany"),
        ([c.adr("home", "", "Xyzzyville", "", "")], "unknown place"),
        ([c.adr("home", "", "Qwertzheim", "99999", "Deutschland")], "unknown place and code"),
        ([c.adr("home", "", "", "", "Deutschland")], "country only"),
        ([c.adr("home", "", "Springfield", "", "USA")], "Springfield without state"),
        ([c.adr("home", "Postfach 1234", "", "", "")], "PO box only"),
        ([c.adr("home", "", "Cambridge", "", "")], "Cambridge without hints"),
        (
            [c.adr("work", "", "Neustadt", "", ""), c.adr("home", "", "Xyzzyville", "", "")],
            "two bad addresses",
        ),
    ]
    for _k in range(3):
        for lines, case in unlocatable:
            f, l, e = c.person()
            c.vcard(rnd.choice(["3.0", "4.0"]), f, l, e, lines)
            c.add_truth(e, None, None, case)
        for case in ("google no address", "google only country"):
            f, l, e = c.person()
            row = {"First Name": f, "Last Name": l, "E-mail 1 - Value": e}
            if case == "google only country":
                row["Address 1 - Country"] = "Germany"
            c.google.append(row)
            c.add_truth(e, None, None, case)
        f, l, e = c.person()
        c.outlook_de.append(
            {"Vorname": f, "Nachname": l, "E-Mail-Adresse": e, "Straße privat": "Lindenallee 3"}
        )
        c.add_truth(e, None, None, "outlook street only")


def write(c: Corpus) -> None:
    OUT.mkdir(exist_ok=True)
    (OUT / "book.vcf").write_text("\r\n".join(c.vcards) + "\r\n", encoding="utf-8", newline="")

    def to_csv(rows: list[dict[str, str]], header: list[str]) -> str:
        buf = io.StringIO()
        w = csv.DictWriter(buf, header, extrasaction="raise", lineterminator="\r\n")
        w.writeheader()
        w.writerows(rows)
        return buf.getvalue()

    google_header = [
        "First Name",
        "Middle Name",
        "Last Name",
        "Labels",
        "E-mail 1 - Label",
        "E-mail 1 - Value",
        "Phone 1 - Label",
        "Phone 1 - Value",
        "Address 1 - Label",
        "Address 1 - Formatted",
        "Address 1 - Street",
        "Address 1 - City",
        "Address 1 - PO Box",
        "Address 1 - Region",
        "Address 1 - Postal Code",
        "Address 1 - Country",
        "Address 1 - Extended Address",
    ]
    de_header = [
        "Anrede",
        "Vorname",
        "Weitere Vornamen",
        "Nachname",
        "Firma",
        "Straße geschäftlich",
        "Ort geschäftlich",
        "Region geschäftlich",
        "Postleitzahl geschäftlich",
        "Land/Region geschäftlich",
        "Straße privat",
        "Ort privat",
        "Region privat",
        "Postleitzahl privat",
        "Land/Region privat",
        "Telefon geschäftlich",
        "Mobiltelefon",
        "E-Mail-Adresse",
        "E-Mail-Typ",
        "Kategorien",
    ]
    en_header = [
        "Title",
        "First Name",
        "Middle Name",
        "Last Name",
        "Company",
        "Business Street",
        "Business City",
        "Business State",
        "Business Postal Code",
        "Business Country/Region",
        "Home Street",
        "Home City",
        "Home State",
        "Home Postal Code",
        "Home Country/Region",
        "Mobile Phone",
        "E-mail Address",
        "Categories",
    ]
    (OUT / "google.csv").write_text(to_csv(c.google, google_header), encoding="utf-8", newline="")
    (OUT / "outlook_de.csv").write_bytes(to_csv(c.outlook_de, de_header).encode("cp1252", errors="replace"))
    (OUT / "outlook_en.csv").write_text(to_csv(c.outlook_en, en_header), encoding="utf-8", newline="")
    with (OUT / "truth.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["email", "latlon", "case"])
        w.writerows(c.truth)


if __name__ == "__main__":
    corpus = build()
    write(corpus)
    print(f"{len(corpus.truth)} contacts, {sum(t[1] == '-' for t in corpus.truth)} unlocatable -> {OUT}")
