"""Credentials leave no trace (issue 7, security): after runs with known fake AWS credentials, neither the
bucket, the local store, the logs, stdout/stderr, the Prefect home (results, database) nor the exception
of a failed run contains them. Also: object keys are built only from validated ids.

Logs are captured at DEBUG for newsdigest's own loggers and Prefect, and at INFO for the rest: botocore's
own DEBUG output prints request headers (the access key id is in ``Authorization``), which is why
docs/storage.md says to keep the ``botocore`` logger at INFO or above in production.
"""

from __future__ import annotations

import logging
import os
import traceback
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import boto3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.config import Config, load_config
from pipelines.errors import StoreError, StoreUnavailable
from pipelines.runner import run
from pipelines.services import build_services
from pipelines.store import layout
from tests.conftest import EXAMPLES, S3Server, free_port, write_config

ACCESS_KEY = "AKIAFAKEKEY7QX9ZLEAKCHECK"
SECRET_KEY = "fAkE/SeCrEt+Key/LeakCheck9000zzQQ"
SESSION_TOKEN = "FakeSessionToken-LeakCheck-XYZZY-0123456789"
SECRETS = (ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)


def _leaks(data: bytes | str, where: str) -> list[str]:
    raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
    return [f"{where}: {secret[:8]}..." for secret in SECRETS if secret.encode() in raw]


def _tree_leaks(root: Path) -> list[str]:
    found: list[str] = []
    for path in root.rglob("*"):
        if path.is_file():
            found += _leaks(path.read_bytes(), str(path))
    return found


def _bucket_leaks(endpoint: str, bucket: str) -> tuple[int, list[str]]:
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    found: list[str] = []
    count = 0
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            count += 1
            key = str(item["Key"])
            found += _leaks(key, f"key {key}")
            found += _leaks(client.get_object(Bucket=bucket, Key=key)["Body"].read(), f"s3://{bucket}/{key}")
    return count, found


def _exception_leaks(exc: BaseException) -> list[str]:
    text = "".join(traceback.format_exception(exc)) + repr(exc) + str(exc.args)
    return _leaks(text, f"exception {type(exc).__name__}")


