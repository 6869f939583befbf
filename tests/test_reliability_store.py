"""Store faults (issue 7, item 2): an S3 server that answers 500s, stalls or loses answers and then
recovers, and one that is down for the whole run. Object counts before and after each scenario show that
nothing is lost and nothing is duplicated.

Faults come from :class:`FaultProxy`, an HTTP proxy on 127.0.0.1 in front of the shared moto server that
misbehaves for the requests it is told to (by method and key), then forwards normally.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest

from pipelines.config import Config, load_config
from pipelines.errors import StoreUnavailable
from pipelines.runner import run
from pipelines.services import build_services
from tests.conftest import EXAMPLES, S3Server

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "te", "upgrade"}
_INTERNAL_ERROR = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InternalError</Code>'
    b"<Message>injected fault</Message><RequestId>fault</RequestId></Error>"
)


@dataclass
class Fault:
    """Misbehave for the next ``times`` requests matching ``method`` and containing ``key_part``.

    kinds: ``500`` answers InternalError without forwarding; ``stall`` waits past the client's timeout and
    hangs up without forwarding; ``lost`` forwards (the server applies the request) and then hangs up, so
    the client never learns that its write succeeded and retries it.
    """

    kind: str
    method: str = ""
    key_part: str = ""
    times: int = 1


class FaultProxy:
    def __init__(self, upstream: str, stall_s: float = 1.5) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.stall_s = stall_s
        self.faults: list[Fault] = []
        self.log: list[tuple[str, str, str]] = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                proxy.handle(self)

            do_PUT = do_HEAD = do_POST = do_DELETE = do_GET

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: object, client_address: object) -> None:
                return

        self.server = Server(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _take(self, method: str, path: str) -> str:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and fault.method in ("", method) and fault.key_part in path:
                    fault.times -= 1
                    return fault.kind
        return ""

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        kind = self._take(request.command, request.path)
        with self.lock:
            self.log.append((request.command, request.path, kind))
        if kind == "500":
            request.send_response(500)
            request.send_header("Content-Type", "application/xml")
            request.send_header("Content-Length", str(len(_INTERNAL_ERROR)))
            request.end_headers()
            request.wfile.write(_INTERNAL_ERROR)
            return
        if kind == "stall":
            time.sleep(self.stall_s)
            request.close_connection = True
            return
        upstream = http.client.HTTPConnection(*self.upstream, timeout=30)
        try:
            headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
            upstream.request(request.command, request.path, body=body or None, headers=headers)
            response = upstream.getresponse()
            data = response.read()
        finally:
            upstream.close()
        if kind == "lost":
            request.close_connection = True
            return
        request.send_response(response.status)
        for name, value in response.getheaders():
            if name.lower() not in _HOP_BY_HOP:
                request.send_header(name, value)
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(data)

    def faulted(self) -> Counter[str]:
        return Counter(kind for _, _, kind in self.log if kind)


@pytest.fixture
def proxy(s3_endpoint: str) -> Iterator[FaultProxy]:
    proxy = FaultProxy(s3_endpoint)
    try:
        yield proxy
    finally:
        proxy.close()


def _few(tmp_path: Path) -> list[Path | str]:
    """Three example articles (fr, de, en): enough for these scenarios, quicker than all of them."""
    folder = tmp_path / "few"
    folder.mkdir(exist_ok=True)
    for name in ("fr-fete-vendanges.txt", "de-stadtrat-radwege.txt", "en-tram-line.txt"):
        (folder / name).write_bytes((EXAMPLES / name).read_bytes())
    return [folder]


def _config(tiny_config: Config, endpoint: str, bucket: str, **store: Any) -> Config:
    settings = {"url": f"s3://{bucket}/news", "endpoint_url": endpoint, "region": "us-east-1", **store}
    return load_config(None, {**tiny_config.model_dump(mode="json"), "store": settings})


def _keys(endpoint: str, bucket: str) -> list[str]:
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    keys: list[str] = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="news/"):
        keys += [str(item["Key"]).removeprefix("news/") for item in page.get("Contents", [])]
    return keys


def _by_prefix(keys: list[str]) -> Counter[str]:
    return Counter(key.split("/", 1)[0] for key in keys)


def _record_ids(endpoint: str, bucket: str) -> Counter[str]:
    return Counter(key.split("/")[1] for key in _keys(endpoint, bucket) if key.startswith("records/"))


def test_s3_500s_stalls_and_lost_answers_then_recovery(
    tiny_config: Config, s3_endpoint: str, s3_bucket: str, proxy: FaultProxy, tmp_path: Path
) -> None:
    """botocore's retries ride out every fault; the result is exactly what a clean run writes."""
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")  # one failure object too
    inputs: list[Path | str] = [EXAMPLES, empty]
    proxy.faults = [
        Fault("500", times=2),  # the first requests of the run (the unchanged checks)
        Fault("stall", "HEAD", "records/"),
        Fault("500", "PUT", "records/", times=2),
        Fault("lost", "PUT", "records/"),  # written, but the answer never arrives: the retry meets a 412
        Fault("stall", "PUT", "summaries/"),
        Fault("500", "PUT", "failures/"),
        Fault("lost", "PUT", "summaries/"),
        Fault("500", "PUT", "runs/"),
        Fault("stall", "PUT", "runs/"),
    ]
    config = _config(tiny_config, proxy.endpoint, s3_bucket, timeout_s=1.0, retries=4)
    manifest = run(inputs, build_services(config)).manifest

    assert all(fault.times == 0 for fault in proxy.faults), proxy.faults
    assert proxy.faulted() == {"500": 6, "stall": 3, "lost": 2}
    published = len(manifest.entries) - 1
    assert manifest.counts == {"published": published, "failed": 1}  # the lost answer is not 'unchanged'
    after = _keys(s3_endpoint, s3_bucket)
    # Nothing lost, nothing duplicated: what a clean run writes (one summary per article in English).
    assert _by_prefix(after) == {
        "records": published,
        "summaries": published,
        "index": published,
        "failures": 1,
        "runs": 1,
    }
    assert all(count == 1 for count in _record_ids(s3_endpoint, s3_bucket).values())
    assert not [key for key in after if key.startswith("_probe/")]


