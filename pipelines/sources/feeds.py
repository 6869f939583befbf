"""RSS and Atom feeds: read the feed, fetch each item's page, extract the article from its HTML.

Fetching goes through a :data:`Fetch` callable so other clients (tests, another transport) can replace
it; the default is :class:`FeedFetcher`, which fetches under the network policy of
:mod:`pipelines.netsafety` (http(s) only, public addresses only unless
``sources.allow_private_addresses``, every redirect and the connected address checked, a size limit and
a total deadline) with a per-host rate limit and a polite User-Agent.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from calendar import timegm
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from pipelines.errors import InputError, StoreError
from pipelines.netsafety import Fetched, FetchPolicy, Resolver, safe_fetch
from pipelines.records import Article, Record, article_id_for
from pipelines.redact import has_userinfo, redact_text, redact_url, strip_userinfo
from pipelines.sources.config import IngestConfig, SourcesConfig
from pipelines.sources.formats.common import IngestFailure, unexpected_error
from pipelines.sources.formats.registry import parse_text
from pipelines.store.reader import epoch_seconds
from pipelines.timestamps import parse_published
from pipelines.version import code_version

log = logging.getLogger(__name__)

Fetch = Callable[[str], Fetched]
"""Fetch one URL; raises :class:`InputError` with the reason when it cannot."""

PublishedLookup = Callable[[str], Record | None]
"""The latest published record of an article id, or None (see :func:`pipelines.sources.published_in`)."""


def fetch_policy(config: SourcesConfig) -> FetchPolicy:
    """The network policy for feeds and pages, as ``config`` sets it."""
    return FetchPolicy(
        allow_private=config.allow_private_addresses,
        max_bytes=config.max_page_bytes,
        timeout_s=config.timeout_s,
        total_timeout_s=config.deadline_s,
        user_agent=user_agent(config),
    )


def user_agent(config: SourcesConfig) -> str:
    agent = f"newsdigest/{code_version()}"
    return f"{agent} (+{config.contact_url})" if config.contact_url else agent


class HostRateLimit:
    """At most one request per ``interval_s`` to each host, shared by every thread of the process."""

    def __init__(
        self,
        interval_s: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval_s = interval_s
        self._clock = clock
        self._sleep = sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, host: str) -> None:
        with self._lock:
            now = self._clock()
            start = max(now, self._next.get(host, now))
            self._next[host] = start + self.interval_s
        if start > now:
            self._sleep(start - now)


class FeedFetcher:
    """Feeds and pages through :func:`pipelines.netsafety.safe_fetch`, spaced per host by the rate limit.

    ``resolve`` replaces the system resolver for the address checks (tests).
    """

    def __init__(
        self,
        config: SourcesConfig,
        *,
        rate_limit: HostRateLimit | None = None,
        resolve: Resolver | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config
        self.environ = os.environ if environ is None else environ
        self.policy = fetch_policy(config)
        self.rate_limit = rate_limit or HostRateLimit(config.per_host_interval_s)
        self.resolve = resolve

    def __call__(self, url: str) -> Fetched:
        if has_userinfo(url):
            log.warning(
                "ignoring the credentials inside %s: name an environment variable in sources.feeds_auth",
                redact_url(url),
            )
            url = strip_userinfo(url)
        return safe_fetch(
            url, self.policy, resolve=self.resolve, before_request=self._wait_for_host, auth=self._auth_for
        )

    def _auth_for(self, url: str) -> tuple[str, str] | None:
        """Basic-auth ``(user, password)`` for the URL's host from the environment variable that
        ``sources.feeds_auth`` names for it (its value is ``user:password``); asked again on every redirect
        hop, so credentials never follow a redirect to another host."""
        variable = self.config.feeds_auth.get(urlsplit(url).hostname or "")
        if variable is None:
            return None
        value = self.environ.get(variable)
        if not value:
            raise InputError(
                f"sources.feeds_auth names the environment variable {variable} for {redact_url(url)}, "
                "but it is not set: export it as user:password"
            )
        user, _, password = value.partition(":")
        return user, password

    def _wait_for_host(self, url: str) -> None:
        self.rate_limit.wait(urlsplit(url).hostname or "")


@dataclass(frozen=True)
class FeedItem:
    link: str
    title: str
    published_at: datetime | None
    source: str | None
    changed_at: datetime | None = None
    """When the feed last changed the item (its update time, else its publication time)."""


def read_feed(body: bytes, config: SourcesConfig) -> list[FeedItem]:
    """The items of an RSS or Atom document that have a link, newest first as the feed lists them."""
    import feedparser

    parsed = feedparser.parse(body)
    if parsed.get("bozo") and not parsed.entries:
        raise InputError(f"not an RSS or Atom feed: {parsed.get('bozo_exception')}")
    source = parsed.feed.get("title") or None
    items: list[FeedItem] = []
    for entry in parsed.entries[: config.max_items_per_feed]:
        link = entry.get("link")
        if not link:
            continue
        items.append(
            FeedItem(
                link,
                entry.get("title") or "",
                _entry_time(entry, "published_parsed", "updated_parsed"),
                source,
                _entry_time(entry, "updated_parsed", "published_parsed"),
            )
        )
    return items


def _entry_time(entry: Any, *fields: str) -> datetime | None:
    """The first of ``fields`` (``published_parsed``, ``updated_parsed``) the entry has, as an aware
    datetime in the zone the feed wrote it in.

    The time is read from the text the feed wrote (``published``: RFC 2822 in RSS, RFC 3339 in Atom, see
    :func:`~pipelines.timestamps.parse_published`), which keeps its offset; feedparser's parsed UTC
    time stands in where that text does not parse, and a time with no zone is UTC. Values are read with
    ``dict.get``: feedparser's own ``get("updated_parsed")`` falls back to the publication time (with a
    deprecation warning), which would hide that the feed gave no update time.
    """
    for name in fields:
        written = dict.get(entry, name.removesuffix("_parsed"))
        parsed = dict.get(entry, name)
        moment = parse_published(written) if isinstance(written, str) else None
        if moment is None and parsed:
            moment = datetime.fromtimestamp(timegm(parsed), UTC)
        if moment is not None:
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None


def feed_source(feed_url: str, config: SourcesConfig, feed_title: str | None) -> str | None:
    """The source name of a feed's articles: ``sources.feeds[url].source`` when configured, else the
    feed's own title."""
    settings = config.feeds.get(feed_url)
    return settings.source if settings is not None and settings.source else feed_title


