"""Facts about languages and scripts that several parts of the pipeline share.

Language codes are ISO 639-1/639-3 in lower case. Chinese, Japanese, Thai, Lao, Khmer and Burmese are
written without spaces between words, so sentences and segments of those languages are joined without
spaces and, where words are counted, each of their characters counts as one. Korean is written with
spaces between words: Hangul is not in the table.
"""

from __future__ import annotations

import re

LANGUAGE_CODE = r"[a-z]{2,3}"
"""An ISO 639 code in lower case ('en', 'fr', 'zh'), as a pattern to embed in others."""

_LANGUAGE_CODE = re.compile(LANGUAGE_CODE)

UNSPACED_LANGUAGES = frozenset({"zh", "ja", "th", "lo", "km", "my"})
"""Languages written without spaces between words."""

UNSPACED_CHARACTERS = (
    "\u3040-\u30ff"  # hiragana, katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # Han ideographs (extension A, unified, compatibility)
    "\u0e00-\u0e7f"  # Thai
    "\u0e80-\u0eff"  # Lao
    "\u1780-\u17ff"  # Khmer
    "\u1000-\u109f"  # Myanmar
)
"""The characters of those scripts, as the body of a regular-expression character class."""


def is_language_code(code: str) -> bool:
    return _LANGUAGE_CODE.fullmatch(code) is not None


def is_unspaced(language: str) -> bool:
    """Whether ``language`` (a code, optionally with a region: ``zh-tw``) is written without spaces."""
    return language.split("-")[0] in UNSPACED_LANGUAGES
