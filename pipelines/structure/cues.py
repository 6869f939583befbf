"""The multilingual word lists of ``cues.json`` turned into matchers.

Entries in scripts that separate words with spaces match on word boundaries; Chinese and Japanese entries
match as substrings. Everything is case-insensitive (``casefold``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff66-\uff9f]")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


def is_cjk(text: str) -> bool:
    """Whether ``text`` contains Chinese, Japanese or Korean characters."""
    return bool(_CJK.search(text))


def cjk_count(text: str) -> int:
    """How many Chinese, Japanese or Korean characters ``text`` holds."""
    return len(_CJK.findall(text))


def letters(text: str) -> int:
    """How many letters (any script) ``text`` holds."""
    return len(_LETTER.findall(text))


class Phrases:
    """A list of phrases, found anywhere, at the start, or measured by how much of a line they cover.

    ``pattern`` is the alternation of the (case-folded) phrases, to embed in larger patterns compiled with
    ``re.IGNORECASE``.
    """

    def __init__(self, phrases: list[str]) -> None:
        words = sorted({phrase.casefold() for phrase in phrases if phrase.strip()}, key=len, reverse=True)
        spaced = "|".join(re.escape(word) for word in words if not is_cjk(word))
        unspaced = "|".join(re.escape(word) for word in words if is_cjk(word))
        parts = [rf"(?<!\w)(?:{spaced})(?!\w)"] if spaced else []
        parts += [f"(?:{unspaced})"] if unspaced else []
        self.pattern = "|".join(parts) if parts else r"(?!x)x"
        self._any = re.compile(self.pattern)

    def search(self, text: str) -> bool:
        """Whether any phrase occurs in ``text``."""
        return bool(self._any.search(text.casefold()))

    def starts(self, text: str) -> re.Match[str] | None:
        """The phrase ``text`` starts with (after leading punctuation), if any."""
        folded = text.casefold()
        offset = len(folded) - len(folded.lstrip(" \t-–—•·*#>»›|:[("))
        return self._any.match(folded, offset)

    def coverage(self, text: str) -> float:
        """Share of the letters of ``text`` that belong to the phrases (1.0: the line is only phrases)."""
        total = letters(text)
        if not total:
            return 0.0
        rest = self._any.sub(" ", text.casefold())
        return 1.0 - letters(rest) / total


@dataclass(frozen=True)
class Cues:
    related: Phrases
    share: Phrases
    advertising: Phrases
    subscribe: Phrases
    footer: Phrases
    footer_links: Phrases
    byline_starts: Phrases
    dated: Phrases
    credit_words: Phrases
    credit_agencies: Phrases
    months: Phrases


@lru_cache(maxsize=1)
def load_cues() -> Cues:
    """The packaged word lists, read once."""
    text = resources.files("pipelines.structure").joinpath("cues.json").read_text(encoding="utf-8")
    data: dict[str, list[str]] = {key: value for key, value in json.loads(text).items() if key != "_about"}
    return Cues(**{name: Phrases(phrases) for name, phrases in data.items()})
