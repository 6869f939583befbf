"""The web edition (editions/<date>/<lang>.html) and the archive index (editions/index.html)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import boto3

from benchmarks.stories import DAY, load, publish
from pipelines import publish_edition
from pipelines.newsletter.view import from_edition
from pipelines.newsletter.web import HTML_TYPE, web_edition, write_web_edition
from pipelines.store import layout
from pipelines.store.local import LocalStore
from pipelines.stories.config import NewsletterConfig
from pipelines.stories.edition import read_edition
from tests.test_store_publish import s3_store

WEB = "https://news.example.org/editions/{date}/{lang}.html"


def rows(stories: tuple[str, ...], days_later: int = 0) -> list[dict[str, str]]:
    shift = timedelta(days=days_later)
    return [
        {**row, "published_at": (datetime.fromisoformat(row["published_at"]) + shift).isoformat()}
        for row in load()
        if row["story"] in stories
    ]


def test_the_web_edition_is_the_emails_page_without_a_link_to_itself(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    publish(store, rows(("ferry-strike", "riverton-budget")), "run-1")
    settings = NewsletterConfig(web_url=WEB)

    result = publish_edition(store, DAY, "en", newsletter_config=settings)

    page = store.get(layout.web_edition_key(DAY, "en")).decode()
    assert page == web_edition(result.edition, settings)
    assert "View in browser" not in page and "news.example.org/editions/2026-11-24/en.html" not in page
    for item in from_edition(result.edition, settings).items:
        assert item.headline in page
    assert layout.web_edition_key(DAY, "en") in result.written and layout.ARCHIVE_INDEX in result.written


def test_the_archive_lists_every_edition_newest_first_with_working_links(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    publish(store, rows(("ferry-strike",)), "run-1")
    publish_edition(store, DAY, "en")
    publish(store, rows(("alcaraz-fire",), days_later=1), "run-2", day=DAY + timedelta(days=1))
    publish_edition(store, DAY + timedelta(days=1), "en")
    # A French edition of the first day (the story set has English summaries only): stored as a build
    # would store it, then its page and the index written.
    french = read_edition(store, DAY, "en").model_copy(update={"language": "fr"})
    store.put(layout.edition_key(DAY, "fr"), french.model_dump_json(indent=2).encode())
    write_web_edition(store, french)

    index = store.get(layout.ARCHIVE_INDEX).decode()

    links = re.findall(r'href="([^"]+)"', index)
    assert links == ["2026-11-25/en.html", "2026-11-24/en.html", "2026-11-24/fr.html"]
    assert all(store.exists(f"{layout.EDITIONS}{link}") for link in links)
    assert index.index("Wednesday 25 November 2026") < index.index("Tuesday 24 November 2026")
    assert ">French</a>" in index or ">français</a>" in index
    assert write_web_edition(store, french) == []  # unchanged: nothing rewritten


def test_web_pages_on_s3_are_served_as_html(s3_endpoint: str, s3_bucket: str) -> None:
    store = s3_store(s3_endpoint, s3_bucket, "web")
    publish(store, rows(("ferry-strike",)), "run-1")

    publish_edition(store, DAY, "en")

    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    for key in (layout.web_edition_key(DAY, "en"), layout.ARCHIVE_INDEX):
        assert client.head_object(Bucket=s3_bucket, Key=f"web/{key}")["ContentType"] == HTML_TYPE
