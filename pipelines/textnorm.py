"""Unicode normalisation of article text before language detection and publishing.

Invisible characters change what a detector sees without changing what a reader sees: zero-width spaces
between letters made French read as Catalan, and bidirectional controls (the "Trojan Source" characters)
can make a title display differently from its stored order. They are removed, and the text is brought to
NFC so that the same words always have the same code points. Zero-width joiner and non-joiner are kept:
Persian, Indic scripts and emoji sequences need them to be spelled correctly.
"""

from __future__ import annotations

import re
import unicodedata

ZERO_WIDTH = "\u200b\u2060\ufeff\u180e"
"""Zero-width space, word joiner, zero-width no-break space (a BOM inside text), Mongolian vowel separator."""
BIDI_CONTROLS = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""LRM, RLM, ALM, the embeddings and overrides (LRE RLE PDF LRO RLO) and the isolates (LRI RLI FSI PDI)."""

_ZERO_WIDTH = re.compile(f"[{ZERO_WIDTH}]")
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")


def normalise_unicode(text: str) -> tuple[str, dict[str, int]]:
    """``text`` in NFC without zero-width or bidi control characters, and what changed (for flags):
    ``zero-width-removed``, ``bidi-controls-removed`` and ``unicode-nfc`` (characters composed, at least 1
    when NFC changed anything)."""
    changes: dict[str, int] = {}
    text, zero_width = _ZERO_WIDTH.subn("", text)
    text, bidi = _BIDI.subn("", text)
    composed = unicodedata.normalize("NFC", text)
    for name, count in (
        ("zero-width-removed", zero_width),
        ("bidi-controls-removed", bidi),
        ("unicode-nfc", max(len(text) - len(composed), int(composed != text))),
    ):
        if count:
            changes[name] = count
    return composed, changes


def merged(*changes: dict[str, int]) -> dict[str, int]:
    """Several :func:`normalise_unicode` change counts added up (title and text of one article)."""
    total: dict[str, int] = {}
    for change in changes:
        for name, count in change.items():
            total[name] = total.get(name, 0) + count
    return total
