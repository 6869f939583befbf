"""The URL policy's exact answers: which addresses are public, what the system resolver returns, what a
refusal says (the redacted URL and the reason an operator can act on), and the policy's own limits."""

from __future__ import annotations

import base64
import ipaddress
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from pipelines.errors import ConfigError, FetchFailed, UnsafeURL
from pipelines.netsafety import (
    Fetched,
    FetchPolicy,
    check_url,
    is_public,
    safe_fetch,
    safe_get,
    system_resolver,
)
from pipelines.redact import has_userinfo, redact_text, redact_url, strip_userinfo

STRICT = FetchPolicy()


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("1.1.1.1", True),
        ("2606:4700::1111", True),
        ("10.0.0.1", False),  # private
        ("127.0.0.1", False),  # loopback
        ("169.254.169.254", False),  # link-local: cloud metadata
        ("100.64.0.1", False),  # shared (carrier NAT)
        ("224.0.0.1", False),  # multicast
        ("239.255.255.250", False),  # multicast (SSDP)
        ("240.0.0.1", False),  # reserved
        ("0.0.0.0", False),  # unspecified
        ("::1", False),
        ("::", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff0e::1", False),  # global-scope multicast
        ("4000::1", False),  # reserved by the IETF, yet "global" to Python's ipaddress
        ("::ffff:127.0.0.1", False),
        ("::ffff:93.184.216.34", True),
    ],
)
def test_which_addresses_are_public(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public


def test_the_system_resolver_returns_each_address_once() -> None:
    assert system_resolver("127.0.0.1", 80) == ["127.0.0.1"]
    assert system_resolver("::1", 443) == ["::1"]
    local = system_resolver("localhost", 8080)
    assert "127.0.0.1" in local and len(local) == len(set(local))


def test_a_refusal_names_the_redacted_url_and_the_address() -> None:
    url = "https://reader:pw@intranet.example/feed"
    with pytest.raises(UnsafeURL) as caught:
        check_url(url, STRICT, lambda host, port: ["10.9.8.7"])
    assert caught.value.url == "https://intranet.example/feed"
    assert str(caught.value) == (
        "refusing to fetch https://intranet.example/feed: 'intranet.example' resolves to 10.9.8.7, "
        "a private, loopback, link-local or reserved address "
        "(set sources.allow_private_addresses: true to fetch from it on purpose)"
    )


def test_a_resolver_answer_that_is_not_an_address_is_refused() -> None:
    with pytest.raises(UnsafeURL) as caught:
        check_url("https://u:p@odd.example/", STRICT, lambda host, port: ["not-an-ip"])
    assert caught.value.url == "https://odd.example/"
    assert caught.value.reason == "'odd.example' resolved to 'not-an-ip', which is not an IP address"


def test_a_scoped_link_local_answer_is_judged_by_its_address() -> None:
    with pytest.raises(UnsafeURL, match=r"resolves to fe80::1, a private"):
        check_url("https://printer.example/", STRICT, lambda host, port: ["fe80::1%"])
    with pytest.raises(UnsafeURL, match=r"resolves to fe80::1, a private"):
        check_url("http://[fe80::1%25eth0]/", STRICT)


def test_a_literal_address_with_scope_suffixes_is_judged_as_that_literal() -> None:
    """Everything after the first '%' is a scope: the host is still the literal before it, never a name
    for the resolver to map anywhere it likes (here, a public address)."""

    def public(host: str, port: int) -> list[str]:
        return ["93.184.216.34"]

    for url in ("http://10.0.0.1%25eth0/", "http://10.0.0.1%25a%25b/"):
        with pytest.raises(UnsafeURL, match=r"resolves to 10\.0\.0\.1, a private"):
            check_url(url, STRICT, public)
    with pytest.raises(UnsafeURL) as caught:
        check_url("https://printer.example/", STRICT, lambda host, port: ["fe80::1%a%b"])
    assert caught.value.reason.startswith("'printer.example' resolves to fe80::1, a private")


def test_the_smallest_valid_limits_are_accepted() -> None:
    policy = FetchPolicy(max_bytes=1, max_redirects=0, timeout_s=0.5, total_timeout_s=0.5)
    assert (policy.max_bytes, policy.max_redirects) == (1, 0)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"max_bytes": 0}, "fetch policy: max_bytes must be positive, got 0"),
        ({"max_redirects": -1}, "fetch policy: max_redirects must be >= 0, got -1"),
        ({"timeout_s": 0}, "fetch policy: timeout_s and total_timeout_s must be positive"),
        ({"total_timeout_s": 0}, "fetch policy: timeout_s and total_timeout_s must be positive"),
    ],
)
def test_invalid_limits_are_refused(settings: dict[str, float], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        FetchPolicy(**settings)  # type: ignore[arg-type]
    assert str(caught.value) == message


# ----------------------------------------------------------------------------------- refusals before fetching


@pytest.mark.parametrize(
    ("url", "shown", "reason"),
    [
        (
            "ftp://u:pw@example.com/feed",
            "ftp://example.com/feed",
            "scheme 'ftp' is not allowed; only http and https are",
        ),
        ("example.com/feed", "example.com/feed", "scheme '(none)' is not allowed; only http and https are"),
        ("http://", "http://", "the URL has no host"),
        ("http://host:99999/", "http://host:99999/", "not a valid URL (Port out of range 0-65535)"),
    ],
)
def test_a_refused_url_says_why(url: str, shown: str, reason: str) -> None:
    with pytest.raises(UnsafeURL) as caught:
        check_url(url, STRICT, lambda host, port: ["93.184.216.34"])
    assert (caught.value.url, caught.value.reason) == (shown, reason)


@pytest.mark.parametrize(
    ("url", "host", "port"),
    [
        ("https://news.example/feed", "news.example", 443),
        ("http://news.example/feed", "news.example", 80),
        ("HTTP://news.example/feed", "news.example", 80),
        ("https://news.example:8443/feed", "news.example", 8443),
    ],
)
def test_the_resolver_is_asked_for_the_host_and_port_connected_to(url: str, host: str, port: int) -> None:
    asked: list[tuple[str, int]] = []

    def resolve(name: str, number: int) -> list[str]:
        asked.append((name, number))
        return ["93.184.216.34"]

    check_url(url, STRICT, resolve)
    assert asked == [(host, port)]


def test_a_host_without_addresses_or_with_a_bad_name_fails_with_the_reason() -> None:
    with pytest.raises(FetchFailed) as caught:
        check_url("https://u:p@empty.example/", STRICT, lambda host, port: [])
    assert (caught.value.url, caught.value.reason) == (
        "https://empty.example/",
        "host 'empty.example' has no address",
    )

    def bad_name(host: str, port: int) -> list[str]:
        raise UnicodeError("label too long")

    with pytest.raises(FetchFailed) as caught:
        check_url("https://odd.example/", STRICT, bad_name)
    assert (caught.value.url, caught.value.reason) == (
        "https://odd.example/",
        "cannot resolve host 'odd.example': label too long",
    )


def test_a_literal_address_is_checked_without_asking_the_resolver() -> None:
    def never(host: str, port: int) -> list[str]:
        raise AssertionError("a literal address needs no resolver")

    check_url("https://93.184.216.34/feed", STRICT, never)
    with pytest.raises(UnsafeURL) as caught:
        check_url("https://u:p@10.0.0.1/feed", STRICT, never)
    assert caught.value.url == "https://10.0.0.1/feed"
    assert caught.value.reason.startswith("'10.0.0.1' resolves to 10.0.0.1, a private")


def test_allow_private_skips_every_address_check() -> None:
    def never(host: str, port: int) -> list[str]:
        raise AssertionError("allow_private asks no resolver")

    check_url("https://intranet.example/feed", FetchPolicy(allow_private=True), never)


# ------------------------------------------------------------------------------- fetching (mock transport)


def public(host: str, port: int) -> list[str]:
    return ["93.184.216.34"]


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr("pipelines.netsafety.time", SimpleNamespace(monotonic=fake.monotonic))
    return fake


def client_for(handler: Callable[[httpx.Request], httpx.Response], **options: Any) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler), **options)


