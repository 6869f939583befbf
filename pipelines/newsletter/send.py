"""Sending an edition's email through SMTP, once per day and language.

``smtp://HOST:PORT`` upgrades the connection with STARTTLS whenever the server offers it, and refuses to
log in without it (a password is never sent in clear); ``smtps://HOST:PORT`` speaks TLS from the start.
Certificates are checked against the system's trust store (``SSL_CERT_FILE`` points elsewhere). The login,
when one is needed, comes from the environment only (:data:`SMTP_USERNAME`, :data:`SMTP_PASSWORD`),
never from a config file, so it cannot end up in a committed YAML or a run manifest.

After a successful send a receipt is stored at ``editions/<date>/<lang>.sent.json``; a second send of
the same edition is refused with :class:`~pipelines.errors.AlreadySent` unless ``resend`` is given, so a
cron job that is retried does not mail the readers twice. The receipt is written after the server
accepted the message: a crash between the two (rare) means the next try sends again.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage
from urllib.parse import urlsplit

from pipelines.errors import AlreadySent, ConfigError, DeliveryError, ObjectNotFound
from pipelines.records import StoredData
from pipelines.store import layout
from pipelines.store.base import ObjectStore
from pipelines.store.reader import load_object
from pipelines.stories.models import Edition

SMTP_USERNAME = "NEWSDIGEST_SMTP_USERNAME"
SMTP_PASSWORD = "NEWSDIGEST_SMTP_PASSWORD"
_DEFAULT_PORTS = {"smtp": 587, "smtps": 465}


@dataclass(frozen=True)
class SmtpTarget:
    """Where to send: host, port, and whether TLS starts at once (``smtps``) or by STARTTLS (``smtp``)."""

    host: str
    port: int
    implicit_tls: bool

    @classmethod
    def parse(cls, url: str) -> SmtpTarget:
        """``smtp://HOST[:PORT]`` (default 587) or ``smtps://HOST[:PORT]`` (default 465); a ConfigError
        otherwise. A user or password in the URL is refused: they come from the environment."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS or not parts.hostname:
            raise ConfigError(f"--send {url[:80]!r}: expected smtp://HOST:PORT or smtps://HOST:PORT")
        if parts.username or parts.password:
            raise ConfigError(
                f"--send: no credentials in the URL; set {SMTP_USERNAME} and {SMTP_PASSWORD} in the "
                "environment"
            )
        try:
            port = parts.port or _DEFAULT_PORTS[scheme]
        except ValueError:
            raise ConfigError(f"--send {url[:80]!r}: the port is not a number from 1 to 65535") from None
        return cls(parts.hostname, port, scheme == "smtps")

    def __str__(self) -> str:
        return f"{'smtps' if self.implicit_tls else 'smtp'}://{self.host}:{self.port}"


class SentReceipt(StoredData):
    """Stored at editions/<date>/<lang>.sent.json once the mail server accepted the edition's email."""

    date: date
    language: str
    message_id: str
    recipients: int
    to: str
    via: str
    sent_at: datetime


def smtp_login(environ: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """The SMTP login from :data:`SMTP_USERNAME` and :data:`SMTP_PASSWORD`; None when neither is set."""
    environ = os.environ if environ is None else environ
    user, password = environ.get(SMTP_USERNAME, ""), environ.get(SMTP_PASSWORD, "")
    if bool(user) != bool(password):
        missing = SMTP_PASSWORD if user else SMTP_USERNAME
        raise ConfigError(f"{missing} is not set: set both {SMTP_USERNAME} and {SMTP_PASSWORD}, or neither")
    return (user, password) if user else None


def send_edition(
    store: ObjectStore,
    edition: Edition,
    message: EmailMessage,
    target: SmtpTarget,
    *,
    resend: bool = False,
    login: tuple[str, str] | None = None,
    timeout_s: float = 30.0,
) -> SentReceipt:
    """Send ``message`` (the edition's email, see :func:`~pipelines.newsletter.message.edition_message`)
    to its To addresses and store the receipt; AlreadySent when a receipt exists and not ``resend``."""
    key = layout.sent_key(edition.date, edition.language)
    if not resend:
        try:
            earlier = load_object(store, key, SentReceipt)
        except ObjectNotFound:
            pass
        else:
            raise AlreadySent(
                f"the {edition.date.isoformat()} {edition.language!r} edition was sent at "
                f"{earlier.sent_at.isoformat(timespec='seconds')} via {earlier.via} to {earlier.recipients} "
                "recipient(s): pass --resend to send it again"
            )
    to = message["To"]
    recipients = [address.addr_spec for address in getattr(to, "addresses", ())]
    if not recipients:
        raise DeliveryError("the email has no recipients: give --to ADDR[,ADDR...]")
    deliver(message, target, login, timeout_s)
    receipt = SentReceipt(
        date=edition.date,
        language=edition.language,
        message_id=str(message["Message-ID"]),
        recipients=len(recipients),
        to=str(to),
        via=str(target),
        sent_at=datetime.now(UTC),
    )
    store.put(key, receipt.model_dump_json(indent=2).encode())
    return receipt


def deliver(
    message: EmailMessage, target: SmtpTarget, login: tuple[str, str] | None, timeout_s: float = 30.0
) -> None:
    """One SMTP session: TLS (implicit or STARTTLS), the login if any, the message; DeliveryError when
    any step fails, saying which and what to check."""
    context = ssl.create_default_context()
    try:
        client = (
            smtplib.SMTP_SSL(target.host, target.port, timeout=timeout_s, context=context)
            if target.implicit_tls
            else smtplib.SMTP(target.host, target.port, timeout=timeout_s)
        )
        with client:
            if not target.implicit_tls:
                client.ehlo()
                if client.has_extn("starttls"):
                    client.starttls(context=context)
                    client.ehlo()
                elif login is not None:
                    raise DeliveryError(
                        f"{target} offers no STARTTLS: refusing to send the SMTP password in clear; use a "
                        "server with TLS, or smtps:// for one that speaks TLS from the start"
                    )
            if login is not None:
                client.login(*login)
            client.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(
            f"{target} rejected the login ({exc.smtp_code}): check {SMTP_USERNAME} and {SMTP_PASSWORD}"
        ) from None
    except smtplib.SMTPRecipientsRefused as exc:
        refused = ", ".join(sorted(exc.recipients))
        raise DeliveryError(f"{target} refused the recipient(s) {refused}: nothing was sent") from None
    except smtplib.SMTPNotSupportedError:
        raise DeliveryError(
            f"{target} does not support login (AUTH): unset {SMTP_USERNAME}/{SMTP_PASSWORD} or use another "
            "server"
        ) from None
    except ssl.SSLError as exc:
        raise DeliveryError(
            f"TLS with {target} failed ({exc.reason or type(exc).__name__}): check the server's certificate "
            "(SSL_CERT_FILE for a private CA) and smtp:// vs smtps://"
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"cannot send through {target}: {type(exc).__name__}: {exc}") from None
