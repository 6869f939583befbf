"""Hostile-network hardening (issue 26): addresses that smuggle a private IPv4 inside IPv6, feed servers
that drip or never finish, and a feed whose pages together would hold a run for an hour."""

from __future__ import annotations

import ipaddress
import re

import pytest

from pipelines.errors import UnsafeURL
from pipelines.netsafety import FetchPolicy, check_url, embedded_ipv4, is_public

STRICT = FetchPolicy()


@pytest.mark.parametrize(
    ("address", "carried"),
    [
        ("2002:7f00:1::", "127.0.0.1"),  # 6to4
        ("2002:a9fe:a9fe::1", "169.254.169.254"),  # 6to4 to the metadata service
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "127.0.0.1"),  # Teredo client (obfuscated)
        ("64:ff9b::7f00:1", "127.0.0.1"),  # NAT64
        ("64:ff9b::a00:1", "10.0.0.1"),
        ("::7f00:1", "127.0.0.1"),  # IPv4-compatible
        ("::ffff:10.1.2.3", "10.1.2.3"),  # IPv4-mapped
    ],
)
def test_an_ipv6_address_carrying_a_private_ipv4_is_not_public(address: str, carried: str) -> None:
    parsed = ipaddress.IPv6Address(address)
    assert ipaddress.IPv4Address(carried) in embedded_ipv4(parsed)
    assert not is_public(parsed)
    with pytest.raises(UnsafeURL, match=r"carrying [^)]*" + re.escape(carried)):
        check_url(f"http://[{address}]/feed.xml", STRICT)
    with pytest.raises(UnsafeURL, match=r"sources\.allow_private_addresses"):
        check_url("https://tunnel.example/feed.xml", STRICT, lambda host, port: [address])


@pytest.mark.parametrize("address", ["2002:5db8:d822::1", "64:ff9b::5db8:d822", "2606:4700::1111"])
def test_an_ipv6_address_carrying_a_public_ipv4_stays_public(address: str) -> None:
    assert is_public(ipaddress.IPv6Address(address))
    check_url(f"http://[{address}]/feed.xml", STRICT)


def test_the_refusal_names_the_setting_not_the_internal_flag() -> None:
    with pytest.raises(UnsafeURL) as caught:
        check_url("http://10.0.0.1/feed.xml", STRICT)
    assert "sources.allow_private_addresses" in str(caught.value)
    assert "fetch policy" not in str(caught.value)
