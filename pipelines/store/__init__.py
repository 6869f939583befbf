"""Object stores (local folder, S3-compatible) and the publishing layout over them."""

from __future__ import annotations

from pipelines.store.base import ObjectStore
from pipelines.store.config import StoreConfig
from pipelines.store.local import LocalStore
from pipelines.store.publish import Publisher, SummaryObject

__all__ = ["LocalStore", "ObjectStore", "Publisher", "StoreConfig", "SummaryObject", "open_store"]


def open_store(config: StoreConfig) -> ObjectStore:
    """The store a URL names: ``s3://bucket/prefix`` for S3, anything else a local folder."""
    if config.url.startswith("s3://"):
        from pipelines.store.s3 import S3Store

        return S3Store.from_config(config)
    if "://" in config.url and not config.url.startswith("file://"):
        from pipelines.errors import ConfigError

        raise ConfigError(f"store.url {config.url!r}: use a local folder, file:///path or s3://bucket/prefix")
    return LocalStore(config.url.removeprefix("file://"))
