"""Feeds and pages from a local HTTP server on 127.0.0.1, and s3:// inboxes against the S3 fixtures."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest

from pipelines.config import Config, SourcesConfig, load_config
from pipelines.errors import FetchFailed, UnsafeURL
from pipelines.records import Article, Record, article_id_for
from pipelines.sources import gather
from pipelines.sources.feeds import FeedFetcher, HostRateLimit, read_feed_articles, user_agent
from pipelines.sources.formats.common import IngestFailure
from pipelines.sources.inbox import inbox_id, load_state, read_inbox, save_state
from pipelines.stages import to_records
from pipelines.store import LocalStore, layout
from pipelines.store.publish import Publisher
from pipelines.version import code_version
from tests.conftest import EXAMPLES

PAGE = """<html><head><title>{title}</title></head><body><nav>Home | Sport | Weather</nav>
<article><h1>{title}</h1><p>{body}</p></article><footer>Contact us</footer></body></html>"""

TRAM = (
    "The city council approved the new tram line on Monday after a long debate. Construction starts in "
    "spring and the first trams should run within three years, the mayor said."
)
HARVEST = (
    "Thousands of visitors came to the harvest festival this weekend. Farmers sold apples, pumpkins and "
    "cider, and the parade drew the largest crowd in a decade."
)


def _rss(base: str, links: list[tuple[str, str]]) -> str:
    items = "".join(
        f"<item><title>{title}</title><link>{base}{path}</link>"
        "<pubDate>Wed, 25 Nov 2026 08:00:00 GMT</pubDate></item>"
        for path, title in links
    )
    channel = f"<channel><title>Harbour Gazette</title>{items}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'


class Site:
    """Routes served by a threaded HTTP server; records each request's path, User-Agent and time."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, str, bytes, dict[str, str]]] = {}
        self.requests: list[tuple[str, str, float]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests.append((self.path, self.headers.get("User-Agent", ""), time.monotonic()))
                status, kind, body, headers = site.routes.get(self.path, (404, "text/plain", b"no", {}))
                if self.path == "/slow":
                    time.sleep(2)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def add(self, path: str, body: str, kind: str = "text/html", status: int = 200, **headers: str) -> None:
        self.routes[path] = (status, kind, body.encode(), headers)


@pytest.fixture
def site() -> Iterator[Site]:
    served = Site()
    thread = threading.Thread(target=served.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        served.server.shutdown()
        served.server.server_close()
        thread.join(timeout=5)


def _sources(**changes: Any) -> SourcesConfig:
    """Settings for the local test site, which lives on the loopback address the default policy refuses."""
    settings = {"per_host_interval_s": 0.0, "timeout_s": 5.0, "allow_private_addresses": True, **changes}
    return SourcesConfig(**settings)


def test_feed_pages_become_articles_with_url_ids(site: Site) -> None:
    site.add(
        "/feed.xml", _rss(site.base, [("/tram", "Tram line"), ("/harvest", "Harvest"), ("/gone", "Gone")])
    )
    site.add("/tram", PAGE.format(title="Tram line approved", body=TRAM))
    site.add("/harvest", PAGE.format(title="Harvest festival", body=HARVEST))
    config = _sources(contact_url="https://news.example/contact")
    found = read_feed_articles(f"{site.base}/feed.xml", config, Config().ingest, FeedFetcher(config))

    articles = [item for item in found if isinstance(item, Article)]
    failures = [item for item in found if isinstance(item, IngestFailure)]
    assert [a.url for a in articles] == [f"{site.base}/tram", f"{site.base}/harvest"]
    tram = articles[0]
    assert tram.id == article_id_for(tram.url, "") and tram.title == "Tram line approved"
    assert tram.text.startswith("The city council") and "Home | Sport" not in tram.text
    assert tram.source == "Harbour Gazette" and tram.published_at == datetime(2026, 11, 25, 8, tzinfo=UTC)
    assert [f.origin for f in failures] == [f"{site.base}/gone"] and "HTTP 404" in failures[0].reason
    agents = {agent for _, agent, _ in site.requests}
    assert agents == {f"newsdigest/{code_version()} (+https://news.example/contact)"}


def test_an_unreadable_feed_is_one_failure(site: Site) -> None:
    site.add("/feed.xml", "this is not a feed", kind="text/plain")
    config = _sources()
    found = read_feed_articles(f"{site.base}/feed.xml", config, Config().ingest, FeedFetcher(config))
    assert len(found) == 1 and isinstance(found[0], IngestFailure)
    assert found[0].origin == f"{site.base}/feed.xml" and found[0].reason.startswith("feed:")


def test_requests_to_one_host_are_spaced(site: Site) -> None:
    """Every request of the real fetcher waits its turn for its host. The limiter's clock stands still, so
    the waits it asks for are exact; real arrival gaps would break on a loaded machine."""
    for name in ("a", "b", "c"):
        site.add(f"/{name}", "ok")
    assert FeedFetcher(_sources(per_host_interval_s=0.3)).rate_limit.interval_s == 0.3
    slept: list[float] = []
    limit = HostRateLimit(0.3, clock=lambda: 50.0, sleep=slept.append)
    fetch = FeedFetcher(_sources(per_host_interval_s=0.3), rate_limit=limit)
    for name in ("a", "b", "c"):
        fetch(f"{site.base}/{name}")
    assert [path for path, _, _ in site.requests] == ["/a", "/b", "/c"]
    assert slept == pytest.approx([0.3, 0.6])


def test_rate_limit_is_per_host() -> None:
    slept: list[float] = []
    limit = HostRateLimit(2.0, clock=lambda: 100.0, sleep=slept.append)
    for host in ("a.example", "b.example", "a.example", "a.example"):
        limit.wait(host)
    assert slept == [2.0, 4.0]


def test_the_feed_fetcher_enforces_the_network_policy(site: Site) -> None:
    """The fetcher feeds use in production: timeouts, the size limit, schemes and redirects on every hop."""
    site.add("/slow", "late")
    site.add("/big", "x" * 5_000)
    site.add("/hop", "", status=302, Location="/final")
    site.add("/final", "arrived")
    site.add("/loop", "", status=302, Location="/loop")
    with pytest.raises(FetchFailed, match="ReadTimeout"):
        FeedFetcher(_sources(timeout_s=0.5))(f"{site.base}/slow")
    started = time.monotonic()
    with pytest.raises(FetchFailed, match="timed out"):
        FeedFetcher(_sources(timeout_s=5.0, deadline_s=0.5))(f"{site.base}/slow")
    assert time.monotonic() - started < 1.8, "the total deadline, not the per-read timeout, ended it"
    with pytest.raises(UnsafeURL, match="over the limit of 1000 bytes"):
        FeedFetcher(_sources(max_page_bytes=1_000))(f"{site.base}/big")
    with pytest.raises(UnsafeURL, match="only http"):
        FeedFetcher(_sources())("file:///etc/passwd")
    with pytest.raises(UnsafeURL, match="redirect loop"):
        FeedFetcher(_sources())(f"{site.base}/loop")
    arrived = FeedFetcher(_sources())(f"{site.base}/hop")
    assert (arrived.url, arrived.body) == (f"{site.base}/final", b"arrived")
    assert user_agent(_sources()) == f"newsdigest/{code_version()}"


def test_feeds_on_private_addresses_are_refused_unless_allowed(site: Site) -> None:
    """The default settings refuse the loopback test site: for the feed, and for every redirect hop."""
    site.add("/feed.xml", _rss(site.base, [("/tram", "Tram line")]))
    site.add("/tram", PAGE.format(title="Tram line approved", body=TRAM))
    strict = _sources(allow_private_addresses=False)
    found = read_feed_articles(f"{site.base}/feed.xml", strict, Config().ingest, FeedFetcher(strict))
    assert len(found) == 1 and isinstance(found[0], IngestFailure)
    assert found[0].reason.startswith("feed:") and "loopback" in found[0].reason
    assert site.requests == [], "refused before any connection"
    allowed = read_feed_articles(
        f"{site.base}/feed.xml", _sources(), Config().ingest, FeedFetcher(_sources())
    )
    assert [type(item).__name__ for item in allowed] == ["Article"]


def test_the_feed_fetcher_checks_the_address_it_connected_to(site: Site) -> None:
    """A name that resolved to a public address but connects to loopback (DNS rebinding) is refused."""
    site.add("/feed.xml", _rss(site.base, [("/tram", "Tram line")]))
    port = site.base.rsplit(":", 1)[1]

    def public_dns(host: str, port: int) -> list[str]:
        return ["93.184.216.34"]

    fetch = FeedFetcher(_sources(allow_private_addresses=False), resolve=public_dns)
    with pytest.raises(UnsafeURL, match=r"127\.0\.0\.1"):
        fetch(f"http://localhost:{port}/feed.xml")


# ----------------------------------------------------------------------------------------------- inbox


def _client(endpoint: str) -> Any:
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")


def test_inbox_takes_new_objects_once_and_keeps_its_watermark_in_the_store(
    s3_endpoint: str, s3_bucket: str, tmp_path: Path
) -> None:
    client = _client(s3_endpoint)
    url = f"s3://{s3_bucket}/incoming/"
    store = LocalStore(tmp_path / "store")
    config = Config()
    client.put_object(
        Bucket=s3_bucket, Key="incoming/tram.txt", Body=(EXAMPLES / "en-tram-line.txt").read_bytes()
    )
    client.put_object(Bucket=s3_bucket, Key="incoming/notes.pdf", Body=b"%PDF")
    client.put_object(Bucket=s3_bucket, Key="elsewhere/skip.txt", Body=b"not in the inbox")

    first = read_inbox(url, store, client, config.sources, config.ingest)
    origins = sorted(item.origin for item in first.items)
    assert origins == [f"s3://{s3_bucket}/incoming/notes.pdf", f"s3://{s3_bucket}/incoming/tram.txt"]
    assert isinstance(next(i for i in first.items if i.origin.endswith("tram.txt")), Article)
    assert first.advanced is not None

    again = read_inbox(url, store, client, config.sources, config.ingest)
    assert len(again.items) == 2, "the watermark moves only when the caller saves it"
    key = save_state(store, first.advanced, "20261125T100000Z-abcdef")
    assert key == layout.inbox_state_key(inbox_id(url))
    assert load_state(store, url).run_id == "20261125T100000Z-abcdef"
    assert read_inbox(url, store, client, config.sources, config.ingest).items == []

    client.put_object(
        Bucket=s3_bucket, Key="incoming/fr.txt", Body=(EXAMPLES / "fr-fete-vendanges.txt").read_bytes()
    )
    later = read_inbox(url, store, client, config.sources, config.ingest)
    assert [item.origin for item in later.items] == [f"s3://{s3_bucket}/incoming/fr.txt"]


def test_inbox_takes_at_most_the_configured_objects_oldest_first(
    s3_endpoint: str, s3_bucket: str, tmp_path: Path
) -> None:
    client = _client(s3_endpoint)
    store = LocalStore(tmp_path / "store")
    for number in range(5):
        client.put_object(
            Bucket=s3_bucket, Key=f"in/{number}.txt", Body=f"Article {number}\n\n{TRAM}".encode()
        )
    config = load_config(None, {"sources.max_inbox_objects": 2})
    url = f"s3://{s3_bucket}/in/"
    taken: list[str] = []
    for _ in range(4):
        batch = read_inbox(url, store, client, config.sources, config.ingest)
        taken += [item.origin for item in batch.items]
        if batch.advanced:
            save_state(store, batch.advanced, "20261125T100000Z-abcdef")
    assert sorted(taken) == [f"s3://{s3_bucket}/in/{number}.txt" for number in range(5)]


def test_published_items_are_fetched_again_only_when_the_feed_changed_them(
    site: Site, tmp_path: Path
) -> None:
    site.add("/feed.xml", _rss(site.base, [("/tram", "Tram"), ("/harvest", "Harvest")]))
    site.add("/tram", PAGE.format(title="Tram line approved", body=TRAM))
    site.add("/harvest", PAGE.format(title="Harvest festival", body=HARVEST))
    config = Config(sources=_sources())
    store = LocalStore(tmp_path / "store")
    feed = [f"{site.base}/feed.xml"]

    def fetched_paths(settings: Config) -> tuple[list[str], list[Article | IngestFailure]]:
        site.requests.clear()
        items = gather(feed, store, ingest=settings.ingest, settings=settings.sources).items
        return [path for path, _, _ in site.requests], items

    paths, items = fetched_paths(config)
    assert paths == ["/feed.xml", "/tram", "/harvest"]
    tram = items[0]
    assert isinstance(tram, Article)
    # Published after the feed's date for it (Wed, 25 Nov 2026 08:00 GMT).
    processed = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    Publisher(store).publish(Record(run_id="run-1", article=tram, processed_at=processed), processed.date())

    paths, items = fetched_paths(config)
    assert paths == ["/feed.xml", "/harvest"]
    assert items[0] == tram, "the stored article stands in for the page"
    assert Publisher(store).already_published(items[0]), "so the run counts it unchanged"

    refetching = load_config(None, {**config.model_dump(mode="json"), "sources.refetch_published": True})
    assert fetched_paths(refetching)[0] == ["/feed.xml", "/tram", "/harvest"]

    updated = _rss(site.base, [("/tram", "Tram"), ("/harvest", "Harvest")]).replace("08:00:00", "10:00:00")
    site.add("/feed.xml", updated)
    assert fetched_paths(config)[0] == ["/feed.xml", "/tram", "/harvest"], "the feed changed it since"


def _tram_feed_and_harvest_inbox(site: Site, s3_endpoint: str, s3_bucket: str) -> Any:
    """A feed with the tram page on ``site`` and the harvest article in ``s3://bucket/in/``; the S3 client."""
    site.add("/feed.xml", _rss(site.base, [("/tram", "Tram")]))
    site.add("/tram", PAGE.format(title="Tram line approved", body=TRAM))
    client = _client(s3_endpoint)
    client.put_object(Bucket=s3_bucket, Key="in/harvest.md", Body=f"# Harvest\n\n{HARVEST}".encode())
    return client


def test_gather_mixes_folders_feeds_and_inboxes(
    site: Site, s3_endpoint: str, s3_bucket: str, tiny_config: Config, tmp_path: Path
) -> None:
    client = _tram_feed_and_harvest_inbox(site, s3_endpoint, s3_bucket)
    entries = [str(EXAMPLES / "de-stadtrat-radwege.txt"), f"{site.base}/feed.xml", f"s3://{s3_bucket}/in/"]
    store = LocalStore(tmp_path / "store")
    refused = gather(
        entries[1:2], store, ingest=tiny_config.ingest, settings=tiny_config.sources, s3_client=client
    )
    assert [type(item).__name__ for item in refused.items] == ["IngestFailure"]
    assert "loopback" in refused.items[0].reason or "private" in refused.items[0].reason  # type: ignore[union-attr]
    trusting = load_config(
        None, {**tiny_config.model_dump(mode="json"), "sources.allow_private_addresses": True}
    )
    found = gather(entries, store, ingest=trusting.ingest, settings=trusting.sources, s3_client=client)
    assert [item.origin for item in found.items] == [
        entries[0],
        f"{site.base}/tram",
        f"s3://{s3_bucket}/in/harvest.md",
    ]
    assert len(found.watermarks) == 1
    records = to_records(found.items, "20261125T100000Z-abcdef")
    assert all(record.pending for record in records)


@pytest.mark.usefixtures("prefect_harness")
def test_flow_reads_a_feed_and_an_inbox_and_advances_the_inbox_after_success(
    site: Site, s3_endpoint: str, s3_bucket: str, tiny_config: Config, tmp_path: Path
) -> None:
    from flows.digest_flow import news_digests
    from tests.conftest import write_config

    client = _tram_feed_and_harvest_inbox(site, s3_endpoint, s3_bucket)
    store = {"url": f"s3://{s3_bucket}/news", "endpoint_url": s3_endpoint, "region": "us-east-1"}
    settings = {
        **tiny_config.model_dump(mode="json"),
        "store": store,
        "sources.allow_private_addresses": True,
    }
    config_file = write_config(load_config(None, settings), tmp_path / "s3.yaml")
    paths = [f"{site.base}/feed.xml", f"s3://{s3_bucket}/in/"]

    first = news_digests(paths=paths, config_file=str(config_file))
    assert first.counts == {"published": 2}
    assert {entry.origin for entry in first.entries} == {
        f"{site.base}/tram",
        f"s3://{s3_bucket}/in/harvest.md",
    }
    state_key = f"news/{layout.inbox_state_key(inbox_id(paths[1]))}"
    client.head_object(Bucket=s3_bucket, Key=state_key)

    site.requests.clear()
    second = news_digests(paths=paths, config_file=str(config_file))
    assert second.counts == {"unchanged": 1}, "the feed item again (unchanged), the inbox nothing new"
    assert [path for path, _, _ in site.requests] == ["/feed.xml"], "a published item is not fetched again"


@pytest.mark.usefixtures("prefect_harness")
def test_cli_runs_a_feed_an_inbox_and_a_folder_in_one_call(
    site: Site, s3_endpoint: str, s3_bucket: str, tiny_config: Config, tmp_path: Path
) -> None:
    """``newsdigest run https://…/feed.xml s3://bucket/inbox/ ./folder``: all three kinds in one call."""
    from typer.testing import CliRunner

    from flows.cli import EXIT_OK, app
    from tests.conftest import write_config

    _tram_feed_and_harvest_inbox(site, s3_endpoint, s3_bucket)
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "de-stadtrat-radwege.txt").write_bytes((EXAMPLES / "de-stadtrat-radwege.txt").read_bytes())
    store = {"url": str(tmp_path / "store"), "endpoint_url": s3_endpoint, "region": "us-east-1"}
    settings = {
        **tiny_config.model_dump(mode="json"),
        "store": store,
        "sources.allow_private_addresses": True,
    }
    config_file = write_config(load_config(None, settings), tmp_path / "mixed.yaml")
    inputs = [f"{site.base}/feed.xml", f"s3://{s3_bucket}/in/", str(folder)]

    result = CliRunner().invoke(app, ["run", *inputs, "--config", str(config_file)])

    assert result.exit_code == EXIT_OK, result.output
    manifests = list((tmp_path / "store" / "runs").rglob("*.json"))
    assert len(manifests) == 1
    manifest = json.loads(manifests[0].read_text())
    assert manifest["counts"] == {"published": 3}
    assert {entry["origin"] for entry in manifest["entries"]} == {
        f"{site.base}/tram",
        f"s3://{s3_bucket}/in/harvest.md",
        str(folder / "de-stadtrat-radwege.txt"),
    }