def test_every_hop_is_announced_and_gets_its_own_host_credentials() -> None:
    seen: list[tuple[str, str | None, str, str]] = []
    header_names: list[set[str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        header_names.append(set(request.headers.keys()))
        seen.append(
            (
                str(request.url),
                request.headers.get("authorization"),
                request.headers["user-agent"],
                request.headers["accept-encoding"],
            )
        )
        if request.url.host == "a.example":
            return httpx.Response(302, headers={"Location": "https://b.example/feed"})
        return httpx.Response(200, content=b"<rss/>", headers={"Content-Type": "application/rss+xml"})

    announced: list[str] = []
    credentials = {"a.example": ("reader", "pw")}
    policy = FetchPolicy(user_agent="digest-test/1")
    with client_for(handler) as client:
        fetched = safe_fetch(
            "https://a.example/start",
            policy,
            client,
            resolve=public,
            before_request=announced.append,
            auth=lambda url: credentials.get(httpx.URL(url).host),
        )
    assert fetched == Fetched("https://b.example/feed", b"<rss/>", "application/rss+xml")
    assert announced == ["https://a.example/start", "https://b.example/feed"]
    basic = "Basic " + base64.b64encode(b"reader:pw").decode()
    assert seen == [
        ("https://a.example/start", basic, "digest-test/1", "gzip, deflate"),
        ("https://b.example/feed", None, "digest-test/1", "gzip, deflate"),
    ]
    sent = {"host", "accept", "accept-encoding", "connection", "user-agent"}
    assert header_names == [sent | {"authorization"}, sent]  # nothing else goes out


def test_a_response_without_a_content_type_has_an_empty_one() -> None:
    with client_for(lambda request: httpx.Response(200, content=b"x")) as client:
        assert safe_fetch("https://a.example/", STRICT, client, resolve=public).content_type == ""


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_each_redirect_status_is_followed_and_checked(status: int) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/start":
            return httpx.Response(status, headers={"Location": "/next"})
        return httpx.Response(200, content=b"next")

    with client_for(handler) as client:
        assert safe_get("https://a.example/start", STRICT, client, resolve=public) == b"next"


def test_a_client_that_follows_redirects_itself_is_overridden() -> None:
    """Otherwise httpx would follow a redirect to the metadata service without the address check."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "a.example":
            return httpx.Response(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
        return httpx.Response(200, content=b"instance credentials")

    client = client_for(handler, follow_redirects=True)
    with client, pytest.raises(UnsafeURL, match=r"169\.254\.169\.254"):
        safe_get("https://a.example/feed", STRICT, client, resolve=public)


def test_a_redirect_without_a_location_fails() -> None:
    with client_for(lambda request: httpx.Response(302)) as client, pytest.raises(FetchFailed) as caught:
        safe_get("https://a.example/feed", STRICT, client, resolve=public)
    assert (caught.value.url, caught.value.reason) == (
        "https://a.example/feed",
        "HTTP 302 redirect without a Location",
    )


@pytest.mark.parametrize(
    ("status", "reason"),
    [(400, "HTTP 400 Bad Request"), (503, "HTTP 503 Service Unavailable"), (599, "HTTP 599")],
)
def test_an_http_error_status_fails_with_status_and_phrase(status: int, reason: str) -> None:
    client = client_for(lambda request: httpx.Response(status))
    with client, pytest.raises(FetchFailed) as caught:
        safe_get("https://u:p@a.example/feed", STRICT, client, resolve=public)
    assert (caught.value.url, caught.value.reason) == ("https://a.example/feed", reason)


def test_a_status_below_400_that_is_no_redirect_is_a_body() -> None:
    with client_for(lambda request: httpx.Response(399, content=b"odd but fine")) as client:
        assert safe_get("https://a.example/feed", STRICT, client, resolve=public) == b"odd but fine"


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (httpx.ReadTimeout, "timed out (ReadTimeout)"),
        (httpx.ConnectError, "ConnectError: connection refused"),
    ],
)
def test_network_errors_fail_with_their_kind(error: type[httpx.TransportError], reason: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error("connection refused", request=request)

    with client_for(handler) as client, pytest.raises(FetchFailed) as caught:
        safe_get("https://a.example/feed", STRICT, client, resolve=public)
    assert (caught.value.url, caught.value.reason) == ("https://a.example/feed", reason)


@pytest.mark.parametrize(
    ("start", "location", "shown"),
    [
        # Scheme and host case and the fragment do not make another page.
        ("https://a.example/a", "HTTPS://A.EXAMPLE/a#top", "https://A.EXAMPLE/a#top"),
        ("https://a.example", "https://a.example/", "https://a.example/"),  # an empty path is "/"
    ],
)
def test_a_redirect_back_to_the_same_page_is_a_loop(start: str, location: str, shown: str) -> None:
    client = client_for(lambda request: httpx.Response(302, headers={"Location": location}))
    # Seen at the first redirect, before any hop is counted against the limit.
    with client, pytest.raises(UnsafeURL) as caught:
        safe_get(start, FetchPolicy(max_redirects=0), client, resolve=public)
    assert (caught.value.url, caught.value.reason) == (start, f"redirect loop: {shown} was already visited")


def test_another_query_is_another_page_and_the_hop_limit_names_the_last() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        step = int(request.url.params["step"])
        return httpx.Response(302, headers={"Location": f"/feed?step={step + 1}"})

    policy = FetchPolicy(max_redirects=2)
    with client_for(handler) as client, pytest.raises(UnsafeURL) as caught:
        safe_get("https://u:p@a.example/feed?step=0", policy, client, resolve=public)
    assert caught.value.url == "https://a.example/feed?step=0"
    assert caught.value.reason == "more than 2 redirects (last: https://a.example/feed?step=3)"


def test_a_declared_or_streamed_body_may_be_exactly_the_limit() -> None:
    policy = FetchPolicy(max_bytes=10)

    def declared(request: httpx.Request) -> httpx.Response:
        size = int(request.url.params["size"])
        return httpx.Response(200, content=b"x" * size)

    with client_for(declared) as client:
        assert safe_get("https://a.example/?size=10", policy, client, resolve=public) == b"x" * 10
        with pytest.raises(UnsafeURL) as caught:
            safe_get("https://a.example/?size=11", policy, client, resolve=public)
    assert (caught.value.url, caught.value.reason) == (
        "https://a.example/?size=11",
        "response of 11 bytes is over the limit of 10 bytes",
    )

    def streamed(request: httpx.Request) -> httpx.Response:
        size = int(request.url.params["size"])
        return httpx.Response(200, content=iter([b"x" * (size - 1), b"x"]))

    with client_for(streamed) as client:
        assert safe_get("https://a.example/?size=10", policy, client, resolve=public) == b"x" * 10
        with pytest.raises(UnsafeURL) as caught:
            safe_get("https://a.example/?size=11", policy, client, resolve=public)
    assert (caught.value.url, caught.value.reason) == (
        "https://a.example/?size=11",
        "response is over the limit of 10 bytes; reading stopped",
    )


def test_each_request_waits_at_most_the_time_left(clock: Clock) -> None:
    timeouts: list[dict[str, float]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        timeouts.append(request.extensions["timeout"])
        if request.url.path == "/start":
            clock.now += 59.5  # the first hop takes all of the minute but half a second
            return httpx.Response(302, headers={"Location": "/next"})
        return httpx.Response(200, content=b"late")

    with client_for(handler) as client:
        assert safe_get("https://a.example/start", STRICT, client, resolve=public) == b"late"
    phases = ("connect", "read", "write", "pool")
    assert timeouts == [dict.fromkeys(phases, 20.0), dict.fromkeys(phases, 0.5)]


def test_no_request_is_made_once_the_deadline_passed(clock: Clock) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        clock.now += 60.0
        return httpx.Response(302, headers={"Location": "/next"})

    with client_for(handler) as client, pytest.raises(FetchFailed) as caught:
        safe_get("https://a.example/start", STRICT, client, resolve=public)
    assert (caught.value.url, caught.value.reason) == (
        "https://a.example/next",
        "no answer within 60s in all",
    )


def test_a_body_still_arriving_at_the_deadline_is_abandoned(clock: Clock) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"first"
        clock.now += 61.0
        yield b"second"
        yield b"third"

    policy = FetchPolicy(total_timeout_s=60.5)
    client = client_for(lambda request: httpx.Response(200, content=chunks()))
    with client, pytest.raises(FetchFailed) as caught:
        safe_get("https://a.example/feed", policy, client, resolve=public)
    assert (caught.value.url, caught.value.reason) == (
        "https://a.example/feed",
        "no complete answer within 60.5s in all",
    )


def test_a_body_finished_exactly_at_the_deadline_is_kept(clock: Clock) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"first"
        clock.now += 60.0
        yield b"last"

    with client_for(lambda request: httpx.Response(200, content=chunks())) as client:
        assert safe_get("https://a.example/feed", STRICT, client, resolve=public) == b"firstlast"


# ----------------------------------------------------------------------------------------------- redaction


def test_user_info_is_removed_or_masked_and_the_rest_kept() -> None:
    assert strip_userinfo("http://u:pw@h.example:81/p?q=1#f") == "http://h.example:81/p?q=1#f"
    assert strip_userinfo("https://u:p@ss@h.example/x") == "https://h.example/x"  # '@' in the password
    assert strip_userinfo("https://h.example/x?to=a@b") == "https://h.example/x?to=a@b"
    assert strip_userinfo("http://u:p@[::1") == "http://***@[::1"  # unparseable: masked instead
    assert redact_url("https://u:p@h.example/") == "https://***@h.example/"
    assert (
        redact_text("see s3+http://key:secret@h/x and http://h/y") == "see s3+http://***@h/x and http://h/y"
    )
    assert has_userinfo("https://u@h.example/") and not has_userinfo("https://h.example/u@x")


def test_a_fetch_without_a_client_goes_direct_whatever_the_proxy_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The address checks are about the host contacted: a proxy from the environment would be contacted
    instead (here a dead one), so the client made for the call ignores it."""

    class Direct(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "6")
            self.end_headers()
            self.wfile.write(b"direct")

        def log_message(self, format: str, *args: object) -> None:
            return

    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Direct)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/feed"
        assert safe_get(url, FetchPolicy(allow_private=True, timeout_s=5)) == b"direct"
    finally:
        server.shutdown()
        server.server_close()


def test_a_page_that_redirects_to_itself_after_a_first_hop_is_a_loop() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "/b"})  # /a -> /b -> /b

    client = client_for(handler)
    with client, pytest.raises(UnsafeURL) as caught:
        safe_get("https://a.example/a", STRICT, client, resolve=public)
    assert caught.value.reason == "redirect loop: https://a.example/b was already visited"


