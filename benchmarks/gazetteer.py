"""Benchmark: the offline gazetteer index: first build, file size, a fresh process's open + first lookup,
and the cost of one lookup.

    python benchmarks/gazetteer.py [--runs 15] [--workdir DIR]

Aims (issue: contacts and geocoding): build under 15 s; a process ready to look up in under 50 ms;
one lookup in microseconds. Each open is timed in a new process from just before ``import dinnerbot.geo``
to the first ``by_name`` answer (the interpreter's own start is not counted; run once first so that
Python's bytecode cache is warm, as in an installed package).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

OPEN = """
import time
t = time.perf_counter()
from pathlib import Path
from dinnerbot.geo import open_gazetteer
g = open_gazetteer(Path(__import__("sys").argv[1]))
assert g.by_name("Dresden")
print((time.perf_counter() - t) * 1000)
"""

LOOKUPS = """
import sys, time
from pathlib import Path
from dinnerbot.geo import open_gazetteer
g = open_gazetteer(Path(sys.argv[1]))
names = [f"Name{i}" for i in range(20000)] + ["Dresden", "München", "Wien", "Zürich"] * 5000
t = time.perf_counter()
for n in names:
    g.by_name.__wrapped__(g, n)  # uncached: the SQLite lookup itself
per = (time.perf_counter() - t) / len(names) * 1e6
codes = [f"{i:05d}" for i in range(1000, 41000)]
t = time.perf_counter()
for c in codes:
    g.postal.__wrapped__(g, c, "DE")
print(f"{per:.1f} {(time.perf_counter() - t) / len(codes) * 1e6:.1f}")
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--workdir", type=Path, default=None)
    a = ap.parse_args()
    cache = (a.workdir or Path(tempfile.mkdtemp(prefix="dinnerbot-gaz-"))) / "cache"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    build = (
        "from pathlib import Path; import sys; from dinnerbot.geo import open_gazetteer; "
        "open_gazetteer(Path(sys.argv[1]))"
    )
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", build, str(cache)], env=env, check=True)
    built = time.perf_counter() - t
    size = sum(f.stat().st_size for f in cache.rglob("*.sqlite"))
    print(f"build:                 {built:6.1f} s   index {size / 1e6:.0f} MB   (aim < 15 s)")
    times = []
    for _ in range(a.runs + 1):
        out = subprocess.run([sys.executable, "-c", OPEN, str(cache)], env=env, check=True, capture_output=True)
        times.append(float(out.stdout))
    times = times[1:]  # the first run writes the bytecode cache
    print(f"open + first lookup:   {statistics.median(times):6.1f} ms  (median of {a.runs}; aim < 50 ms)")
    out = subprocess.run([sys.executable, "-c", LOOKUPS, str(cache)], env=env, check=True, capture_output=True)
    by_name, postal = out.stdout.decode().split()
    print(f"one lookup, uncached:  {by_name} µs by name, {postal} µs by postal code")


if __name__ == "__main__":
    main()
