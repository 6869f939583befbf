"""Configuration of the object store the pipeline publishes to."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pipelines.config_base import StrictModel


class StoreConfig(StrictModel):
    """Where results go: a local folder or an ``s3://bucket/prefix`` URL.

    Credentials are never configured here: boto3's standard chain (environment, profile, instance role)
    supplies them, so they cannot end up in a config file, a record or a log.
    """

    url: str = Field(default="./newsdigest-store", min_length=1)
    endpoint_url: str | None = Field(default=None, description="S3-compatible endpoint (MinIO, R2, Ceph)")
    region: str | None = None
    profile: str | None = Field(default=None, description="AWS profile name from the shared config files")
    addressing_style: Literal["auto", "virtual", "path"] = "auto"
    conditional_writes: Literal["auto", "on", "off"] = Field(
        default="auto", description="use If-None-Match on record writes; auto: probe the server once"
    )
    timeout_s: float = Field(default=30.0, gt=0)
    retries: int = Field(default=5, ge=0)
