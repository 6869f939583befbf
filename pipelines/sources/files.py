"""Reading inputs into :class:`~pipelines.records.Article` objects, or into failures that keep the text.

Nothing here raises for a bad input: every file, line or record ends either as an ``Article`` or as an
:class:`IngestFailure` with a specific reason and whatever raw text could be recovered, so a run records
every input it was given.

Origins name where an item came from: the path for a text, Markdown or HTML file and for a ``.json``
file holding one object; ``path:N`` for line N of a ``.jsonl`` file; ``path#N`` for record N (1-based)
of a ``.json`` file holding a list.
"""

from __future__ import annotations

import errno
import json
import os
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from datetime import date as dt_date
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO, Literal

from pipelines.front_matter import FrontMatter, split_front_matter
from pipelines.records import Article, RemovedLine, article_id_for, content_hash, is_valid_id
from pipelines.redact import redact_text
from pipelines.sources.config import IngestConfig
from pipelines.structure import analyse_page, structure_enabled
from pipelines.textnorm import merged as _merged
from pipelines.textnorm import normalise_unicode
from pipelines.timestamps import parse_published

SUPPORTED_SUFFIXES: dict[str, str] = {
    ".txt": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
    ".jsonl": "jsonl",
}
KINDS = frozenset(SUPPORTED_SUFFIXES.values())

_BINARY_CONTROL_SHARE = 0.10
"""More control characters than this share of the text means the input is not text at all."""
_BINARY_JUNK_SHARE = 0.30
"""Control plus undecodable characters above this share (in inputs of some length) also means binary."""
_BINARY_MIN_CHARS_FOR_JUNK = 32

_DETECT_SAMPLE_BYTES = 64 * 1024
"""charset-normalizer reads this much to choose an encoding; the whole input is then decoded with it."""

_FILE_BYTES_PER_CHAR = 16
"""Read limit per allowed article character: generous for HTML markup, a guard against huge files."""

_SENTENCE_END = re.compile(r"(?:[.!?؟।][\"'”’»)\]]*(?=\s)|[。！？][」』”’）)]*)")
_MARKDOWN_LINK = re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)")
_MARKDOWN_EMPHASIS = re.compile(r"(\*\*|__|\*|`)(?=\S)(.+?)(?<=\S)\1")
_MARKDOWN_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*")
_MARKDOWN_QUOTE = re.compile(r"^\s{0,3}>\s?")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_PAGE_CHROME = "//nav|//footer|//aside|//menu|//header[not(ancestor::article)]"
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
class _Decoded:
    text: str
    flags: list[str] = field(default_factory=list)
    binary: bool = False


# --------------------------------------------------------------------------------------------- files


def discover(paths: Sequence[Path | str]) -> list[Path]:
    """Expand files and folders into the files to read, in a stable order, each once.

    Folders are searched recursively (hidden files and folders are left out). Every other entry that is
    not a folder is returned, also an unsupported type or a broken symbolic link, and so is a path given
    explicitly, even one that does not exist: :func:`read_file` records each as skipped or failed, with
    the reason, instead of dropping it silently.
    """
    found: list[Path] = []
    seen: set[Path] = set()

    def add(path: Path) -> None:
        try:
            key = path.resolve()  # one file reached twice (a symlink, a folder and a file in it) is read once
        except (OSError, RuntimeError):  # RuntimeError: a symlink loop
            key = path
        if key not in seen:
            seen.add(key)
            found.append(path)

    for given in paths:
        path = Path(given)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                relative = child.relative_to(path).parts
                if any(part.startswith(".") for part in relative):
                    continue
                if not child.is_dir():
                    add(child)
        else:
            add(path)
    return found


def read_inputs(paths: Sequence[Path | str], config: IngestConfig) -> list[Article | IngestFailure]:
    """Read every file under ``paths``; one entry per article or failure, in a stable order."""
    results: list[Article | IngestFailure] = []
    for path in discover(paths):
        try:
            results.extend(read_file(path, config))
        except Exception as exc:  # noqa: BLE001 - one input's fault is that input's failure, not the run's
            results.append(IngestFailure(str(path), unexpected_error("reading", exc)))
    return results


