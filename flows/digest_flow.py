"""The Prefect flow that publishes news digests: thin tasks over :mod:`pipelines.stages`.

Task runs grow with batches, not with articles × steps: one ingest, one model check, four tasks per
batch (detect, translate, summarize, publish) and one manifest (plus one to advance ``s3://`` inboxes).
Only storage tasks retry, with exponential backoff and jitter, and only when the store is unreachable
(:class:`~pipelines.errors.StoreUnavailable`); model, input and permission errors are deterministic and
recorded once. Tasks do not persist their results (they are large and only needed inside the run); the
flow persists its return value, the run manifest, so ``run_deployment(...).state.result()`` works.

Each run publishes a markdown and a table artifact (see :mod:`flows.report`) and ends with the log line
``newsdigest run <id> finished: published=N ...`` for cron logs to grep.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from prefect.tasks import exponential_backoff

from flows.report import build_report, counts_table, render_markdown
from pipelines import sources, stages
from pipelines.config import Config, load_config
from pipelines.errors import MissingDependency, StoreUnavailable
from pipelines.records import ManifestEntry, Record, RunManifest
from pipelines.runtime import new_run_id, runtime_for
from pipelines.sources.inbox import InboxState
from pipelines.store.checks import check_writable

ProgressCallback = Callable[[int, int], None]
_progress_listeners: list[ProgressCallback] = []


REPORT_ARTIFACT_KEY = "news-digests-report"
COUNTS_ARTIFACT_KEY = "news-digests-counts"


def is_transient(error: BaseException | None) -> bool:
    """Worth retrying: the store could not be reached. Everything else would fail the same way again."""
    return isinstance(error, StoreUnavailable)


def retry_if_transient(_task: Any, _run: Any, state: Any) -> bool:
    return is_transient(state.result(raise_on_failure=False))


STORAGE_RETRIES: dict[str, Any] = {
    "retries": 4,
    "retry_delay_seconds": exponential_backoff(backoff_factor=1),
    "retry_jitter_factor": 0.5,
    "retry_condition_fn": retry_if_transient,
}
_TASK: dict[str, Any] = {"cache_policy": NO_CACHE, "persist_result": False}


@task(**_TASK, **STORAGE_RETRIES)
def ingest_articles(paths: list[str], config: Config, run_id: str) -> tuple[list[Record], list[InboxState]]:
    runtime = runtime_for(config)
    found = sources.gather(paths, config, runtime.store)
    return stages.mark_unchanged(stages.to_records(found.items, run_id), runtime), found.watermarks


@task(**_TASK)
def detect_languages(batch: list[Record], config: Config) -> list[Record]:
    return stages.detect(batch, config)


@task(**_TASK)
def check_models(records: list[Record], config: Config) -> stages.ModelCheck:
    return stages.check_models(records, runtime_for(config))


@task(**_TASK)
def translate_articles(batch: list[Record], config: Config, check: stages.ModelCheck) -> list[Record]:
    return stages.translate(batch, runtime_for(config), check)


@task(**_TASK)
def summarize_articles(batch: list[Record], config: Config) -> list[Record]:
    return stages.summarize(batch, runtime_for(config))


@task(**_TASK, **STORAGE_RETRIES)
def publish_records(batch: list[Record], config: Config, run_day: date) -> list[ManifestEntry]:
    return stages.publish(batch, runtime_for(config), run_day)


@task(**_TASK, **STORAGE_RETRIES)
def write_run_manifest(
    entries: list[ManifestEntry], config: Config, run_id: str, started_at: datetime
) -> RunManifest:
    return stages.write_manifest(entries, runtime_for(config), run_id, started_at)


@task(**_TASK, **STORAGE_RETRIES)
def advance_inboxes(watermarks: list[InboxState], config: Config, run_id: str) -> list[str]:
    return sources.save_watermarks(runtime_for(config).store, watermarks, run_id)


def add_progress_listener(listener: ProgressCallback) -> Callable[[], None]:
    """Call ``listener(done, total)`` as batches are published in this process; returns a remover."""
    _progress_listeners.append(listener)
    return lambda: _progress_listeners.remove(listener)


def resolve_config(config_file: str | None, store_url: str | None, target_language: str | None) -> Config:
    overrides: dict[str, Any] = {}
    if store_url:
        overrides["store.url"] = store_url
    if target_language:
        overrides["target_language"] = target_language
    return load_config(config_file, overrides)


def task_runner_for(config: Config) -> TaskRunner[Any]:
    """The task runner for the batch tasks, as ``config.flow`` asks: threads here, or Dask.

    It is chosen per run from the run's config (not fixed in the flow's decorator), so the same
    deployment can run on threads or on a cluster whether it is served, run by a worker or by the CLI.
    With Dask (``prefect-dask``), translate, summarize and publish run on the cluster's worker processes
    and each worker builds its runtime once (:func:`pipelines.runtime.runtime_for`), so it loads each
    model once. Without ``flow.dask_address`` a LocalCluster of ``flow.dask_workers`` processes on
    127.0.0.1 is started for the run and closed after it.
    """
    settings = config.flow
    if settings.task_runner == "threads":
        return ThreadPoolTaskRunner(max_workers=settings.max_workers)
    try:
        from prefect_dask.task_runners import DaskTaskRunner
    except ImportError:
        raise MissingDependency("prefect-dask", "dask", "flow.task_runner: dask") from None

    if settings.dask_address:
        return DaskTaskRunner(address=settings.dask_address)
    return DaskTaskRunner(
        cluster_class="distributed.LocalCluster",
        cluster_kwargs={
            "n_workers": settings.dask_workers,
            "threads_per_worker": settings.dask_threads_per_worker,
            "processes": True,
            "host": "127.0.0.1",
            "dashboard_address": None,
        },
    )


@flow(name="news-digests", persist_result=True, validate_parameters=True)
def news_digests(
    paths: list[str],
    config_file: str | None = None,
    store_url: str | None = None,
    target_language: str | None = None,
) -> RunManifest:
    """Ingest, detect, translate, summarise and publish the articles under ``paths``.

    ``paths`` are local files or folders, ``http(s)://`` RSS/Atom feed URLs (each item's page is
    fetched) and ``s3://bucket/prefix/`` inboxes (objects new since the last successful run).
    Returns the run manifest (also written to the store, last).
    """
    logger = get_run_logger()
    config = resolve_config(config_file, store_url, target_language)
    started_at = datetime.now(UTC)
    run_id = new_run_id(started_at)
    logger.info("run %s: reading %s into %s", run_id, ", ".join(paths), config.store.url)

    check_writable(runtime_for(config).store)
    records, watermarks = ingest_articles(paths, config, run_id)
    detected: list[Record] = []
    for batch in stages.batches(records, config.batch_size):
        detected.extend(detect_languages(batch, config))
    check = check_models(detected, config)
    for pair, reason in check.unroutable.items():
        logger.warning("translation %s unavailable: %s", pair, reason)
    for kind, note in check.summary_notes.items():
        logger.warning("summary %s falls back: %s", kind, note)

    entries: list[ManifestEntry] = []
    processed: list[Record] = []
    with task_runner_for(config) as runner:
        submitted: list[tuple[PrefectFuture[list[Record]], PrefectFuture[list[ManifestEntry]]]] = []
        for batch in stages.batches(detected, config.batch_size):
            translated = runner.submit(translate_articles, {"batch": batch, "config": config, "check": check})
            summarized = runner.submit(summarize_articles, {"batch": translated, "config": config})
            published = runner.submit(
                publish_records, {"batch": summarized, "config": config, "run_day": started_at.date()}
            )
            submitted.append((summarized, published))
        for summarized, published in submitted:
            batch_entries = published.result()
            processed.extend(summarized.result())
            entries.extend(batch_entries)
            _log_entries(logger, batch_entries)
            for listener in list(_progress_listeners):
                listener(len(entries), len(detected))

    manifest = write_run_manifest(entries, config, run_id, started_at)
    if watermarks:
        advance_inboxes(watermarks, config, run_id)
    _publish_report(manifest, processed)
    counts = " ".join(f"{status}={count}" for status, count in sorted(manifest.counts.items()))
    logger.info("newsdigest run %s finished: %s", run_id, counts)
    return manifest


def _log_entries(logger: Any, entries: list[ManifestEntry]) -> None:
    for entry in entries:
        problem = entry.status in ("failed", "skipped")
        logger.log(
            logging.INFO if problem else logging.DEBUG,
            "article %s (%s, %s) %s%s",
            entry.article_id,
            entry.origin,
            entry.language or "und",
            entry.status,
            f": {entry.reason}" if problem else "",
        )


def _publish_report(manifest: RunManifest, processed: list[Record]) -> None:
    report = build_report(manifest, processed)
    description = f"newsdigest run {manifest.run_id}"
    create_markdown_artifact(render_markdown(report), key=REPORT_ARTIFACT_KEY, description=description)
    create_table_artifact(counts_table(report), key=COUNTS_ARTIFACT_KEY, description=description)