def test_s3_down_for_the_whole_run_then_a_rerun_completes(
    tiny_config: Config, s3_server: S3Server, tmp_path: Path
) -> None:
    """A store that is down fails the run at once with StoreUnavailable and writes no manifest."""
    endpoint = s3_server.endpoint
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    client.create_bucket(Bucket="news-down")
    config = _config(tiny_config, endpoint, "news-down", timeout_s=0.5, retries=1)
    s3_server.stop()

    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match=r"cannot reach the S3 endpoint http://127\.0\.0\.1") as caught:
        run(_few(tmp_path), build_services(config))
    assert time.monotonic() - started < 30
    assert "store.endpoint_url" in str(caught.value)

    s3_server.start()  # a fresh moto: the outage took the data with it, as a new empty bucket would
    client.create_bucket(Bucket="news-down")
    assert _keys(endpoint, "news-down") == []  # nothing half-written, no manifest
    manifest = run(_few(tmp_path), build_services(config)).manifest
    assert manifest.counts == {"published": len(manifest.entries)}
    counts = _by_prefix(_keys(endpoint, "news-down"))
    assert counts["runs"] == 1 and counts["records"] == len(manifest.entries)


def test_a_run_with_the_store_down_then_up_keeps_earlier_objects(
    tiny_config: Config, s3_endpoint: str, s3_bucket: str, proxy: FaultProxy, tmp_path: Path
) -> None:
    """A run after a published one, with every request failing: no object changes, no manifest; the
    next run reports everything unchanged and writes only its manifest."""
    config = _config(tiny_config, proxy.endpoint, s3_bucket, timeout_s=0.5, retries=1)
    first = run(_few(tmp_path), build_services(config)).manifest
    before = sorted(_keys(s3_endpoint, s3_bucket))

    proxy.faults = [Fault("500", times=10_000)]
    with pytest.raises(
        StoreUnavailable,
        match=r"failed to write \S+/_probe/\w+ with InternalError after 2 attempts over [\d.]+ s: the server",
    ):
        run(_few(tmp_path), build_services(config))
    assert sorted(_keys(s3_endpoint, s3_bucket)) == before

    proxy.faults = []
    again = run(_few(tmp_path), build_services(config)).manifest
    assert again.counts == {"unchanged": len(first.entries)}
    after = _keys(s3_endpoint, s3_bucket)
    assert _by_prefix(after) == _by_prefix(before) + Counter({"runs": 1})
