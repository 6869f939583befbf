"""An ``s3://bucket/prefix/`` inbox: the objects that arrived since the last successful run.

Progress is a watermark kept in the store (``state/inbox/<id>.json``, see :mod:`pipelines.store.layout`),
not in memory, so it survives restarts and is shared by every worker. It is the newest ``LastModified``
taken plus the keys taken at exactly that instant (S3 timestamps have one-second resolution, and two
objects of one second must not hide each other). The flow saves it only after the run's manifest is
written: a run that fails takes the same objects again next time, and the store's conditional writes make
that repetition harmless.

Limits: an object whose upload started before a listing but finished after the next-newer object was
taken (``LastModified`` is the upload's start) can be missed; writers that upload in order of time, or
that give each article its own key, are safe.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from pydantic import Field

from pipelines.errors import ObjectNotFound, StoreError, StoreUnavailable
from pipelines.records import Article, StoredData
from pipelines.sources.config import IngestConfig, SourcesConfig
from pipelines.sources.formats.common import IngestFailure, read_limit, unexpected_error
from pipelines.sources.formats.registry import kind_of, parse_text, supported_suffixes
from pipelines.store import ObjectStore, layout
from pipelines.store.s3url import parse_s3_url

if TYPE_CHECKING:
    from pipelines.store.retry import RetriesExhausted, RetryPolicy


class InboxState(StoredData):
    """The watermark of one inbox, as stored."""

    inbox: str = Field(description="the s3:// prefix")
    last_modified: datetime | None = None
    keys_at_last_modified: list[str] = Field(default_factory=list)
    run_id: str | None = Field(default=None, description="the run that advanced it")
    updated_at: datetime | None = None


@dataclass
class InboxBatch:
    """What one run takes from an inbox, and the watermark to save once the run has succeeded."""

    url: str
    items: list[Article | IngestFailure] = field(default_factory=list)
    advanced: InboxState | None = None


@dataclass(frozen=True)
class _Listed:
    key: str
    last_modified: datetime
    size: int


def inbox_id(url: str) -> str:
    """A key-safe id for an inbox URL."""
    return hashlib.sha256(url.encode()).hexdigest()[:20]


def load_state(store: ObjectStore, url: str) -> InboxState:
    try:
        return InboxState.model_validate_json(store.get(layout.inbox_state_key(inbox_id(url))))
    except ObjectNotFound:
        return InboxState(inbox=url)


def save_state(store: ObjectStore, state: InboxState, run_id: str) -> str:
    key = layout.inbox_state_key(inbox_id(state.inbox))
    stamped = state.model_copy(update={"run_id": run_id, "updated_at": datetime.now(UTC)})
    store.put(key, stamped.model_dump_json(indent=2).encode())
    return key


def read_inbox(
    url: str,
    store: ObjectStore,
    client: Any,
    sources: SourcesConfig,
    ingest: IngestConfig,
    retry: RetryPolicy | None = None,
) -> InboxBatch:
    """The objects under ``url`` newer than the stored watermark, oldest first, at most
    ``sources.max_inbox_objects``; ``client`` is a boto3 S3 client for the inbox's server, each of its
    requests retried within ``retry`` (default: the default store budget)."""
    from pipelines.store.retry import RetryPolicy

    retry = retry or RetryPolicy()
    bucket, prefix = parse_s3_url(url, what="inbox")
    state = load_state(store, url)
    seen = set(state.keys_at_last_modified)
    fresh = sorted(
        (
            item
            for item in _list(client, bucket, prefix, retry)
            if state.last_modified is None
            or item.last_modified > state.last_modified
            or (item.last_modified == state.last_modified and item.key not in seen)
        ),
        key=lambda item: (item.last_modified, item.key),
    )[: sources.max_inbox_objects]
    batch = InboxBatch(url)
    if not fresh:
        return batch
    for item in fresh:
        try:
            batch.items.extend(_read_object(client, bucket, item, ingest, retry))
        except StoreError:
            raise  # the inbox's server is failing: the run stops and a re-run takes these objects again
        except Exception as exc:  # noqa: BLE001 - one object's fault is that object's failure, not the run's
            origin = f"s3://{bucket}/{item.key}"
            batch.items.append(IngestFailure(origin, unexpected_error("reading an inbox object", exc)))
    newest = fresh[-1].last_modified
    at_newest = [item.key for item in fresh if item.last_modified == newest]
    if newest == state.last_modified:
        at_newest += state.keys_at_last_modified
    batch.advanced = InboxState(inbox=url, last_modified=newest, keys_at_last_modified=sorted(set(at_newest)))
    return batch


def _list(client: Any, bucket: str, prefix: str, retry: RetryPolicy) -> Iterator[_Listed]:
    from botocore.exceptions import BotoCoreError, ClientError

    from pipelines.store.retry import RetriesExhausted, call_with_retries

    where = f"list s3://{bucket}/{prefix}"
    token: str | None = None
    while True:
        arguments = {"Bucket": bucket, "Prefix": prefix, **({"ContinuationToken": token} if token else {})}
        try:
            page = call_with_retries(partial(client.list_objects_v2, **arguments), retry)
        except RetriesExhausted as exhausted:
            raise _store_error(exhausted.error, where, exhausted) from exhausted.error
        except (ClientError, BotoCoreError) as exc:
            raise _store_error(exc, where) from exc
        for item in page.get("Contents", []):
            key = str(item["Key"])
            if key.endswith("/"):
                continue
            stamp = item["LastModified"]
            yield _Listed(key, stamp.astimezone(UTC), int(item.get("Size", 0)))
        token = page.get("NextContinuationToken") if page.get("IsTruncated") else None
        if not token:
            return


def _read_object(
    client: Any, bucket: str, item: _Listed, ingest: IngestConfig, retry: RetryPolicy
) -> list[Article | IngestFailure]:
    from botocore.exceptions import BotoCoreError, ClientError

    from pipelines.store.retry import RetriesExhausted, call_with_retries

    origin = f"s3://{bucket}/{item.key}"
    kind = kind_of(PurePosixPath(item.key).suffix)
    if kind is None:
        return [IngestFailure(origin, f"unsupported object type (supported: {supported_suffixes()})")]
    limit = read_limit(ingest)
    if item.size > limit:
        return [IngestFailure(origin, f"object has {item.size} bytes, over the read limit of {limit}")]
    try:
        # The body is read inside the retried call: a connection dropped mid-body is retried too.
        body = call_with_retries(lambda: client.get_object(Bucket=bucket, Key=item.key)["Body"].read(), retry)
    except RetriesExhausted as exhausted:
        raise _store_error(exhausted.error, f"read {origin}", exhausted) from exhausted.error
    except (ClientError, BotoCoreError) as exc:
        raise _store_error(exc, f"read {origin}") from exc
    return parse_text(body, origin=origin, kind=kind, config=ingest)


def _store_error(exc: Exception, what: str, exhausted: RetriesExhausted | None = None) -> StoreError:
    """Unreachable or busy servers (after the retries, ``exhausted``) are StoreUnavailable; anything else,
    a StoreError."""
    from botocore.exceptions import BotoCoreError, ClientError

    attempts = f" after {exhausted.attempts} attempts over {exhausted.seconds:.1f} s" if exhausted else ""
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        if status >= 500 or code in ("SlowDown", "ServiceUnavailable", "RequestTimeout"):
            return StoreUnavailable(f"cannot {what}: the server answered {code or status}{attempts}")
        return StoreError(f"cannot {what}: {code or status}")
    if isinstance(exc, BotoCoreError):
        return StoreUnavailable(f"cannot {what}: {type(exc).__name__}{attempts}")
    return StoreError(f"cannot {what}: {type(exc).__name__}")
