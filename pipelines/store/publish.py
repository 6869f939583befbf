"""Turning records into objects: idempotent record writes, summary objects, failures, the manifest."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import NamedTuple

from pydantic import Field, ValidationError

from pipelines.dedupe import text_hash
from pipelines.errors import ObjectNotFound
from pipelines.records import SCHEMA_VERSION, Article, Record, RunManifest, StoredData
from pipelines.store import layout
from pipelines.store.base import ObjectStore


class SummaryEntry(StoredData):
    short: str | None = None
    long: str | None = None
    method: str | None = None


class SummaryObject(StoredData):
    """The compact object a newsletter lists: one per article, publication day and output language."""

    schema_version: int = SCHEMA_VERSION
    article_id: str
    content_hash: str
    record_key: str = Field(description="the full record this summary was taken from (the latest version)")
    run_id: str
    date: date
    language: str
    source_language: str | None
    title: str
    url: str | None = None
    source: str | None = None
    published_at: datetime | None = None
    short: str | None = None
    long: str | None = None
    methods: dict[str, str] = Field(default_factory=dict, description="summary kind -> method used")


class ContentIndexEntry(StoredData):
    """``index/content/<text_hash>.json``: the article id that holds a text, and where its record is."""

    schema_version: int = SCHEMA_VERSION
    article_id: str
    record_key: str
    url: str | None = None


def summary_day(record: Record, run_day: date) -> date:
    """The day partition: the article's publication date, else the day its record was processed.

    Both come from the record itself, so a later run that completes a record's summary objects files them
    under the same day as the run that published it, even after midnight. ``run_day`` only serves a record
    without a processing time.
    """
    if record.article.published_at:
        return record.article.published_at.date()
    return record.processed_at.date() if record.processed_at else run_day


class StoredFailure(NamedTuple):
    key: str
    still_failing: bool
    """The input failed before with the same content, status and reason: its object was left as it was."""


class Publisher:
    """Writes the layout of :mod:`pipelines.store.layout` to any :class:`ObjectStore`."""

    def __init__(self, store: ObjectStore) -> None:
        self.store = store

    def already_published(self, article: Article) -> bool:
        """Whether this exact content is published.

        When the record exists but a run died before writing all its summary objects (the record is
        written first), the missing summary objects are completed here from the stored record, so a
        re-run after a crash loses nothing and still reports the article as unchanged.
        """
        key = layout.record_key(article.id, article.content_hash)
        if not self.store.exists(key):
            return False
        self.complete_summaries(key, None)
        return True

    def publish(self, record: Record, run_day: date) -> str:
        """Write a finished record and its summary objects.

        The record is created with ``if_absent``: when another run already wrote this exact content the
        record becomes ``unchanged`` and no summary object is touched, so two concurrent runs never both
        publish the same article version.

        The text is first claimed in the content index: when another article id already holds the same
        normalised text (the same story under another URL, in this run or an earlier one), this record
        becomes ``duplicate``, is kept under ``duplicates/`` pointing at that article's record, and nothing
        else is written. Returns the key of the object written for the record.
        """
        article = record.article
        key = layout.record_key(article.id, article.content_hash)
        holder = self._claim_text(article, key)
        if holder is not None:
            record.finish(
                "duplicate", f"same text as article {holder.article_id}, published as {holder.record_key}"
            )
            record.duplicate_of = holder.record_key
            duplicate_key = layout.duplicate_key(record.run_id, article.id)
            self.store.put(duplicate_key, _encode(record))
            return duplicate_key
        record.finish("published")
        data = _encode(record)
        # A write whose answer was lost is retried by the client and meets its own object (412): the stored
        # bytes are then exactly ours, and this run did publish the article.
        if not self.store.put(key, data, if_absent=True) and self.store.get(key) != data:
            record.finish("unchanged", "identical content already published")
            self.complete_summaries(key, run_day)
            return key
        for summary_object in self.summary_objects(record, key, run_day):
            summary_key = layout.summary_key(summary_object.date, summary_object.language, article.id)
            self.store.put(summary_key, _encode(summary_object))
        return key

    def _claim_text(self, article: Article, record_key: str) -> ContentIndexEntry | None:
        """Claim the article's text for its id; returns the entry of *another* article holding it, or None.

        The claim is a conditional create, so of two concurrent claims one wins. A claim whose record was
        never written (a run that stopped between the two writes) is taken over.
        """
        index_key = layout.content_index_key(text_hash(article))
        entry = ContentIndexEntry(article_id=article.id, record_key=record_key, url=article.url)
        if self.store.put(index_key, _encode(entry), if_absent=True):
            return None
        holder = ContentIndexEntry.model_validate_json(self.store.get(index_key))
        if holder.article_id == article.id:
            return None
        if not self.store.exists(holder.record_key):
            self.store.put(index_key, _encode(entry))
            return None
        return holder

    def summary_objects(self, record: Record, record_key: str, run_day: date) -> list[SummaryObject]:
        article = record.article
        day = summary_day(record, run_day)
        title = record.translation.title if record.translation and record.translation.title else article.title
        by_language: dict[str, SummaryObject] = {}
        for summary in record.summaries:
            entry = by_language.setdefault(
                summary.language,
                SummaryObject(
                    article_id=article.id,
                    content_hash=article.content_hash,
                    record_key=record_key,
                    run_id=record.run_id,
                    date=day,
                    language=summary.language,
                    source_language=record.detection.language if record.detection else None,
                    title=title,
                    url=article.url,
                    source=article.source,
                    published_at=article.published_at,
                ),
            )
            setattr(entry, summary.kind, summary.text)
            entry.methods[summary.kind] = summary.method
        return list(by_language.values())

    def complete_summaries(self, record_key: str, run_day: date | None) -> list[str]:
        """Write the summary objects of the stored record at ``record_key`` that are missing or that point
        at an older version of the article; returns the keys written (normally none).

        They are built from the *stored* record, so two runs completing the same article write identical
        bytes, under the same day (see :func:`summary_day`). ``run_day`` only serves a stored record without
        a processing time; ``None`` means today.
        """
        stored = Record.model_validate_json(self.store.get(record_key))
        day = run_day or datetime.now(UTC).date()
        written: list[str] = []
        for summary_object in self.summary_objects(stored, record_key, day):
            key = layout.summary_key(summary_object.date, summary_object.language, stored.article.id)
            if self._points_at_latest(key, stored):
                continue
            self.store.put(key, _encode(summary_object))
            written.append(key)
        return written

    def _points_at_latest(self, summary_key: str, stored: Record) -> bool:
        """Whether the summary object at ``summary_key`` exists and points at ``stored`` or a newer record."""
        try:
            current = SummaryObject.model_validate_json(self.store.get(summary_key))
        except ObjectNotFound:
            return False
        if current.content_hash == stored.article.content_hash:
            return True
        try:
            pointed = Record.model_validate_json(self.store.get(current.record_key))
        except ObjectNotFound:
            return False
        if stored.processed_at is None or pointed.processed_at is None:
            return True
        return pointed.processed_at >= stored.processed_at

    def record_failure(self, record: Record) -> StoredFailure:
        """Keep a failed or skipped input, with its reason, as an object of its own: one per content version.

        An input that fails again with the same content, status and reason is *still failing*: its object
        (which keeps the first run that saw it) is not written again, so an hourly run over a bad input adds
        nothing to the store but its manifest entry. A new reason replaces the object.
        """
        key = layout.failure_key(record.article.id, record.article.content_hash)
        data = _encode(record)
        if self.store.put(key, data, if_absent=True):
            return StoredFailure(key, still_failing=False)
        try:
            previous = Record.model_validate_json(self.store.get(key))
        except (ObjectNotFound, ValidationError):
            previous = None
        if previous is not None and previous.run_id == record.run_id:
            return StoredFailure(key, still_failing=False)  # our own write, retried after a lost answer
        if previous is not None and (previous.status, previous.reason) == (record.status, record.reason):
            return StoredFailure(key, still_failing=True)
        self.store.put(key, data)
        return StoredFailure(key, still_failing=False)

    def write_manifest(self, manifest: RunManifest) -> str:
        key = layout.manifest_key(manifest.started_at.date(), manifest.run_id)
        self.store.put(key, _encode(manifest))
        return key


def _encode(obj: StoredData) -> bytes:
    return obj.model_dump_json(indent=2).encode()