@pytest.fixture
def fake_credentials(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    caplog.set_level(logging.INFO)
    for name in ("pipelines", "flows", "prefect"):
        caplog.set_level(logging.DEBUG, logger=name)
        # Prefect's loggers do not all propagate to the root logger: listen on them directly too.
        logger = logging.getLogger(name)
        logger.addHandler(caplog.handler)
        monkeypatch.setattr(logger, "disabled", False)
    yield
    for name in ("pipelines", "flows", "prefect"):
        logging.getLogger(name).removeHandler(caplog.handler)


@pytest.mark.usefixtures("prefect_harness", "fake_credentials")
def test_no_trace_of_credentials_after_flow_and_failed_runs(
    tiny_config: Config,
    s3_endpoint: str,
    s3_bucket: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from flows.digest_flow import news_digests

    leaks: list[str] = []
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in (
        "fr-fete-vendanges.txt",
        "de-hochwasserschutz.html",
        "en-tram-line.txt",
        "harbour-gazette.jsonl",
    ):
        (inputs / name).write_bytes((EXAMPLES / name).read_bytes())
    s3 = {"url": f"s3://{s3_bucket}/news", "endpoint_url": s3_endpoint, "region": "us-east-1"}
    config_file = write_config(
        load_config(None, {**tiny_config.model_dump(mode="json"), "store": s3}), tmp_path / "s3.yaml"
    )
    manifest = news_digests(paths=[str(inputs)], config_file=str(config_file))
    assert manifest.counts == {"published": len(manifest.entries)}
    count, found = _bucket_leaks(s3_endpoint, s3_bucket)
    assert count > len(manifest.entries)
    leaks += found

    # The local store and the model cache, through the stages.
    local = run([inputs], build_services(tiny_config)).manifest
    assert local.counts == {"published": len(local.entries)}
    leaks += _tree_leaks(Path(tiny_config.store.url))

    # The error paths: a server that is not there, and one that is stopped mid-life.
    dead = {"url": "s3://news/x", "endpoint_url": f"http://127.0.0.1:{free_port()}", "region": "us-east-1"}
    dead_config = load_config(
        None, {**tiny_config.model_dump(mode="json"), "store": {**dead, "timeout_s": 0.5, "retries": 0}}
    )
    with pytest.raises(StoreUnavailable) as refused:
        run([inputs], build_services(dead_config))
    leaks += _exception_leaks(refused.value)
    server = S3Server(free_port())
    server.start()
    try:
        boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1").create_bucket(Bucket="gone")
        stopped = {**dead, "url": "s3://gone/x", "endpoint_url": server.endpoint}
        stopped_config = load_config(
            None,
            {**tiny_config.model_dump(mode="json"), "store": {**stopped, "timeout_s": 0.5, "retries": 0}},
        )
        server.stop()
        with pytest.raises(StoreError) as failed:
            run([inputs], build_services(stopped_config))
        leaks += _exception_leaks(failed.value)
    finally:
        server.stop()

    leaks += _leaks(caplog.text, "logs")
    leaks += [leak for record in caplog.records for leak in _leaks(repr(record.__dict__), "log record")]
    captured = capsys.readouterr()
    leaks += _leaks(captured.out + captured.err, "stdout/stderr")
    leaks += _tree_leaks(Path(os.environ["PREFECT_HOME"]))
    database = _prefect_database()
    assert database is not None  # where the flow's run logs and parameters are recorded
    leaks += _tree_leaks(database.parent)
    assert leaks == []
    assert "supports conditional writes" in caplog.text  # newsdigest's DEBUG logs were captured
    recorded = b"".join(path.read_bytes() for path in database.parent.iterdir() if path.is_file())
    assert f"run {manifest.run_id}".encode() in recorded  # and the flow's logs were searched


def _prefect_database() -> Path | None:
    """The SQLite file of the running Prefect test server, where flow and task runs are recorded."""
    from prefect.settings import PREFECT_SERVER_DATABASE_CONNECTION_URL

    value = PREFECT_SERVER_DATABASE_CONNECTION_URL.value()
    url = str(value.get_secret_value() if hasattr(value, "get_secret_value") else value or "")
    if ":///" not in url:
        return None
    path = Path(url.split(":///", 1)[1])
    return path if path.exists() else None


# --------------------------------------------------------------------------------------------- keys


@pytest.mark.parametrize(
    "article_id",
    [
        "../x",
        "..",
        "a/b",
        "/abs",
        "a\\b",
        "x..y",
        "0.",  # <id>.json would hold '..'
        ".hidden",
        "é",
        "ｆｕｌｌ",
        "a b",
        "a\x00",
        "-",
        "a" * 129,
        "",
    ],
)
def test_object_keys_refuse_unvalidated_ids(article_id: str) -> None:
    day = date(2026, 11, 25)
    for build in (
        lambda: layout.record_key(article_id, "0" * 32),
        lambda: layout.summary_key(day, "en", article_id),
        lambda: layout.failure_key(article_id, "0" * 32),
        lambda: layout.manifest_key(day, article_id),
    ):
        with pytest.raises(StoreError, match="refusing to build a key"):
            build()
    for language in ("../en", "EN", "en/x", "e"):
        with pytest.raises(StoreError):
            layout.summary_key(day, language, "art-1")
    with pytest.raises(StoreError):
        layout.record_key("art-1", "../" + "0" * 32)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(value=st.text(max_size=140))
def test_every_key_built_stays_inside_its_prefix(value: str) -> None:
    """Whatever id is offered, a key is either refused or made of safe characters only."""
    try:
        key = layout.summary_key(date(2026, 11, 25), "en", value)
    except StoreError:
        return
    assert key.startswith("summaries/2026-11-25/en/") and key.count("/") == 3
    assert ".." not in key and key.isascii() and key.isprintable()
