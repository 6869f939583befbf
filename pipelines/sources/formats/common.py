"""What every format's parser shares: the failure type, decoding, cleaning, the read limit and the last
steps that turn a title and a text into an :class:`~pipelines.records.Article`.

Decoding and finishing live here once so that a text, Markdown, HTML or JSON input, a feed page and an
inbox object are all decoded, cleaned, bounded and given their id the same way.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Literal

from pipelines.headlines import TITLE_FROM_TEXT_FLAG, headline_from_text
from pipelines.records import Article, RemovedLine, article_id_for, content_hash
from pipelines.redact import redact_text
from pipelines.sources.config import IngestConfig
from pipelines.structure import analyse_page, structure_enabled
from pipelines.textnorm import merged as _merged
from pipelines.textnorm import normalise_unicode
from pipelines.timestamps import parse_published

_BINARY_CONTROL_SHARE = 0.10
"""More control characters than this share of the text means the input is not text at all."""
_BINARY_JUNK_SHARE = 0.30
"""Control plus undecodable characters above this share (in inputs of some length) also means binary."""
_BINARY_MIN_CHARS_FOR_JUNK = 32

_DETECT_SAMPLE_BYTES = 64 * 1024
"""charset-normalizer reads this much to choose an encoding; the whole input is then decoded with it."""

READ_BYTES_PER_CHAR = 16
"""Read limit per allowed article character: generous for HTML markup, a guard against huge inputs."""

_SENTENCE_END = re.compile(r"(?:[.!?؟।][\"'”’»)\]]*(?=\s)|[。！？][」』”’）)]*)")
_SURROGATES = re.compile("[\ud800-\udfff]")
_BLANK_RUNS = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class IngestFailure:
    """An input that could not become an article; ``text`` keeps what was recovered, so nothing is lost.

    ``status`` is ``skipped`` for an input that was deliberately not read (an unsupported type, a broken
    or looping symbolic link, a file this process may not read) and ``failed`` for one that went wrong.
    """

    origin: str
    reason: str
    text: str = ""
    flags: tuple[str, ...] = ()
    status: Literal["failed", "skipped"] = "failed"


@dataclass
class Decoded:
    """An input as text, the flags its decoding raised, and whether it looks binary rather than text."""

    text: str
    flags: list[str] = field(default_factory=list)
    binary: bool = False


def unexpected_error(doing: str, exc: BaseException) -> str:
    """The failure reason for an exception nobody foresaw: its type and message, URL credentials masked."""
    return redact_text(f"unexpected error while {doing}: {type(exc).__name__}: {exc}")[:1_000]


def read_limit(config: IngestConfig) -> int:
    """The most bytes read for one input (a file, standard input, an inbox object)."""
    return config.max_article_chars * READ_BYTES_PER_CHAR


def read_limit_rule(config: IngestConfig) -> str:
    """The read limit as failure reasons name it: the bytes and the setting they come from."""
    return (
        f"{read_limit(config)} bytes "
        f"({READ_BYTES_PER_CHAR} × ingest.max_article_chars={config.max_article_chars})"
    )


# --------------------------------------------------------------------------------------------- decoding


def decode(raw: bytes | str) -> Decoded:
    """Bytes or text to clean text.

    UTF-8 (BOM tolerated) and UTF-16 with a BOM are read directly. Bytes that are not UTF-8, or that hold
    NUL bytes (UTF-16 without a BOM is valid UTF-8 full of NULs), go to charset-normalizer, whose answer is
    taken when it is coherent text; otherwise UTF-8 with replacement characters, which the binary check
    then judges.
    """
    flags: list[str] = []
    replaced = 0
    if isinstance(raw, bytes):
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = raw.decode("utf-16", errors="replace")
        else:
            detected = _detect_encoding(raw) if b"\x00" in raw or not _is_utf8(raw) else None
            if detected is not None:
                text, encoding = detected
                flags.append(f"decoded-as:{encoding}")
            else:
                text = raw.decode("utf-8-sig", errors="replace")
                replaced = text.count("\ufffd")
                if replaced:
                    flags.append("invalid-utf8-replaced")
    else:
        text = raw
    text, surrogates = _SURROGATES.subn("\ufffd", text)
    if surrogates:
        replaced += surrogates
        flags.append("invalid-unicode-replaced")
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    controls = sum(1 for char in text if _is_stripped_control(char))
    length = max(len(text), 1)
    binary = controls / length > _BINARY_CONTROL_SHARE or (
        len(text) >= _BINARY_MIN_CHARS_FOR_JUNK and (controls + replaced) / length > _BINARY_JUNK_SHARE
    )
    if controls and not binary:
        text = "".join(char for char in text if not _is_stripped_control(char))
        flags.append(f"control-characters-removed:{controls}")
    return Decoded(text, flags, binary)


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _detect_encoding(raw: bytes) -> tuple[str, str] | None:
    """``(text, encoding)`` when charset-normalizer finds a coherent reading of ``raw``, else None."""
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:_DETECT_SAMPLE_BYTES]).best()
    if best is None or best.encoding in ("utf_8", "ascii"):
        return None
    try:
        text = raw.decode(best.encoding)
    except (UnicodeDecodeError, LookupError):
        return None
    if sum(1 for char in text if _is_stripped_control(char)) > len(text) * _BINARY_CONTROL_SHARE / 10:
        return None  # a "text" full of control characters is binary read in some code page
    return text, best.encoding


def _is_stripped_control(char: str) -> bool:
    return char not in "\n\t" and unicodedata.category(char) == "Cc"


def clean(text: str) -> str:
    """Control characters out (except newline and tab), surrogates replaced, newlines normalised."""
    text = _SURROGATES.sub("\ufffd", text).replace("\r\n", "\n").replace("\r", "\n")
    return "".join(char for char in text if not _is_stripped_control(char))


def printable_excerpt(text: str, limit: int = 2_000) -> str:
    """What a binary input looked like, safe to store: printable characters of its start only."""
    return clean(text[:limit])


def split_plain(text: str) -> tuple[str, str]:
    """First non-empty line is the title; the rest is the text.

    A file of one line has no title: that line is its text (a one-word or headline-only input is still an
    article, and the language detector decides what to make of it).
    """
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if line.strip():
            rest = "\n".join(lines[index + 1 :])
            return (line.strip(), rest) if rest.strip() else ("", line.strip())
    return "", ""


# --------------------------------------------------------------------------------------------- fields


def optional_string(data: dict[str, Any], key: str, flags: list[str]) -> str | None:
    """A metadata field that must be a string; any other value is dropped with an ``invalid-<key>`` flag."""
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        flags.append(f"invalid-{key}")
        return None
    cleaned = " ".join(clean(value).split())
    return cleaned or None


def published_field(value: Any, flags: list[str]) -> datetime | None:
    """ISO 8601 or RFC 2822 to an aware datetime; a value without a zone is taken as UTC and flagged."""
    if value is None:
        return None
    parsed = parse_published(value) if isinstance(value, str) else None
    if parsed is None:
        flags.append("invalid-published_at")
        return None
    if parsed.tzinfo is None:
        flags.append("published_at-assumed-utc")
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


# --------------------------------------------------------------------------------------------- finishing


def finish(
    origin: str,
    config: IngestConfig,
    *,
    text: str,
    title: str,
    flags: list[str],
    url: str | None = None,
    source: str | None = None,
    published_at: datetime | None = None,
    article_id: str | None = None,
    title_from_text: bool = False,
) -> Article | IngestFailure:
    """Common last steps: clean, strip boilerplate and page furniture, bound the size, assign the id."""
    flags = list(flags)
    if (_SURROGATES.search(text) or _SURROGATES.search(title)) and "invalid-unicode-replaced" not in flags:
        flags.append("invalid-unicode-replaced")
    title, title_changes = normalise_unicode(clean(title))
    text, text_changes = normalise_unicode(clean(text))
    flags += [f"{change}:{count}" for change, count in _merged(title_changes, text_changes).items()]
    title = " ".join(title.split())
    text = _tidy(text)
    text, removed = _strip_boilerplate(text, source, config)
    if removed:
        flags.append(f"boilerplate-removed:{removed}")
    title, text, removed_lines = _page_structure(title, text, source, config, flags, title_from_text)
    if not text:
        return IngestFailure(origin, "empty: no text after cleaning", title, tuple(flags))
    if not title:  # a headline is never missing: the first sentence stands in, flagged
        title = headline_from_text(text)
        flags.append(TITLE_FROM_TEXT_FLAG)
    if len(text) > config.max_article_chars:
        if config.oversize == "refuse":
            limit = config.max_article_chars
            reason = f"article has {len(text)} characters, over ingest.max_article_chars={limit}"
            return IngestFailure(origin, reason, text, tuple(flags))
        flags.append(f"truncated:{len(text)}")
        text = truncate_at_sentence(text, config.max_article_chars)
    return Article(
        id=article_id or article_id_for(url, text),
        title=title,
        text=text,
        url=url,
        source=source,
        published_at=published_at,
        origin=origin,
        content_hash=content_hash(text, title),
        flags=flags,
        removed=removed_lines,
    )


def _page_structure(
    title: str, text: str, source: str | None, config: IngestConfig, flags: list[str], title_from_text: bool
) -> tuple[str, str, list[RemovedLine]]:
    """Title, article text and removed paragraphs (see :mod:`pipelines.structure`), unless switched off.

    A title given by the input stays. When no body paragraph is recognised (a very short text), nothing
    is removed and a text input's first line is its title, as without the structure.
    """
    if not text or not structure_enabled(config.structure, source):
        return title, text, []
    page = analyse_page(text, title=title)
    if page.fallback:
        if title_from_text:
            title, text = split_plain(text)
            title, text = " ".join(title.split()), text.strip()
        return title, text, []
    removed = page.removed
    if removed:
        flags.append(f"structure-removed:{len(removed)}")
    return " ".join(page.title.split()), page.text, removed


def _tidy(text: str) -> str:
    """Trailing spaces off every line, at most one blank line between paragraphs, trimmed."""
    lines = [line.rstrip() for line in text.split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()


@lru_cache(maxsize=64)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(pattern) for pattern in patterns)


def _strip_boilerplate(text: str, source: str | None, config: IngestConfig) -> tuple[str, int]:
    """Remove lines a pattern matches (``re.search`` on the stripped line; anchor with ^...$ for whole lines).

    Rules under ``'*'`` apply to every article, rules under a source name to articles from that source.
    """
    patterns = list(config.boilerplate.get("*", []))
    if source is not None and source != "*":
        patterns += config.boilerplate.get(source, [])
    if not patterns:
        return text, 0
    rules = _compiled(tuple(patterns))
    kept: list[str] = []
    removed = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped and any(rule.search(stripped) for rule in rules):
            removed += 1
        else:
            kept.append(line)
    if not removed:
        return text, 0
    return _tidy("\n".join(kept)), removed


def truncate_at_sentence(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters at the last sentence end before the limit.

    Falls back to the last whitespace when no sentence ends in the second half of the window (one very
    long "sentence"), and to a hard cut when there is no whitespace either.
    """
    if len(text) <= limit:
        return text
    window = text[: limit + 1]  # one character more, so a sentence end at the limit sees what follows
    cut = 0
    for match in _SENTENCE_END.finditer(window):
        if match.end() <= limit:
            cut = match.end()
    if cut < limit // 2:
        space = max(window.rfind(" ", 0, limit), window.rfind("\n", 0, limit))
        cut = max(cut, space) if space > 0 else (cut or limit)
    return text[:cut].rstrip()
