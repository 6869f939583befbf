"""One run: read the sources, detect languages, check the models, translate, summarise, publish, and
write the run manifest last. The CLI, the Prefect flow, the benchmarks and the tests all call :func:`run`.

Where each step runs is the :class:`Executor`'s business. :class:`InProcess` calls every step here, in
order; the flow's executor (``flows/``) makes each whole-run step a Prefect task (none retries: the
store's requests retry on their own) and each stage of a batch one task on its task runner (threads or
Dask). Stages of a batch are named (:data:`Stage`) rather than passed as closures, so an executor can run
them in another process: :func:`run_stage` there, with that process's
:func:`~pipelines.services.services_for`.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any, Literal, Protocol, TypeVar

from pipelines import sources, stages
from pipelines.records import ManifestEntry, Record, RunManifest
from pipelines.services import Services
from pipelines.sources.inbox import InboxState
from pipelines.store.checks import check_writable

_log = logging.getLogger(__name__)

T = TypeVar("T")

Stage = Literal["detect", "translate", "summarize", "publish"]
"""A stage that works batch by batch; see :func:`run_stage`."""

BATCH_STAGES: tuple[Stage, ...] = ("translate", "summarize", "publish")
"""What happens to each batch once every model has been checked."""

Progress = Callable[[str, int, int], None]
"""``(stage, done, total)``: records that finished ``stage`` so far, of ``total``. :func:`run` reports
``read`` once the inputs are read, then ``detect``, ``translate``, ``summarize`` and ``publish`` as
batches finish each of them."""

StageFinished = Callable[[Stage, int], None]
"""``(stage, records)``: an executor's report that a batch of ``records`` records finished ``stage``."""


@dataclass(frozen=True)
class RunContext:
    """What a batch stage needs to know about its run (small and picklable: it travels to workers)."""

    run_id: str
    target: str
    run_day: date
    unroutable: dict[str, str] = field(default_factory=dict)
    """Translation pairs (``fr-en``) whose models cannot be had, with the reason."""


@dataclass
class Batch:
    """Records going through the batch stages; ``entries`` is filled when they are published."""

    records: list[Record]
    entries: list[ManifestEntry] = field(default_factory=list)


@dataclass
class RunOutcome:
    manifest: RunManifest
    records: list[Record]
    """Every record after its last stage (what the manifest lists, with the content)."""


class Executor(Protocol):
    """Runs the steps of :func:`run`."""

    def step(self, name: str, work: Callable[..., T], *args: Any) -> T:
        """Run one whole-run step, ``work(*args)``. Executors do not retry steps: the store's requests
        already retry within ``store.retries`` (:mod:`pipelines.store.retry`), the one retry layer."""
        ...

    def map_batches(
        self,
        stage_names: Sequence[Stage],
        batches: Sequence[Batch],
        context: RunContext,
        finished: StageFinished | None = None,
    ) -> Iterator[Batch]:
        """Run ``stage_names`` in order on every batch; yield the finished batches in their order.

        ``finished(stage, records)`` is called each time a batch has finished a stage (in the thread that
        iterates), which is how :func:`run` reports progress per stage."""
        ...


