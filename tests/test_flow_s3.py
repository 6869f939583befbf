"""The flow against a real S3 server over HTTP: the storage issue's end-to-end contract."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from pipelines.config import Config, load_config
from pipelines.errors import StoreUnavailable
from tests.conftest import EXAMPLES, write_config
from tests.test_schema import validators
from tests.test_store_outage import Relay

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _s3_config(tiny_config: Config, endpoint: str, bucket: str, **store: Any) -> Config:
    settings = {"url": f"s3://{bucket}/news", "endpoint_url": endpoint, "region": "us-east-1", **store}
    return load_config(None, {**tiny_config.model_dump(mode="json"), "store": settings})


def _objects(endpoint: str, bucket: str) -> dict[str, tuple[str, Any]]:
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    found: dict[str, tuple[str, Any]] = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="news/"):
        for item in page.get("Contents", []):
            found[item["Key"].removeprefix("news/")] = (item["ETag"], item["LastModified"])
    return found


def _read(endpoint: str, bucket: str, key: str) -> Any:
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    return json.loads(client.get_object(Bucket=bucket, Key=f"news/{key}")["Body"].read())


def test_flow_publishes_to_s3_and_a_rerun_writes_nothing(
    tiny_config: Config, s3_endpoint: str, s3_bucket: str, tmp_path: Path
) -> None:
    from flows.digest_flow import news_digests

    config_file = write_config(_s3_config(tiny_config, s3_endpoint, s3_bucket), tmp_path / "s3.yaml")
    manifest = news_digests(paths=[str(EXAMPLES)], config_file=str(config_file))
    assert manifest.counts == {"published": len(manifest.entries)}

    objects = _objects(s3_endpoint, s3_bucket)
    schemas = validators()
    records = [key for key in objects if key.startswith("records/")]
    summaries = [key for key in objects if key.startswith("summaries/")]
    runs = [key for key in objects if key.startswith("runs/")]
    assert len(records) == len(manifest.entries) and len(runs) == 1
    assert {_read(s3_endpoint, s3_bucket, key)["article_id"] for key in summaries} == {
        entry.article_id for entry in manifest.entries
    }
    for key in records:
        schemas["record"].validate(_read(s3_endpoint, s3_bucket, key))
    for key in summaries:
        schemas["summary"].validate(_read(s3_endpoint, s3_bucket, key))
    schemas["manifest"].validate(_read(s3_endpoint, s3_bucket, runs[0]))
    manifest_time = objects[runs[0]][1]
    assert all(objects[key][1] <= manifest_time for key in records + summaries)

    again = news_digests(paths=[str(EXAMPLES)], config_file=str(config_file))
    assert again.counts == {"unchanged": len(manifest.entries)}
    after = _objects(s3_endpoint, s3_bucket)
    assert {k: v for k, v in after.items() if not k.startswith("runs/")} == {
        k: v for k, v in objects.items() if not k.startswith("runs/")
    }
    assert len([key for key in after if key.startswith("runs/")]) == 2


def test_store_outage_mid_flow_then_rerun_completes(
    tiny_config: Config, s3_endpoint: str, s3_bucket: str, tmp_path: Path
) -> None:
    from flows.digest_flow import flow_for, news_digests

    relay = Relay(s3_endpoint)
    relay.start()
    try:
        config = _s3_config(tiny_config, relay.endpoint, s3_bucket, timeout_s=1.0, retries=0)
        config_file = write_config(
            load_config(None, {**config.model_dump(mode="json"), "batch_size": 4}), tmp_path / "s3.yaml"
        )

        def cut_after_a_batch_is_published(stage: str, done: int, total: int) -> None:
            if stage == "publish":
                relay.cut()

        with pytest.raises(StoreUnavailable):
            flow_for(load_config(config_file), on_progress=cut_after_a_batch_is_published)([str(EXAMPLES)])
        relay.start()
        partial = _objects(s3_endpoint, s3_bucket)
        assert not [key for key in partial if key.startswith("runs/")]
        published_before = {key for key in partial if key.startswith("records/")}
        assert published_before

        manifest = news_digests(paths=[str(EXAMPLES)], config_file=str(config_file))
        records = {key for key in _objects(s3_endpoint, s3_bucket) if key.startswith("records/")}
        assert len(records) == len(manifest.entries)
        assert manifest.counts.get("unchanged", 0) == len(published_before)
        assert manifest.counts.get("published", 0) == len(manifest.entries) - len(published_before)
    finally:
        relay.cut()
