"""S3Store against a real S3 server (moto in server mode) over HTTP, through boto3 with an endpoint URL."""

from __future__ import annotations

import logging
import time
import traceback
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from pipelines.errors import ConfigError, ObjectNotFound, StoreError, StoreUnavailable
from pipelines.store import ObjectStore, open_store
from pipelines.store.config import StoreConfig
from pipelines.store.s3 import S3Store, parse_s3_url
from tests.conftest import S3Server

SECRETS = ("testing-access-key", "testing-secret-key")


def make_store(endpoint: str, bucket: str, prefix: str = "pfx", **settings: Any) -> S3Store:
    page_size = settings.pop("page_size", 1000)
    config = StoreConfig(url=f"s3://{bucket}/{prefix}", endpoint_url=endpoint, region="us-east-1", **settings)
    return S3Store.from_config(config, page_size=page_size)


def raw_client(endpoint: str) -> Any:
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")


def assert_no_secrets(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def test_put_get_exists_under_the_prefix(s3_endpoint: str, s3_bucket: str) -> None:
    store = make_store(s3_endpoint, s3_bucket, "news/prod/")
    assert store.url == f"s3://{s3_bucket}/news/prod/"
    assert store.put("records/a1/0123456789abcdef.json", b'{"x": 1}') is True
    assert store.get("records/a1/0123456789abcdef.json") == b'{"x": 1}'
    assert store.exists("records/a1/0123456789abcdef.json")
    assert not store.exists("records/a1/missing.json")
    with pytest.raises(ObjectNotFound):
        store.get("records/a1/missing.json")
    head = raw_client(s3_endpoint).head_object(
        Bucket=s3_bucket, Key="news/prod/records/a1/0123456789abcdef.json"
    )
    assert head["ContentType"] == "application/json"


def test_list_paginates_in_lexical_order(s3_endpoint: str, s3_bucket: str) -> None:
    store = make_store(s3_endpoint, s3_bucket, page_size=3)
    keys = [f"summaries/2026-11-25/en/a{i:02d}.json" for i in range(8)]
    for key in reversed(keys):
        store.put(key, b"{}")
    store.put("summaries/2026-11-25/fr/b.json", b"{}")
    calls: list[dict[str, Any]] = []
    store._client.meta.events.register(
        "before-call.s3.ListObjectsV2", lambda params, **_: calls.append(params)
    )
    assert list(store.list("summaries/2026-11-25/en/")) == keys
    assert len(calls) == 3  # 8 keys, 3 per page
    assert list(store.list("nothing/")) == []


def test_if_absent_writes_once(s3_endpoint: str, s3_bucket: str) -> None:
    store = make_store(s3_endpoint, s3_bucket, conditional_writes="auto")
    assert store.put("records/a/0123456789abcdef.json", b"first", if_absent=True) is True
    assert store.conditional_writes_supported is True  # the probe found If-None-Match honoured
    assert store.put("records/a/0123456789abcdef.json", b"second", if_absent=True) is False
    assert store.get("records/a/0123456789abcdef.json") == b"first"
    assert list(store.list("")) == ["records/a/0123456789abcdef.json"]  # the probe key is gone


def test_if_absent_with_conditional_writes_on(s3_endpoint: str, s3_bucket: str) -> None:
    store = make_store(s3_endpoint, s3_bucket, conditional_writes="on")
    assert store.put("k.json", b"1", if_absent=True) is True
    assert store.put("k.json", b"2", if_absent=True) is False


def _ignore_if_none_match(store: S3Store) -> None:
    """Make the server behave like one without conditional writes: the header never reaches it."""

    def strip(request: Any, **_: Any) -> None:
        if "If-None-Match" in request.headers:
            del request.headers["If-None-Match"]

    store._client.meta.events.register("before-sign.s3.PutObject", strip)


def test_auto_falls_back_to_head_then_put_and_warns_once(
    s3_endpoint: str, s3_bucket: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = make_store(s3_endpoint, s3_bucket, conditional_writes="auto")
    _ignore_if_none_match(store)
    with caplog.at_level(logging.WARNING, logger="pipelines.store.s3"):
        assert store.put("a.json", b"1", if_absent=True) is True
        assert store.put("a.json", b"2", if_absent=True) is False
        assert store.put("b.json", b"3", if_absent=True) is True
    assert store.conditional_writes_supported is False
    assert store.get("a.json") == b"1"
    warnings = [r for r in caplog.records if "conditional writes" in r.getMessage()]
    assert len(warnings) == 1
    assert list(store.list("")) == ["a.json", "b.json"]


def test_off_uses_head_then_put(s3_endpoint: str, s3_bucket: str) -> None:
    store = make_store(s3_endpoint, s3_bucket, conditional_writes="off")
    assert store.put("a.json", b"1", if_absent=True) is True
    assert store.put("a.json", b"2", if_absent=True) is False
    assert store.conditional_writes_supported is False


def test_invalid_keys_are_refused(s3_endpoint: str, s3_bucket: str) -> None:
    store = make_store(s3_endpoint, s3_bucket)
    for key in ("", "/abs", "a/../b", "a//b", "./a"):
        with pytest.raises(StoreError, match="invalid object key"):
            store.put(key, b"x")


def test_url_parsing_and_open_store() -> None:
    assert parse_s3_url("s3://bucket") == ("bucket", "")
    assert parse_s3_url("s3://bucket/a//b/") == ("bucket", "a/b/")
    for bad in ("s3://", "s3://b/../x", "s3://bad bucket/x"):
        with pytest.raises(ConfigError):
            parse_s3_url(bad)
    store = open_store(StoreConfig(url="s3://some-bucket/p", endpoint_url="http://127.0.0.1:1"))
    assert isinstance(store, S3Store) and isinstance(store, ObjectStore)
    assert repr(store) == "S3Store('s3://some-bucket/p/')"


def test_unknown_profile_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"store\.profile 'no-such-profile'"):
        S3Store.from_config(StoreConfig(url="s3://b1b/p", profile="no-such-profile"))


def test_missing_bucket_names_it_and_how_to_create_it(s3_endpoint: str) -> None:
    store = make_store(s3_endpoint, "no-such-bucket-here")
    for action in (lambda: store.put("a.json", b"x"), lambda: store.get("a.json"), store.check_writable):
        with pytest.raises(StoreError, match="bucket 'no-such-bucket-here' does not exist") as info:
            action()
        assert "aws s3 mb s3://no-such-bucket-here" in str(info.value)
    with pytest.raises(StoreError, match="does not exist"):
        list(store.list("records/"))


def test_stopped_server_is_unavailable_quickly(s3_server: S3Server) -> None:
    raw_client(s3_server.endpoint).create_bucket(Bucket="stopped")
    store = make_store(s3_server.endpoint, "stopped", timeout_s=1.0, retries=1)
    store.put("a.json", b"x")
    s3_server.stop()
    started = time.monotonic()
    for action in (
        lambda: store.put("b.json", b"x"),
        lambda: store.get("a.json"),
        lambda: store.exists("a.json"),
    ):
        with pytest.raises(StoreUnavailable, match=r"cannot reach the S3 endpoint http://127\.0") as info:
            action()
        rendered = "".join(traceback.format_exception(info.value))
        assert_no_secrets(str(info.value), rendered)
    with pytest.raises(StoreUnavailable):
        list(store.list("records/"))
    assert time.monotonic() - started < 10


def _client_error(code: str, status: int, operation: str = "PutObject") -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": "server says no"},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        operation,
    )


