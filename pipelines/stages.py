"""The stages of a run, each a plain function over a batch of records.

This module is the only place the steps are strung together; the Prefect flow, the benchmarks and
:func:`run_pipeline` (a direct call with no orchestrator) all call these functions. Each stage touches
only pending records and gives every record a final status with a reason when it cannot go on, so one
bad article never sinks its batch and every input ends published or recorded.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.config import Config
from pipelines.dedupe import mark_id_conflicts
from pipelines.errors import NewsdigestError
from pipelines.records import Article, ManifestEntry, Record, RunManifest, article_id_for, content_hash
from pipelines.runtime import Runtime, new_run_id
from pipelines.store import layout
from pipelines.store.checks import check_writable
from pipelines.summarize.base import SummaryRequest
from pipelines.translate.base import TranslationRequest

if TYPE_CHECKING:
    from pipelines.ingest import IngestFailure

log = logging.getLogger(__name__)

BatchStep = Callable[[list[Record]], None]


@dataclass
class ModelCheck:
    """What the up-front model check found: pairs that cannot be translated, summaries that fall back."""

    unroutable: dict[str, str] = field(default_factory=dict)
    summary_notes: dict[str, str] = field(default_factory=dict)


def ingest(paths: Sequence[Path | str], config: Config, run_id: str) -> list[Record]:
    """Read every input file; unreadable ones become failed records that keep what could be recovered."""
    from pipelines.ingest import read_inputs

    return to_records(read_inputs(paths, config.ingest), run_id)


def to_records(items: Sequence[Article | IngestFailure], run_id: str) -> list[Record]:
    """One pending record per article; a failure keeps what could be recovered, with its reason."""
    from pipelines.ingest import IngestFailure

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


def mark_unchanged(records: list[Record], runtime: Runtime) -> list[Record]:
    """Articles whose exact content is already in the store need no work."""
    for record in _pending(records):
        if runtime.publisher.already_published(record.article):
            record.finish("unchanged", "identical content already published")
    return records


def detect(records: list[Record], config: Config) -> list[Record]:
    from pipelines.detect import detect_language

    with _timed(records, "detect"):
        for record in _pending(records):
            sample = f"{record.article.title}\n{record.article.text}"
            record.detection = detect_language(sample, config.detection)
            if record.detection.language == "und":
                record.finish("skipped", f"language undetermined: {record.detection.reason}")
    return records


def check_models(records: list[Record], runtime: Runtime) -> ModelCheck:
    """Resolve, once and up front, every model the pending records need."""
    target = runtime.config.target_language
    languages = {r.detection.language for r in _pending(records) if r.detection}
    unroutable = runtime.translation.preflight((language, target) for language in sorted(languages))
    summary_languages = {target, *runtime.config.summary.output_languages}
    return ModelCheck(
        unroutable={f"{source}-{tgt}": reason for (source, tgt), reason in unroutable.items()},
        summary_notes=runtime.summary.preflight(sorted(summary_languages)),
    )


def translate(records: list[Record], runtime: Runtime, check: ModelCheck | None = None) -> list[Record]:
    target = runtime.config.target_language
    for record in _pending(records):
        pair = f"{record.detection.language if record.detection else 'und'}-{target}"
        if check and pair in check.unroutable:
            record.finish("failed", f"translation {pair}: {check.unroutable[pair]}")

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
        for record, outcome in zip(batch, runtime.translation.translate(requests), strict=True):
            if outcome.translation is None:
                record.finish("failed", f"translation: {outcome.error}")
            else:
                record.translation = outcome.translation

    with _timed(records, "translate"):
        _isolating(_pending(records), step, "translation")
    return records


def summarize(records: list[Record], runtime: Runtime) -> list[Record]:
    target = runtime.config.target_language

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
        for record, outcome in zip(batch, runtime.summary.summarize(requests), strict=True):
            if outcome.error is not None:
                record.finish("failed", f"summary: {outcome.error}")
            else:
                record.summaries = outcome.summaries

    with _timed(records, "summarize"):
        _isolating(_pending(records), step, "summary")
    return records


def publish(records: list[Record], runtime: Runtime, run_day: date) -> list[ManifestEntry]:
    """Write each record where it belongs; pending records become published (or unchanged)."""
    entries: list[ManifestEntry] = []
    for record in records:
        record.signature = runtime.signature
        record.processed_at = datetime.now(UTC)
        key: str | None
        if record.pending:
            key = runtime.publisher.publish(record, run_day)
        elif record.status in ("failed", "skipped"):
            key = runtime.publisher.record_failure(record)
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
            )
        )
    return entries


def write_manifest(
    entries: Sequence[ManifestEntry], runtime: Runtime, run_id: str, started_at: datetime
) -> RunManifest:
    """Written last, after every object it lists, so a reader never sees a manifest of a partial run."""
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry.status] = counts.get(entry.status, 0) + 1
    manifest = RunManifest(
        run_id=run_id,
        started_at=started_at,
        finished_at=datetime.now(UTC),
        signature=runtime.signature,
        counts=counts,
        entries=list(entries),
    )
    runtime.publisher.write_manifest(manifest)
    return manifest


def batches(records: Sequence[Record], size: int) -> list[list[Record]]:
    return [list(records[start : start + size]) for start in range(0, len(records), size)]


def run_pipeline(
    paths: Sequence[Path | str],
    config: Config,
    runtime: Runtime | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> RunManifest:
    """The whole run in this process with no orchestrator: what the flow does, minus Prefect."""
    runtime = runtime or Runtime(config)
    check_writable(runtime.store)
    started_at = datetime.now(UTC)
    run_id = new_run_id(started_at)
    records = mark_unchanged(ingest(paths, config, run_id), runtime)
    records = detect(records, config)
    check = check_models(records, runtime)
    entries: list[ManifestEntry] = []
    for batch in batches(records, config.batch_size):
        batch = summarize(translate(batch, runtime, check), runtime)
        entries.extend(publish(batch, runtime, started_at.date()))
        if on_progress:
            on_progress(len(entries), len(records))
    return write_manifest(entries, runtime, run_id, started_at)


def _pending(records: Iterable[Record]) -> list[Record]:
    return [record for record in records if record.pending]


def _isolating(batch: list[Record], step: BatchStep, what: str) -> None:
    """Run ``step`` on the batch; if it raises, run it per record so only the culprit fails.

    Engines report per-article problems in their outcomes; an exception here is a fault the engine did
    not foresee (a torch error on one odd input, say), and isolating it keeps the rest of the batch.
    """
    if not batch:
        return
    try:
        step(batch)
        return
    except Exception as exc:  # noqa: BLE001 - any fault is retried per record, then recorded
        if len(batch) == 1:
            batch[0].finish("failed", f"{what}: {_describe(exc)}")
            return
        log.warning("%s failed for a batch of %d (%s); retrying one article at a time", what, len(batch), exc)
    for record in batch:
        try:
            step([record])
        except Exception as exc:  # noqa: BLE001 - recorded as this article's failure reason
            record.finish("failed", f"{what}: {_describe(exc)}")


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
