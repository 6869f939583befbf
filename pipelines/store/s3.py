"""An S3-compatible bucket behind the object-store interface (AWS S3, MinIO, Cloudflare R2, Ceph).

Only the plain S3 API is used, through boto3 with a configurable endpoint. Credentials come from boto3's
standard chain (environment, shared config/profile, instance or container role); this module never reads,
prints or logs them, and error messages are built from the bucket, key, endpoint and error code only.

This module is imported lazily by :func:`pipelines.store.open_store`, so importing boto3 at its top costs
nothing for runs that publish to a local folder.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import urlsplit, urlunsplit

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    CredentialRetrievalError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
    ProfileNotFound,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

from pipelines.errors import ConfigError, ObjectNotFound, StoreError, StoreUnavailable
from pipelines.redact import redact_url
from pipelines.store.retry import RetriesExhausted, RetryPolicy, call_with_retries
from pipelines.store.s3url import is_bucket_name, parse_s3_url

if TYPE_CHECKING:
    from pipelines.store.config import StoreConfig

log = logging.getLogger(__name__)
T = TypeVar("T")

ConditionalWrites = Literal["auto", "on", "off"]

PROBE_PREFIX = "_probe/"
"""Below the store prefix: where the ``auto`` mode's conditional-write probe writes (and deletes) a key.
Listings skip it, so it never shows up next to ``records/`` or ``summaries/``."""

_CHECK_RETRY = RetryPolicy(retries=2, base_s=0.25, max_delay_s=1.0)
"""The up-front store check answers in seconds: a store that is down now fails the run before the work."""
_NOT_FOUND = frozenset({"404", "NoSuchKey", "NotFound"})
_PRECONDITION_FAILED = frozenset({"412", "PreconditionFailed"})
_CONFLICT = frozenset({"409", "ConditionalRequestConflict", "OperationAborted"})
_UNSUPPORTED = frozenset({"501", "NotImplemented", "InvalidArgument", "InvalidRequest", "InvalidHeader"})
_ACCESS_DENIED = frozenset({"403", "AccessDenied", "AllAccessDisabled", "Forbidden"})
_BAD_CREDENTIALS = frozenset(
    {"InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "TokenRefreshRequired"}
)
_SERVER_BUSY = frozenset({"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "503", "500"})


def _code(exc: ClientError) -> str:
    return str(
        exc.response.get("Error", {}).get("Code")
        or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "unknown")
    )


def _status(exc: ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)


def _public_endpoint(endpoint: str | None) -> str:
    """The endpoint without any user:password part, fit for a message."""
    if not endpoint:
        return "the default AWS S3 endpoint"
    parts = urlsplit(redact_url(endpoint))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


class S3Store:
    """Objects below ``s3://bucket/prefix``; every key is stored as ``prefix + key``.

    ``client`` is a boto3 S3 client (tests inject their own); :meth:`from_config` builds one from a
    :class:`~pipelines.store.config.StoreConfig`. ``conditional_writes`` decides how ``put(if_absent=True)``
    works: ``on`` sends ``If-None-Match: *``; ``off`` checks with HEAD then writes (racy, see
    docs/storage.md); ``auto`` probes the server once, on the first conditional write, and remembers.
    """

    def __init__(
        self,
        client: Any,
        bucket: str,
        prefix: str = "",
        *,
        conditional_writes: ConditionalWrites = "auto",
        page_size: int = 1000,
        retry: RetryPolicy | None = None,
    ) -> None:
        if not is_bucket_name(bucket):
            raise ConfigError(f"{bucket!r} is not a bucket name")
        if not 1 <= page_size <= 1000:
            raise ConfigError(f"page_size must be between 1 and 1000, got {page_size}")
        self._client = client
        self.bucket = bucket
        self.prefix = parse_s3_url(f"s3://{bucket}/{prefix}")[1]
        self.page_size = page_size
        self.conditional_writes: ConditionalWrites = conditional_writes
        self._retry = retry or RetryPolicy()
        self._conditional: bool | None = {"on": True, "off": False, "auto": None}[conditional_writes]
        self._lock = threading.Lock()
        self._warned = False

    @classmethod
    def from_config(cls, config: StoreConfig, *, page_size: int = 1000, client: Any = None) -> S3Store:
        """A store for ``config.url``; without ``client``, one built by :func:`make_client`."""
        bucket, prefix = parse_s3_url(config.url)
        client = client if client is not None else make_client(config)
        return cls(
            client,
            bucket,
            prefix,
            conditional_writes=config.conditional_writes,
            page_size=page_size,
            retry=RetryPolicy.from_config(config),
        )

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def __repr__(self) -> str:
        return f"S3Store({self.url!r})"

    # -- the ObjectStore interface -------------------------------------------------------------------------

    def put(
        self, key: str, data: bytes, *, if_absent: bool = False, content_type: str = "application/json"
    ) -> bool:
        full_key = self._full_key(key)
        if not if_absent:
            self._put_mapped(full_key, data, content_type)
            return True
        if self._supports_conditional_writes():
            return self._put_if_absent(full_key, data, content_type)
        self._warn_fallback()
        if self._head(full_key):
            return False
        self._put_mapped(full_key, data, content_type)
        return True

    def get(self, key: str) -> bytes:
        full_key = self._full_key(key)
        try:
            body: bytes = self._retrying(
                "read",
                full_key,
                lambda: self._client.get_object(Bucket=self.bucket, Key=full_key)["Body"].read(),
            )
        except ClientError as exc:
            if _code(exc) in _NOT_FOUND:
                raise ObjectNotFound(key) from None
            raise self._error(exc, "read", full_key) from exc
        except BotoCoreError as exc:
            raise self._error(exc, "read", full_key) from exc
        return body

    def exists(self, key: str) -> bool:
        return self._head(self._full_key(key))

    def list(self, prefix: str) -> Iterator[str]:
        full_prefix = self._full_key(prefix, allow_folder=True)
        token: str | None = None
        while True:
            request: dict[str, Any] = {
                "Bucket": self.bucket,
                "Prefix": full_prefix,
                "MaxKeys": self.page_size,
            }
            if token:
                request["ContinuationToken"] = token
            try:
                response: dict[str, Any] = self._retrying(
                    "list", full_prefix, partial(self._client.list_objects_v2, **request)
                )
            except (ClientError, BotoCoreError) as exc:
                raise self._error(exc, "list", full_prefix) from exc
            for item in response.get("Contents", []):
                key = str(item["Key"])[len(self.prefix) :]
                if not key.startswith(PROBE_PREFIX):
                    yield key
            token = response.get("NextContinuationToken")
            if not response.get("IsTruncated") or not token:
                return

    # -- extras ----------------------------------------------------------------------------------------------

    def check_writable(self) -> None:
        """Fail within seconds, before any work, when the store cannot be reached or written: a probe
        object is written below ``_probe/`` and deleted (without delete permission it stays; listings skip
        it). Transient errors get a short retry budget here, not the full one of a run's requests."""
        full_key = f"{self.prefix}{PROBE_PREFIX}{uuid.uuid4().hex}"
        request = {"Bucket": self.bucket, "Key": full_key, "Body": b"probe", "ContentType": "text/plain"}
        try:
            self._retrying("write", full_key, lambda: self._client.put_object(**request), self._check_retry())
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc, "write", full_key) from None
        self._delete_quietly(full_key)

    def _check_retry(self) -> RetryPolicy:
        """At most two quick retries (fewer when the store's budget is smaller), with the store's sleep."""
        return dataclasses.replace(
            _CHECK_RETRY, retries=min(_CHECK_RETRY.retries, self._retry.retries), sleep=self._retry.sleep
        )

    @property
    def conditional_writes_supported(self) -> bool | None:
        """What the probe found (``None`` until the first conditional write in ``auto`` mode)."""
        return self._conditional

    # -- internals -------------------------------------------------------------------------------------------

    def _full_key(self, key: str, *, allow_folder: bool = False) -> str:
        """``prefix + key`` after the same key checks the local store makes, so both accept the same keys."""
        parts = key.split("/")
        if allow_folder and parts and parts[-1] == "":
            parts = parts[:-1]
        if (not key and not allow_folder) or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise StoreError(f"invalid object key {key!r}")
        return f"{self.prefix}{key}"

    def _put(self, full_key: str, data: bytes, content_type: str, *, conditional: bool) -> None:
        request: dict[str, Any] = {
            "Bucket": self.bucket,
            "Key": full_key,
            "Body": data,
            "ContentType": content_type,
        }
        if conditional:
            request["IfNoneMatch"] = "*"
        self._retrying("write", full_key, lambda: self._client.put_object(**request))

    def _put_mapped(self, full_key: str, data: bytes, content_type: str) -> None:
        try:
            self._put(full_key, data, content_type, conditional=False)
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc, "write", full_key) from exc

    def _put_if_absent(self, full_key: str, data: bytes, content_type: str) -> bool:
        """``If-None-Match: *``: 412 means the key exists. A 409 means a concurrent conditional write to the
        same key is in flight: wait and retry, so the loser sees the winner's object (412)."""
        for attempt in range(5):
            try:
                self._put(full_key, data, content_type, conditional=True)
            except ClientError as exc:
                code = _code(exc)
                if code in _PRECONDITION_FAILED:
                    return False
                if code in _CONFLICT and attempt < 4:
                    time.sleep(0.2 * (attempt + 1))
                    continue
                if code in _UNSUPPORTED and self.conditional_writes == "on":
                    raise StoreError(
                        f"{self._endpoint()} refused a conditional write ({code}): this server does not "
                        "support If-None-Match; set store.conditional_writes to 'auto' or 'off'"
                    ) from exc
                raise self._error(exc, "write", full_key) from exc
            except BotoCoreError as exc:
                raise self._error(exc, "write", full_key) from exc
            return True
        return False  # pragma: no cover - the loop always returns or raises

    def _supports_conditional_writes(self) -> bool:
        with self._lock:
            if self._conditional is None:
                self._conditional = self._probe()
            return self._conditional

    def _probe(self) -> bool:
        """Write a fresh probe key twice with ``If-None-Match: *``: a server that supports it refuses the
        second write (412); one that ignores the header would silently overwrite, which is why asking the
        server is not enough and the probe has to try."""
        full_key = f"{self.prefix}{PROBE_PREFIX}{uuid.uuid4().hex}"
        try:
            try:
                self._put(full_key, b"probe", "text/plain", conditional=True)
                self._put(full_key, b"probe", "text/plain", conditional=True)
            except ClientError as exc:
                code = _code(exc)
                if code in _PRECONDITION_FAILED:
                    log.debug("%s supports conditional writes", self._endpoint())
                    return True
                if code in _UNSUPPORTED:
                    return False
                raise self._error(exc, "write", full_key) from exc
            except BotoCoreError as exc:
                raise self._error(exc, "write", full_key) from exc
            return False
        finally:
            self._delete_quietly(full_key)

    def _delete_quietly(self, full_key: str) -> None:
        """Remove the probe key; without delete permission it stays (a lifecycle rule expires it)."""
        try:
            self._retrying(
                "delete", full_key, lambda: self._client.delete_object(Bucket=self.bucket, Key=full_key)
            )
        except (StoreError, ClientError, BotoCoreError) as exc:
            log.debug("could not delete probe key %s: %s", full_key, type(exc).__name__)

    def _warn_fallback(self) -> None:
        if self._warned:
            return
        self._warned = True
        if self.conditional_writes == "auto":
            log.warning(
                "%s does not support conditional writes (If-None-Match); falling back to HEAD-then-PUT, "
                "so two runs publishing the same article at the same moment may both write it "
                "(see docs/storage.md)",
                self._endpoint(),
            )
        else:
            log.info("store.conditional_writes is 'off': record writes use HEAD-then-PUT")

    def _head(self, full_key: str) -> bool:
        try:
            self._retrying(
                "check", full_key, lambda: self._client.head_object(Bucket=self.bucket, Key=full_key)
            )
        except ClientError as exc:
            if _code(exc) in _NOT_FOUND:
                return False
            raise self._error(exc, "check", full_key) from exc
        except BotoCoreError as exc:
            raise self._error(exc, "check", full_key) from exc
        return True

    def _retrying(
        self, operation: str, full_key: str, request: Callable[[], T], policy: RetryPolicy | None = None
    ) -> T:
        """``request()`` with this store's retry budget; past it, a StoreUnavailable that says how many
        attempts were made over how long. Other errors come back as botocore raised them."""
        try:
            return call_with_retries(request, policy or self._retry)
        except RetriesExhausted as exhausted:
            raise self._error(
                exhausted.error,
                operation,
                full_key,
                attempts=f" after {exhausted.attempts} attempts over {exhausted.seconds:.1f} s",
            ) from exhausted.error

    def _endpoint(self) -> str:
        meta = getattr(self._client, "meta", None)
        return _public_endpoint(getattr(meta, "endpoint_url", None))

    def _error(
        self, exc: ClientError | BotoCoreError, operation: str, full_key: str, attempts: str = ""
    ) -> StoreError:
        """A StoreError whose message says what to fix. Built from codes, names and the endpoint only: never
        from the client's configuration or request, so credentials cannot leak into it."""
        where = f"s3://{self.bucket}/{full_key}"
        endpoint = self._endpoint()
        retried = attempts
        if isinstance(exc, ClientError):
            code = _code(exc)
            if code == "NoSuchBucket":
                return StoreError(
                    f"bucket '{self.bucket}' does not exist at {endpoint}: create it first "
                    f"(aws s3 mb s3://{self.bucket}, adding --endpoint-url for a non-AWS server; "
                    "see infra/bucket/README.md) or fix store.url"
                )
            if code in _BAD_CREDENTIALS:
                return StoreUnavailable(
                    f"{endpoint} rejected the credentials ({code}) on {operation} {where}: check the AWS "
                    "credentials chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or "
                    "store.profile, instance role) and the clock of this machine"
                )
            if code in _ACCESS_DENIED:
                hint = (
                    " (without s3:ListBucket a missing key also reads as access denied)"
                    if operation == "check"
                    else ""
                )
                return StoreError(
                    f"access denied ({code}) to {operation} {where}: the credentials in use lack permission "
                    f"on this bucket or prefix{hint}; infra/bucket/ has the writer and reader policies"
                )
            if code in _SERVER_BUSY or _status(exc) >= 500:
                return StoreUnavailable(
                    f"{endpoint} failed to {operation} {where} with {code}{retried}: the server is "
                    "overloaded or failing; try again later"
                )
            message = str(exc.response.get("Error", {}).get("Message") or "")[:200]
            return StoreError(f"cannot {operation} {where}: {code}" + (f": {message}" if message else ""))
        if isinstance(exc, NoCredentialsError | PartialCredentialsError | CredentialRetrievalError):
            return StoreUnavailable(
                f"no usable AWS credentials to {operation} {where}: set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, AWS_PROFILE or store.profile, or run with an instance/container role"
            )
        if isinstance(exc, BotoConnectionError | HTTPClientError):
            return StoreUnavailable(
                f"cannot reach the S3 endpoint {endpoint} to {operation} {where}{retried} "
                f"({type(exc).__name__}): check store.endpoint_url, that the server is running, and the "
                "network or proxy between here and it"
            )
        return StoreError(f"cannot {operation} {where}: {type(exc).__name__}")


