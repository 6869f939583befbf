"""The failed and skipped inputs a store keeps: listing them, and turning them back into inputs.

A failure object is a :class:`~pipelines.records.Record` with status ``failed`` or ``skipped`` (see
:meth:`pipelines.store.publish.Publisher.record_failure`). It stays in the store after the input has been
published since (a replay, a fixed feed page); such a failure is *resolved* and is left out of listings
unless asked for.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from pipelines.errors import ConfigError, ObjectNotFound
from pipelines.records import Record
from pipelines.store import layout
from pipelines.store.base import ObjectStore
from pipelines.store.reader import epoch_seconds, get_record, load_object


@dataclass(frozen=True)
class FailureFilter:
    """Which failures to take: first failed at or after ``since``, reason containing ``reason``."""

    since: datetime | None = None
    reason: str | None = None
    include_resolved: bool = False

    def matches(self, failure: Record) -> bool:
        if self.since is not None and epoch_seconds(failure.processed_at) < self.since.timestamp():
            return False
        return self.reason is None or self.reason.casefold() in (failure.reason or "").casefold()


def parse_since(value: str) -> datetime:
    """``YYYY-MM-DD`` (midnight UTC) or an ISO 8601 time (UTC when it has no zone)."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ConfigError(f"--since {value!r}: expected YYYY-MM-DD or an ISO 8601 time") from None
    if len(value.strip()) == len("YYYY-MM-DD"):
        moment = datetime.combine(date.fromisoformat(value.strip()), time(), UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def list_failures(store: ObjectStore, selection: FailureFilter | None = None) -> list[Record]:
    """The stored failures that match ``selection``, oldest first; one per article and content version.

    Objects of the earlier per-run layout (``failures/<run_id>/<article_id>.json``) are read too; of
    several objects for one content version the latest stands.
    """
    selection = selection or FailureFilter()
    latest: dict[tuple[str, str], Record] = {}
    for key in store.list(layout.FAILURES):
        if not key.endswith(".json"):
            continue
        failure = load_object(store, key, Record)
        identity = (failure.article.id, failure.article.content_hash)
        known = latest.get(identity)
        if known is None or epoch_seconds(failure.processed_at) >= epoch_seconds(known.processed_at):
            latest[identity] = failure
    chosen = [failure for failure in latest.values() if selection.matches(failure)]
    if not selection.include_resolved:
        chosen = [failure for failure in chosen if not is_resolved(store, failure)]
    return sorted(chosen, key=lambda f: (epoch_seconds(f.processed_at), f.article.id))


def is_resolved(store: ObjectStore, failure: Record) -> bool:
    """Whether the article was published after it failed (this content or a newer version)."""
    try:
        published = get_record(store, failure.article.id)
    except ObjectNotFound:
        return False
    return epoch_seconds(published.processed_at) >= epoch_seconds(failure.processed_at)


def is_replayable(failure: Record) -> bool:
    """Whether the stored article is the input as read. An input that could not be read (bad JSON, a
    binary file, a feed page that did not answer) failed before language detection; what it keeps is the
    raw text recovered, which is no article: fix the input and run its origin again instead."""
    return failure.detection is not None


def as_input(failure: Record) -> dict[str, Any]:
    """The failure's article as a JSON input record (the shape ``.json``/``.jsonl`` inputs have), keeping
    its id, so a replay that succeeds publishes under the same article id and content hash."""
    article = failure.article
    fields: dict[str, Any] = {"id": article.id, "title": article.title, "text": article.text}
    if article.url:
        fields["url"] = article.url
    if article.source:
        fields["source"] = article.source
    if article.published_at:
        fields["published_at"] = article.published_at.isoformat()
    return fields


def to_jsonl(failures: Iterable[Record]) -> str:
    return "".join(json.dumps(as_input(failure), ensure_ascii=False) + "\n" for failure in failures)
