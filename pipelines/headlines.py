"""A headline for an article that has none: its first sentence, fitted to the title budget.

Used at ingest (the record then carries the flag ``title-from-text``) and by the newsletters for objects
stored before that, so no edition or digest ever shows an article id where a headline belongs.
"""

from __future__ import annotations

import re

TITLE_BUDGET_CHARS = 110
"""The longest headline made from a text: a long news headline (two lines of the email's 600 px column),
short enough for a subject line or a feed reader's list."""
TITLE_FROM_TEXT_FLAG = "title-from-text"

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’»)\]]*(?=\s)|(?<=[。！？؟])")
_ELLIPSIS = "…"
_MIN_SENTENCE_CHARS = 20
"""A sentence end closer to the start is taken for an abbreviation ("Dr. Smith said…")."""


def first_sentence(text: str) -> str:
    """The text up to its first sentence end (``.``, ``!``, ``?``, ``…``, ``。``, ``؟`` …), whitespace
    collapsed."""
    flat = " ".join(text.split())
    for match in _SENTENCE_END.finditer(flat):
        wide = flat[match.end() - 1] in "。！？"  # a CJK character is a word's worth of text
        if match.end() >= (_MIN_SENTENCE_CHARS // 3 if wide else _MIN_SENTENCE_CHARS):
            return flat[: match.end()].strip()
    return flat


def fit_headline(text: str, budget: int = TITLE_BUDGET_CHARS) -> str:
    """``text`` when it fits ``budget`` characters, else cut at the last word boundary that fits (at a
    character for scripts without spaces) with ``…``; a final full stop is dropped, as headlines have none."""
    flat = " ".join(text.split())
    if len(flat) > budget:
        cut = flat[: budget - 1]
        space = cut.rfind(" ")
        if space >= budget // 2:
            cut = cut[:space]
        flat = cut.rstrip(" ,;:–—-") + _ELLIPSIS
    elif flat.endswith((".", "。")) and not flat.endswith(".."):
        flat = flat[:-1]
    return flat


def headline_from_text(text: str | None, budget: int = TITLE_BUDGET_CHARS) -> str:
    """A headline made from the first sentence of ``text`` (empty when there is no text)."""
    if not text or not text.strip():
        return ""
    return fit_headline(first_sentence(text), budget)
