"""The URL policy for feeds and pages (issue 7, security): schemes, private addresses, size, redirects.

Address and scheme checks are plain unit tests on literal addresses (or an injected resolver), so no
network is needed; size limits and redirect loops run against a local http.server on 127.0.0.1, which the
tests reach only through an explicit ``allow_private`` policy.
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from pipelines.errors import ConfigError, FetchFailed, InputError, UnsafeURL
from pipelines.netsafety import FetchPolicy, check_url, redact, safe_get

STRICT = FetchPolicy()
LOCAL = FetchPolicy(allow_private=True, max_bytes=64 * 1024, max_redirects=3, timeout_s=5)
PUBLIC = "93.184.216.34"


def public_dns(host: str, port: int) -> list[str]:
    """A resolver that says every name is one public address (the check is what is under test)."""
    return [PUBLIC]


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/feed.xml",
        "gopher://example.com/",
        "data:text/plain,hello",
        "javascript:alert(1)",
        "jar:http://example.com/x.jar!/",
        "//example.com/no-scheme",
        "example.com/feed",
        "http://",
        "http://[::1",
        "http://host:99999/",
    ],
)
def test_refuses_other_schemes_and_malformed_urls(url: str) -> None:
    with pytest.raises(UnsafeURL):
        check_url(url, STRICT, public_dns)
    with pytest.raises(UnsafeURL):
        check_url(url, LOCAL, public_dns)  # allow_private never widens the schemes


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.0.0.5",
        "172.16.3.4",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata service
        "100.64.0.1",  # shared address space (carrier NAT)
        "0.0.0.0",
        "224.0.0.1",
        "255.255.255.255",
        "[::1]",
        "[fe80::1]",
        "[fc00::1]",
        "[::ffff:127.0.0.1]",  # IPv4-mapped loopback
        "[::ffff:169.254.169.254]",
        "[::]",
    ],
)
def test_refuses_private_loopback_and_link_local_addresses(host: str) -> None:
    url = f"http://{host}/feed.xml"
    with pytest.raises(UnsafeURL, match="private, loopback, link-local or reserved"):
        check_url(url, STRICT)
    check_url(url, LOCAL)  # explicitly allowed


@pytest.mark.parametrize(
    "url", ["http://93.184.216.34/feed", "https://[2606:4700::1111]/", "HTTPS://1.1.1.1"]
)
def test_accepts_public_literal_addresses(url: str) -> None:
    check_url(url, STRICT)


def test_every_resolved_address_is_checked() -> None:
    def mixed(host: str, port: int) -> list[str]:
        return [PUBLIC, "10.1.2.3"]

    with pytest.raises(UnsafeURL, match=r"10\.1\.2\.3"):
        check_url("https://news.example/feed", STRICT, mixed)
    check_url("https://news.example/feed", STRICT, public_dns)


def test_names_that_do_not_resolve_fail_and_errors_are_input_errors() -> None:
    def nothing(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    with pytest.raises(FetchFailed, match="cannot resolve"):
        check_url("https://nowhere.invalid/", STRICT, nothing)
    assert issubclass(UnsafeURL, InputError) and issubclass(FetchFailed, InputError)


def test_messages_never_show_url_credentials() -> None:
    url = "ftp://alice:s3cr3t-pw@example.com/feed"
    with pytest.raises(UnsafeURL) as caught:
        check_url(url, STRICT, public_dns)
    assert "s3cr3t-pw" not in str(caught.value) and "alice" not in str(caught.value)
    assert redact("https://u:p@[::1]:8443/x?q=1") == "https://[::1]:8443/x?q=1"


def test_a_redirect_to_the_metadata_service_or_a_file_is_refused() -> None:
    targets = {
        "/meta": "http://169.254.169.254/latest/meta-data/",
        "/file": "file:///etc/passwd",
        "/ok": None,
    }

    def handler(request: httpx.Request) -> httpx.Response:
        target = targets[request.url.path]
        if target is None:
            return httpx.Response(200, content=b"<rss/>")
        return httpx.Response(302, headers={"Location": target})

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        assert safe_get("https://news.example/ok", STRICT, client, resolve=public_dns) == b"<rss/>"
        with pytest.raises(UnsafeURL, match=r"169\.254\.169\.254"):
            safe_get("https://news.example/meta", STRICT, client, resolve=public_dns)
        with pytest.raises(UnsafeURL, match="scheme 'file'"):
            safe_get("https://news.example/file", STRICT, client, resolve=public_dns)


# --------------------------------------------------------------------------------------------- live server


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        return

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path
        if path == "/ok":
            self._send(200, b"<rss>fine</rss>")
        elif path == "/loop-a":
            self._send(302, headers={"Location": "/loop-b"})
        elif path == "/loop-b":
            self._send(301, headers={"Location": f"http://127.0.0.1:{self.server.server_port}/loop-a"})
        elif path.startswith("/chain/"):
            step = int(path.rsplit("/", 1)[1])
            self._send(307, headers={"Location": f"/chain/{step + 1}"})
        elif path == "/declared-huge":
            self.send_response(200)
            self.send_header("Content-Length", str(10**9))
            self.end_headers()
            self.wfile.write(b"x" * 1024)
        elif path == "/endless":
            # No length: chunks until the client gives up.
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"y" * 16384
            try:
                for _ in range(10_000):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except OSError:
                return
        elif path == "/gzip-bomb":
            self._send(200, gzip.compress(b"\0" * (8 * 1024 * 1024)), {"Content-Encoding": "gzip"})
        elif path == "/missing":
            self._send(404, b"no")
        else:
            self._send(500, b"?")


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        return  # the client hanging up mid-body is the point of the size tests


@pytest.fixture
def server() -> Iterator[str]:
    httpd = _QuietServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_loopback_server_needs_the_explicit_policy_flag(server: str) -> None:
    with pytest.raises(UnsafeURL, match=r"127\.0\.0\.1"):
        safe_get(f"{server}/ok", STRICT)
    assert safe_get(f"{server}/ok", LOCAL) == b"<rss>fine</rss>"


def test_the_connected_address_is_checked_too(server: str) -> None:
    """A resolver that says 'public' while the connection lands on loopback (DNS rebinding)."""
    by_name = server.replace("127.0.0.1", "localhost")
    with pytest.raises(UnsafeURL, match=r"resolves to (127\.0\.0\.1|::1)"):
        safe_get(f"{by_name}/ok", STRICT, resolve=public_dns)


def test_redirect_loop_is_refused(server: str) -> None:
    with pytest.raises(UnsafeURL, match="redirect loop"):
        safe_get(f"{server}/loop-a", LOCAL)


def test_too_many_redirects_is_refused(server: str) -> None:
    with pytest.raises(UnsafeURL, match="more than 3 redirects"):
        safe_get(f"{server}/chain/0", LOCAL)
    shorter = FetchPolicy(allow_private=True, max_redirects=0)
    with pytest.raises(UnsafeURL, match="more than 0 redirects"):
        safe_get(f"{server}/chain/0", shorter)


@pytest.mark.parametrize("path", ["/declared-huge", "/endless", "/gzip-bomb"])
def test_responses_over_the_size_limit_are_refused(server: str, path: str) -> None:
    with pytest.raises(UnsafeURL, match="over the limit of 65536 bytes"):
        safe_get(f"{server}{path}", LOCAL)


def test_http_errors_and_dead_servers_are_fetch_failures(server: str) -> None:
    with pytest.raises(FetchFailed, match="HTTP 404"):
        safe_get(f"{server}/missing", LOCAL)
    with httpx.Client() as shared:  # a caller's client with its own redirect setting is overridden
        assert safe_get(f"{server}/ok", LOCAL, shared) == b"<rss>fine</rss>"
    with pytest.raises(FetchFailed):
        safe_get("http://127.0.0.1:9/", LOCAL)


def test_policy_values_are_checked() -> None:
    for bad in ({"max_bytes": 0}, {"max_redirects": -1}, {"timeout_s": 0}, {"total_timeout_s": -1}):
        with pytest.raises(ConfigError, match="fetch policy"):
            FetchPolicy(**bad)
