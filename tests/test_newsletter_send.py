"""`newsdigest edition --send`: the edition's email through a local SMTP server the tests start (aiosmtpd on
127.0.0.1, STARTTLS with a test CA from trustme, a login checked by the server), which keeps what arrives."""

from __future__ import annotations

import email
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from typer.testing import CliRunner

from benchmarks.stories import DAY, load, publish
from flows.cli import EXIT_INCOMPLETE, EXIT_OK, EXIT_USAGE, app
from pipelines.newsletter.send import SMTP_PASSWORD, SMTP_USERNAME, SentReceipt
from pipelines.store import layout
from pipelines.store.local import LocalStore
from pipelines.store.reader import load_object
from pipelines.stories.edition import read_edition
from tests.conftest import free_port

LOGIN = ("desk", "s3cret-pass")


class Inbox:
    """aiosmtpd handler: keeps every message that arrives, with its envelope."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 OK"


def check_login(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        LOGIN[0].encode(),
        LOGIN[1].encode(),
    )
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> tuple[trustme.CA, Path]:
    authority = trustme.CA()
    pem = tmp_path_factory.mktemp("ca") / "ca.pem"
    authority.cert_pem.write_to_path(str(pem))
    return authority, pem


def serve(inbox: Inbox, *, tls: trustme.CA | None) -> Controller:
    options: dict[str, Any] = {"authenticator": check_login, "auth_require_tls": True}
    if tls is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.issue_cert("127.0.0.1").configure_cert(context)
        options.update(tls_context=context, require_starttls=True)
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    return controller


@pytest.fixture
def smtp(ca: tuple[trustme.CA, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Inbox, str]]:
    """A STARTTLS SMTP server on 127.0.0.1 whose certificate the client trusts (SSL_CERT_FILE)."""
    authority, pem = ca
    monkeypatch.setenv("SSL_CERT_FILE", str(pem))
    inbox = Inbox()
    controller = serve(inbox, tls=authority)
    yield inbox, f"smtp://127.0.0.1:{controller.port}"
    controller.stop()


@pytest.fixture
def store(tmp_path: Path) -> Path:
    folder = tmp_path / "store"
    publish(
        LocalStore(folder), [r for r in load() if r["story"] in ("ferry-strike", "riverton-budget")], "run-1"
    )
    return folder


def send(store: Path, url: str, *extra: str) -> Any:
    arguments = ["edition", "--store", str(store), "--date", DAY.isoformat(), "--send", url]
    return CliRunner().invoke(app, [*arguments, "--to", "Desk <desk@example.org>", *extra])


def test_the_edition_arrives_over_starttls_with_the_login_and_is_not_sent_twice(
    smtp: tuple[Inbox, str], store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, url = smtp
    monkeypatch.setenv(SMTP_USERNAME, LOGIN[0])
    monkeypatch.setenv(SMTP_PASSWORD, LOGIN[1])

    result = send(store, url, "--from", "Riverside Post <news@riverside.example>")

    assert result.exit_code == EXIT_OK, result.output
    assert "to 1 recipient(s) via smtp://127.0.0.1" in result.stdout
    assert LOGIN[1] not in result.output
    ((sender, recipients, message),) = inbox.messages
    assert sender == "news@riverside.example" and recipients == ["desk@example.org"]
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    edition = read_edition(LocalStore(store), DAY, "en")
    for story in edition.stories:
        assert story.headline in text.get_content()
    receipt = load_object(LocalStore(store), layout.sent_key(DAY, "en"), SentReceipt)
    assert receipt.recipients == 1 and receipt.message_id == message["Message-ID"].strip()

    again = send(store, url)
    assert again.exit_code == EXIT_INCOMPLETE and "--resend" in again.output and len(inbox.messages) == 1

    resent = send(store, url, "--resend")
    assert resent.exit_code == EXIT_OK, resent.output
    assert len(inbox.messages) == 2


def test_a_wrong_password_fails_with_exit_1_and_sends_nothing(
    smtp: tuple[Inbox, str], store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, url = smtp
    monkeypatch.setenv(SMTP_USERNAME, LOGIN[0])
    monkeypatch.setenv(SMTP_PASSWORD, "wrong")

    result = send(store, url)

    assert result.exit_code == EXIT_INCOMPLETE and "rejected the login" in result.output
    assert SMTP_PASSWORD in result.output and "wrong" not in result.output
    assert inbox.messages == [] and not (store / layout.sent_key(DAY, "en")).exists()


def test_an_untrusted_certificate_fails_clearly(
    smtp: tuple[Inbox, str], store: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    inbox, url = smtp
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    monkeypatch.setenv("SSL_CERT_FILE", str(other))

    result = send(store, url)

    assert result.exit_code == EXIT_INCOMPLETE and "TLS with smtp://127.0.0.1" in result.output
    assert inbox.messages == []


def test_no_password_goes_to_a_server_without_starttls(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inbox = Inbox()
    controller = serve(inbox, tls=None)
    monkeypatch.setenv(SMTP_USERNAME, LOGIN[0])
    monkeypatch.setenv(SMTP_PASSWORD, LOGIN[1])
    try:
        result = send(store, f"smtp://127.0.0.1:{controller.port}")
    finally:
        controller.stop()

    assert result.exit_code == EXIT_INCOMPLETE and "offers no STARTTLS" in result.output
    assert inbox.messages == []


def test_an_unreachable_server_fails_with_exit_1(store: Path) -> None:
    result = send(store, f"smtp://127.0.0.1:{free_port()}")

    assert result.exit_code == EXIT_INCOMPLETE and "cannot send through smtp://127.0.0.1" in result.output
    assert not (store / layout.sent_key(DAY, "en")).exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--send", "http://mail.example.org"], "expected smtp://HOST:PORT"),
        (["--send", "smtp://user:pw@mail.example.org"], "no credentials in the URL"),
        (["--send", "smtp://mail.example.org"], "--send needs --to"),
        (["--resend"], "--resend goes with --send"),
    ],
)
def test_send_options_are_checked_before_any_work(tmp_path: Path, arguments: list[str], message: str) -> None:
    base = ["edition", "--store", str(tmp_path / "s"), "--date", DAY.isoformat()]
    to = ["--to", "desk@example.org"] if "--send needs --to" not in message and "--send" in arguments else []

    result = CliRunner().invoke(app, [*base, *arguments, *to])

    assert result.exit_code == EXIT_USAGE and message in result.output
    assert not (tmp_path / "s").exists()


def test_half_a_login_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SMTP_USERNAME, "desk")
    monkeypatch.delenv(SMTP_PASSWORD, raising=False)

    result = CliRunner().invoke(
        app,
        [
            "edition",
            "--store",
            str(tmp_path),
            "--date",
            DAY.isoformat(),
            "--send",
            "smtp://127.0.0.1:25",
            "--to",
            "a@b.org",
        ],
    )

    assert result.exit_code == EXIT_USAGE and f"{SMTP_PASSWORD} is not set" in result.output