def read_feed_articles(
    feed_url: str,
    config: SourcesConfig,
    ingest: IngestConfig,
    fetch: Fetch,
    *,
    published: PublishedLookup | None = None,
) -> list[Article | IngestFailure]:
    """Every item's page as an article (its id a hash of its URL); a page that fails is a failure.

    A feed that cannot be fetched or parsed is one failure with the feed's URL as its origin. With
    ``published`` (and ``sources.refetch_published`` off), an item whose article was processed after the
    feed last changed it is not fetched again: its stored article stands in for the page, so the run
    counts it unchanged. An item the feed gives no date is always fetched, as there is no telling.
    """
    shown_feed = redact_url(feed_url)
    try:
        items = read_feed(fetch(feed_url).body, config)
    except InputError as exc:
        return [IngestFailure(shown_feed, f"feed: {redact_text(str(exc))}")]
    except StoreError:
        raise
    except Exception as exc:  # noqa: BLE001 - one feed's fault is that feed's failure, not the run's
        return [IngestFailure(shown_feed, unexpected_error("reading the feed", exc))]
    items = [replace(item, source=feed_source(feed_url, config, item.source)) for item in items]
    results: list[Article | IngestFailure] = []
    for item in items:
        try:
            results.append(_read_item(item, config, ingest, fetch, published))
        except StoreError:
            raise  # the store is down: the run stops and a re-run takes the feed again
        except Exception as exc:  # noqa: BLE001 - one item's fault is that item's failure, not the run's
            results.append(IngestFailure(redact_url(item.link), unexpected_error("reading a feed item", exc)))
    return results


def _read_item(
    item: FeedItem,
    config: SourcesConfig,
    ingest: IngestConfig,
    fetch: Fetch,
    published: PublishedLookup | None,
) -> Article | IngestFailure:
    """One item's page as an article; its published URL carries no user-info, its origin shows it masked."""
    stored = _unchanged_since_published(item, published) if not config.refetch_published else None
    if stored is not None:
        return stored
    origin = redact_url(item.link)
    try:
        page = fetch(item.link)
    except InputError as exc:
        return IngestFailure(origin, redact_text(str(exc)))
    parsed = parse_text(page.body, origin=origin, kind="html", config=ingest, source=item.source)[0]
    if isinstance(parsed, IngestFailure):
        return parsed
    url = strip_userinfo(item.link)
    return parsed.model_copy(
        update={
            "id": article_id_for(url, parsed.text),
            "url": url,
            "title": parsed.title or item.title,
            "source": item.source,
            "published_at": item.published_at,
        }
    )


def _unchanged_since_published(item: FeedItem, published: PublishedLookup | None) -> Article | None:
    """The stored article of ``item`` when it was processed after the feed's last change to the item."""
    if published is None or item.changed_at is None:
        return None
    record = published(article_id_for(strip_userinfo(item.link), ""))
    if record is None or epoch_seconds(record.processed_at) < item.changed_at.timestamp():
        return None
    return record.article
