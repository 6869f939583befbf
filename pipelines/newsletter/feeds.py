"""Feeds of the editions, for feed readers and RSS-to-email tools: RSS 2.0 and JSON Feed 1.1.

Publishing an edition (:func:`pipelines.newsletter.outputs.publish_edition`) writes, beside
``editions/<date>/<lang>.json``:

- ``editions/<date>/<lang>.rss`` and ``editions/<date>/<lang>.feed.json``: that day's stories;
- ``feeds/<lang>.rss`` and ``feeds/<lang>.feed.json``: the last ``newsletter.feed_items`` stories across
  days, newest day first, rebuilt from the stored editions each time (so two builds cannot lose each
  other's days: the last one to finish lists both).

One item per story: its headline and short summary as every other format shows them (never an id as a
headline), a link (the representative article's URL, else the web edition's), the story id as GUID (a
story keeps its id when later runs add to it) and the time of its earliest article. RSS is built with
the standard library's ElementTree, which escapes the text; no HTML is put into either feed.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from email.utils import format_datetime
from urllib.parse import urlsplit

from pipelines.newsletter.text import safe_url
from pipelines.newsletter.view import from_edition
from pipelines.store import layout
from pipelines.store.base import ObjectStore, put_if_changed
from pipelines.store.reader import load_object
from pipelines.stories.config import NewsletterConfig
from pipelines.stories.models import Edition

RSS_TYPE = "application/rss+xml; charset=utf-8"
JSON_FEED_TYPE = "application/feed+json; charset=utf-8"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


@dataclass(frozen=True)
class FeedItem:
    guid: str
    title: str
    summary: str
    link: str | None
    published: datetime


def write_feeds(store: ObjectStore, edition: Edition, settings: NewsletterConfig | None = None) -> list[str]:
    """Write the edition's feeds and the rolling feeds of its language; returns the keys written (those
    whose content changed)."""
    settings = settings or NewsletterConfig()
    day, language = edition.date, edition.language
    recent = recent_items(store, language, settings, newest=edition)
    today = edition_items(edition, settings)
    documents = {
        layout.edition_feed_key(day, language, "rss"): (rss(today, language, settings), RSS_TYPE),
        layout.edition_feed_key(day, language, "json"): (
            json_feed(today, language, settings),
            JSON_FEED_TYPE,
        ),
        layout.rolling_feed_key(language, "rss"): (rss(recent, language, settings), RSS_TYPE),
        layout.rolling_feed_key(language, "json"): (json_feed(recent, language, settings), JSON_FEED_TYPE),
    }
    return [
        key
        for key, (data, content_type) in documents.items()
        if put_if_changed(store, key, data, content_type=content_type)
    ]


def edition_items(edition: Edition, settings: NewsletterConfig) -> list[FeedItem]:
    """The edition's stories as feed items, in the edition's order."""
    view = from_edition(edition, settings)
    fallback = _http(settings.web_edition_url(edition.date.isoformat(), edition.language))
    midnight = datetime.combine(edition.date, time(), tzinfo=UTC)
    return [
        FeedItem(
            guid=story.id,
            title=item.headline,
            summary=item.short,
            link=item.url or fallback,
            published=_aware(story.first_at) or midnight,
        )
        for story, item in zip(edition.stories, view.items, strict=True)
    ]


def recent_items(
    store: ObjectStore, language: str, settings: NewsletterConfig, *, newest: Edition | None = None
) -> list[FeedItem]:
    """The last ``settings.feed_items`` stories of the stored editions in ``language``, newest day first
    (``newest`` stands in for its day's stored edition). A story listed on several days appears once."""
    suffix = f"/{language}.json"
    keys = sorted((key for key in store.list(layout.EDITIONS) if key.endswith(suffix)), reverse=True)
    given = {layout.edition_key(newest.date, language): newest} if newest is not None else {}
    keys = sorted(set(keys) | set(given), reverse=True)
    found: dict[str, FeedItem] = {}
    for key in keys:
        edition = given.get(key) or load_object(store, key, Edition)
        for item in edition_items(edition, settings):
            found.setdefault(item.guid, item)
        if len(found) >= settings.feed_items:
            break
    return list(found.values())[: settings.feed_items]


def rss(items: Sequence[FeedItem], language: str, settings: NewsletterConfig) -> bytes:
    """An RSS 2.0 document of ``items``."""
    root = ET.Element("rss", version="2.0")
    channel = ET.SubElement(root, "channel")
    ET.SubElement(channel, "title").text = _title(language, settings)
    ET.SubElement(channel, "link").text = _home(settings) or (
        items[0].link if items and items[0].link else ""
    )
    ET.SubElement(channel, "description").text = _description(language, settings)
    ET.SubElement(channel, "language").text = language
    if items:
        ET.SubElement(channel, "lastBuildDate").text = format_datetime(max(i.published for i in items))
    for entry in items:
        element = ET.SubElement(channel, "item")
        ET.SubElement(element, "title").text = entry.title
        if entry.link:
            ET.SubElement(element, "link").text = entry.link
        ET.SubElement(element, "description").text = entry.summary
        ET.SubElement(element, "guid", isPermaLink="false").text = entry.guid
        ET.SubElement(element, "pubDate").text = format_datetime(entry.published)
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def json_feed(items: Sequence[FeedItem], language: str, settings: NewsletterConfig) -> bytes:
    """A JSON Feed 1.1 document of ``items``."""
    document: dict[str, object] = {
        "version": JSON_FEED_VERSION,
        "title": _title(language, settings),
        "description": _description(language, settings),
        "language": language,
        "items": [
            {
                "id": entry.guid,
                "title": entry.title,
                "summary": entry.summary,
                "content_text": entry.summary,
                **({"url": entry.link} if entry.link else {}),
                "date_published": entry.published.isoformat(),
            }
            for entry in items
        ],
    }
    home = _home(settings)
    if home:
        document["home_page_url"] = home
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()


def _title(language: str, settings: NewsletterConfig) -> str:
    return settings.masthead.name or f"Newsdigest ({language})"


def _description(language: str, settings: NewsletterConfig) -> str:
    return f"{_title(language, settings)}: the day's stories, one item per story"


def _home(settings: NewsletterConfig) -> str | None:
    """The web edition's site (``scheme://host/`` of ``web_url``) when ``web_url`` is an http(s) URL."""
    url = _http(settings.web_url)
    if url is None:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def _http(url: str) -> str | None:
    return safe_url(url) if url.startswith(("http://", "https://")) else None


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
