"""Sentence and word helpers the summarizers share.

Sentences come from :func:`pipelines.segment.split_sentences` (pysbd where it knows the language, rules
elsewhere), paragraph by paragraph. Words are what budgets and overlap are counted in: runs of letters
and digits, except that every character of a script written without spaces (Han, kana, Thai, Lao,
Khmer, Burmese; see :mod:`pipelines.languages`) counts as one word. Korean is spaced: Hangul stays in runs.
"""

from __future__ import annotations

import re

from pipelines.languages import UNSPACED_CHARACTERS, is_unspaced
from pipelines.segment import split_sentences

_WORD = re.compile(rf"[{UNSPACED_CHARACTERS}]|[^\W{UNSPACED_CHARACTERS}]+")
# A word as a reader counts it for a budget: "COVID-19", "single-use", "186,000" and "l'Inter" are one.
_BUDGET_WORD = re.compile(
    rf"[{UNSPACED_CHARACTERS}]|[^\W{UNSPACED_CHARACTERS}]+(?:[-'’.,][^\W{UNSPACED_CHARACTERS}]+)*"
)
_LINE_BREAK = re.compile(r"\s*\n\s*")


def sentences(text: str, language: str) -> list[str]:
    """Sentences of ``text`` in order, stripped, none empty; a line break always ends a sentence."""
    found: list[str] = []
    for paragraph in _LINE_BREAK.split(text):
        found.extend(split_sentences(paragraph, language))
    return found


def join_sentences(parts: list[str], language: str) -> str:
    """Sentences back into text: without spaces for unspaced languages, with one space otherwise."""
    return ("" if is_unspaced(language) else " ").join(parts)


def words(text: str) -> list[str]:
    """Word tokens: letter/digit runs, and each character of an unspaced script on its own."""
    return _WORD.findall(text)


def word_count(text: str) -> int:
    """Words as budgets count them: like :func:`words`, except that letters and digits joined by a hyphen,
    an apostrophe or a digit-group separator are one word."""
    return len(_BUDGET_WORD.findall(text))


def cut_at_words(text: str, budget: int) -> str:
    """``text`` up to and including its ``budget``-th word (the rest dropped), keeping original spacing."""
    for index, match in enumerate(_BUDGET_WORD.finditer(text), start=1):
        if index == budget:
            return text[: match.end()].rstrip()
    return text
