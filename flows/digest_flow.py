"""The Prefect flow that publishes news digests: thin tasks over :mod:`pipelines.stages`.

Task runs grow with batches, not with articles × steps: one ingest, one model check, four tasks per
batch (detect, translate, summarize, publish) and one manifest. Only storage tasks retry, with
exponential backoff and jitter; model and input errors are deterministic and recorded once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.tasks import exponential_backoff

from pipelines import stages
from pipelines.config import Config, load_config
from pipelines.errors import ObjectNotFound, StoreError
from pipelines.records import ManifestEntry, Record, RunManifest
from pipelines.runtime import new_run_id, runtime_for

ProgressCallback = Callable[[int, int], None]
_progress_listeners: list[ProgressCallback] = []


def _is_transient_store_error(_task: Any, _run: Any, state: Any) -> bool:
    return isinstance(state.data, StoreError) and not isinstance(state.data, ObjectNotFound)


_STORAGE_RETRIES: dict[str, Any] = {
    "retries": 4,
    "retry_delay_seconds": exponential_backoff(backoff_factor=1),
    "retry_jitter_factor": 0.5,
    "retry_condition_fn": _is_transient_store_error,
}


@task(cache_policy=NO_CACHE, **_STORAGE_RETRIES)
def ingest_articles(paths: list[str], config: Config, run_id: str) -> list[Record]:
    return stages.mark_unchanged(stages.ingest(paths, config, run_id), runtime_for(config))


@task(cache_policy=NO_CACHE)
def detect_languages(batch: list[Record], config: Config) -> list[Record]:
    return stages.detect(batch, config)


@task(cache_policy=NO_CACHE)
def check_models(records: list[Record], config: Config) -> stages.ModelCheck:
    return stages.check_models(records, runtime_for(config))


@task(cache_policy=NO_CACHE)
def translate_articles(batch: list[Record], config: Config, check: stages.ModelCheck) -> list[Record]:
    return stages.translate(batch, runtime_for(config), check)


@task(cache_policy=NO_CACHE)
def summarize_articles(batch: list[Record], config: Config) -> list[Record]:
    return stages.summarize(batch, runtime_for(config))


@task(cache_policy=NO_CACHE, **_STORAGE_RETRIES)
def publish_records(batch: list[Record], config: Config, run_day: date) -> list[ManifestEntry]:
    return stages.publish(batch, runtime_for(config), run_day)


@task(cache_policy=NO_CACHE, **_STORAGE_RETRIES)
def write_run_manifest(
    entries: list[ManifestEntry], config: Config, run_id: str, started_at: datetime
) -> RunManifest:
    return stages.write_manifest(entries, runtime_for(config), run_id, started_at)


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


@flow(
    name="news-digests",
    task_runner=ThreadPoolTaskRunner(max_workers=2),
    persist_result=True,
    validate_parameters=True,
)
def news_digests(
    paths: list[str],
    config_file: str | None = None,
    store_url: str | None = None,
    target_language: str | None = None,
) -> RunManifest:
    """Ingest, detect, translate, summarise and publish the articles under ``paths``.

    Returns the run manifest (also written to the store, last).
    """
    logger = get_run_logger()
    config = resolve_config(config_file, store_url, target_language)
    started_at = datetime.now(UTC)
    run_id = new_run_id(started_at)
    logger.info("run %s: reading %s into %s", run_id, ", ".join(paths), config.store.url)

    records = ingest_articles(paths, config, run_id)
    detected: list[Record] = []
    for batch in stages.batches(records, config.batch_size):
        detected.extend(detect_languages(batch, config))
    check = check_models(detected, config)
    for pair, reason in check.unroutable.items():
        logger.warning("translation %s unavailable: %s", pair, reason)
    for kind, note in check.summary_notes.items():
        logger.warning("summary %s falls back: %s", kind, note)

    published: list[PrefectFuture[list[ManifestEntry]]] = []
    for batch in stages.batches(detected, config.batch_size):
        translated = translate_articles.submit(batch, config, check)
        summarized = summarize_articles.submit(translated, config)
        published.append(publish_records.submit(summarized, config, started_at.date()))

    entries: list[ManifestEntry] = []
    for future in published:
        batch_entries = future.result()
        entries.extend(batch_entries)
        for entry in batch_entries:
            if entry.status in ("failed", "skipped"):
                logger.info(
                    "article %s (%s) %s: %s", entry.article_id, entry.origin, entry.status, entry.reason
                )
        for listener in list(_progress_listeners):
            listener(len(entries), len(detected))

    manifest = write_run_manifest(entries, config, run_id, started_at)
    counts = " ".join(f"{status}={count}" for status, count in sorted(manifest.counts.items()))
    logger.info("newsdigest run %s finished: %s", run_id, counts)
    return manifest
