"""Start-up cost of `dinnerbot --help`, beside the floor of a bare interpreter and of importing click.

Usage: python benchmarks/startup.py [--runs N]
Prints the median wall time of each, and checks which heavy modules `--help` imported.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

HEAVY = ("caldav", "geopy", "jinja2", "icalendar", "requests", "babel", "timezonefinder", "phonenumbers")


def median_seconds(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    py = sys.executable
    rows = [
        ("python -c pass (floor)", [py, "-c", "pass"]),
        ("python -c 'import click'", [py, "-c", "import click"]),
        ("dinnerbot --help", [py, "-m", "dinnerbot", "--help"]),
        ("dinnerbot --version", [py, "-m", "dinnerbot", "--version"]),
    ]
    for name, cmd in rows:
        print(f"{name:<28} {median_seconds(cmd, runs) * 1000:7.1f} ms (median of {runs})")
    probe = (
        "import sys, runpy; sys.argv=['dinnerbot','--help']\n"
        "try:\n    runpy.run_module('dinnerbot', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        f"print('HEAVY=' + ','.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)"
    )
    err = subprocess.run([py, "-c", probe], capture_output=True, text=True, check=True).stderr
    heavy = next(line for line in err.splitlines() if line.startswith("HEAVY=")).removeprefix("HEAVY=")
    print(f"heavy modules imported by --help: {heavy or 'none'}")


if __name__ == "__main__":
    main()
