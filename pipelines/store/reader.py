"""Reading what the pipeline published: a day's summaries, one record, a day's run manifests.

Works over any :class:`~pipelines.store.base.ObjectStore`, so a newsletter can read a local folder or a
bucket alike. Objects written by a newer newsdigest (a higher ``schema_version``) are refused with a clear
error rather than half-understood.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import TypeVar

from pydantic import ValidationError

from pipelines.errors import ObjectNotFound, StoreError
from pipelines.records import SCHEMA_VERSION, Record, RunManifest, StoredData
from pipelines.store import layout
from pipelines.store.base import ObjectStore
from pipelines.store.publish import SummaryObject

M = TypeVar("M", bound=StoredData)


def load_object(store: ObjectStore, key: str, model: type[M]) -> M:
    """Read ``key`` and validate it as ``model``; raises StoreError naming the key when it does not fit."""
    data = store.get(key)
    try:
        version = json.loads(data).get("schema_version")
    except (ValueError, AttributeError):
        raise StoreError(f"{store.url} {key}: not a JSON object") from None
    if isinstance(version, int) and version > SCHEMA_VERSION:
        raise StoreError(
            f"{store.url} {key}: schema_version {version} was written by a newer newsdigest "
            f"(this one reads up to {SCHEMA_VERSION}); upgrade newsdigest to read it"
        )
    try:
        return model.model_validate_json(data)
    except ValidationError as exc:
        raise StoreError(
            f"{store.url} {key}: not a valid {model.__name__} ({exc.error_count()} problem(s), first: "
            f"{'.'.join(str(p) for p in exc.errors()[0]['loc'])}: {exc.errors()[0]['msg']})"
        ) from None


def list_summaries(store: ObjectStore, day: date, language: str) -> list[SummaryObject]:
    """Every summary object of ``day`` in output ``language``, newest publication first (then by id)."""
    summaries = [
        load_object(store, key, SummaryObject) for key in store.list(layout.summaries_prefix(day, language))
    ]
    return sorted(summaries, key=lambda s: (-epoch_seconds(s.published_at), s.article_id))


def get_record(store: ObjectStore, article_id: str, content_hash: str | None = None) -> Record:
    """The record of ``article_id``: the version with ``content_hash``, else the latest one.

    "Latest" is the version processed last (``processed_at``), which is also the one the summary objects
    point at. Raises ObjectNotFound when the article (or that version) was never published.
    """
    if content_hash is not None:
        return load_object(store, layout.record_key(article_id, content_hash), Record)
    prefix = layout.record_prefix(article_id)
    versions = [load_object(store, key, Record) for key in store.list(prefix) if key.endswith(".json")]
    if not versions:
        raise ObjectNotFound(prefix)
    return max(versions, key=lambda r: epoch_seconds(r.processed_at))


def list_runs(store: ObjectStore, day: date) -> list[RunManifest]:
    """The manifests of the runs started on ``day``, oldest first. A run appears only once finished."""
    prefix = f"{layout.RUNS}{day.isoformat()}/"
    manifests = [load_object(store, key, RunManifest) for key in store.list(prefix) if key.endswith(".json")]
    return sorted(manifests, key=lambda m: (m.started_at, m.run_id))


def epoch_seconds(moment: datetime | None) -> float:
    """Seconds since the epoch (to sort and compare); naive datetimes count as UTC, a missing one as -inf."""
    if moment is None:
        return float("-inf")
    if moment.tzinfo is None:
        return (moment - datetime(1970, 1, 1)).total_seconds()
    return moment.timestamp()
