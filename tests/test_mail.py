"""E-mail delivery through a real local SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dinnerbot.cli import cli

from .servers import free_port
from .test_nightly import DRESDEN, night, write_calendar, write_config

pytest.importorskip("aiosmtpd")
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@dataclass
class Inbox:
    port: int
    messages: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 OK"


def _smtp(auth: bool) -> Iterator[Inbox]:
    from aiosmtpd.controller import Controller

    inbox = Inbox(port=free_port())

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"max", b"s3cret")
        if ok:
            inbox.logins.append((data.login.decode(), data.password.decode()))
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535

    kwargs: dict[str, Any] = {}
    if auth:
        kwargs = {
            "authenticator": authenticator,
            "auth_require_tls": False,
            "auth_required": True,
            "auth_exclude_mechanism": ["LOGIN"],  # PLAIN only: a refusal is then one clean 535
        }
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port, **kwargs)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    yield from _smtp(auth=False)


@pytest.fixture
def auth_inbox() -> Iterator[Inbox]:
    yield from _smtp(auth=True)


def smtp_config(tmp_path: Path, port: int, **more: str) -> Path:
    return write_config(
        tmp_path,
        **{
            "[smtp]\nhost": '"127.0.0.1"',
            "port": str(port),
            "security": '"none"',
            "from": '"dinnerbot@example.com"',
            "to": '["max@example.com", "assistant@example.com"]',
            **more,
        },
    )


def test_cron_mail_arrives_as_multipart_text_and_html(tmp_path: Path, inbox: Inbox) -> None:
    write_calendar(tmp_path / "cal.ics", DRESDEN)
    config = smtp_config(tmp_path, inbox.port)
    r = night(config, "2026-12-01", "--mail")
    assert r.exit_code == 0, r.output
    assert r.stdout == ""  # delivered by mail, not on stdout
    (sender, rcpts, msg) = inbox.messages[0]
    assert len(inbox.messages) == 1
    assert sender == "dinnerbot@example.com"
    assert rcpts == ["max@example.com", "assistant@example.com"]
    assert msg["Subject"] == "dinnerbot: new trip Dresden, DE 2026-12-03 to 2026-12-05"
    assert msg.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in msg.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert text is not None and html is not None
    plain, rich = text.get_content(), html.get_content()
    assert plain.startswith("NEW: Dresden, DE 2026-12-03 to 2026-12-05")
    assert "Evening of Thu 2026-12-03" in plain
    assert "<html" in rich.lower() and "What is new" in rich and "Dresden" in rich
    # the same night again: no second mail
    assert night(config, "2026-12-01", "--mail").exit_code == 0
    assert len(inbox.messages) == 1


def test_login_with_the_password_from_the_environment(
    tmp_path: Path, auth_inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "s3cret")
    write_calendar(tmp_path / "cal.ics", DRESDEN)
    config = smtp_config(tmp_path, auth_inbox.port, user='"max"', password_env='"TEST_SMTP_PASSWORD"')
    r = night(config, "2026-12-01", "--mail")
    assert r.exit_code == 0, r.output
    assert auth_inbox.logins == [("max", "s3cret")]
    assert len(auth_inbox.messages) == 1


def test_wrong_password_fails_and_keeps_the_news(
    tmp_path: Path, auth_inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "wrong")
    write_calendar(tmp_path / "cal.ics", DRESDEN)
    config = smtp_config(tmp_path, auth_inbox.port, user='"max"', password_env='"TEST_SMTP_PASSWORD"')
    r = night(config, "2026-12-01", "--mail")
    assert r.exit_code == 1 and "login refused" in r.stderr
    assert auth_inbox.messages == []
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "s3cret")
    assert night(config, "2026-12-01", "--mail").exit_code == 0
    assert len(auth_inbox.messages) == 1  # the news was not lost


def test_no_server_is_exit_1_naming_it(tmp_path: Path) -> None:
    write_calendar(tmp_path / "cal.ics", DRESDEN)
    port = free_port()
    config = smtp_config(tmp_path, port)
    r = night(config, "2026-12-01", "--mail")
    assert r.exit_code == 1 and f"127.0.0.1:{port}: cannot send mail" in r.stderr


def test_plain_plan_mail_without_state(tmp_path: Path, inbox: Inbox) -> None:
    write_calendar(tmp_path / "cal.ics", DRESDEN)
    config = smtp_config(tmp_path, inbox.port)
    for _ in range(2):
        r = CliRunner().invoke(cli, ["--config", str(config), "plan", "--from", "2026-12-01", "--mail"])
        assert r.exit_code == 0, r.output
    assert len(inbox.messages) == 2  # not in news mode: every run sends the whole plan
    assert inbox.messages[0][2]["Subject"].startswith("dinnerbot: plan 2026-12-01 to ")


def test_missing_smtp_settings_is_a_config_error(tmp_path: Path) -> None:
    write_calendar(tmp_path / "cal.ics", DRESDEN)
    config = write_config(tmp_path)
    r = night(config, "2026-12-01", "--mail")
    assert r.exit_code == 2 and "smtp: host and to must be set" in r.stderr


def test_password_from_the_keyring_when_the_environment_has_none(
    tmp_path: Path, auth_inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring = pytest.importorskip("keyring")
    from keyring.backend import KeyringBackend

    previous = keyring.get_keyring()  # before the class below exists: it registers itself as a backend

    class MemoryKeyring(KeyringBackend):
        priority = 1
        stored = {("dinnerbot-smtp", "max"): "s3cret"}

        def get_password(self, service: str, username: str) -> str | None:
            return self.stored.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.stored[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.stored.pop((service, username), None)

    keyring.set_keyring(MemoryKeyring())
    try:
        monkeypatch.delenv("DINNERBOT_SMTP_PASSWORD", raising=False)
        write_calendar(tmp_path / "cal.ics", DRESDEN)
        config = smtp_config(tmp_path, auth_inbox.port, user='"max"', password_env='"DINNERBOT_SMTP_PASSWORD"')
        r = night(config, "2026-12-01", "--mail")
    finally:
        keyring.set_keyring(previous)
    assert r.exit_code == 0, r.output
    assert auth_inbox.logins == [("max", "s3cret")]


def test_doctor_logs_in_without_sending(tmp_path: Path, auth_inbox: Inbox, monkeypatch: pytest.MonkeyPatch) -> None:
    write_calendar(tmp_path / "cal.ics", DRESDEN)
    config = smtp_config(tmp_path, auth_inbox.port, user='"max"', password_env='"TEST_SMTP_PASSWORD"')
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "s3cret")
    r = CliRunner().invoke(cli, ["--config", str(config), "doctor"])
    assert r.exit_code == 0, r.output
    assert f"[ok  ] smtp: 127.0.0.1:{auth_inbox.port} none, logged in as max, to max@example.com" in r.stdout
    assert auth_inbox.logins == [("max", "s3cret")] and auth_inbox.messages == []
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "wrong")
    r = CliRunner().invoke(cli, ["--config", str(config), "doctor"])
    assert r.exit_code == 1
    assert f"[FAIL] smtp: 127.0.0.1:{auth_inbox.port}: login refused: 535" in r.stdout
    assert "fix: check smtp.user and the password" in r.stdout