def test_error_mapping_of_server_answers(s3_endpoint: str) -> None:
    """Answers moto does not give without IAM set up: the mapping alone, on errors as botocore builds them."""
    store = make_store(s3_endpoint, "mapping")
    denied = store._error(_client_error("AccessDenied", 403), "write", "pfx/records/a.json")
    assert type(denied) is StoreError and "access denied" in str(denied) and "infra/bucket" in str(denied)
    creds = store._error(_client_error("InvalidAccessKeyId", 403), "read", "pfx/a.json")
    assert isinstance(creds, StoreUnavailable) and "credentials" in str(creds)
    busy = store._error(_client_error("SlowDown", 503), "write", "pfx/a.json")
    assert isinstance(busy, StoreUnavailable)
    other = store._error(_client_error("InvalidObjectState", 400), "read", "pfx/a.json")
    assert type(other) is StoreError and "InvalidObjectState" in str(other)


def test_no_credentials_is_unavailable_without_leaking(
    s3_endpoint: str, s3_bucket: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    store = make_store(s3_endpoint, s3_bucket, timeout_s=1.0, retries=0)
    with pytest.raises(StoreUnavailable, match="no usable AWS credentials"):
        store.put("a.json", b"x")


def test_credentials_never_appear_in_repr_url_or_logs(
    s3_endpoint: str, s3_bucket: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="pipelines"):
        store = make_store(s3_endpoint, s3_bucket)
        store.put("a.json", b"x", if_absent=True)
        with pytest.raises(ObjectNotFound) as info:
            store.get("missing.json")
    assert_no_secrets(repr(store), store.url, str(info.value), caplog.text, str(vars(store).get("url", "")))
