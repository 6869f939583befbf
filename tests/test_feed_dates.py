"""Feed dates as feeds write them (RFC 2822 in RSS, RFC 3339 in Atom), zones kept; per-feed source names."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from pipelines.config import IngestConfig, SourcesConfig, load_config
from pipelines.errors import ConfigError, InputError
from pipelines.netsafety import Fetched
from pipelines.records import Article
from pipelines.sources.feeds import read_feed, read_feed_articles
from pipelines.sources.formats.common import IngestFailure
from pipelines.sources.formats.registry import parse_text
from pipelines.timestamps import parse_published

PLUS_ONE = timezone(timedelta(hours=1))
FEED_URL = "https://news.example.org/rss.xml"
PAGE = (
    "<html><head><title>Tram line approved</title></head><body><article><h1>Tram line approved</h1>"
    "<p>The council approved the new tram line on Monday after a long debate about its costs.</p>"
    "<p>Construction starts in spring and the first trams should run within three years.</p>"
    "</article></body></html>"
)


def _rss(date: str) -> bytes:
    item = (
        f"<item><title>Tram</title><link>https://news.example.org/tram</link><pubDate>{date}</pubDate></item>"
    )
    channel = f"<channel><title>Gazette RSS</title>{item}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'.encode()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tue, 24 Nov 2026 08:30:00 GMT", datetime(2026, 11, 24, 8, 30, tzinfo=UTC)),
        ("Tue, 24 Nov 2026 08:30:00 +0100", datetime(2026, 11, 24, 8, 30, tzinfo=PLUS_ONE)),
        ("24 Nov 2026 08:30 EST", datetime(2026, 11, 24, 8, 30, tzinfo=timezone(timedelta(hours=-5)))),
        ("2026-11-24T08:30:00+01:00", datetime(2026, 11, 24, 8, 30, tzinfo=PLUS_ONE)),
        ("2026-11-24T08:30:00Z", datetime(2026, 11, 24, 8, 30, tzinfo=UTC)),
        ("Tue, 24 Nov 2026 08:30:00 -0000", datetime(2026, 11, 24, 8, 30)),  # zone unknown: naive
        ("last Tuesday", None),
        ("Tue, 32 Nov 2026 08:30:00 GMT", None),
        ("", None),
    ],
)
def test_parse_published(text: str, expected: datetime | None) -> None:
    parsed = parse_published(text)
    assert parsed == expected
    if expected is not None and parsed is not None:
        assert parsed.utcoffset() == expected.utcoffset()


def test_rss_dates_keep_their_offset() -> None:
    (item,) = read_feed(_rss("Tue, 24 Nov 2026 08:30:00 +0100"), SourcesConfig())
    assert item.published_at == datetime(2026, 11, 24, 8, 30, tzinfo=PLUS_ONE)
    assert item.published_at is not None and item.published_at.utcoffset() == timedelta(hours=1)
    assert item.changed_at == item.published_at


def test_atom_dates_keep_their_offset_and_the_update_time() -> None:
    atom = (
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Gazette</title>'
        b'<entry><title>Tram</title><link href="https://news.example.org/tram"/>'
        b"<published>2026-11-24T08:30:00+01:00</published><updated>2026-11-24T10:00:00-05:00</updated>"
        b"</entry></feed>"
    )
    (item,) = read_feed(atom, SourcesConfig())
    assert item.published_at == datetime(2026, 11, 24, 8, 30, tzinfo=PLUS_ONE)
    assert item.changed_at is not None and item.changed_at.utcoffset() == timedelta(hours=-5)


def test_an_rss_item_without_a_date_has_none() -> None:
    body = _rss("").replace(b"<pubDate></pubDate>", b"")
    (item,) = read_feed(body, SourcesConfig())
    assert item.published_at is None and item.changed_at is None


def test_json_inputs_accept_rfc_2822_dates() -> None:
    raw = json.dumps(
        {"text": "The harbour reopened on Monday.", "published_at": "Tue, 24 Nov 2026 08:30:00 +0100"}
    )
    (item,) = parse_text(raw, origin="a.json", kind="json", config=IngestConfig())
    assert isinstance(item, Article)
    assert item.published_at == datetime(2026, 11, 24, 8, 30, tzinfo=PLUS_ONE) and item.flags == [
        "title-from-text"
    ]
    unknown_zone = json.dumps({"text": "Same.", "published_at": "Tue, 24 Nov 2026 08:30:00 -0000"})
    (item,) = parse_text(unknown_zone, origin="b.json", kind="json", config=IngestConfig())
    assert isinstance(item, Article) and item.flags == ["published_at-assumed-utc", "title-from-text"]
    assert item.published_at == datetime(2026, 11, 24, 8, 30, tzinfo=UTC)


def _fetch(url: str) -> Fetched:
    pages = {
        FEED_URL: _rss("Tue, 24 Nov 2026 08:30:00 +0100"),
        "https://news.example.org/tram": PAGE.encode(),
    }
    if url not in pages:
        raise InputError(f"fetching {url}: HTTP 404")
    return Fetched(url, pages[url])


def _article(config: SourcesConfig) -> Article:
    (item,) = read_feed_articles(FEED_URL, config, IngestConfig(), _fetch)
    assert not isinstance(item, IngestFailure), item
    return item


def test_the_configured_source_name_wins_over_the_feed_title() -> None:
    assert _article(SourcesConfig()).source == "Gazette RSS"
    named = load_config(None, {"sources.feeds": {FEED_URL: {"source": "Le Monde"}}}).sources
    article = _article(named)
    assert article.source == "Le Monde"
    assert article.published_at == datetime(2026, 11, 24, 8, 30, tzinfo=PLUS_ONE)
    other = load_config(None, {"sources.feeds": {"https://elsewhere.example/rss": {"source": "X"}}}).sources
    assert _article(other).source == "Gazette RSS"


def test_feed_settings_are_validated() -> None:
    with pytest.raises(ConfigError, match="did you mean 'source'"):
        load_config(None, {"sources.feeds": {FEED_URL: {"sorce": "Le Monde"}}})
