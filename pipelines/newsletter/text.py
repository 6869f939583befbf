"""Cleaning untrusted text for newsletters: markup stripped (not shown as escaped tags), names for sources.

Stripping is not escaping: a template still escapes what comes out of here. It only keeps a title such as
``Council <b>approves</b> budget`` from reaching readers as literal tags.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

_INVISIBLE = frozenset({"script", "style", "template", "noscript", "iframe", "object", "svg", "math"})
_SLUG = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
_URL_SAFE = "/:?#@!$&*+,;=%~-._"


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _INVISIBLE:
            self.hidden += 1
        elif tag in ("br", "p", "div", "li"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLE and self.hidden:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def plain_text(value: str | None) -> str:
    """``value`` without tags, comments or script/style content, entities decoded, whitespace collapsed.

    Text that merely contains ``<`` (``5 < 6``) stays as it is: only what an HTML parser reads as markup
    is removed.
    """
    if not value:
        return ""
    parser = _TextOnly()
    parser.feed(value)
    parser.close()
    return " ".join("".join(parser.parts).split())


def safe_url(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL with a host, percent-encoding anything unusual; else None.

    Percent-encoding spaces, quotes, brackets and parentheses means the result cannot break out of an
    HTML attribute or a Markdown link target; ``javascript:`` and every other scheme are refused.
    """
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(url, safe=_URL_SAFE)


def source_name(source: str | None, url: str | None = None, names: Mapping[str, str] | None = None) -> str:
    """The name readers see for a source: the configured name, else a slug made readable
    (``harbour-times`` -> ``Harbour Times``), else the source as given, else the link's host."""
    if source:
        if names and source in names:
            return plain_text(names[source])
        cleaned = plain_text(source)
        if _SLUG.fullmatch(cleaned):
            return " ".join(word.capitalize() for word in re.split(r"[-_]", cleaned))
        if cleaned:
            return cleaned
    if url:
        host = urlsplit(url).hostname or ""
        return host.removeprefix("www.")
    return ""