def unexpected_error(doing: str, exc: BaseException) -> str:
    """The failure reason for an exception nobody foresaw: its type and message, URL credentials masked."""
    return redact_text(f"unexpected error while {doing}: {type(exc).__name__}: {exc}")[:1_000]


def read_file(path: Path, config: IngestConfig) -> list[Article | IngestFailure]:
    """Read one file by its suffix; problems become :class:`IngestFailure` entries, never exceptions."""
    origin = str(path)
    kind = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        reason = f"unsupported file type '{path.suffix or path.name}' (supported: {supported})"
        return [IngestFailure(origin, reason, status="skipped")]
    try:
        if path.is_symlink() and not path.exists():
            return [IngestFailure(origin, _broken_link_reason(path), status="skipped")]
        if not path.exists():
            return [IngestFailure(origin, "file does not exist")]
        if not path.is_file():
            return [IngestFailure(origin, "not a regular file")]
        size = path.stat().st_size
        limit = config.max_article_chars * _FILE_BYTES_PER_CHAR
        if size > limit:
            return [
                IngestFailure(
                    origin,
                    f"file has {size} bytes, over the read limit of {limit} bytes "
                    f"({_FILE_BYTES_PER_CHAR} × ingest.max_article_chars={config.max_article_chars})",
                )
            ]
        raw = path.read_bytes()
    except OSError as exc:
        return [IngestFailure(origin, f"cannot read file: {exc.strerror or exc}", status="skipped")]
    return parse_text(raw, origin=origin, kind=kind, config=config)


def read_single_input(path: str, config: IngestConfig, stdin: BinaryIO) -> Article | IngestFailure:
    """One input for a command that reads a single text (``newsdigest detect``), with a run's limits,
    decoding and cleaning; ``-`` is standard input. A path without a known suffix is read as plain text.

    The read stops one byte past the limit, so a device or pipe without end (``/dev/zero``) cannot
    exhaust memory.
    """
    limit = config.max_article_chars * _FILE_BYTES_PER_CHAR
    origin = "<stdin>" if path == "-" else path
    kind = "txt" if path == "-" else SUPPORTED_SUFFIXES.get(Path(path).suffix.lower(), "txt")
    try:
        if path == "-":
            raw = stdin.read(limit + 1)
        else:
            with open(path, "rb") as handle:
                raw = handle.read(limit + 1)
    except OSError as exc:
        return IngestFailure(origin, f"cannot read file: {exc.strerror or exc}")
    if len(raw) > limit:
        return IngestFailure(
            origin,
            f"input is over the read limit of {limit} bytes "
            f"({_FILE_BYTES_PER_CHAR} × ingest.max_article_chars={config.max_article_chars})",
        )
    return parse_text(raw, origin=origin, kind=kind, config=config)[0]


def _broken_link_reason(path: Path) -> str:
    try:
        path.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop: the link points back at itself"
    return f"broken symbolic link: its target {os.readlink(path)!r} does not exist"


# --------------------------------------------------------------------------------------------- parsing