class InProcess:
    """The plain executor: every step in this thread, batch after batch."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def step(self, name: str, work: Callable[..., T], *args: Any) -> T:
        return work(*args)

    def map_batches(
        self,
        stage_names: Sequence[Stage],
        batches: Sequence[Batch],
        context: RunContext,
        finished: StageFinished | None = None,
    ) -> Iterator[Batch]:
        for batch in batches:
            for stage in stage_names:
                batch = run_stage(stage, batch, self.services, context)
                if finished is not None:
                    finished(stage, len(batch.records))
            yield batch


def run_stage(stage: Stage, batch: Batch, services: Services, context: RunContext) -> Batch:
    """One batch stage, given only the services it uses."""
    if stage == "detect":
        return Batch(stages.detect(batch.records, services.config.detection))
    budget = services.config.article_time_budget_s
    if stage == "translate":
        return Batch(
            stages.translate(batch.records, services.translation, context.target, context.unroutable, budget)
        )
    if stage == "summarize":
        return Batch(stages.summarize(batch.records, services.summary, context.target, budget))
    entries = stages.publish(batch.records, services.publisher, services.signature, context.run_day)
    return Batch(batch.records, entries)


def new_run_id(now: datetime | None = None) -> str:
    """A sortable, key-safe run id: UTC timestamp plus randomness, e.g. ``20261125T210000Z-3f9a1c``."""
    moment = now or datetime.now(UTC)
    return f"{moment.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"


def run(
    inputs: Iterable[str | os.PathLike[str]],
    services: Services,
    *,
    executor: Executor | None = None,
    on_progress: Progress | None = None,
    logger: logging.Logger | logging.LoggerAdapter[Any] | None = None,
) -> RunOutcome:
    """Process ``inputs`` and publish the results; returns the manifest (also written to the store, last).

    ``inputs`` are local files or folders, ``http(s)://`` RSS/Atom feed URLs (each item's page is
    fetched) and ``s3://bucket/prefix/`` inboxes (objects new since the last successful run). An inbox
    advances only after the manifest is written, so a failed run takes the same objects again.
    ``logger`` (default: this module's) receives the run's start, model warnings and end.
    """
    log = logger or _log
    executor = executor or InProcess(services)
    config = services.config
    entries_given = [os.fspath(entry) for entry in inputs]
    started_at = datetime.now(UTC)
    run_id = new_run_id(started_at)
    log.info("run %s: reading %s into %s", run_id, ", ".join(entries_given), config.store.url)
    check_writable(services.store)  # in seconds, before any input is read or model loaded

    records, watermarks = executor.step("ingest_articles", read_inputs, entries_given, services, run_id)
    progress = _StageProgress(len(records), on_progress)
    progress.read()
    context = RunContext(run_id, config.target_language, started_at.date())
    detected = [
        record
        for batch in executor.map_batches(
            ("detect",), _batches(records, config.batch_size, None), context, progress.finished
        )
        for record in batch.records
    ]
    check = executor.step("check_models", _check_models, detected, services, context.target)
    for pair, reason in check.unroutable.items():
        log.warning("translation %s unavailable: %s", pair, reason)
    for kind, note in check.summary_notes.items():
        log.warning("summary %s falls back: %s", kind, note)
    context = replace(context, unroutable=check.unroutable)

    processed: list[Record] = []
    entries: list[ManifestEntry] = []
    batches = _batches(detected, config.batch_size, config.big_article_chars)
    finished = executor.map_batches(BATCH_STAGES, batches, context, progress.finished)
    for batch in finished:
        processed.extend(batch.records)
        entries.extend(batch.entries)
        _log_problems(log, batch.entries)

    manifest = executor.step(
        "write_run_manifest",
        stages.write_manifest,
        entries,
        services.publisher,
        services.signature,
        run_id,
        started_at,
    )
    if watermarks:
        executor.step("advance_inboxes", sources.save_watermarks, services.store, watermarks, run_id)
    counts = " ".join(f"{status}={count}" for status, count in sorted(manifest.counts.items()))
    log.info("run %s finished: %s", run_id, counts)
    return RunOutcome(manifest, processed)


def read_inputs(
    entries: Sequence[str], services: Services, run_id: str
) -> tuple[list[Record], list[InboxState]]:
    """Every input as a record (pending, unchanged, or failed with its reason), and the inbox watermarks."""
    config = services.config
    found = sources.gather(
        entries,
        services.store,
        ingest=config.ingest,
        settings=config.sources,
        fetch=services.fetch,
        s3_client=services.s3_client if any(sources.is_inbox(entry) for entry in entries) else None,
        s3_retry=services.s3_retry,
    )
    records = stages.mark_unchanged(stages.to_records(found.items, run_id), services.publisher)
    return records, found.watermarks


def _check_models(records: list[Record], services: Services, target: str) -> stages.ModelCheck:
    return stages.check_models(records, services.translation, services.summary, target)


def _batches(records: Sequence[Record], size: int, big_chars: int | None) -> list[Batch]:
    """Batches of ``size`` records in input order; then each record of more than ``big_chars`` characters
    of text (``big_article_chars``) in a batch of its own, in input order.

    A big article takes minutes; pooled with small ones it would hold every one of them until it was done
    (and a batch fails or finishes as one task). Alone and last, it delays nothing, and the article time
    budget it may run into is its own (:mod:`pipelines.deadline`). Records that are already final (failed
    at ingest, unchanged) need no work and stay with the small ones, whatever their size.
    """
    big = [r for r in records if big_chars is not None and r.pending and len(r.article.text) > big_chars]
    chosen = {id(record) for record in big}
    small = [record for record in records if id(record) not in chosen]
    pooled = [Batch(small[start : start + size]) for start in range(0, len(small), size)]
    return pooled + [Batch([record]) for record in big]


class _StageProgress:
    """Counts the records that finished each stage and reports ``(stage, done, total)``."""

    def __init__(self, total: int, on_progress: Progress | None) -> None:
        self.total = total
        self.on_progress = on_progress
        self.done: dict[str, int] = {}

    def read(self) -> None:
        if self.on_progress is not None:
            self.on_progress("read", self.total, self.total)

    def finished(self, stage: Stage, records: int) -> None:
        self.done[stage] = self.done.get(stage, 0) + records
        if self.on_progress is not None:
            self.on_progress(stage, self.done[stage], self.total)


def _log_problems(log: logging.Logger | logging.LoggerAdapter[Any], entries: Sequence[ManifestEntry]) -> None:
    """Each failed or skipped article at WARNING with its reason (the others at DEBUG)."""
    for entry in entries:
        problem = entry.status in ("failed", "skipped")
        log.log(
            logging.WARNING if problem else logging.DEBUG,
            "article %s (%s, %s) %s%s",
            entry.article_id,
            entry.origin,
            entry.language or "und",
            entry.status,
            f": {entry.reason}" if problem else "",
        )
