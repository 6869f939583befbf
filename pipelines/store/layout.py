"""The storage layout: the only place object keys are built.

Keys contain only validated article ids, run ids, ISO dates and language codes, never titles or URLs::

    records/<article_id>/<content_hash>.json          full record, one object per content version
    summaries/<YYYY-MM-DD>/<lang>/<article_id>.json   compact summary object (what a newsletter lists)
    failures/<article_id>/<content_hash>.json         failed or skipped input with the reason, one per
                                                      content version (a run that fails it again for the
                                                      same reason leaves it as it is)
    duplicates/<run_id>/<article_id>.json             an input whose text is published under another id
    index/content/<text_hash>.json                    which article id holds a text (see Publisher.publish)
    runs/<YYYY-MM-DD>/<run_id>.json                   run manifest, written after everything it lists
    state/inbox/<inbox_id>.json                       an s3:// inbox's watermark, after a successful run
    stories/<YYYY-MM-DD>/<lang>/<story_id>.json       one story of a day's edition: its member articles
    editions/<YYYY-MM-DD>/<lang>.json                 a day's edition: ordered stories, written after them
    editions/<YYYY-MM-DD>/<lang>.rss, .feed.json      the day's stories as RSS 2.0 and JSON Feed 1.1
    editions/<YYYY-MM-DD>/<lang>.sent.json            the edition was sent by email: when, how, to whom
    editions/<YYYY-MM-DD>/<lang>.html                 the web edition (text/html)
    editions/index.html                               the web archive: every stored edition, newest first
    feeds/<lang>.rss, feeds/<lang>.feed.json          the last newsletter.feed_items stories across days
"""

from __future__ import annotations

import re
from datetime import date

from pipelines.errors import StoreError
from pipelines.languages import is_language_code
from pipelines.records import is_valid_id

RECORDS = "records/"
SUMMARIES = "summaries/"
FAILURES = "failures/"
DUPLICATES = "duplicates/"
CONTENT_INDEX = "index/content/"
RUNS = "runs/"
INBOX_STATE = "state/inbox/"
STORIES = "stories/"
EDITIONS = "editions/"
FEEDS = "feeds/"
ARCHIVE_INDEX = f"{EDITIONS}index.html"
_FEED_SUFFIX = {"rss": ".rss", "json": ".feed.json"}

_HASH = re.compile(r"^[0-9a-f]{16,64}$")


def _id(value: str, what: str) -> str:
    if not is_valid_id(value):
        raise StoreError(
            f"refusing to build a key from {what} {value!r}: only [A-Za-z0-9._-] ids are allowed"
        )
    return value


def _language(code: str) -> str:
    if not is_language_code(code):
        raise StoreError(f"refusing to build a key from language {code!r}: expected a code such as 'en'")
    return code


def record_prefix(article_id: str) -> str:
    return f"{RECORDS}{_id(article_id, 'article id')}/"


def record_key(article_id: str, content_hash: str) -> str:
    if not _HASH.fullmatch(content_hash):
        raise StoreError(f"refusing to build a key from content hash {content_hash!r}")
    return f"{record_prefix(article_id)}{content_hash}.json"


def summaries_prefix(day: date, language: str) -> str:
    return f"{SUMMARIES}{day.isoformat()}/{_language(language)}/"


def summary_key(day: date, language: str, article_id: str) -> str:
    return f"{summaries_prefix(day, language)}{_id(article_id, 'article id')}.json"


def failure_key(article_id: str, content_hash: str) -> str:
    if not _HASH.fullmatch(content_hash):
        raise StoreError(f"refusing to build a key from content hash {content_hash!r}")
    return f"{FAILURES}{_id(article_id, 'article id')}/{content_hash}.json"


def duplicate_key(run_id: str, article_id: str) -> str:
    return f"{DUPLICATES}{_id(run_id, 'run id')}/{_id(article_id, 'article id')}.json"


def content_index_key(text_hash: str) -> str:
    if not _HASH.fullmatch(text_hash):
        raise StoreError(f"refusing to build a key from text hash {text_hash!r}")
    return f"{CONTENT_INDEX}{text_hash}.json"


def manifest_key(day: date, run_id: str) -> str:
    return f"{RUNS}{day.isoformat()}/{_id(run_id, 'run id')}.json"


def inbox_state_key(inbox_id: str) -> str:
    return f"{INBOX_STATE}{_id(inbox_id, 'inbox id')}.json"


def stories_prefix(day: date, language: str) -> str:
    return f"{STORIES}{day.isoformat()}/{_language(language)}/"


def story_key(day: date, language: str, story_id: str) -> str:
    return f"{stories_prefix(day, language)}{_id(story_id, 'story id')}.json"


def edition_key(day: date, language: str) -> str:
    return f"{EDITIONS}{day.isoformat()}/{_language(language)}.json"


def edition_feed_key(day: date, language: str, kind: str) -> str:
    """The day's feed: ``kind`` "rss" (RSS 2.0) or "json" (JSON Feed 1.1)."""
    return f"{EDITIONS}{day.isoformat()}/{_language(language)}{_FEED_SUFFIX[kind]}"


def web_edition_key(day: date, language: str) -> str:
    return f"{EDITIONS}{day.isoformat()}/{_language(language)}.html"


def sent_key(day: date, language: str) -> str:
    """The receipt of the edition's email (``newsdigest edition --send``)."""
    return f"{EDITIONS}{day.isoformat()}/{_language(language)}.sent.json"


def rolling_feed_key(language: str, kind: str) -> str:
    """The feed of the last stories across days: ``kind`` "rss" or "json"."""
    return f"{FEEDS}{_language(language)}{_FEED_SUFFIX[kind]}"
