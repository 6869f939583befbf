"""What the pipeline may fetch from the network: a URL policy for feeds and pages.

A feed names the URLs the pipeline fetches next, so a hostile or compromised feed must not be able to make
a worker read a local file, reach a cloud metadata service or an internal admin page, exhaust its memory or
loop forever. :func:`check_url` refuses, before any connection:

- schemes other than ``http`` and ``https`` (``file:``, ``ftp:``, ``gopher:``, ``data:`` ...);
- hosts that resolve to any address that is not public: private, loopback, link-local (the metadata
  services at 169.254.169.254), shared, reserved, multicast or unspecified. An IPv6 address that carries an
  IPv4 address (IPv4-mapped or -compatible, 6to4, Teredo, NAT64) is judged by the IPv4 address it carries.
  Every resolved address is checked, so a name with one public and one private address is refused.
  ``FetchPolicy.allow_private`` (``sources.allow_private_addresses``) lifts this (tests, or an intranet
  feed that is trusted on purpose).

:func:`safe_get` fetches with that check applied to every hop: redirects are followed by hand, each new
location is checked again, a location seen before is a loop, and more than ``max_redirects`` hops is
refused. After connecting, the address actually connected to is checked too, which closes most of the gap
a DNS answer that changes between the check and the connection (DNS rebinding) would open. The body is
streamed and reading stops as soon as it passes ``max_bytes`` (counted after content decoding, so a
compressed bomb stops as early), and the whole fetch has a deadline besides the per-read timeout, so a
server that drips bytes cannot hold a worker.

Refusals raise :class:`~pipelines.errors.UnsafeURL`; network errors, timeouts and HTTP error statuses
raise :class:`~pipelines.errors.FetchFailed`. Both are input errors: the caller records the feed or page as
failed with the message as its reason. Messages never contain a URL's ``user:password`` part.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit, urlunsplit

from pipelines.errors import ConfigError, FetchFailed, UnsafeURL
from pipelines.redact import strip_userinfo

if TYPE_CHECKING:
    import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]
"""``(host, port) -> addresses`` as text; the default asks the system resolver (getaddrinfo)."""

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ALLOWED_SCHEMES = frozenset({"http", "https"})


@dataclass(frozen=True)
class FetchPolicy:
    """Limits for one fetch. The defaults suit public news feeds and article pages."""

    allow_private: bool = False
    """Allow private, loopback and link-local addresses (tests; a deliberately trusted intranet feed)."""
    max_bytes: int = 10 * 1024 * 1024
    """Largest response body accepted, after content decoding."""
    max_redirects: int = 5
    timeout_s: float = 20.0
    """Connect and per-read timeout."""
    total_timeout_s: float = 60.0
    """Deadline for the whole fetch, redirects and body included."""
    user_agent: str = "newsdigest (+https://github.com/newsdigest)"

    def __post_init__(self) -> None:
        if self.max_bytes < 1:
            raise ConfigError(f"fetch policy: max_bytes must be positive, got {self.max_bytes}")
        if self.max_redirects < 0:
            raise ConfigError(f"fetch policy: max_redirects must be >= 0, got {self.max_redirects}")
        if self.timeout_s <= 0 or self.total_timeout_s <= 0:
            raise ConfigError("fetch policy: timeout_s and total_timeout_s must be positive")


def redact(url: str) -> str:
    """``url`` without its ``user:password@`` part, fit for a message or a log line."""
    return strip_userinfo(url)


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host`` (literal addresses come back unchanged)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
"""The well-known NAT64 prefix (RFC 6052): its last 32 bits are the IPv4 address a NAT64 gateway reaches."""


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries and that a connection to it may end up at: IPv4-mapped
    (``::ffff:a.b.c.d``), IPv4-compatible (``::a.b.c.d``), 6to4 (``2002:AABB:CCDD::/48``), Teredo
    (``2001:0::/32``: its server and its client) and NAT64 (``64:ff9b::/96``). Empty for a plain IPv6
    address."""
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    if address.sixtofour is not None:
        return [address.sixtofour]
    if address.teredo is not None:
        return list(address.teredo)
    number = int(address)
    if address in _NAT64:
        return [ipaddress.IPv4Address(number & 0xFFFFFFFF)]
    if 1 < number < 2**32:  # IPv4-compatible, deprecated but still routed by some stacks
        return [ipaddress.IPv4Address(number)]
    return []


