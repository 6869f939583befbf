"""Plain text (``.txt``): the first non-empty line is the title and the rest the text, unless the page
structure (:mod:`pipelines.structure`) is on for the source, which then finds the title itself.

Inline HTML tags left in the text (``Council <b>approves</b> budget``) are removed first
(:func:`~pipelines.structure.markup.strip_inline_markup`), so a headline keeps its words and is never
taken for navigation."""

from __future__ import annotations

from pipelines.records import Article
from pipelines.sources.config import IngestConfig
from pipelines.sources.formats.common import Decoded, IngestFailure, finish, split_plain
from pipelines.structure import structure_enabled
from pipelines.structure.markup import strip_inline_markup


def parse_text_file(
    decoded: Decoded, origin: str, config: IngestConfig, source: str | None
) -> list[Article | IngestFailure]:
    return [plain_article(decoded.text, decoded.flags, origin, config, source)]


def plain_article(
    text: str, flags: list[str], origin: str, config: IngestConfig, source: str | None
) -> Article | IngestFailure:
    """A text without markup (plain text, or Markdown once its markup is gone) as an article."""
    text = strip_inline_markup(text)
    if structure_enabled(config.structure, source):  # the page structure finds the title
        return finish(origin, config, text=text, title="", flags=flags, source=source, title_from_text=True)
    title, text = split_plain(text)
    return finish(origin, config, text=text, title=title, flags=flags, source=source)
