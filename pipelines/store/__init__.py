"""Object stores (local folder, S3-compatible) and the publishing layout over them."""

from __future__ import annotations

from typing import Any

from pipelines.store.base import ObjectStore
from pipelines.store.config import StoreConfig
from pipelines.store.local import LocalStore
from pipelines.store.publish import Publisher, SummaryObject

__all__ = ["LocalStore", "ObjectStore", "Publisher", "StoreConfig", "SummaryObject", "open_store"]


def open_store(config: StoreConfig, *, s3_client: Any = None) -> ObjectStore:
    """The store a URL names: ``s3://bucket/prefix`` for S3, anything else a local folder.

    ``s3_client`` is the boto3 client to use for S3 (default: one made from ``config``)."""
    if config.url.startswith("s3://"):
        from pipelines.store.s3 import S3Store

        return S3Store.from_config(config, client=s3_client)
    if "://" in config.url and not config.url.startswith("file://"):
        from pipelines.errors import ConfigError

        raise ConfigError(f"store.url {config.url!r}: use a local folder, file:///path or s3://bucket/prefix")
    return LocalStore(config.url.removeprefix("file://"))
