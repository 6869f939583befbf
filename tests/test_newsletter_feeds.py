"""The editions' feeds (RSS 2.0, JSON Feed 1.1), read back with feedparser as a feed reader would."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import feedparser
import pytest
from typer.testing import CliRunner

from benchmarks.stories import DAY, load, publish
from flows.cli import EXIT_OK, app
from pipelines import publish_edition
from pipelines.newsletter.feeds import RSS_TYPE
from pipelines.newsletter.view import from_edition
from pipelines.store import layout
from pipelines.store.local import LocalStore
from pipelines.stories.config import NewsletterConfig
from tests.test_store_publish import s3_store

FIRST = ("ferry-strike", "riverton-budget", "ferry-newbuilds")
SECOND = ("alcaraz-fire",)
NEXT_DAY = DAY + timedelta(days=1)


def rows(stories: tuple[str, ...], days_later: int = 0) -> list[dict[str, str]]:
    """The set's rows of ``stories``, published ``days_later`` days after the set's day."""
    shift = timedelta(days=days_later)
    return [
        {**row, "published_at": (datetime.fromisoformat(row["published_at"]) + shift).isoformat()}
        for row in load()
        if row["story"] in stories
    ]


def parsed(store: LocalStore, key: str) -> Any:
    """The feed as a reader sees it, as ``feed.title`` and ``entries`` with ``id``, ``title``, ``summary``,
    ``link`` and ``published_parsed``. RSS is read by feedparser (and must not be "bozo"); feedparser
    6.0 does not read JSON Feed, so that is checked against the JSON Feed 1.1 rules and mapped alike."""
    if key.endswith(".rss"):
        feed = feedparser.parse(store.get(key), response_headers={"content-type": RSS_TYPE})
        assert feed.bozo == 0, feed.get("bozo_exception")
        assert feed.version == "rss20"
        return feed
    document = json.loads(store.get(key))
    assert document["version"] == "https://jsonfeed.org/version/1.1" and document["title"]
    entries = []
    for item in document["items"]:
        # Required: a string id, and content_html or content_text.
        assert isinstance(item["id"], str) and item["id"] and isinstance(item["content_text"], str)
        published = datetime.fromisoformat(item["date_published"])  # RFC 3339
        assert published.tzinfo is not None
        entries.append(
            SimpleNamespace(
                id=item["id"],
                title=item["title"],
                summary=item["summary"],
                link=item.get("url"),
                published_parsed=published.utctimetuple(),
            )
        )
    return SimpleNamespace(version="json11", feed=SimpleNamespace(title=document["title"]), entries=entries)


@pytest.mark.parametrize(("kind", "version"), [("rss", "rss20"), ("json", "json11")])
def test_the_days_feed_lists_every_story_as_the_edition_shows_it(
    tmp_path: Path, kind: str, version: str
) -> None:
    store = LocalStore(tmp_path / "store")
    publish(store, rows(FIRST), "run-1")
    settings = NewsletterConfig.model_validate(
        {
            "masthead": {"name": "The Riverside Post"},
            "web_url": "https://news.example.org/e/{date}/{lang}.html",
        }
    )

    result = publish_edition(store, DAY, "en", newsletter_config=settings)

    feed = parsed(store, layout.edition_feed_key(DAY, "en", kind))
    assert feed.version == version and feed.feed.title == "The Riverside Post"
    view = from_edition(result.edition, settings)
    assert len(feed.entries) == len(result.edition.stories) == len(FIRST)
    for entry, story, item in zip(feed.entries, result.edition.stories, view.items, strict=True):
        assert entry.id == story.id and entry.title == item.headline and entry.summary == item.short
        assert entry.link == item.url and entry.link.startswith("https://")
        assert entry.published_parsed is not None
    assert layout.edition_feed_key(DAY, "en", kind) in result.written


def test_the_rolling_feed_holds_the_last_stories_across_days_and_keeps_guids(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    publish(store, rows(FIRST), "run-1")
    first = publish_edition(store, DAY, "en").edition
    publish(store, rows(SECOND, days_later=1), "run-2", day=NEXT_DAY)
    second = publish_edition(store, NEXT_DAY, "en").edition

    feed = parsed(store, layout.rolling_feed_key("en", "rss"))

    # The next day's window reaches back into the first day: a story on both days is listed once.
    expected = list(dict.fromkeys([s.id for s in second.stories] + [s.id for s in first.stories]))
    alcaraz = {row["id"] for row in rows(SECOND)}
    assert any(alcaraz & {a.article_id for a in s.articles} for s in second.stories)
    assert len(expected) == len(FIRST) + len(SECOND)
    assert [entry.id for entry in feed.entries] == expected
    json_feed = parsed(store, layout.rolling_feed_key("en", "json"))
    assert [entry.id for entry in json_feed.entries] == expected

    # Rebuilding the first day (a later run, as after reprocessing): same stories, same GUIDs.
    rebuilt = publish_edition(store, DAY, "en").edition
    assert [s.id for s in rebuilt.stories] == [s.id for s in first.stories]
    assert [e.id for e in parsed(store, layout.rolling_feed_key("en", "rss")).entries] == expected

    capped = publish_edition(store, NEXT_DAY, "en", newsletter_config=NewsletterConfig(feed_items=2))
    assert capped.edition == second
    assert len(parsed(store, layout.rolling_feed_key("en", "json")).entries) == 2


def test_an_unchanged_rebuild_writes_no_feed(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    publish(store, rows(FIRST), "run-1")
    publish_edition(store, DAY, "en")

    assert publish_edition(store, DAY, "en").written == []


def test_feeds_on_s3_carry_their_content_types(s3_endpoint: str, s3_bucket: str) -> None:
    store = s3_store(s3_endpoint, s3_bucket, "feeds")
    publish(store, rows(FIRST), "run-1")

    publish_edition(store, DAY, "en")

    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    types = {
        key: client.head_object(Bucket=s3_bucket, Key=f"feeds/{key}")["ContentType"]
        for key in (
            layout.edition_key(DAY, "en"),
            layout.edition_feed_key(DAY, "en", "rss"),
            layout.edition_feed_key(DAY, "en", "json"),
            layout.rolling_feed_key("en", "rss"),
            layout.rolling_feed_key("en", "json"),
        )
    }
    assert list(types.values()) == [
        "application/json",
        "application/rss+xml; charset=utf-8",
        "application/feed+json; charset=utf-8",
        "application/rss+xml; charset=utf-8",
        "application/feed+json; charset=utf-8",
    ]


def test_newsdigest_edition_publishes_the_feeds(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    publish(store, rows(FIRST), "run-1")

    result = CliRunner().invoke(
        app, ["edition", "--store", str(tmp_path / "store"), "--date", DAY.isoformat()]
    )

    assert result.exit_code == EXIT_OK, result.output
    assert len(parsed(store, layout.rolling_feed_key("en", "rss")).entries) == len(FIRST)
