"""Settings of story grouping and of the newsletter editions built from it."""

from __future__ import annotations

import re
from email.headerregistry import HeaderRegistry
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import ConfigDict, Field, field_validator

from pipelines.config_base import StrictModel

DEFAULT_THRESHOLD = 0.26
"""Chosen on benchmarks/data/stories (see docs/benchmarks.md, "Story grouping")."""


class StoriesConfig(StrictModel):
    """How a day's articles are grouped into stories."""

    window_hours: float = Field(
        default=36.0,
        gt=0,
        le=24 * 7,
        description="an edition holds the articles filed under its day plus earlier ones published "
        "(else processed) within this many hours before the day ends",
    )
    threshold: float = Field(
        default=DEFAULT_THRESHOLD,
        gt=0,
        lt=1,
        description="two groups of articles are one story when their average similarity reaches this",
    )


PLACEHOLDER = re.compile(
    r"^(?:\*\|[A-Za-z0-9_:]+\|\*|\{\{\s*[\w.]+\s*\}\}|%[A-Za-z0-9_:]+%|\[[A-Za-z0-9_:]+\])$"
)
"""A sending service's merge tag, left in the email for it to fill: ``*|UNSUB|*`` (Mailchimp),
``{{ unsubscribe_url }}`` (Buttondown, Brevo), ``%unsubscribe_url%`` (Mailgun), ``[unsubscribe]``."""


def _http_url(value: str, what: str) -> str:
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValueError(
            f"{what} must be an http(s) URL such as https://news.example.org/..., got {value[:80]!r}"
        )
    return value


def email_addresses(value: str, what: str, *, single: bool = True) -> str:
    """``value`` checked as one email address (``Name <user@host>`` or ``user@host``) or, without
    ``single``, a comma-separated list of them; else a ValueError that says how to write one."""
    header = HeaderRegistry()("To", value)
    found = getattr(header, "addresses", ())
    if not found or (single and len(found) != 1) or header.defects or not all(a.domain for a in found):
        many = "one email address" if single else "email addresses (comma-separated)"
        raise ValueError(
            f"{what} {value[:80]!r} is not {many}: write user@example.org or 'Name <user@example.org>'"
        )
    return ", ".join(str(address) for address in found)


def _url_or_placeholder(value: str, what: str) -> str:
    if not value or PLACEHOLDER.fullmatch(value):
        return value
    return _http_url(value.replace("{date}", "2026-01-01").replace("{lang}", "en"), what) and value


class Masthead(StrictModel):
    """The newsletter's name and logo at the top of every edition."""

    name: str = Field(default="", max_length=120, description="shown above the date, and in the subject")
    logo_url: str = Field(default="", description="http(s) URL of a logo image (about 600x120 px or smaller)")

    @field_validator("logo_url")
    @classmethod
    def _logo(cls, value: str) -> str:
        return _http_url(value, "newsletter.masthead.logo_url") if value else value


class Footer(StrictModel):
    """What the law and readers expect at the bottom of a newsletter.

    Users write ``copy``; a dumped config (``model_dump``) writes ``copy_text``. Both load, so a config
    written back by the code reads again.
    """

    model_config = ConfigDict(**StrictModel.model_config, validate_by_name=True, validate_by_alias=True)

    address: str = Field(default="", max_length=300, description="the sender's postal address")
    copy_text: str = Field(
        default="", alias="copy", max_length=1000, description="a line of text: why readers get it, copyright"
    )


class NewsletterConfig(StrictModel):
    """How editions and digests are presented."""

    timezone: str = Field(default="UTC", description="IANA zone the newsletter shows times and days in")
    source_names: dict[str, str] = Field(
        default_factory=dict,
        description="article source (as ingested, e.g. a slug) -> the name readers see",
    )
    masthead: Masthead = Field(default_factory=Masthead)
    footer: Footer = Field(default_factory=Footer)
    unsubscribe_url: str = Field(
        default="",
        description="the unsubscribe link in the footer and the List-Unsubscribe header: an http(s) URL or "
        "the sending service's merge tag, e.g. '*|UNSUB|*'; empty: none",
    )
    web_url: str = Field(
        default="",
        description="where the web edition is served, {date} and {lang} filled in (e.g. "
        "https://news.example.org/editions/{date}/{lang}.html), or a merge tag such as '*|ARCHIVE|*'; "
        "the email's 'view in browser' link and the feeds' fallback link; empty: none",
    )
    sender: str = Field(
        default="Newsdigest <newsdigest@example.invalid>",
        description="the email's From (newsdigest edition --format eml; --from overrides)",
    )
    feed_items: int = Field(
        default=50, ge=1, le=1000, description="stories in the rolling feeds (feeds/<lang>.rss, .feed.json)"
    )
    subject: str = Field(
        default="{masthead}{heading}",
        description="the email's subject; {masthead} (the name and ' · ' when set), {heading} (the day), "
        "{date}, {lang}, {stories}, {lead} (the first headline); --subject overrides",
    )

    @field_validator("unsubscribe_url")
    @classmethod
    def _unsubscribe(cls, value: str) -> str:
        return _url_or_placeholder(value, "newsletter.unsubscribe_url")

    @field_validator("web_url")
    @classmethod
    def _web(cls, value: str) -> str:
        return _url_or_placeholder(value, "newsletter.web_url")

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str) -> str:
        return email_addresses(value, "newsletter.sender")

    def web_edition_url(self, day: str, language: str) -> str:
        """``web_url`` for one edition (``{date}`` and ``{lang}`` filled in); empty when not set."""
        return self.web_url.replace("{date}", day).replace("{lang}", language)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            close = sorted(zone for zone in available_timezones() if name.lower() in zone.lower())[:3]
            hint = f" (did you mean {', '.join(close)}?)" if close else " such as 'Europe/Paris'"
            raise ValueError(f"unknown timezone {name!r}: use an IANA name{hint}") from None
        return name
