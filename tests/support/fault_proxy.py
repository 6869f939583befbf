"""A fault-injecting HTTP proxy for the S3 test server, on 127.0.0.1.

Every request is either answered with an S3-style 500/503 error without reaching the server, or forwarded
to it and its answer relayed. Faults: every Nth request, a seeded random share of requests, and outages
(every request fails until the outage ends). Each forwarded request is logged with its answer, so tests can
count how often an object was really written.
"""

from __future__ import annotations

import http.client
import random
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

_ERROR_BODY = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    "<Error><Code>{code}</Code><Message>injected fault</Message></Error>"
)
_STATUS = {"InternalError": 500, "ServiceUnavailable": 503, "AccessDenied": 403}
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"})


@dataclass(frozen=True)
class Forwarded:
    method: str
    path: str
    status: int


class FaultProxy:
    """Faults are set with the attributes: ``every_nth`` (0: off), ``error_rate`` (0..1, seeded), and
    :meth:`outage`; ``deny_writes`` answers every PUT with 403 AccessDenied (a read-only bucket).
    ``requests``/``faults`` count what it saw; ``forwarded`` logs what reached the server."""

    def __init__(self, upstream: str, *, every_nth: int = 0, error_rate: float = 0.0, seed: int = 0) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.every_nth = every_nth
        self.error_rate = error_rate
        self.deny_writes = False
        self.requests = 0
        self.faults = 0
        self.forwarded: list[Forwarded] = []
        self._random = random.Random(seed)
        self._outage_until = 0.0
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                proxy._serve(self)

            do_GET = do_PUT = do_HEAD = do_POST = do_DELETE = _handle

            def log_message(self, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def outage(self, seconds: float) -> None:
        """From now on, every request fails with 503 for ``seconds``."""
        with self._lock:
            self._outage_until = time.monotonic() + seconds

    def writes_to(self, prefix: str) -> dict[str, int]:
        """Successful PUTs that reached the server, per path under ``/bucket/prefix``."""
        counts: dict[str, int] = {}
        for item in self.forwarded:
            if (
                item.method == "PUT"
                and 200 <= item.status < 300
                and item.path.split("?")[0].startswith(prefix)
            ):
                path = item.path.split("?")[0]
                counts[path] = counts.get(path, 0) + 1
        return counts

    def _fault(self, method: str) -> str | None:
        with self._lock:
            self.requests += 1
            if self.deny_writes and method == "PUT":
                code = "AccessDenied"
            elif time.monotonic() < self._outage_until:
                code = "ServiceUnavailable"
            elif self.every_nth and self.requests % self.every_nth == 0:
                code = "InternalError"
            elif self.error_rate and self._random.random() < self.error_rate:
                code = self._random.choice(("InternalError", "ServiceUnavailable"))
            else:
                return None
            self.faults += 1
            return code

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        code = self._fault(handler.command)
        if code is not None:
            payload = _ERROR_BODY.format(code=code).encode()
            handler.send_response(_STATUS[code])
            handler.send_header("Content-Type", "application/xml")
            handler.send_header("Content-Length", str(0 if handler.command == "HEAD" else len(payload)))
            handler.end_headers()
            if handler.command != "HEAD":
                handler.wfile.write(payload)
            return
        connection = http.client.HTTPConnection(*self.upstream, timeout=30)
        try:
            headers = {k: v for k, v in handler.headers.items() if k.lower() not in _HOP_BY_HOP}
            headers.pop("Expect", None)
            connection.request(handler.command, handler.path, body=body or None, headers=headers)
            response = connection.getresponse()
            answer = response.read()
            with self._lock:
                self.forwarded.append(Forwarded(handler.command, handler.path, response.status))
            handler.send_response(response.status)
            for name, value in response.getheaders():
                if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length":
                    handler.send_header(name, value)
            declared = response.getheader("Content-Length")
            handler.send_header(
                "Content-Length", declared if handler.command == "HEAD" and declared else str(len(answer))
            )
            handler.end_headers()
            if handler.command != "HEAD":
                handler.wfile.write(answer)
        finally:
            connection.close()
