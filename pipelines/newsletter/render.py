"""Rendering a :class:`~pipelines.newsletter.view.Newsletter` with the Jinja2 templates in ``templates/``.

HTML is autoescaped. Markdown goes through an environment whose every ``{{ }}`` is backslash-escaped
(:func:`md_escape`) unless it is a URL already made safe by :func:`~pipelines.newsletter.text.safe_url`,
so no article text can become Markdown markup or raw HTML. Plain text needs no escaping.
A newsroom changes the look by editing the templates; the content comes from the view alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import Any, Literal

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from pipelines.newsletter.view import Newsletter, from_summaries
from pipelines.records import SCHEMA_VERSION
from pipelines.store.publish import SummaryObject
from pipelines.stories.config import NewsletterConfig
from pipelines.stories.models import Edition

Format = Literal["html", "md", "text"]
FORMATS: tuple[str, ...] = ("html", "md", "text", "json")

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#!|~&$])")
_MD_LINE_START = re.compile(r"^([+\-=]|\d+(?=[.)]))")
_TEMPLATES = {"html": "newsletter.html.j2", "md": "newsletter.md.j2", "text": "newsletter.txt.j2"}


class Link(str):
    """A URL that :func:`~pipelines.newsletter.text.safe_url` accepted: emitted verbatim in Markdown."""


def md_escape(text: str) -> str:
    """Backslash-escape what Markdown (CommonMark/GFM) could read as markup, so the text renders literally
    and can never become raw HTML: inline markup characters (``<`` and ``>`` included) everywhere, and
    list/heading/quote markers at the start. Newlines are collapsed, so no other line can start a block."""
    escaped = _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))
    return _MD_LINE_START.sub(_escape_marker, escaped)


def _escape_marker(match: re.Match[str]) -> str:
    marker = match.group(1)
    return f"{marker}\\" if marker[0].isdigit() else f"\\{marker}"


def _md_finalize(value: Any) -> str:
    if isinstance(value, Link):
        return str(value)
    return md_escape("" if value is None else str(value))


@cache
def _environment(fmt: str) -> Environment:
    loader = PackageLoader("pipelines.newsletter", "templates")
    if fmt == "html":
        return Environment(
            loader=loader,
            autoescape=select_autoescape(enabled_extensions=("html.j2",), default=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
    options: dict[str, Any] = {"finalize": _md_finalize} if fmt == "md" else {}
    return Environment(
        loader=loader,
        autoescape=False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        **options,
    )


def render(newsletter: Newsletter, fmt: Format) -> str:
    """The newsletter as a complete HTML email, Markdown or plain text."""
    if fmt not in _TEMPLATES:
        raise ValueError(f"unknown newsletter format {fmt!r}: use html, md or text")
    template = _environment(fmt).get_template(_TEMPLATES[fmt])
    return template.render(n=newsletter, link=Link)


def render_page(template: str, **values: Any) -> str:
    """An autoescaped HTML template of ``templates/`` other than the newsletter (the web archive's index)."""
    return _environment("html").get_template(template).render(**values)


def render_edition(edition: Edition, fmt: str, settings: NewsletterConfig | None = None) -> str:
    """An edition as html, md, text, or json (``{"stories": [{"id", "headline", "articles": [...]}]}``)."""
    if fmt == "json":
        return _edition_json(edition, settings)
    from pipelines.newsletter.view import from_edition

    return render(from_edition(edition, settings), _format(fmt))


def render_digest(
    summaries: Sequence[SummaryObject],
    *,
    day: date,
    language: str,
    fmt: str,
    settings: NewsletterConfig | None = None,
) -> str:
    """The per-article digest: html, md, text, or json (the summary objects themselves)."""
    if fmt == "json":
        document = {
            "schema_version": SCHEMA_VERSION,
            "date": day.isoformat(),
            "language": language,
            "count": len(summaries),
            "items": [summary.model_dump(mode="json") for summary in summaries],
        }
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    return render(from_summaries(summaries, day, language, settings), _format(fmt))


def _format(fmt: str) -> Format:
    if fmt == "html":
        return "html"
    if fmt == "md":
        return "md"
    if fmt == "text":
        return "text"
    raise ValueError(f"unknown newsletter format {fmt!r}: use {', '.join(FORMATS)}")


def _edition_json(edition: Edition, settings: NewsletterConfig | None) -> str:
    """The edition's stories with the headlines and source names readers see (never an id as a headline,
    ``null`` for a missing source)."""
    from pipelines.newsletter.view import article_links, from_edition

    view = from_edition(edition, settings)
    document = {
        "schema_version": edition.schema_version,
        "date": edition.date.isoformat(),
        "language": edition.language,
        "stories": [
            {
                "id": story.id,
                "headline": item.headline,
                "short": story.short,
                "long": story.long,
                "translated_from": story.translated_from,
                "articles": [
                    {
                        "id": article.article_id,
                        "title": link.title or None,
                        "source": link.name or None,
                        "url": article.url,
                        "language": article.language,
                    }
                    for article, link in zip(story.articles, article_links(story, settings), strict=True)
                ],
            }
            for story, item in zip(edition.stories, view.items, strict=True)
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
