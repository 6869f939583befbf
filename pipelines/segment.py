"""Segmentation for translation: paragraphs, then sentences, then pieces short enough for a model.

Every function here keeps every character of content: a splitter may move whitespace around but never
drops or rewrites text, so a translated article can be reassembled completely and in order. pysbd is used
for the languages it knows; a regular-expression splitter handles the others (and CJK, Arabic, Devanagari
and Greek sentence punctuation).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipelines.languages import is_unspaced

# fmt: off
PYSBD_LANGUAGES = frozenset({
    "am", "ar", "bg", "da", "de", "el", "en", "es", "fa", "fr", "hi", "hy",
    "it", "ja", "kk", "mr", "my", "nl", "pl", "ru", "sk", "ur", "zh",
})
# fmt: on
"""Languages pysbd 0.3 segments (checked offline); the rest use :func:`regex_sentences`."""

# pysbd is superlinear in the length of its input (40k characters take ~1.5 s, 1k take ~3 ms), so long
# paragraphs are first cut on unambiguous boundaries into windows about this long.
_PYSBD_WINDOW = 3_000

_PARAGRAPH_BREAK = re.compile(r"[^\S\n]*\n\s*")
# A sentence ends at terminal punctuation (plus closing quotes/brackets) followed by whitespace, or, for
# punctuation that is never followed by a space (CJK full stops), right after it.
_CLOSERS = "\"'”’»)\\]」』】）"
_SPACED_END = re.compile(rf"[.!?…‼⁇⁈⁉؟۔।॥\u037e]+[{_CLOSERS}]*\s+")
_GREEK_QUESTION = re.compile(rf";[{_CLOSERS}]*\s+")
# Inside quotes (「本当？」と聞いた。) the sentence goes on unless a space follows the closing quote.
_UNSPACED_END = re.compile(rf"[。！？｡]+(?:(?![{_CLOSERS}])\s*|[{_CLOSERS}]+\s+)")
_CLAUSE_END = re.compile(r"[,;:，；：、،—–][\"'”’»)\]」』】）]*\s*")
_WORD = re.compile(r"\S+\s*")

TokenCounter = Callable[[str], int]


@dataclass(frozen=True)
class Paragraph:
    """A paragraph and the exact whitespace (line breaks included) that followed it in the source."""

    text: str
    separator: str = ""


def split_paragraphs(text: str) -> list[Paragraph]:
    """Split on line breaks; ``"".join(p.text + p.separator for p in result) == text``.

    Any run of whitespace that contains a line break is a paragraph break and is kept verbatim as the
    separator, so reassembly restores the original layout. Leading whitespace becomes an empty first
    paragraph; nothing is ever dropped.
    """
    paragraphs: list[Paragraph] = []
    position = 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        paragraphs.append(Paragraph(text[position : match.start()], match.group()))
        position = match.end()
    if position < len(text) or not paragraphs:
        paragraphs.append(Paragraph(text[position:], ""))
    return paragraphs


def regex_sentences(text: str, language: str) -> list[str]:
    """Rule-based sentence split used where pysbd does not know the language.

    Handles Latin/Cyrillic ``. ! ? …``, CJK ``。！？``, Arabic ``؟ ۔``, Devanagari ``। ॥`` and the Greek
    question mark (``;``, only for Greek, where it is not a clause separator). Sentences are returned
    stripped; the characters between them are whitespace only.
    """
    cuts = {match.end() for match in _UNSPACED_END.finditer(text)}
    cuts.update(match.end() for match in _SPACED_END.finditer(text))
    if language == "el":
        cuts.update(match.end() for match in _GREEK_QUESTION.finditer(text))
    return _cut(text, sorted(cuts))


def _cut(text: str, cuts: Sequence[int]) -> list[str]:
    pieces: list[str] = []
    start = 0
    for end in [*cuts, len(text)]:
        piece = text[start:end].strip()
        if piece:
            pieces.append(piece)
        start = max(start, end)
    return pieces


_local = threading.local()


def _pysbd_segmenter(language: str) -> Any:
    """One segmenter per language and thread: a pysbd Segmenter keeps per-call state on itself."""
    import pysbd

    segmenters: dict[str, Any] = _local.__dict__.setdefault("segmenters", {})
    if language not in segmenters:
        segmenters[language] = pysbd.Segmenter(language=language, clean=False)
    return segmenters[language]


def _content(text: str) -> str:
    return "".join(text.split())


def split_sentences(text: str, language: str) -> list[str]:
    """Sentences of one paragraph, stripped, in order, with no character of content lost.

    pysbd is used where it knows ``language`` (long paragraphs in windows, see ``_PYSBD_WINDOW``); if its
    output ever differs from the input other than in whitespace, the regex splitter's result is used
    instead, because losing text is worse than a less clever split.
    """
    if not text.strip():
        return []
    base = language.split("-")[0].lower()
    if base not in PYSBD_LANGUAGES:
        return regex_sentences(text, base)
    segmenter = _pysbd_segmenter(base)
    windows = _windows(text, base)
    sentences: list[str] = []
    carried = ""
    for number, window in enumerate(windows):
        if carried:
            window = f"{carried} {window}"
        pieces = [piece.strip() for piece in segmenter.segment(window)]
        pieces = [piece for piece in pieces if piece]
        if _content("".join(pieces)) != _content(window):
            pieces = regex_sentences(window, base)
        # Windows end where the regex splitter sees a sentence end, which may be an abbreviation ("Mr."):
        # the last sentence of a window is segmented again with the next one, unless it is window-sized.
        carried = ""
        if number < len(windows) - 1 and pieces and len(pieces[-1]) < _PYSBD_WINDOW:
            carried = pieces.pop()
        sentences.extend(pieces)
    return sentences


def _windows(text: str, language: str) -> list[str]:
    if len(text) <= _PYSBD_WINDOW:
        return [text]
    windows: list[str] = []
    current = ""
    for sentence in regex_sentences(text, language):
        if current and len(current) + len(sentence) > _PYSBD_WINDOW:
            windows.append(current)
            current = ""
        current = f"{current} {sentence}" if current else sentence
    if current:
        windows.append(current)
    return windows


def split_long(sentence: str, max_tokens: int, count_tokens: TokenCounter) -> list[str]:
    """Cut a sentence longer than ``max_tokens`` into pieces that fit, keeping every character.

    Clause punctuation first (commas, semicolons, colons, dashes, their CJK and Arabic forms), packing
    consecutive clauses while they fit; a clause still too long is cut between words, and a word (or an
    unspaced CJK run) still too long between characters. Pieces are stripped; joining them with single
    spaces gives back the sentence up to whitespace.
    """
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be >= 1, got {max_tokens}")
    if count_tokens(sentence) <= max_tokens:
        return [sentence]
    clauses = _cut(sentence, [match.end() for match in _CLAUSE_END.finditer(sentence)])
    pieces: list[str] = []
    for clause in _pack(clauses, max_tokens, count_tokens):
        if count_tokens(clause) <= max_tokens:
            pieces.append(clause)
            continue
        words = [match.group().strip() for match in _WORD.finditer(clause)]
        for chunk in _pack(words, max_tokens, count_tokens):
            if count_tokens(chunk) <= max_tokens:
                pieces.append(chunk)
            else:
                pieces.extend(_split_characters(chunk, max_tokens, count_tokens))
    return pieces


def _pack(parts: Sequence[str], max_tokens: int, count_tokens: TokenCounter) -> list[str]:
    """Greedily join consecutive parts with a space while the result stays within the budget."""
    packed: list[str] = []
    current = ""
    for part in parts:
        candidate = f"{current} {part}" if current else part
        if current and count_tokens(candidate) > max_tokens:
            packed.append(current)
            current = part
        else:
            current = candidate
    if current:
        packed.append(current)
    return packed


def _split_characters(text: str, max_tokens: int, count_tokens: TokenCounter) -> list[str]:
    """Halve until every piece fits: O(n log n) token counts instead of one per character."""
    if len(text) <= 1 or count_tokens(text) <= max_tokens:
        return [text]
    middle = len(text) // 2
    return _split_characters(text[:middle], max_tokens, count_tokens) + _split_characters(
        text[middle:], max_tokens, count_tokens
    )


@dataclass
class SegmentedText:
    """A text cut into sentences, with what is needed to put translations back in their places.

    ``paragraphs`` holds, per paragraph, its leading and trailing whitespace, its sentences and the
    separator that followed it. Empty and whitespace-only paragraphs have no sentences and come back
    exactly as they were.
    """

    paragraphs: list[tuple[str, list[str], str, str]] = field(default_factory=list)

    @property
    def sentences(self) -> list[str]:
        return [sentence for _, sentences, _, _ in self.paragraphs for sentence in sentences]

    def reassemble(self, translations: Sequence[str], target_language: str) -> str:
        """Put one translation per sentence back, in order, with the original paragraph breaks.

        Sentences of a paragraph are joined with a space, or with nothing for languages written without
        spaces (:data:`pipelines.languages.UNSPACED_LANGUAGES`; Korean is spaced).
        """
        expected = sum(len(sentences) for _, sentences, _, _ in self.paragraphs)
        if len(translations) != expected:
            raise ValueError(f"got {len(translations)} translations for {expected} sentences")
        joiner = "" if is_unspaced(target_language) else " "
        parts: list[str] = []
        position = 0
        for leading, sentences, trailing, separator in self.paragraphs:
            if sentences:
                body = joiner.join(t.strip() for t in translations[position : position + len(sentences)])
                parts.append(f"{leading}{body}{trailing}{separator}")
                position += len(sentences)
            else:
                parts.append(f"{leading}{trailing}{separator}")
        return "".join(parts)


def segment_text(text: str, language: str) -> SegmentedText:
    """Paragraphs, then sentences (see :func:`split_sentences`)."""
    segmented = SegmentedText()
    for paragraph in split_paragraphs(text):
        stripped = paragraph.text.strip()
        if not stripped:
            segmented.paragraphs.append((paragraph.text, [], "", paragraph.separator))
            continue
        leading = paragraph.text[: len(paragraph.text) - len(paragraph.text.lstrip())]
        trailing = paragraph.text[len(paragraph.text.rstrip()) :]
        segmented.paragraphs.append(
            (leading, split_sentences(stripped, language), trailing, paragraph.separator)
        )
    return segmented
