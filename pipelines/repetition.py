"""The repetition check every generated text passes (translations and summaries): one flag, one rule.

A model stuck in a loop repeats itself back to back ("the the the the", "a b a b a b a b"), or loops
letters inside a word ("ememememem"); a summary can also lean on one phrase again and again without the
repeats being adjacent. Tokens are words and punctuation marks; scripts written without spaces count one
character per token (see :mod:`pipelines.languages`).
"""

from __future__ import annotations

import re
from collections import Counter

from pipelines.languages import UNSPACED_CHARACTERS

FLAG_REPETITION = "repetition"

_TOKEN = re.compile(rf"[{UNSPACED_CHARACTERS}]|[^\W{UNSPACED_CHARACTERS}]+|[^\w\s]")
# The same letters (not digits: 1000000 is fine) looping inside a word, e.g. "ememememem".
_LETTER_LOOP = re.compile(r"([^\W\d_]{1,8}?)\1{5,}")
LOOP_REPEATS = 4
"""An n-gram (n <= 4) repeated this many times in a row is a loop."""


def is_repetitive(text: str, *, ngram_size: int | None = None, max_repeats: int | None = None) -> bool:
    """Whether ``text`` loops (a 1-4 token sequence :data:`LOOP_REPEATS` times back to back, or a short
    run of letters six times inside a word), or, given ``ngram_size`` and ``max_repeats``, whether some
    word n-gram of that size occurs more than ``max_repeats`` times anywhere in it."""
    if _LETTER_LOOP.search(text):
        return True
    tokens = [token.lower() for token in _TOKEN.findall(text)]
    if _loops(tokens):
        return True
    if ngram_size is None or max_repeats is None:
        return False
    return _most_repeated(tokens, ngram_size) > max_repeats


def _loops(tokens: list[str]) -> bool:
    for size in range(1, 5):
        needed = size * LOOP_REPEATS
        if len(tokens) < needed:
            break
        for start in range(len(tokens) - needed + 1):
            gram = tokens[start : start + size]
            if all(tokens[start + k * size : start + (k + 1) * size] == gram for k in range(1, LOOP_REPEATS)):
                return True
    return False


def _most_repeated(tokens: list[str], n: int) -> int:
    """How often the most frequent n-gram of words (punctuation left out) occurs."""
    words = [token for token in tokens if token[0].isalnum() or token[0] == "_"]
    if n < 1 or len(words) < n:
        return 0
    counts = Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))
    return counts.most_common(1)[0][1]
