"""YAML front matter at the top of a Markdown file (``---`` lines around ``key: value`` pairs).

Static-site generators and note tools put an article's title, date, URL and source there. It is metadata,
never text to publish: it is split off before the Markdown is read, and a file that is only front matter
has no text at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?)^(?:---|\.\.\.)[ \t]*$\n?", re.DOTALL | re.MULTILINE)
_MAX_FRONT_MATTER_CHARS = 64_000


@dataclass(frozen=True)
class FrontMatter:
    fields: dict[str, Any]
    body: str
    raw: str
    flags: list[str] = field(default_factory=list)


def split_front_matter(text: str) -> FrontMatter | None:
    """The front matter and the rest of ``text``; None when the text does not start with front matter.

    Front matter that is not a YAML mapping is still split off (it is not article text) and flagged
    ``front-matter-invalid``.
    """
    match = _FRONT_MATTER.match(text)
    if match is None or match.end() > _MAX_FRONT_MATTER_CHARS:
        return None
    raw = match.group("yaml")
    try:
        loaded = yaml.safe_load(raw) if raw.strip() else {}
    except yaml.YAMLError:
        loaded = None
    flags = [] if isinstance(loaded, dict) else ["front-matter-invalid"]
    fields = {str(key): value for key, value in loaded.items()} if isinstance(loaded, dict) else {}
    return FrontMatter(fields, text[match.end() :], match.group(0), flags)