def is_public(address: IPAddress) -> bool:
    """Whether ``address`` is globally reachable. An IPv6 address that carries an IPv4 address (mapped,
    compatible, 6to4, Teredo, NAT64; see :func:`embedded_ipv4`) is judged by that IPv4 address, as that is
    where a tunnel or translator delivers the connection: ``[2002:7f00:1::]`` is loopback."""
    if isinstance(address, ipaddress.IPv6Address):
        carried = embedded_ipv4(address)
        if carried:
            return all(_is_public_address(ipv4) for ipv4 in carried)
    return _is_public_address(address)


def _is_public_address(address: IPAddress) -> bool:
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def _parse(url: str) -> tuple[str, str, int]:
    """Scheme, host and port of an http(s) URL, or :class:`UnsafeURL`."""
    shown = redact(url)
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL(shown, f"not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise UnsafeURL(shown, f"scheme '{scheme or '(none)'}' is not allowed; only http and https are")
    host = parts.hostname
    if not host:
        raise UnsafeURL(shown, "the URL has no host")
    return scheme, host, port or (443 if scheme == "https" else 80)


def _check_address(text: str, shown: str, host: str) -> None:
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        raise UnsafeURL(shown, f"'{host}' resolved to {text!r}, which is not an IP address") from None
    if not is_public(address):
        raise UnsafeURL(
            shown,
            f"'{host}' resolves to {address}, a private, loopback, link-local or reserved address "
            f"{_carrying(address)}(set sources.allow_private_addresses: true to fetch from it on purpose)",
        )


def _carrying(address: IPAddress) -> str:
    """``"(carrying 127.0.0.1) "`` for an IPv6 address that embeds IPv4 addresses, else nothing."""
    carried = embedded_ipv4(address) if isinstance(address, ipaddress.IPv6Address) else []
    return f"(carrying {', '.join(map(str, carried))}) " if carried else ""


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def check_url(url: str, policy: FetchPolicy, resolve: Resolver | None = None) -> None:
    """Refuse ``url`` (:class:`UnsafeURL`) unless it is http(s) and every address its host resolves to is
    public, or the policy allows private addresses. A host that does not resolve is :class:`FetchFailed`.
    """
    shown = redact(url)
    _, host, port = _parse(url)
    if policy.allow_private:
        return
    if _is_literal(host):
        _check_address(host, shown, host)
        return
    try:
        addresses = (resolve or system_resolver)(host, port)
    except (OSError, UnicodeError) as exc:
        raise FetchFailed(shown, f"cannot resolve host '{host}': {exc}") from None
    if not addresses:
        raise FetchFailed(shown, f"host '{host}' has no address")
    for address in addresses:
        _check_address(address, shown, host)


@dataclass(frozen=True)
class Fetched:
    """A fetched response: the URL it finally came from (after redirects), its body and content type."""

    url: str
    body: bytes
    content_type: str = ""


def safe_get(
    url: str,
    policy: FetchPolicy,
    client: httpx.Client | None = None,
    *,
    resolve: Resolver | None = None,
) -> bytes:
    """The body of ``url`` fetched under ``policy`` (see :func:`safe_fetch`)."""
    return safe_fetch(url, policy, client, resolve=resolve).body


def safe_fetch(
    url: str,
    policy: FetchPolicy,
    client: httpx.Client | None = None,
    *,
    resolve: Resolver | None = None,
    before_request: Callable[[str], None] | None = None,
    auth: Callable[[str], tuple[str, str] | None] | None = None,
) -> Fetched:
    """GET ``url`` under ``policy``; redirects are followed by hand, each one checked.

    ``client`` may be shared between calls (connection reuse); its own redirect setting is overridden.
    Without one, a client is made for this call that ignores proxy environment variables, so that the
    address checks are about the host actually contacted. ``before_request`` is called with every URL
    about to be requested, redirects included, after it passed the checks (a rate limit, say). ``auth``
    gives the basic-auth credentials for each URL requested (None: none), so a redirect to another host
    gets that host's, not the first one's.
    """
    import httpx

    own = client is None
    active = client or httpx.Client(trust_env=False, follow_redirects=False)
    deadline = time.monotonic() + policy.total_timeout_s
    try:
        current = url
        seen = {_normalise(url)}
        for _hop in range(policy.max_redirects + 1):
            check_url(current, policy, resolve)
            if before_request is not None:
                before_request(current)
            location = _fetch_one(active, current, policy, deadline, auth(current) if auth else None)
            if isinstance(location, Fetched):
                return location
            following = urljoin(current, location)
            key = _normalise(following)
            if key in seen:
                raise UnsafeURL(redact(url), f"redirect loop: {redact(following)} was already visited")
            seen.add(key)
            current = following
        raise UnsafeURL(redact(url), f"more than {policy.max_redirects} redirects (last: {redact(current)})")
    finally:
        if own:
            active.close()


def _normalise(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))


