"""The URL policy's exact answers: which addresses are public, what the system resolver returns, what a
refusal says (the redacted URL and the reason an operator can act on), and the policy's own limits."""

from __future__ import annotations

import ipaddress

import pytest

from pipelines.errors import ConfigError, UnsafeURL
from pipelines.netsafety import FetchPolicy, check_url, is_public, system_resolver

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
        "(allowed only when the fetch policy sets allow_private)"
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
