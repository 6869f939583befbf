"""Which input formats are supported, told by suffix, and the parser of each: the one place to add one.

The folder walk and the single-input reader (:mod:`pipelines.sources.files`) and the ``s3://`` inbox
(:mod:`pipelines.sources.inbox`) tell an input's kind here; feeds parse their pages as ``html``.
Nothing here raises for a bad input: every input ends as articles or as :class:`IngestFailure` entries
with a specific reason and whatever raw text could be recovered.
"""

from __future__ import annotations

from collections.abc import Callable

from pipelines.records import Article
from pipelines.sources.config import IngestConfig
from pipelines.sources.formats.common import (
    Decoded,
    IngestFailure,
    decode,
    printable_excerpt,
    unexpected_error,
)
from pipelines.sources.formats.html import parse_html
from pipelines.sources.formats.json import parse_json, parse_jsonl
from pipelines.sources.formats.markdown import parse_markdown
from pipelines.sources.formats.text import parse_text_file

Parser = Callable[[Decoded, str, IngestConfig, str | None], list[Article | IngestFailure]]
"""``(decoded, origin, config, source) -> articles or failures`` for one decoded, non-empty input."""

PARSERS: dict[str, Parser] = {
    "txt": parse_text_file,
    "md": parse_markdown,
    "html": parse_html,
    "json": parse_json,
    "jsonl": parse_jsonl,
}
SUPPORTED_SUFFIXES: dict[str, str] = {
    ".txt": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
    ".jsonl": "jsonl",
}
KINDS = frozenset(PARSERS)


def kind_of(suffix: str) -> str | None:
    """The kind of input a file or object name's suffix says (case does not matter); None if unsupported."""
    return SUPPORTED_SUFFIXES.get(suffix.lower())


def supported_suffixes() -> str:
    """The supported suffixes, as failure reasons list them."""
    return ", ".join(sorted(SUPPORTED_SUFFIXES))


def parse_text(
    raw: bytes | str, *, origin: str, kind: str, config: IngestConfig, source: str | None = None
) -> list[Article | IngestFailure]:
    """Parse one input of the given kind (txt, md, html, json, jsonl) from bytes or text.

    For sources that are not files (feeds, an object-store inbox); a local file ends here too.
    ``source`` names the source of a text or HTML input for per-source settings (a JSON record's own
    ``source`` field names its source). An exception nobody foresaw (a parser bug, a missing optional
    library) becomes this input's failure.
    """
    try:
        return _parse_kind(raw, origin=origin, kind=kind, config=config, source=source)
    except Exception as exc:  # noqa: BLE001 - one input's fault is that input's failure, not the run's
        return [IngestFailure(origin, unexpected_error("parsing", exc))]


def _parse_kind(
    raw: bytes | str, *, origin: str, kind: str, config: IngestConfig, source: str | None
) -> list[Article | IngestFailure]:
    parser = PARSERS.get(kind)
    if parser is None:
        reason = f"unsupported input kind '{kind}' (supported: {', '.join(sorted(KINDS))})"
        return [IngestFailure(origin, reason)]
    decoded = decode(raw)
    if decoded.binary:
        excerpt = printable_excerpt(decoded.text)
        return [IngestFailure(origin, "binary content, not text", excerpt, tuple(decoded.flags))]
    if not decoded.text.strip():
        reason = "empty file" if not decoded.text else "empty: no text after cleaning"
        return [IngestFailure(origin, reason, decoded.text, tuple(decoded.flags))]
    return parser(decoded, origin, config, source)