def _fetch_one(
    client: httpx.Client, url: str, policy: FetchPolicy, deadline: float, auth: tuple[str, str] | None
) -> Fetched | str:
    """One request: the response, or the ``Location`` of a redirect."""
    import httpx

    shown = redact(url)
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchFailed(shown, f"no answer within {policy.total_timeout_s:g}s in all")
    timeout = httpx.Timeout(min(policy.timeout_s, remaining))
    headers = {"User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate"}
    try:
        with client.stream(
            "GET", url, headers=headers, timeout=timeout, follow_redirects=False, auth=auth
        ) as response:
            _check_peer(response, shown, policy)
            if response.status_code in REDIRECT_STATUSES:
                location = response.headers.get("location")
                if not location:
                    raise FetchFailed(shown, f"HTTP {response.status_code} redirect without a Location")
                return str(location)
            if response.status_code >= 400:
                raise FetchFailed(shown, f"HTTP {response.status_code} {response.reason_phrase}".rstrip())
            body = _read_limited(response, shown, policy, deadline)
            return Fetched(url, body, response.headers.get("content-type", ""))
    except httpx.TimeoutException as exc:
        raise FetchFailed(shown, f"timed out ({type(exc).__name__})") from None
    except httpx.HTTPError as exc:
        raise FetchFailed(shown, f"{type(exc).__name__}: {exc}") from None


def _check_peer(response: httpx.Response, shown: str, policy: FetchPolicy) -> None:
    """The address actually connected to must pass the same check as the resolved ones."""
    if policy.allow_private:
        return
    stream = response.extensions.get("network_stream")
    peer = stream.get_extra_info("server_addr") if stream is not None else None
    if isinstance(peer, tuple) and peer:
        _check_address(str(peer[0]), shown, str(response.url.host))


def _read_limited(response: httpx.Response, shown: str, policy: FetchPolicy, deadline: float) -> bytes:
    declared = response.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > policy.max_bytes:
        raise UnsafeURL(shown, f"response of {declared} bytes is over the limit of {policy.max_bytes} bytes")
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > policy.max_bytes:
            raise UnsafeURL(shown, f"response is over the limit of {policy.max_bytes} bytes; reading stopped")
        if time.monotonic() > deadline:
            raise FetchFailed(shown, f"no complete answer within {policy.total_timeout_s:g}s in all")
    return bytes(body)
