"""Hostile-network hardening (issue 26): addresses that smuggle a private IPv4 inside IPv6, feed servers
that drip or never finish, and a feed whose pages together would hold a run for an hour."""

from __future__ import annotations

import ipaddress
import os
import re
from pathlib import Path

import pytest

from pipelines.config import load_config
from pipelines.errors import ConfigError, UnsafeURL
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


# -- hostile configs: each is a ConfigError naming the file, within seconds -------------------------------

ALIAS_BOMB = (
    'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    + "".join(f"{n}: &{n} [{','.join(['*' + p] * 9)}]\n" for n, p in zip("bcdefghi", "abcdefgh", strict=True))
    + "target_language: *i\n"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (ALIAS_BOMB, "aliases"),
        ("target_language: " + "[" * 50_000 + "]" * 50_000 + "\n", "levels deep"),
        ("target_language: " + "x" * 2_000_000 + "\n", "over 1,000,000 bytes"),
    ],
    ids=["alias-bomb", "deep-list", "huge-string"],
)
def test_a_hostile_config_is_a_clear_config_error(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=expected) as caught:
        load_config(path)
    assert str(path) in str(caught.value)


def test_a_device_or_fifo_is_not_read_as_a_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a regular file"):
        load_config("/dev/zero")
    fifo = tmp_path / "config.yaml"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="not a regular file"):
        load_config(fifo)


@pytest.mark.parametrize(
    "text",
    [
        "store:\n  aws_secret_access_key: HUSH-SECRET-1\n",
        "store:\n  profile: {password: HUSH-SECRET-1}\n",
        "sources:\n  feeds_auth: {news.example: 'reader:HUSH-SECRET-1'}\n",
    ],
)
def test_config_errors_never_echo_secret_values(tmp_path: Path, text: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "HUSH-SECRET-1" not in str(caught.value)
    assert str(path) in str(caught.value)


def test_a_long_bad_value_is_cut_in_the_message(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("target_language: " + "q" * 500_000 + "\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert len(str(caught.value)) < 2_000
    assert "more characters" in str(caught.value)


def test_feeds_auth_must_name_an_environment_variable(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("sources:\n  feeds_auth: {news.example: 'reader:pw'}\n")
    with pytest.raises(ConfigError, match="name of an environment variable") as caught:
        load_config(path)
    assert "reader:pw" not in str(caught.value)
    path.write_text("sources:\n  feeds_auth: {news.example: NEWS_FEED_AUTH}\n")
    assert load_config(path).sources.feeds_auth == {"news.example": "NEWS_FEED_AUTH"}
