"""The log is never lost: a writer killed mid-write leaves a sound file; two writers at once lose nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest

from dinnerbot.store import Store

ROOT = Path(__file__).resolve().parents[1]

# Writes batches of BATCH entries, each batch one transaction (add_many), and says so after each commit.
WRITER = textwrap.dedent(
    """
    import sys
    from datetime import date
    from pathlib import Path
    from dinnerbot.model import Outcome
    from dinnerbot.store import Store

    path, tag, batches, batch = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    go = Path(sys.argv[5]) if len(sys.argv) > 5 else None
    note = "x" * 20_000  # big entries: a transaction takes long enough to be caught in the middle
    with Store.open(path) as store:
        print("open", flush=True)
        while go is not None and not go.exists():
            pass
        for n in range(batches):
            store.add_many(
                [Outcome(f"{tag}-{n}", "met", date(2026, 1, 1), note=f"{i} {note}") for i in range(batch)]
            )
            print(n, flush=True)
    """
)


def writer(path: Path, tag: str, batches: int, batch: int, go: Path | None = None) -> subprocess.Popen[str]:
    args = [sys.executable, "-c", WRITER, str(path), tag, str(batches), str(batch)]
    if go is not None:
        args.append(str(go))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(args, stdout=subprocess.PIPE, text=True, env=env)


@pytest.mark.parametrize("delay", [0.0, 0.003, 0.011, 0.027, 0.05])
def test_a_writer_killed_mid_write_leaves_whole_entries_or_none(tmp_path: Path, delay: float) -> None:
    db = tmp_path / "dinnerbot.sqlite"
    BATCH = 40
    proc = writer(db, "w", batches=1000, batch=BATCH)
    assert proc.stdout is not None
    assert proc.stdout.readline() == "open\n"
    committed = int(proc.stdout.readline())  # at least one batch is in, the next one is being written
    time.sleep(delay)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    with Store.open(db) as store:
        assert store.integrity_check() == "ok"
        per_batch = Counter(o.contact_id for o in store.history())
    # every batch that made it is whole; none is half there
    assert set(per_batch.values()) == {BATCH}
    batches = sorted(int(cid.split("-")[1]) for cid in per_batch)
    assert batches == list(range(len(batches)))
    assert len(batches) >= committed + 1


def test_two_processes_logging_at_once_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "new" / "dinnerbot.sqlite"  # both create it: the migration races too
    go = tmp_path / "go"
    procs = [writer(db, tag, batches=150, batch=1, go=go) for tag in ("a", "b")]
    for proc in procs:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "open\n"
    go.touch()
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0

    with Store.open(db) as store:
        assert store.integrity_check() == "ok"
        assert store.schema_version == 1
        entries = store.history()
    assert len(entries) == 300
    assert {o.contact_id for o in entries} == {f"{tag}-{n}" for tag in "ab" for n in range(150)}
    assert len({o.id for o in entries}) == 300
