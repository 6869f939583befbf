"""A store outage in the middle of a run, over real HTTP: the run fails clearly, leaves no manifest, and a
re-run after the outage completes it with nothing lost and nothing duplicated.

The outage is a TCP relay in front of the shared S3 server that is cut and restored: restarting moto itself
would also wipe its (in-memory) buckets, which is not what a real outage does.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from pipelines.errors import StoreUnavailable
from pipelines.records import Record
from pipelines.store.config import StoreConfig
from pipelines.store.publish import Publisher
from pipelines.store.reader import list_runs, list_summaries
from pipelines.store.s3 import S3Store
from tests.conftest import free_port
from tests.test_store_publish import DAY, RecordingStore, make_record, publish_run


class Relay:
    """Forwards 127.0.0.1:port to the S3 server until cut."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._listener: socket.socket | None = None
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            sockets, self._open = self._open, []
            if self._listener is not None:
                sockets.append(self._listener)
                self._listener = None
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.upstream)
            with self._lock:
                self._open += [client, upstream]
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                target.sendall(data)
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)


@pytest.fixture
def relay(s3_endpoint: str) -> Iterator[Relay]:
    relay = Relay(s3_endpoint)
    relay.start()
    yield relay
    relay.cut()


def articles() -> list[Record]:
    return [make_record(f"art-{i}", text=f"Article number {i}.", languages=("en", "fr")) for i in range(4)]


class CutAfter(RecordingStore):
    """Cuts the network after ``writes`` successful writes: the next request meets a dead endpoint."""

    def __init__(self, inner: S3Store, relay: Relay, writes: int) -> None:
        super().__init__(inner)
        self.relay = relay
        self.limit = writes

    def put(
        self, key: str, data: bytes, *, if_absent: bool = False, content_type: str = "application/json"
    ) -> bool:
        if len(self.writes) == self.limit:
            self.relay.cut()
        return super().put(key, data, if_absent=if_absent, content_type=content_type)


def test_outage_mid_run_then_rerun_completes(relay: Relay, s3_bucket: str) -> None:
    config = StoreConfig(
        url=f"s3://{s3_bucket}/news",
        endpoint_url=relay.endpoint,
        region="us-east-1",
        timeout_s=1.0,
        retries=1,
    )
    store = S3Store.from_config(config)
    # 4 articles x (text claim + record + en + fr summary) = 16 writes; cut after the record and one
    # summary of art-1.
    with pytest.raises(StoreUnavailable, match="cannot reach the S3 endpoint"):
        publish_run(Publisher(CutAfter(store, relay, writes=7)), "run-1", articles())
    relay.start()
    assert list_runs(store, DAY) == []  # no manifest for the incomplete run
    assert len(list(store.list("records/"))) == 2 and len(list(store.list("summaries/"))) == 3

    recording = RecordingStore(store)
    manifest = publish_run(Publisher(recording), "run-2", articles())
    assert manifest.counts == {"unchanged": 2, "published": 2}
    assert recording.writes[0] == "summaries/2026-11-25/fr/art-1.json"  # completed from the stored record
    assert recording.writes[-1] == "runs/2026-11-25/run-2.json"
    assert len(list(store.list("records/"))) == 4
    for language in ("en", "fr"):
        assert [s.article_id for s in list_summaries(store, DAY, language)] == [f"art-{i}" for i in range(4)]
    assert [run.run_id for run in list_runs(store, DAY)] == ["run-2"]

    again = RecordingStore(store)
    assert publish_run(Publisher(again), "run-3", articles()).counts == {"unchanged": 4}
    assert again.writes == ["runs/2026-11-25/run-3.json"]
