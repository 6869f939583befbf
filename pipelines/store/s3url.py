"""``s3://bucket/prefix`` URLs: the one parser for the store, inboxes and model sources."""

from __future__ import annotations

import re

from pipelines.errors import ConfigError
from pipelines.redact import redact_url

_BUCKET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")


def is_bucket_name(name: str) -> bool:
    return bool(_BUCKET.fullmatch(name)) and ".." not in name


def parse_s3_url(url: str, *, what: str = "store.url") -> tuple[str, str]:
    """Split ``s3://bucket/some/prefix`` into the bucket and a key prefix ending in '/' (or '').

    Raises :class:`~pipelines.errors.ConfigError` naming ``what`` (the setting or input it came from).
    A bucket name cannot hold credentials: any user-info is masked first, so no message can show it.
    """
    url = redact_url(url)
    if not url.startswith("s3://"):
        raise ConfigError(f"{what} {url!r} is not an s3://bucket/prefix URL")
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    if not is_bucket_name(bucket):
        raise ConfigError(f"{what} {url!r}: {bucket!r} is not a bucket name (letters, digits, '.', '-')")
    parts = [part for part in prefix.split("/") if part]
    if any(part in (".", "..") for part in parts):
        raise ConfigError(f"{what} {url!r}: the prefix may not contain '.' or '..' segments")
    return bucket, "".join(f"{part}/" for part in parts)
