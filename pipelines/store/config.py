"""Configuration of the object store the pipeline publishes to."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from pipelines.config_base import StrictModel
from pipelines.redact import strip_userinfo
from pipelines.store.s3url import is_bucket_name

_SCHEME_LIKE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")
"""``s3:``, ``file:``, ``https:``: a prefix that reads as a URL scheme (two letters or more, so a drive
letter is not one). A store URL that starts so but is not a supported URL is a mistake, never a folder."""


def check_store_url(url: str) -> str:
    """A local folder, ``file:///path`` or ``s3://bucket[/prefix]``: checked before anything runs."""
    if url.startswith("s3://"):
        bucket = url.removeprefix("s3://").partition("/")[0]
        if not bucket:
            raise ValueError(f"{url!r} names no bucket; use s3://bucket/prefix")
        if not is_bucket_name(bucket):
            raise ValueError(f"{bucket!r} is not a bucket name (letters, digits, '.', '-', '_'; 2-255)")
        return url
    scheme, separator, _ = url.partition("://")
    if separator and scheme != "file":
        raise ValueError(
            f"{scheme}:// is not a store; use a local folder, file:///path or s3://bucket/prefix"
        )
    scheme_like = _SCHEME_LIKE.match(url)
    if scheme_like and not separator:
        # `s3:/bucket` (one slash) would otherwise become a local folder named `s3:`
        raise ValueError(
            f"{scheme_like.group(1)}: is not followed by '//'; use s3://bucket/prefix, file:///path, or "
            "./name for a local folder whose name has a colon"
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
    retries: int = Field(
        default=10, ge=0, description="retries of one request on 5xx, throttling or a dropped connection"
    )
    retry_base_s: float = Field(
        default=0.25, gt=0, description="first wait between retries; doubles each time"
    )
    retry_max_delay_s: float = Field(default=10.0, gt=0, description="longest wait between two retries")

    @field_validator("url")
    @classmethod
    def _check_url(cls, url: str) -> str:
        return check_store_url(url)

    @field_validator("endpoint_url")
    @classmethod
    def _check_endpoint(cls, endpoint: str | None) -> str | None:
        """S3 signs requests with the AWS credentials chain, never with a URL's ``user:password@``: such a
        part is dropped here, so it cannot reach a client, a message or a traceback."""
        if endpoint is None:
            return None
        if not endpoint.startswith(("http://", "https://")):
            raise ValueError(f"{endpoint!r}: expected an http:// or https:// URL")
        return strip_userinfo(endpoint)