def parse_text(
    raw: bytes | str, *, origin: str, kind: str, config: IngestConfig, source: str | None = None
) -> list[Article | IngestFailure]:
    """Parse one input of the given kind (txt, md, html, json, jsonl) from bytes or text.

    For sources that are not files (feeds, an object-store inbox); :func:`read_file` ends here too.
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
    if kind not in KINDS:
        reason = f"unsupported input kind '{kind}' (supported: {', '.join(sorted(KINDS))})"
        return [IngestFailure(origin, reason)]
    decoded = _decode(raw)
    if decoded.binary:
        excerpt = _printable_excerpt(decoded.text)
        return [IngestFailure(origin, "binary content, not text", excerpt, tuple(decoded.flags))]
    if not decoded.text.strip():
        reason = "empty file" if not decoded.text else "empty: no text after cleaning"
        return [IngestFailure(origin, reason, decoded.text, tuple(decoded.flags))]
    if kind == "md" and (front := split_front_matter(decoded.text)) is not None:
        return [_from_front_matter(front, origin, config, decoded.flags, source)]
    if kind in ("txt", "md"):
        if structure_enabled(config.structure, source):  # the page structure finds the title
            text = _strip_markdown(decoded.text) if kind == "md" else decoded.text
            found = _finish(
                origin, config, text=text, title="", flags=decoded.flags, source=source, title_from_text=True
            )
            return [found]
        title, text = _split_plain(decoded.text, markdown=kind == "md")
        return [_finish(origin, config, text=text, title=title, flags=decoded.flags, source=source)]
    if kind == "html":
        return [_parse_html(decoded, origin, config, source)]
    if kind == "json":
        return _parse_json(decoded, origin, config)
    return _parse_jsonl(decoded, origin, config)


def decode(raw: bytes | str) -> tuple[str, list[str], bool]:
    """Bytes as text, the way every reader decodes them: ``(text, flags, looks_binary)``."""
    decoded = _decode(raw)
    return decoded.text, decoded.flags, decoded.binary


def _decode(raw: bytes | str) -> _Decoded:
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
    return _Decoded(text, flags, binary)


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


def _clean(text: str) -> str:
    """Control characters out (except newline and tab), surrogates replaced, newlines normalised."""
    text = _SURROGATES.sub("\ufffd", text).replace("\r\n", "\n").replace("\r", "\n")
    return "".join(char for char in text if not _is_stripped_control(char))


def _printable_excerpt(text: str, limit: int = 2_000) -> str:
    """What a binary input looked like, safe to store: printable characters of its start only."""
    return _clean(text[:limit])


def _split_plain(text: str, *, markdown: bool) -> tuple[str, str]:
    """First non-empty line is the title; the rest is the text.

    A file of one line has no title: that line is its text (a one-word or headline-only input is still an
    article, and the language detector decides what to make of it).
    """
    if markdown:
        text = _strip_markdown(text)
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if line.strip():
            rest = "\n".join(lines[index + 1 :])
            return (line.strip(), rest) if rest.strip() else ("", line.strip())
    return "", ""


def _strip_markdown(text: str) -> str:
    """Reduce Markdown to its words: headings, emphasis, links, images, quotes and comments lose markup."""
    text = _HTML_COMMENT.sub("", text)
    out: list[str] = []
    for line in text.split("\n"):
        line = _MARKDOWN_HEADING.sub("", line)
        line = _MARKDOWN_QUOTE.sub("", line)
        line = _MARKDOWN_LINK.sub(r"\1", line)
        line = _MARKDOWN_EMPHASIS.sub(r"\2", line)
        out.append(line)
    return "\n".join(out)


def _parse_html(
    decoded: _Decoded, origin: str, config: IngestConfig, source: str | None = None
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
    title = _clean(getattr(document, "title", None) or "").strip()
    if not title:
        match = _HTML_TITLE.search(decoded.text)
        title = " ".join(match.group(1).split()) if match else ""
    paragraphs = [line.strip() for line in _clean(body).split("\n") if line.strip()]
    if paragraphs and title and paragraphs[0] == title:
        paragraphs = paragraphs[1:]
    return _finish(origin, config, text="\n\n".join(paragraphs), title=title, flags=flags, source=source)


def _from_front_matter(
    front: FrontMatter, origin: str, config: IngestConfig, inherited: list[str], source: str | None
) -> Article | IngestFailure:
    """A Markdown file with YAML front matter: title, date, url and source from it, the rest as the text."""
    flags = [*inherited, *front.flags]
    if not front.body.strip():
        return IngestFailure(origin, "empty: only YAML front matter, no text", front.raw, tuple(flags))
    fields: dict[str, Any] = {}
    for key in ("title", "url", "source"):
        fields[key] = _optional_string(front.fields, key, flags)
    date = front.fields.get("date", front.fields.get("published_at"))
    if isinstance(date, datetime | dt_date):
        date = date.isoformat()
    published_at = _published_at(date, flags)
    source = fields["source"] or source
    title, text = fields["title"], _strip_markdown(front.body)
    title_from_text = not title and structure_enabled(config.structure, source)
    if not title and not title_from_text:
        title, text = _split_plain(front.body, markdown=True)
    return _finish(
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


# --------------------------------------------------------------------------------------------- JSON


def _parse_json(decoded: _Decoded, origin: str, config: IngestConfig) -> list[Article | IngestFailure]:
    try:
        data = json.loads(decoded.text)
    except (json.JSONDecodeError, RecursionError) as exc:
        return [IngestFailure(origin, f"not valid JSON: {exc}", decoded.text, tuple(decoded.flags))]
    if isinstance(data, dict):
        return [_from_record(data, origin, "", config, decoded.flags)]
    if isinstance(data, list):
        if not data:
            return [
                IngestFailure(
                    origin, "empty: the JSON list holds no records", decoded.text, tuple(decoded.flags)
                )
            ]
        return [
            _from_record(item, f"{origin}#{number}", f"record {number}: ", config, decoded.flags)
            for number, item in enumerate(data, start=1)
        ]
    return [
        IngestFailure(
            origin,
            f"JSON must be an object or a list of objects, got {_json_type(data)}",
            decoded.text,
            tuple(decoded.flags),
        )
    ]


def _parse_jsonl(decoded: _Decoded, origin: str, config: IngestConfig) -> list[Article | IngestFailure]:
    results: list[Article | IngestFailure] = []
    for number, line in _numbered_lines(decoded.text):
        where, prefix = f"{origin}:{number}", f"line {number}: "
        try:
            data = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            results.append(IngestFailure(where, f"{prefix}not valid JSON: {exc}", line, tuple(decoded.flags)))
            continue
        results.append(_from_record(data, where, prefix, config, decoded.flags))
    if not results:
        return [IngestFailure(origin, "empty: no text after cleaning", decoded.text, tuple(decoded.flags))]
    return results


def _numbered_lines(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            yield number, line


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def _from_record(
    data: Any, origin: str, prefix: str, config: IngestConfig, inherited: list[str]
) -> Article | IngestFailure:
    """One JSON object to an article; optional fields that are wrong are dropped with a flag."""
    flags = list(inherited)
    if not isinstance(data, dict):
        return IngestFailure(
            origin, f"{prefix}expected a JSON object, got {_json_type(data)}", _dump(data), tuple(flags)
        )
    text = data.get("text")
    if text is None:
        return IngestFailure(origin, f"{prefix}'text' is missing", _dump(data), tuple(flags))
    if not isinstance(text, str):
        return IngestFailure(
            origin, f"{prefix}'text' must be a string, got {_json_type(text)}", _dump(data), tuple(flags)
        )
    title = _optional_string(data, "title", flags) or ""
    url = _optional_string(data, "url", flags)
    source = _optional_string(data, "source", flags)
    published_at = _published_at(data.get("published_at"), flags)
    given_id = data.get("id")
    if isinstance(given_id, int) and not isinstance(given_id, bool):
        given_id = str(given_id)
    article_id: str | None = None
    if given_id is not None:
        if isinstance(given_id, str) and is_valid_id(given_id):
            article_id = given_id
        else:
            flags.append("invalid-id-replaced")
    return _finish(
        origin,
        config,
        text=text,
        title=title,
        flags=flags,
        url=url,
        source=source,
        published_at=published_at,
        article_id=article_id,
    )


def _dump(data: Any) -> str:
    """A record that failed, as clean JSON text to keep in the failure."""
    return _clean(json.dumps(data, ensure_ascii=False))


def _optional_string(data: dict[str, Any], key: str, flags: list[str]) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        flags.append(f"invalid-{key}")
        return None
    cleaned = " ".join(_clean(value).split())
    return cleaned or None


def _published_at(value: Any, flags: list[str]) -> datetime | None:
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


def _finish(
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
    title, title_changes = normalise_unicode(_clean(title))
    text, text_changes = normalise_unicode(_clean(text))
    flags += [f"{change}:{count}" for change, count in _merged(title_changes, text_changes).items()]
    title = " ".join(title.split())
    text = _tidy(text)
    text, removed = _strip_boilerplate(text, source, config)
    if removed:
        flags.append(f"boilerplate-removed:{removed}")
    title, text, removed_lines = _page_structure(title, text, source, config, flags, title_from_text)
    if not text:
        return IngestFailure(origin, "empty: no text after cleaning", title, tuple(flags))
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
            title, text = _split_plain(text, markdown=False)
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
