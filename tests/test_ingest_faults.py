"""An exception nobody foresaw while reading one input becomes that input's failure, never the run's end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

from pipelines.config import Config, SourcesConfig
from pipelines.netsafety import Fetched
from pipelines.records import Article
from pipelines.sources.feeds import read_feed_articles
from pipelines.sources.files import read_inputs
from pipelines.sources.formats.common import IngestFailure
from pipelines.sources.inbox import read_inbox
from pipelines.store import LocalStore

TEXT = "The council approved the tram line on Monday. Construction starts in spring, the mayor said."
PAGE = f"<html><head><title>Tram</title></head><body><article><p>{TEXT}</p></article></body></html>"


def test_an_html_parser_crash_fails_only_that_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import trafilatura

    def missing_dependency(*_args: Any, **_kwargs: Any) -> None:
        raise ImportError("lxml.html.clean module is now a separate project lxml_html_clean")

    monkeypatch.setattr(trafilatura, "load_html", missing_dependency)
    (tmp_path / "page.html").write_text(PAGE)
    (tmp_path / "tram.txt").write_text(f"Tram\n{TEXT}")

    found = read_inputs([tmp_path], Config().ingest)

    by_origin = {Path(item.origin).name: item for item in found}
    assert isinstance(by_origin["tram.txt"], Article)
    failure = by_origin["page.html"]
    assert isinstance(failure, IngestFailure)
    assert failure.reason.startswith("unexpected error while parsing: ImportError: lxml.html.clean")


def test_a_reader_crash_on_one_file_is_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pipelines.sources.files as ingest

    real = ingest.read_file

    def flaky(path: Path, config: Any) -> Any:
        if path.name == "bad.txt":
            raise RuntimeError("disk hiccup at http://reader:hunter2@files.example/")
        return real(path, config)

    monkeypatch.setattr(ingest, "read_file", flaky)
    (tmp_path / "bad.txt").write_text(TEXT)
    (tmp_path / "good.txt").write_text(TEXT + " More.")

    found = read_inputs([tmp_path], Config().ingest)

    assert [type(item).__name__ for item in found] == ["IngestFailure", "Article"]
    reason = found[0].reason if isinstance(found[0], IngestFailure) else ""
    assert reason.startswith("unexpected error while reading: RuntimeError: disk hiccup")
    assert "hunter2" not in reason and "http://***@files.example/" in reason


def test_a_feed_item_that_raises_is_that_items_failure() -> None:
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Gazette</title>'
        "<item><title>A</title><link>https://news.example/a</link></item>"
        "<item><title>B</title><link>https://editor:s3cret@news.example/b</link></item>"
        "</channel></rss>"
    )

    def fetch(url: str) -> Fetched:
        if url.endswith("/feed.xml"):
            return Fetched(url, feed.encode())
        if url.endswith("/b"):
            raise UnicodeError(f"codec trouble in {url}")
        return Fetched(url, PAGE.encode())

    found = read_feed_articles("https://news.example/feed.xml", SourcesConfig(), Config().ingest, fetch)

    assert isinstance(found[0], Article) and found[0].url == "https://news.example/a"
    failure = found[1]
    assert isinstance(failure, IngestFailure)
    assert failure.origin == "https://***@news.example/b"
    assert failure.reason.startswith("unexpected error while reading a feed item: UnicodeError")
    assert "s3cret" not in failure.reason


class _BodyThatBreaks:
    def read(self) -> bytes:
        raise MemoryError("cannot allocate")


class _ClientBreakingOn:
    """A real S3 client whose get_object body fails for one key (an unforeseen fault mid-read)."""

    def __init__(self, client: Any, key: str) -> None:
        self._client = client
        self._key = key

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def get_object(self, **kwargs: Any) -> Any:
        if kwargs["Key"] == self._key:
            return {"Body": _BodyThatBreaks()}
        return self._client.get_object(**kwargs)


def test_an_inbox_object_that_raises_is_that_objects_failure(
    s3_endpoint: str, s3_bucket: str, tmp_path: Path
) -> None:
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.put_object(Bucket=s3_bucket, Key="in/a.txt", Body=f"A\n{TEXT}".encode())
    client.put_object(Bucket=s3_bucket, Key="in/b.txt", Body=f"B\n{TEXT}".encode())
    config = Config()

    batch = read_inbox(
        f"s3://{s3_bucket}/in/",
        LocalStore(tmp_path / "store"),
        _ClientBreakingOn(client, "in/b.txt"),
        config.sources,
        config.ingest,
    )

    by_origin = {item.origin: item for item in batch.items}
    assert isinstance(by_origin[f"s3://{s3_bucket}/in/a.txt"], Article)
    failure = by_origin[f"s3://{s3_bucket}/in/b.txt"]
    assert isinstance(failure, IngestFailure)
    assert failure.reason == "unexpected error while reading an inbox object: MemoryError: cannot allocate"
    assert batch.advanced is not None
