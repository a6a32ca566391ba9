"""The nightly job on a CalDAV calendar (real Radicale on 127.0.0.1) whose server goes away."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.servers import radicale_server

from .test_nightly import DRESDEN, HEAD, headlines, night, write_config

pytestmark = pytest.mark.network


def test_server_stopped_after_a_good_run_uses_the_cached_copy_warns_and_exits_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import caldav

    monkeypatch.setenv("DINNERBOT_PASSWORD_ALICE", "secret")
    with radicale_server(tmp_path, user="alice", password="secret") as url:
        with caldav.DAVClient(url=url, username="alice", password="secret") as client:  # type: ignore[operator]
            cal = client.principal().make_calendar(name="trips", cal_id="trips")
            cal.save_event(HEAD + DRESDEN + "END:VCALENDAR\n")
            source = "caldav+" + str(cal.url).replace("http://", "http://alice@")
        config = write_config(tmp_path)
        text = config.read_text(encoding="utf-8")
        config.write_text(text.replace(f'["{tmp_path / "cal.ics"}"]', f'["{source}"]'), encoding="utf-8")

        first = night(config, "2026-12-01")
        assert first.exit_code == 0, first.output
        assert headlines(first) == ["NEW: Dresden, DE 2026-12-03 to 2026-12-05"]

    # the server is gone: the same night again uses the last good copy, nothing is new, exit 3
    second = night(config, "2026-12-01")
    assert second.exit_code == 3, second.output
    assert second.stdout == ""
    assert "warning:" in second.stderr and "last good copy" in second.stderr
    assert "secret" not in second.stderr

    # two nights later, still down: the cached trip starts today and is reported once more
    third = night(config, "2026-12-03")
    assert third.exit_code == 3
    assert headlines(third) == ["TODAY: Dresden, DE 2026-12-03 to 2026-12-05", "  - starts today"]
    assert "CANCELLED" not in third.stdout
