"""HTML (``.html``, ``.htm``; also every feed item's page): the article text is extracted with
trafilatura once the page chrome (navigation, footers, asides, menus) is gone."""

from __future__ import annotations

import re

from pipelines.records import Article
from pipelines.sources.config import IngestConfig
from pipelines.sources.formats.common import Decoded, IngestFailure, clean, finish

_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_PAGE_CHROME = "//nav|//footer|//aside|//menu|//header[not(ancestor::article)]"


def parse_html(
    decoded: Decoded, origin: str, config: IngestConfig, source: str | None
) -> list[Article | IngestFailure]:
    return [_html_article(decoded, origin, config, source)]


def _html_article(
    decoded: Decoded, origin: str, config: IngestConfig, source: str | None
) -> Article | IngestFailure:
    import trafilatura

    flags = list(decoded.flags)
    try:
        tree = trafilatura.load_html(decoded.text)
        if tree is None:
            return IngestFailure(origin, "no article text found in HTML", decoded.text, tuple(flags))
        # Page chrome goes before extraction: on a page with no article, trafilatura's fallback would
        # otherwise return the navigation links as the "text".
        for element in tree.xpath(_PAGE_CHROME):
            element.drop_tree()
        document = trafilatura.bare_extraction(
            tree, with_metadata=True, include_comments=False, include_tables=False
        )
    except (ValueError, TypeError, AttributeError, LookupError, RecursionError) as exc:
        return IngestFailure(origin, f"HTML could not be parsed: {exc}", decoded.text, tuple(flags))
    body = getattr(document, "text", None) if document is not None else None
    if not body or not body.strip():
        return IngestFailure(origin, "no article text found in HTML", decoded.text, tuple(flags))
    title = clean(getattr(document, "title", None) or "").strip()
    if not title:
        match = _HTML_TITLE.search(decoded.text)
        title = " ".join(match.group(1).split()) if match else ""
    paragraphs = [line.strip() for line in clean(body).split("\n") if line.strip()]
    if paragraphs and title and paragraphs[0] == title:
        paragraphs = paragraphs[1:]
    return finish(origin, config, text="\n\n".join(paragraphs), title=title, flags=flags, source=source)
