"""Configuration of the object store the pipeline publishes to."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from pipelines.config_base import StrictModel

S3_BUCKET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$")
"""What a bucket name may look like (AWS is stricter; MinIO and Ceph accept some upper case and '_')."""


def check_store_url(url: str) -> str:
    """A local folder, ``file:///path`` or ``s3://bucket[/prefix]``: checked before anything runs."""
    if url.startswith("s3://"):
        bucket = url.removeprefix("s3://").partition("/")[0]
        if not bucket:
            raise ValueError(f"{url!r} names no bucket; use s3://bucket/prefix")
        if not S3_BUCKET_NAME.fullmatch(bucket):
            raise ValueError(f"{bucket!r} is not a bucket name (letters, digits, '.', '-', '_'; 2-255)")
        return url
    scheme, separator, _ = url.partition("://")
    if separator and scheme != "file":
        raise ValueError(
            f"{scheme}:// is not a store; use a local folder, file:///path or s3://bucket/prefix"
        )
    return url


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

    @field_validator("url")
    @classmethod
    def _check_url(cls, url: str) -> str:
        return check_store_url(url)

    @field_validator("endpoint_url")
    @classmethod
    def _check_endpoint(cls, endpoint: str | None) -> str | None:
        if endpoint is not None and not endpoint.startswith(("http://", "https://")):
            raise ValueError(f"{endpoint!r}: expected an http:// or https:// URL")
        return endpoint
