"""An edition as one RFC 5322 email: ``multipart/alternative`` with a text/plain and a text/html part.

Both parts come from the same view and templates as ``--format text`` and ``--format html``, so the email
says what the other formats say. The message is built with the standard library's :mod:`email` package
and serialised with CRLF line ends (``email.policy.SMTP``), as a sending service or ``sendmail -t``
accepts it. A ``List-Unsubscribe`` header is added when ``newsletter.unsubscribe_url`` is set; a merge tag
such as ``*|UNSUB|*`` is left for the sending service to fill in.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from pipelines.newsletter.render import render
from pipelines.newsletter.view import Newsletter, from_edition
from pipelines.stories.config import NewsletterConfig, email_addresses
from pipelines.stories.models import Edition

SUBJECT_FIELDS = ("masthead", "heading", "date", "lang", "stories", "lead")


def edition_message(
    edition: Edition,
    settings: NewsletterConfig | None = None,
    *,
    to: str | None = None,
    sender: str | None = None,
    subject: str | None = None,
    now: datetime | None = None,
) -> EmailMessage:
    """The edition as an email. ``sender`` and ``subject`` (a template over :data:`SUBJECT_FIELDS`) default
    to ``newsletter.sender`` and ``newsletter.subject``; without ``to`` the message has no To header (the
    sending service adds the list's addresses)."""
    settings = settings or NewsletterConfig()
    view = from_edition(edition, settings)
    message = EmailMessage(policy=SMTP)
    message["Subject"] = subject_line(view, subject if subject is not None else settings.subject)
    message["From"] = email_addresses(
        sender if sender is not None else settings.sender, "--from / newsletter.sender"
    )
    if to:
        message["To"] = email_addresses(to, "--to", single=False)
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = make_msgid("edition", domain=_domain(message["From"]))
    if view.footer.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{view.footer.unsubscribe_url}>"
    message.set_content(render(view, "text"), subtype="plain", charset="utf-8")
    message.add_alternative(render(view, "html"), subtype="html", charset="utf-8")
    return message


def subject_line(view: Newsletter, template: str) -> str:
    """``template`` with its ``{field}`` names filled in; other braces are kept as written. One line."""
    values = {
        "masthead": f"{view.masthead.name} · " if view.masthead.name else "",
        "heading": view.heading,
        "date": view.date,
        "lang": view.language,
        "stories": str(len(view.items)),
        "lead": view.items[0].headline if view.items else "",
    }
    line = template
    for name in SUBJECT_FIELDS:
        line = line.replace(f"{{{name}}}", values[name])
    return " ".join(line.split())


def _domain(sender: str) -> str:
    return sender.rsplit("@", 1)[-1].rstrip(">").strip() or "newsdigest.invalid"
