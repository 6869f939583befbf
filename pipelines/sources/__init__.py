"""Where a run's articles come from: local paths, RSS/Atom feed URLs and ``s3://`` inbox prefixes.

A run is given a list of entries; ``http(s)://`` entries are feeds (:mod:`pipelines.sources.feeds`),
``s3://`` entries are inboxes (:mod:`pipelines.sources.inbox`) and anything else is a local file or
folder. :func:`gather` reads them all into articles or failures; the inbox watermarks it returns are
saved by the caller after the run succeeded (:func:`pipelines.runner.run` does both).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pipelines.errors import ConfigError, StoreError, StoreUnavailable
from pipelines.records import Article, Record
from pipelines.sources.config import IngestConfig, SourcesConfig
from pipelines.sources.feeds import FeedFetcher, Fetch, PublishedLookup, read_feed_articles
from pipelines.sources.files import read_inputs
from pipelines.sources.formats.common import IngestFailure
from pipelines.sources.inbox import InboxState, read_inbox, save_state
from pipelines.store import ObjectStore
from pipelines.store.reader import get_record

if TYPE_CHECKING:
    from pipelines.store.retry import RetryPolicy

__all__ = ["Gathered", "gather", "is_feed", "is_inbox", "published_in", "save_watermarks"]


def is_feed(entry: str) -> bool:
    return entry.startswith(("http://", "https://"))


def is_inbox(entry: str) -> bool:
    return entry.startswith("s3://")


@dataclass
class Gathered:
    items: list[Article | IngestFailure] = field(default_factory=list)
    watermarks: list[InboxState] = field(default_factory=list)


def gather(
    entries: Sequence[str],
    store: ObjectStore,
    *,
    ingest: IngestConfig,
    settings: SourcesConfig,
    fetch: Fetch | None = None,
    s3_client: Any = None,
    s3_retry: RetryPolicy | None = None,
) -> Gathered:
    """Read local paths, then feeds, then inboxes, into articles or failures.

    ``fetch`` defaults to the fetcher for ``settings`` (public http(s) addresses only, unless
    ``allow_private_addresses``); ``s3_client`` (a boto3 client) is needed only for ``s3://`` inboxes,
    whose requests are retried within ``s3_retry`` (default: the default store budget).
    """
    gathered = Gathered()
    local = [entry for entry in entries if not is_feed(entry) and not is_inbox(entry)]
    if local:
        gathered.items.extend(read_inputs(local, ingest))
    feeds = [entry for entry in entries if is_feed(entry)]
    if feeds:
        fetcher = fetch or FeedFetcher(settings)
        lookup = published_in(store)
        for feed in feeds:
            gathered.items.extend(read_feed_articles(feed, settings, ingest, fetcher, published=lookup))
    inboxes = [entry for entry in entries if is_inbox(entry)]
    if inboxes and s3_client is None:
        raise ConfigError(f"reading the inboxes {', '.join(inboxes)} needs an S3 client; none was given")
    for inbox in inboxes:
        batch = read_inbox(inbox, store, s3_client, settings, ingest, s3_retry)
        gathered.items.extend(batch.items)
        if batch.advanced is not None:
            gathered.watermarks.append(batch.advanced)
    return gathered


def published_in(store: ObjectStore) -> PublishedLookup:
    """Look up an article's latest published record in ``store``; None when there is none to trust.

    A record that cannot be read (corrupt, or written by a newer newsdigest) counts as none, so the page
    is fetched again; an unreachable store is an error, as for any other store read.
    """

    def lookup(article_id: str) -> Record | None:
        try:
            return get_record(store, article_id)
        except StoreUnavailable:
            raise
        except StoreError:
            return None

    return lookup


def save_watermarks(store: ObjectStore, watermarks: Sequence[InboxState], run_id: str) -> list[str]:
    """Advance each inbox; call only after the run's manifest is written."""
    return [save_state(store, state, run_id) for state in watermarks]
