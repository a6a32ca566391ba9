"""STARTTLS and implicit TLS against a real aiosmtpd with a certificate made for the test.

The client verifies the certificate as in production (default context, host name checked); the test
trusts its own certificate through SSL_CERT_FILE, which OpenSSL's default verify paths honour.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .servers import free_port
from .test_mail import Inbox, smtp_config
from .test_nightly import DRESDEN, night, write_calendar

pytest.importorskip("aiosmtpd")
pytest.importorskip("cryptography")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def make_cert(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


def tls_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, implicit: bool) -> Iterator[Inbox]:
    from aiosmtpd.controller import Controller

    cert, key = make_cert(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = Inbox(port=free_port())
    kwargs: dict[str, Any] = (
        {"ssl_context": context} if implicit else {"tls_context": context, "require_starttls": True}
    )
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port, **kwargs)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def starttls_inbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    yield from tls_server(tmp_path, monkeypatch, implicit=False)


@pytest.fixture
def ssl_inbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    yield from tls_server(tmp_path, monkeypatch, implicit=True)


def test_starttls(tmp_path: Path, starttls_inbox: Inbox) -> None:
    write_calendar(tmp_path / "cal.ics", DRESDEN)
    config = smtp_config(tmp_path, starttls_inbox.port, security='"starttls"')
    r = night(config, "2026-12-01", "--mail")
    assert r.exit_code == 0, r.output
    assert len(starttls_inbox.messages) == 1
    assert starttls_inbox.messages[0][2]["Subject"].startswith("dinnerbot: new trip Dresden")


def test_server_requiring_starttls_refuses_plain(tmp_path: Path, starttls_inbox: Inbox) -> None:
    write_calendar(tmp_path / "cal.ics", DRESDEN)
    config = smtp_config(tmp_path, starttls_inbox.port, security='"none"')
    r = night(config, "2026-12-01", "--mail")
    assert r.exit_code == 1 and "cannot send mail" in r.stderr
    assert starttls_inbox.messages == []


def test_implicit_tls(tmp_path: Path, ssl_inbox: Inbox) -> None:
    write_calendar(tmp_path / "cal.ics", DRESDEN)
    config = smtp_config(tmp_path, ssl_inbox.port, security='"ssl"')
    r = night(config, "2026-12-01", "--mail")
    assert r.exit_code == 0, r.output
    assert len(ssl_inbox.messages) == 1


def test_untrusted_certificate_is_refused(
    tmp_path: Path, starttls_inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.setenv("SSL_CERT_FILE", str(make_cert(other)[0]))  # trust some other certificate
    write_calendar(tmp_path / "cal.ics", DRESDEN)
    config = smtp_config(tmp_path, starttls_inbox.port, security='"starttls"')
    r = night(config, "2026-12-01", "--mail")
    assert r.exit_code == 1 and "CERTIFICATE_VERIFY_FAILED" in r.stderr
    assert starttls_inbox.messages == []
