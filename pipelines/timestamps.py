"""Publication times as feeds and exports write them: RFC 2822 (RSS, e-mail) or ISO 8601 / RFC 3339 (Atom,
JSON). The offset the source wrote is kept; only a time with no zone at all is left naive for the caller
to decide (the readers take it as UTC and flag it)."""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime


def parse_published(text: str) -> datetime | None:
    """``Tue, 24 Nov 2026 08:30:00 +0100``, ``... GMT``, ``2026-11-24T08:30:00+01:00``, ``2026-11-24``;
    None for anything else. RFC 2822's ``-0000`` ("zone unknown") gives a naive time."""
    value = text.strip()
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
