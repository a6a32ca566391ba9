"""E-mail delivery: the digest as a multipart message (text and HTML) through SMTP.

Settings come from the ``[smtp]`` section; the password from the environment variable named by
``smtp.password_env`` or, failing that, from the system keyring (service ``dinnerbot-smtp``).
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from dinnerbot.errors import ConfigError, DinnerbotError

KEYRING_SERVICE = "dinnerbot-smtp"


class MailError(DinnerbotError):
    """The message could not be handed to the SMTP server."""


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # starttls, ssl, none
    user: str
    password: str | None
    sender: str
    to: tuple[str, ...]
    timeout: float = 30.0

    @classmethod
    def from_config(cls, config: Any) -> SmtpSettings:
        from dinnerbot.config import secret

        host, to = config.get("smtp.host", ""), tuple(config.get("smtp.to", []))
        if not host or not to:
            raise ConfigError(
                "smtp: host and to must be set to send mail",
                hint='set [smtp] host = "mail.example.com" and to = ["you@example.com"]',
            )
        security = config.get("smtp.security", "starttls")
        port = int(config.get("smtp.port", 0)) or {"ssl": 465, "starttls": 587}.get(security, 25)
        user = config.get("smtp.user", "")
        password = None
        env_name = config.get("smtp.password_env", "")
        if env_name:
            password = secret(env_name)
        if password is None and user:
            password = _keyring_password(user)
        if user and password is None:
            raise ConfigError(
                f"smtp: no password for {user}",
                hint=f"export {env_name or 'DINNERBOT_SMTP_PASSWORD'} (and set smtp.password_env) or "
                f"store it with `keyring set {KEYRING_SERVICE} {user}`",
            )
        sender = config.get("smtp.from", "") or user or to[0]
        return cls(host, port, security, user, password, sender, to)


def _keyring_password(user: str) -> str | None:
    try:
        import keyring
    except ImportError:
        return None
    try:
        value = keyring.get_password(KEYRING_SERVICE, user)
    except Exception:  # no backend, locked keyring: as if there were no password
        return None
    return value if isinstance(value, str) else None


def build_message(
    *, subject: str, text: str, html: str | None, sender: str, to: tuple[str, ...], domain: str = "dinnerbot"
) -> EmailMessage:
    """A multipart/alternative message: the plain text first, the HTML digest as the richer part."""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=domain)
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg


def send(msg: EmailMessage, settings: SmtpSettings) -> None:
    """Hand the message to the server; MailError naming the server on any failure."""
    _session(settings, msg)


def check(settings: SmtpSettings) -> None:
    """Connect, secure and log in as `send` would, without sending (for `dinnerbot doctor`)."""
    _session(settings, None)


def _session(settings: SmtpSettings, msg: EmailMessage | None) -> None:
    import smtplib
    import ssl

    where = f"{settings.host}:{settings.port}"
    try:
        smtp: smtplib.SMTP
        if settings.security == "ssl":
            smtp = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with smtp:
            smtp.ehlo()
            if settings.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if settings.user and settings.password is not None:
                smtp.login(settings.user, settings.password)
            if msg is not None:
                smtp.send_message(msg, from_addr=settings.sender, to_addrs=list(settings.to))
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(f"{where}: login refused: {exc.smtp_code}", hint="check smtp.user and the password") from None
    except smtplib.SMTPNotSupportedError as exc:
        raise MailError(f"{where}: {exc}", hint="set smtp.security to ssl or none") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"{where}: cannot send mail: {exc}") from None
