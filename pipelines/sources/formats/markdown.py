"""Markdown (``.md``, ``.markdown``): YAML front matter gives the metadata, the markup is reduced to its
words, and the rest is read as plain text (:mod:`pipelines.sources.formats.text`)."""

from __future__ import annotations

import re
from datetime import date as dt_date
from datetime import datetime
from typing import Any

from pipelines.front_matter import FrontMatter, split_front_matter
from pipelines.records import Article
from pipelines.sources.config import IngestConfig
from pipelines.sources.formats.common import (
    Decoded,
    IngestFailure,
    finish,
    optional_string,
    published_field,
    split_plain,
)
from pipelines.sources.formats.text import plain_article
from pipelines.structure import structure_enabled
from pipelines.structure.markup import strip_inline_markup

_MARKDOWN_LINK = re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)")
_MARKDOWN_EMPHASIS = re.compile(r"(\*\*|__|\*|`)(?=\S)(.+?)(?<=\S)\1")
_MARKDOWN_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*")
_MARKDOWN_QUOTE = re.compile(r"^\s{0,3}>\s?")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def parse_markdown(
    decoded: Decoded, origin: str, config: IngestConfig, source: str | None
) -> list[Article | IngestFailure]:
    if (front := split_front_matter(decoded.text)) is not None:
        return [_from_front_matter(front, origin, config, decoded.flags, source)]
    return [plain_article(strip_markdown(decoded.text), decoded.flags, origin, config, source)]


def strip_markdown(text: str) -> str:
    """Reduce Markdown to its words: headings, emphasis, links, images, quotes and comments lose markup
    (inline HTML tags go later, with :func:`~pipelines.structure.markup.strip_inline_markup`)."""
    text = _HTML_COMMENT.sub("", text)
    out: list[str] = []
    for line in text.split("\n"):
        line = _MARKDOWN_HEADING.sub("", line)
        line = _MARKDOWN_QUOTE.sub("", line)
        line = _MARKDOWN_LINK.sub(r"\1", line)
        line = _MARKDOWN_EMPHASIS.sub(r"\2", line)
        out.append(line)
    return "\n".join(out)


def _from_front_matter(
    front: FrontMatter, origin: str, config: IngestConfig, inherited: list[str], source: str | None
) -> Article | IngestFailure:
    """A Markdown file with YAML front matter: title, date, url and source from it, the rest as the text."""
    flags = [*inherited, *front.flags]
    if not front.body.strip():
        return IngestFailure(origin, "empty: only YAML front matter, no text", front.raw, tuple(flags))
    fields: dict[str, Any] = {}
    for key in ("title", "url", "source"):
        fields[key] = optional_string(front.fields, key, flags)
    date = front.fields.get("date", front.fields.get("published_at"))
    if isinstance(date, datetime | dt_date):
        date = date.isoformat()
    published_at = published_field(date, flags)
    source = fields["source"] or source
    title = strip_inline_markup(fields["title"]) if fields["title"] else None
    text = strip_inline_markup(strip_markdown(front.body))
    title_from_text = not title and structure_enabled(config.structure, source)
    if not title and not title_from_text:
        title, text = split_plain(text)
    return finish(
        origin,
        config,
        text=text,
        title=title or "",
        flags=flags,
        url=fields["url"],
        source=source,
        published_at=published_at,
        title_from_text=title_from_text,
    )
