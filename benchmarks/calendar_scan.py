"""Benchmark: a 120-day trip scan of the 20000-event calendar, cold and warm, beside the library floor.

    python benchmarks/calendar_scan.py [--ics FILE] [--days 120] [--start 2026-03-01]

Without --ics the calendar is written by ../shared/bench/gen_calendar.py --events 20000 --seed 1 into a
temporary folder. Each phase runs in its own process so that its peak memory (max RSS) is its own:

- index: the offline gazetteer index is built first, so that cold measures the calendar only;
- floor: bare icalendar ``Calendar.from_ical`` + recurring-ical-events ``between`` over the window;
- plain: dinnerbot's reader without the window pre-filter (the reference result);
- cold:  read_calendars + find_trips with an empty cache dir;
- warm:  the same again, file unchanged (the parsed result is reused).

Cold and warm must give exactly the events of the plain path (their digests are compared).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
GEN = REPO.parent / "shared" / "bench" / "gen_calendar.py"
TZ = ZoneInfo("Europe/Berlin")
ME = ["jens.becker@example.com"]


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _digest(events: list) -> str:
    return hashlib.sha256("\n".join(sorted(map(repr, events))).encode()).hexdigest()[:16]


def phase(name: str, ics: Path, first: date, days: int, cache: Path) -> dict[str, object]:
    sys.path.insert(0, str(REPO))
    start = datetime.combine(first, datetime.min.time(), TZ)
    end = start + timedelta(days=days)
    out: dict[str, object] = {"phase": name}
    if name == "index":
        from dinnerbot.geo import open_gazetteer

        t0 = time.perf_counter()
        open_gazetteer(cache / "geo")
        out.update(seconds=time.perf_counter() - t0)
    elif name == "floor":
        import icalendar
        import recurring_ical_events

        t0 = time.perf_counter()
        cal = icalendar.Calendar.from_ical(ics.read_bytes())
        t1 = time.perf_counter()
        occurrences = recurring_ical_events.of(cal).between(start, end)
        out.update(seconds=time.perf_counter() - t0, parse_seconds=t1 - t0, occurrences=len(occurrences))
    elif name == "plain":
        from dinnerbot.calendars.ics import parse_ics

        t0 = time.perf_counter()
        events, _ = parse_ics(ics.read_bytes(), str(ics), start, end, home_tz=TZ, me=ME, prefilter=False)
        out.update(seconds=time.perf_counter() - t0, events=len(events), digest=_digest(events))
    else:
        from dinnerbot.calendars import read_calendars
        from dinnerbot.clock import parse_window
        from dinnerbot.geo import OfflineGeocoder, open_gazetteer
        from dinnerbot.trips import find_trips

        t0 = time.perf_counter()
        geocoder = OfflineGeocoder(open_gazetteer(cache / "geo"), home_country="DE")
        home = geocoder.place("Stuttgart")
        assert home is not None
        t1 = time.perf_counter()
        events, problems = read_calendars([str(ics)], start, end, home_tz=TZ, me=ME, cache_dir=cache)
        t2 = time.perf_counter()
        trips = find_trips(
            events,
            home=home,
            geocoder=geocoder,
            start=first,
            end=first + timedelta(days=days),
            away_km=60,
            dinner=parse_window("18:30-22:00"),
        )
        t3 = time.perf_counter()
        out.update(
            seconds=t3 - t1,
            read_seconds=t2 - t1,
            trips_seconds=t3 - t2,
            geocoder_open_seconds=t1 - t0,
            events=len(events),
            problems=len(problems),
            trips=len(trips),
            nights=sum(len(t.nights) for t in trips),
            digest=_digest(events),
        )
    out["peak_mib"] = round(_peak_mib(), 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ics", type=Path)
    ap.add_argument("--days", type=int, default=120)
    ap.add_argument("--start", type=date.fromisoformat, default=date(2026, 3, 1))
    ap.add_argument("--phase", help=argparse.SUPPRESS)
    ap.add_argument("--cache", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, args.ics, args.start, args.days, args.cache)))
        return
    with tempfile.TemporaryDirectory(prefix="dinnerbot-bench-") as tmp:
        ics = args.ics
        if ics is None:
            ics = Path(tmp) / "calendar-20000.ics"
            subprocess.run(
                [sys.executable, str(GEN), "--events", "20000", "--seed", "1", str(ics)],
                check=True,
                stdout=subprocess.DEVNULL,
            )
        cache = Path(tmp) / "cache"
        print(f"calendar: {ics} ({ics.stat().st_size / 1e6:.1f} MB), window {args.start} + {args.days} days")
        t0 = time.perf_counter()
        _ = ics.read_bytes().split(b"BEGIN:VEVENT")
        print(f"read + split bytes: {time.perf_counter() - t0:.2f} s")
        results = {}
        for name in ("index", "floor", "plain", "cold", "warm"):  # index: the gazetteer, built once
            cmd = [sys.executable, __file__, "--phase", name, "--ics", str(ics), "--cache", str(cache),
                   "--days", str(args.days), "--start", args.start.isoformat()]  # fmt: skip
            done = subprocess.run(cmd, check=True, capture_output=True, text=True)
            results[name] = json.loads(done.stdout.strip().splitlines()[-1])
            print(json.dumps(results[name]))
        floor = results["floor"]["seconds"]
        cold, warm = results["cold"]["seconds"], results["warm"]["seconds"]
        same = results["plain"]["digest"] == results["cold"]["digest"] == results["warm"]["digest"]
        print(
            f"floor {floor:.2f} s {results['floor']['peak_mib']} MiB | "
            f"cold {cold:.2f} s ({cold / floor:.2f}x floor, aim <= 0.5x) {results['cold']['peak_mib']} MiB | "
            f"warm {warm:.2f} s (aim < 1 s) {results['warm']['peak_mib']} MiB | "
            f"trips {results['cold']['trips']} | identical to plain path: {same}"
        )


if __name__ == "__main__":
    main()