def make_client(config: StoreConfig) -> Any:
    """A boto3 S3 client for the configured endpoint, region, profile and timeouts, making one attempt per
    call.

    Credentials come from boto3's standard chain only. Also used for ``s3://`` model sources and inboxes,
    which live on the same S3 service as the store. botocore's own retries are off: every caller retries
    with :func:`pipelines.store.retry.call_with_retries` and the store's budget, so no call path has two
    retry layers.
    """
    retries = {"total_max_attempts": 1, "mode": "standard"}
    try:
        session = boto3.session.Session(profile_name=config.profile)
    except ProfileNotFound:
        raise ConfigError(
            f"store.profile {config.profile!r} is not defined in the AWS config files "
            "(~/.aws/config, ~/.aws/credentials): add it or remove store.profile"
        ) from None
    boto_config = BotoConfig(
        connect_timeout=config.timeout_s,
        read_timeout=config.timeout_s,
        retries=retries,
        s3={"addressing_style": config.addressing_style},
        # Newer botocore adds CRC checksums to every upload by default, which several S3-compatible
        # servers reject; only send/verify them where the operation requires it.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        user_agent_extra="newsdigest",
    )
    try:
        return session.client(
            "s3", endpoint_url=config.endpoint_url, region_name=config.region, config=boto_config
        )
    except ValueError as exc:
        raise ConfigError(f"store.endpoint_url {config.endpoint_url!r} is not usable: {exc}") from None
