"""Keeping secrets that ride inside URLs (``scheme://user:password@host``) out of every output.

One place decides what a URL looks like once it leaves the process: in a message, a log line, a record's
origin, a manifest or a failure its user-info becomes ``***`` (:func:`redact_url`, :func:`redact_text`),
so a reader still sees that credentials were given; a URL that is *published* as an article's address
loses its user-info altogether (:func:`strip_userinfo`).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

MASK = "***"

_USERINFO_IN_TEXT = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/\s@]+)@")
"""A ``scheme://user[:password]@`` anywhere in a text; the user-info may not hold '/', '@' or blanks."""


def redact_text(text: str) -> str:
    """Every ``scheme://user:password@`` in ``text`` (a message, a traceback, a URL) as ``scheme://***@``."""
    return _USERINFO_IN_TEXT.sub(lambda match: f"{match['scheme']}{MASK}@", text)


def redact_url(url: str) -> str:
    """``url`` with its user-info replaced by ``***``; a URL without user-info comes back unchanged."""
    return redact_text(url)


def strip_userinfo(url: str) -> str:
    """``url`` without its user-info, as it may be published; unparseable text is only redacted."""
    try:
        parts = urlsplit(url)
        if "@" not in parts.netloc:
            return url
        host = parts.netloc.rpartition("@")[2]
    except ValueError:
        return redact_text(url)
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def has_userinfo(url: str) -> bool:
    return bool(_USERINFO_IN_TEXT.search(url))