class PeerStream:
    """What httpx exposes as ``network_stream``: here only the address it says it connected to."""

    def __init__(self, address: object) -> None:
        self.address = address

    def get_extra_info(self, name: str) -> object:
        return self.address if name == "server_addr" else None


def test_the_connected_address_is_judged_with_the_host_and_the_redacted_url() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"x", extensions={"network_stream": PeerStream(("10.0.0.1", 443))})

    client = client_for(handler)
    with client, pytest.raises(UnsafeURL) as caught:
        safe_get("https://u:p@a.example/feed", STRICT, client, resolve=public)
    assert caught.value.url == "https://a.example/feed"
    assert caught.value.reason.startswith("'a.example' resolves to 10.0.0.1, a private")


@pytest.mark.parametrize("address", [None, ()])
def test_a_stream_that_reports_no_address_is_not_refused(address: object) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"x", extensions={"network_stream": PeerStream(address)})

    with client_for(handler) as client:
        assert safe_get("https://a.example/feed", STRICT, client, resolve=public) == b"x"


def test_the_client_made_for_one_fetch_is_closed_after_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Otherwise every fetch without a shared client would leave a connection pool behind."""
    made: list[httpx.Client] = []

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404 if request.url.path == "/missing" else 200, content=b"x")

    class Recording(httpx.Client):
        def __init__(self, **options: Any) -> None:
            super().__init__(transport=httpx.MockTransport(handler), **options)
            made.append(self)

    monkeypatch.setattr(httpx, "Client", Recording)
    assert safe_get("https://a.example/feed", STRICT, resolve=public) == b"x"
    with pytest.raises(FetchFailed):
        safe_get("https://a.example/missing", STRICT, resolve=public)
    assert len(made) == 2 and all(client.is_closed for client in made)
