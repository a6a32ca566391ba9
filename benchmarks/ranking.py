"""Rank 5,000 nearby contacts against an interaction log of 100,000 entries (floor: < 0.2 s warm).

Also times reading those 100,000 entries back from the SQLite store, which is what `dinnerbot plan`
does before ranking. Run: python benchmarks/ranking.py
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dinnerbot.model import Contact, Location, Nearby, Outcome, PlacedContact  # noqa: E402
from dinnerbot.ranking import rank  # noqa: E402
from dinnerbot.store import Store  # noqa: E402

CONTACTS = 5_000
INTERACTIONS = 100_000
FLOOR_SECONDS = 0.2
NOW = datetime(2026, 11, 24, 18, tzinfo=ZoneInfo("Europe/Berlin"))


def make_data(seed: int = 1, spread: int = 2) -> tuple[list[Nearby], list[Outcome]]:
    """5,000 nearby contacts; a log about ``spread`` times as many people (1: all of it about people near)."""
    rnd = random.Random(seed)
    categories = ["Kunde", "customer", "Lieferant", "Freunde", "Kollege", "LinkedIn", "Favorit", ""]
    orgs = [f"Company {i}" for i in range(400)] + [""] * 100
    nearby = []
    for i in range(CONTACTS):
        contact = Contact(
            id=f"c{i:05}",
            name=f"Person {rnd.randrange(100_000)}",
            emails=(f"p{i}@example.com",),
            org=rnd.choice(orgs),
            categories=tuple(rnd.sample(categories, rnd.randrange(3))),
            birthday=date(1970 + rnd.randrange(30), 1 + rnd.randrange(12), 1 + rnd.randrange(28)),
        )
        where = Location(lat=51 + rnd.random(), lon=13 + rnd.random(), place="Dresden, DE", located_by="city")
        nearby.append(Nearby(PlacedContact(contact, where), where, rnd.uniform(0, 50)))
    kinds = ["accepted", "declined", "no-answer", "met", "proposed"]
    history = [
        Outcome(
            f"c{rnd.randrange(CONTACTS * spread):05}",
            rnd.choice(kinds),
            NOW.date() - timedelta(days=rnd.randrange(3650)),
        )
        for _ in range(INTERACTIONS)
    ]
    return nearby, history


def timed(fn: object, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    nearby, history = make_data()
    nights = (date(2026, 11, 26), date(2026, 11, 27))

    def one() -> object:
        return rank(nearby, history, evening=nights[0], now=NOW, trip_nights=nights)

    def everyone() -> object:
        return rank(nearby, history, evening=nights[0], now=NOW, trip_nights=nights, show_all=True)

    cold = timed(one, 1)[0]
    warm = timed(one, 10)
    full = timed(everyone, 5)
    print(f"rank {CONTACTS:,} nearby, {INTERACTIONS:,} interactions (top 3 + 2 backups)")
    print(f"  cold      {cold * 1000:7.1f} ms")
    verdict = "ok" if statistics.median(warm) < FLOOR_SECONDS else "SLOW"
    print(
        f"  warm      {statistics.median(warm) * 1000:7.1f} ms median, {min(warm) * 1000:.1f} ms best   "
        f"(floor {FLOOR_SECONDS * 1000:.0f} ms: {verdict})"
    )
    print(f"  --all     {statistics.median(full) * 1000:7.1f} ms median (all {CONTACTS:,} ordered)")
    print("  (half of the log is about people elsewhere; worst case, every entry about someone near:)")
    nearby, history = make_data(spread=1)
    worst = timed(one, 10)
    print(f"  warm      {statistics.median(worst) * 1000:7.1f} ms median, {min(worst) * 1000:.1f} ms best")

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "dinnerbot.sqlite"
        with Store.open(path) as store:
            start = time.perf_counter()
            store.add_many(history)
            written = time.perf_counter() - start
        start = time.perf_counter()
        with Store.open(path) as store:
            loaded = store.history()
        read = time.perf_counter() - start
    assert len(loaded) == INTERACTIONS
    print(
        f"store: write {INTERACTIONS:,} in one transaction {written * 1000:.0f} ms; "
        f"read back {read * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
