"""Inline HTML left in text inputs: ``Council <b>approves</b> budget`` is read as ``Council approves budget``.

Text copied from a web page (or Markdown with inline HTML) keeps tags such as ``<b>``, ``<em>`` or
``<a href=…>``. Left in place, their ``<``, ``/`` and ``>`` look like breadcrumb separators to the page
classifier (a headline filed as navigation) and reach readers as literal tags. Only the tags of a fixed
list of inline elements are removed, and only when they are well formed, so text that merely contains
``<`` (``5 < 6``, ``a -> b``) stays as it is. Entities are not decoded: a ``.txt`` file's ``&amp;`` may be
the writer's own text.
"""

from __future__ import annotations

import re

INLINE_TAGS = (
    *("a", "abbr", "b", "bdi", "bdo", "big", "br", "cite", "code", "del", "dfn", "em", "font", "i", "ins"),
    *("kbd", "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "time", "tt"),
    *("u", "var", "wbr"),
)

_INLINE_TAG = re.compile(
    rf"</?(?:{'|'.join(INLINE_TAGS)})(?:\s+[^<>]*?)?\s*/?>",
    re.IGNORECASE,
)
_SPACES = re.compile(r"[ \t]{2,}")


def strip_inline_markup(text: str) -> str:
    """``text`` without inline HTML tags (their words kept); a ``<br>`` becomes a space, line breaks stay."""
    if "<" not in text:
        return text
    stripped = _INLINE_TAG.sub(lambda match: " " if match.group(0)[1:3].lower() == "br" else "", text)
    return "\n".join(_SPACES.sub(" ", line) for line in stripped.split("\n"))
