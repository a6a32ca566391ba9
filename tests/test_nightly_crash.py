"""The nightly job killed mid-write, and two runs at once: nothing lost, nothing reported twice."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from .conftest import REPO
from .test_nightly import DRESDEN, HAMBURG, night, write_calendar, write_config

DYING_RUN = textwrap.dedent(
    """
    import os, signal, sys
    from dinnerbot import nightly
    from dinnerbot.cli import cli

    def dying_commit(store, state):
        # start writing the new state, then die before the transaction commits
        with store.transaction() as db:
            db.execute("DELETE FROM state WHERE key = ?", (nightly.STATE_KEY,))
            db.execute("INSERT INTO state (key, value) VALUES (?, '{}')", (nightly.STATE_KEY,))
            os.kill(os.getpid(), signal.SIGKILL)

    nightly.commit = dying_commit
    cli(sys.argv[1:], prog_name="dinnerbot")
    """
)


def run_cli(*args: str, script: str | None = None) -> subprocess.Popen[str]:
    code = script or "import sys; from dinnerbot.cli import cli; cli(sys.argv[1:], prog_name='dinnerbot')"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )


def test_a_run_killed_before_commit_reports_the_same_news_again(tmp_path: Path) -> None:
    write_calendar(tmp_path / "cal.ics", DRESDEN)
    config = write_config(tmp_path)
    out = tmp_path / "report.txt"
    proc = run_cli(
        "--config", str(config), "plan", "--cron", "--from", "2026-12-01", "--out", str(out), script=DYING_RUN
    )
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == -signal.SIGKILL, err
    delivered = out.read_text(encoding="utf-8")
    assert delivered.startswith("NEW: Dresden, DE 2026-12-03 to 2026-12-05\n")

    db = sqlite3.connect(tmp_path / "data" / "dinnerbot.sqlite")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT count(*) FROM state").fetchone()[0] == 0  # the half-written state is gone
    db.close()

    again = night(config, "2026-12-01")
    assert again.exit_code == 0
    assert again.stdout == delivered  # the same news, word for word
    assert night(config, "2026-12-01").stdout == ""  # and now it is committed


def test_two_simultaneous_runs_report_a_trip_once(tmp_path: Path) -> None:
    write_calendar(tmp_path / "cal.ics", DRESDEN, HAMBURG)
    config = write_config(tmp_path)
    night(config, "2026-12-01")  # builds caches and the database, reports Dresden
    write_calendar(tmp_path / "cal.ics", DRESDEN, HAMBURG)
    outs = [tmp_path / f"run{i}.txt" for i in range(3)]
    procs = [
        run_cli("--config", str(config), "plan", "--cron", "--from", "2026-12-14", "--out", str(out)) for out in outs
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    reports = [out.read_text(encoding="utf-8") for out in outs if out.exists()]
    assert len(reports) == 1, reports  # the runs that found nothing new wrote nothing
    assert headlines_of(reports[0]) == ["NEW: Hamburg, DE 2026-12-20 to 2026-12-22"]
    assert night(config, "2026-12-14").stdout == ""
    db = sqlite3.connect(tmp_path / "data" / "dinnerbot.sqlite")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def headlines_of(text: str) -> list[str]:
    return [line for line in text.split("\n\n")[0].splitlines() if line.strip()]


def test_the_lock_waits_for_the_other_run(tmp_path: Path) -> None:
    from dinnerbot import nightly
    from dinnerbot.errors import StoreError

    db = tmp_path / "data" / "dinnerbot.sqlite"
    with nightly.lock(db):
        # a second holder cannot get it while the first holds it
        child = run_cli(
            script=f"from dinnerbot import nightly; from pathlib import Path\n"
            f"with nightly.lock(Path({str(db)!r}), timeout=0.3): print('got it')"
        )
        out, err = child.communicate(timeout=120)
        assert child.returncode != 0 and "another dinnerbot run holds the lock" in err
    try:
        with nightly.lock(db, timeout=0.3):
            pass
    except StoreError:  # pragma: no cover - the lock must be free again
        raise AssertionError("lock not released") from None
