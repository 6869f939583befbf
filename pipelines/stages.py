"""The stages of a run, each a plain function over a batch of records.

:func:`pipelines.runner.run` strings them together; the Prefect flow, the CLI, the benchmarks and the tests
all go through it. Each stage receives only the services it uses, touches only pending records and gives
every record a final status with a reason when it cannot go on, so one bad article never sinks its batch
and every input ends published or recorded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from pipelines.deadline import Deadline
from pipelines.dedupe import mark_id_conflicts
from pipelines.errors import NewsdigestError
from pipelines.isolation import isolating
from pipelines.records import (
    Article,
    ManifestEntry,
    Record,
    RunManifest,
    Signature,
    article_id_for,
    content_hash,
)
from pipelines.store import Publisher, layout
from pipelines.summarize.base import SummaryRequest
from pipelines.translate.base import TranslationRequest

if TYPE_CHECKING:
    from pipelines.detect import DetectionConfig
    from pipelines.sources.formats.common import IngestFailure
    from pipelines.summarize.engine import SummaryEngine
    from pipelines.translate.engine import TranslationEngine

BatchStep = Callable[[list[Record]], None]


@dataclass
class ModelCheck:
    """What the up-front model check found: pairs that cannot be translated, summaries that fall back."""

    unroutable: dict[str, str] = field(default_factory=dict)
    summary_notes: dict[str, str] = field(default_factory=dict)


def to_records(items: Sequence[Article | IngestFailure], run_id: str) -> list[Record]:
    """One pending record per article; a failure keeps what could be recovered, with its reason."""
    from pipelines.sources.formats.common import IngestFailure

    records: list[Record] = []
    for item in items:
        if isinstance(item, IngestFailure):
            article = Article(
                id=article_id_for(None, f"origin:{item.origin}\n{item.text}"),
                text=item.text,
                origin=item.origin,
                content_hash=content_hash(item.text, item.origin),
                flags=list(item.flags),
            )
            records.append(Record(run_id=run_id, article=article, status=item.status, reason=item.reason))
        else:
            records.append(Record(run_id=run_id, article=item))
    return mark_id_conflicts(records)


def mark_unchanged(records: list[Record], publisher: Publisher) -> list[Record]:
    """Articles whose exact content is already in the store need no work."""
    for record in _pending(records):
        if publisher.already_published(record.article):
            record.finish("unchanged", "identical content already published")
    return records


def detect(records: list[Record], config: DetectionConfig) -> list[Record]:
    from pipelines.detect import detect_language

    with _timed(records, "detect"):
        for record in _pending(records):
            sample = f"{record.article.title}\n{record.article.text}"
            record.detection = detect_language(sample, config)
            if record.detection.language == "und":
                record.finish("skipped", f"language undetermined: {record.detection.reason}")
    return records


def check_models(
    records: list[Record], translation: TranslationEngine, summary: SummaryEngine, target: str
) -> ModelCheck:
    """Resolve, once and up front, every model the pending records need."""
    languages = {r.detection.language for r in _pending(records) if r.detection}
    unroutable = translation.preflight((language, target) for language in sorted(languages))
    summary_languages = {target, *summary.config.output_languages}
    return ModelCheck(
        unroutable={f"{source}-{tgt}": reason for (source, tgt), reason in unroutable.items()},
        summary_notes=summary.preflight(sorted(summary_languages)),
    )


def translate(
    records: list[Record],
    engine: TranslationEngine,
    target: str,
    unroutable: Mapping[str, str] | None = None,
    budget_s: float | None = None,
) -> list[Record]:
    """Translate pending records into ``target``; pairs in ``unroutable`` (pair -> reason) fail at once.

    ``budget_s`` is ``article_time_budget_s``: the batch gets that much per article (see
    :mod:`pipelines.deadline`), and the articles still being translated when it runs out fail."""
    for record in _pending(records):
        pair = f"{record.detection.language if record.detection else 'und'}-{target}"
        if unroutable and pair in unroutable:
            record.finish("failed", f"translation {pair}: {unroutable[pair]}")
    deadline = Deadline.start(budget_s, len(_pending(records)), "translate")

    def step(batch: list[Record]) -> None:
        requests = [
            TranslationRequest(
                key=record.article.id,
                text=record.article.text,
                title=record.article.title,
                source_language=record.detection.language if record.detection else "und",
                target_language=target,
            )
            for record in batch
        ]
        for record, outcome in zip(batch, engine.translate(requests, deadline=deadline), strict=True):
            if outcome.translation is None:
                record.finish("failed", f"translation: {outcome.error}")
            else:
                record.translation = outcome.translation

    with _timed(records, "translate"):
        _isolating(_pending(records), step, "translation")
    return records


def summarize(
    records: list[Record], engine: SummaryEngine, target: str, budget_s: float | None = None
) -> list[Record]:
    """Summarise pending records in ``target``; ``budget_s`` as for :func:`translate`."""
    deadline = Deadline.start(budget_s, len(_pending(records)), "summarise")

    def step(batch: list[Record]) -> None:
        requests = [
            SummaryRequest(
                key=record.article.id,
                text=record.translation.text if record.translation else record.article.text,
                title=record.translation.title if record.translation else record.article.title,
                language=target,
            )
            for record in batch
        ]
        for record, outcome in zip(batch, engine.summarize(requests, deadline=deadline), strict=True):
            if outcome.error is not None:
                record.finish("failed", f"summary: {outcome.error}")
            else:
                record.summaries = outcome.summaries

    with _timed(records, "summarize"):
        _isolating(_pending(records), step, "summary")
    return records


def publish(
    records: list[Record], publisher: Publisher, signature: Signature, run_day: date
) -> list[ManifestEntry]:
    """Write each record where it belongs; pending records become published (or unchanged)."""
    entries: list[ManifestEntry] = []
    for record in records:
        record.signature = signature
        record.processed_at = datetime.now(UTC)
        key: str | None
        still_failing = False
        if record.pending:
            key = publisher.publish(record, run_day)
        elif record.status in ("failed", "skipped"):
            key, still_failing = publisher.record_failure(record)
        else:
            key = layout.record_key(record.article.id, record.article.content_hash)
        entries.append(
            ManifestEntry(
                article_id=record.article.id,
                origin=record.article.origin,
                status=record.status,
                reason=record.reason,
                language=record.detection.language if record.detection else None,
                key=key,
                still_failing=still_failing,
            )
        )
    return entries


def write_manifest(
    entries: Sequence[ManifestEntry],
    publisher: Publisher,
    signature: Signature,
    run_id: str,
    started_at: datetime,
) -> RunManifest:
    """Written last, after every object it lists, so a reader never sees a manifest of a partial run."""
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry.status] = counts.get(entry.status, 0) + 1
    manifest = RunManifest(
        run_id=run_id,
        started_at=started_at,
        finished_at=datetime.now(UTC),
        signature=signature,
        counts=counts,
        entries=list(entries),
    )
    publisher.write_manifest(manifest)
    return manifest


def _pending(records: Iterable[Record]) -> list[Record]:
    return [record for record in records if record.pending]


def _isolating(batch: list[Record], step: BatchStep, what: str) -> None:
    """Run ``step`` on the batch, then per record if it raises, so only the culprit fails.

    Engines report per-article problems in their outcomes; an exception here is a fault the engine did
    not foresee, and isolating it keeps the rest of the batch.
    """

    def fail(record: Record, exc: Exception) -> None:
        record.finish("failed", f"{what}: {_describe(exc)}")

    isolating(batch, lambda records: step(list(records)), fail, what=what)


def _describe(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, NewsdigestError) else f"{type(exc).__name__}: {exc}"


class _timed:
    """Adds the step's wall time, shared evenly, to each pending record's timings."""

    def __init__(self, records: list[Record], step: str) -> None:
        self.records = _pending(records)
        self.step = step

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc_info: object) -> None:
        if self.records:
            share = (time.perf_counter() - self.start) / len(self.records)
            for record in self.records:
                record.add_timing(self.step, share)
