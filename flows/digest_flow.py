"""The Prefect flow that publishes news digests: :func:`pipelines.runner.run` with a Prefect executor.

Task runs grow with batches, not with articles × steps: one ingest, one model check, four tasks per
batch (detect, translate, summarize, publish) and one manifest (plus one to advance ``s3://`` inboxes).
No task retries: every S3 request already retries within ``store.retries`` (:mod:`pipelines.store.retry`),
the one retry layer of each call path, and model, input, permission and credential errors are
deterministic and recorded once. Tasks do not persist their results (they are large and only needed inside
the run); the flow persists its return value, the run manifest, so ``run_deployment(...).state.result()``
works.

Each run publishes a markdown and a table artifact (see :mod:`flows.report`) and ends with the log line
``newsdigest run <id> finished: published=N ...`` for cron logs to grep.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from prefect import Flow, Task, flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture, as_completed
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from flows.report import build_report, counts_table, render_markdown
from flows.settings import flow_settings
from pipelines import (
    Batch,
    Config,
    MissingDependency,
    Progress,
    Record,
    RunContext,
    RunManifest,
    Stage,
    StageFinished,
    failed_share_exceeded,
    load_config,
    run,
    run_stage,
    services_for,
)

T = TypeVar("T")

REPORT_ARTIFACT_KEY = "news-digests-report"
COUNTS_ARTIFACT_KEY = "news-digests-counts"


_TASK: dict[str, Any] = {"cache_policy": NO_CACHE, "persist_result": False}


def _stage(batch: Batch, config: Config, context: RunContext, stage: Stage) -> Batch:
    """A batch stage on whichever process the task runner chose, with that process's services."""
    return run_stage(stage, batch, services_for(config), context)


detect_languages = task(name="detect_languages", **_TASK)(_stage)
translate_articles = task(name="translate_articles", **_TASK)(_stage)
summarize_articles = task(name="summarize_articles", **_TASK)(_stage)
publish_records = task(name="publish_records", **_TASK)(_stage)
_STAGE_TASKS = {
    "detect": detect_languages,
    "translate": translate_articles,
    "summarize": summarize_articles,
    "publish": publish_records,
}


def step_task(name: str, work: Callable[..., T]) -> Task[..., T]:
    """A whole-run step as a task run in the flow's thread."""
    return task(name=name, **_TASK)(work)


class PrefectExecutor:
    """Whole-run steps as Prefect tasks in the flow's thread; each stage of a batch one task on ``runner``."""

    def __init__(self, config: Config, runner: TaskRunner[Any]) -> None:
        self.config = config
        self.runner = runner

    def step(self, name: str, work: Callable[..., T], *args: Any) -> T:
        return step_task(name, work)(*args)

    def map_batches(
        self,
        stage_names: Sequence[Stage],
        batches: Sequence[Batch],
        context: RunContext,
        finished: StageFinished | None = None,
    ) -> Iterator[Batch]:
        """Submit every stage of every batch at once; report each stage task as it completes, then yield
        the batches in their order."""
        stage_runs: dict[PrefectFuture[Batch], tuple[Stage, int]] = {}
        last: list[PrefectFuture[Batch]] = []
        for batch in batches:
            current: Batch | PrefectFuture[Batch] = batch
            for stage in stage_names:
                parameters = {"batch": current, "config": self.config, "context": context, "stage": stage}
                current = self.runner.submit(_STAGE_TASKS[stage], parameters)
                stage_runs[current] = (stage, len(batch.records))
            last.append(current)  # type: ignore[arg-type]
        for future in as_completed(list(stage_runs)):
            future.wait()  # keeps the final state: `state` would otherwise ask the API, which may lag
            stage, records = stage_runs[future]
            if finished is not None and future.state.is_completed():
                finished(stage, records)
        for future in last:
            yield future.result()


def resolve_config(config_file: str | None, store_url: str | None, target_language: str | None) -> Config:
    overrides: dict[str, Any] = {}
    if store_url:
        overrides["store.url"] = store_url
    if target_language:
        overrides["target_language"] = target_language
    config = load_config(config_file, overrides)
    flow_settings(config)
    return config


def task_runner_for(config: Config) -> TaskRunner[Any]:
    """The task runner for the batch tasks, as the ``flow`` settings ask: threads here, or Dask.

    It is chosen per run from the run's config (not fixed in the flow's decorator), so the same
    deployment can run on threads or on a cluster whether it is served, run by a worker or by the CLI.
    With Dask (``prefect-dask``), the batch stages run on the cluster's worker processes and each worker
    builds its services once (:func:`pipelines.services_for`), so it loads each model once.
    Without ``flow.dask_address`` a LocalCluster of ``flow.dask_workers`` processes on 127.0.0.1 is
    started for the run and closed after it.
    """
    settings = flow_settings(config)
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


def run_in_flow(
    inputs: list[str], config: Config, on_progress: Progress | None = None, config_file: str | None = None
) -> RunManifest:
    """The body of the flow: the run on the configured task runner, then the report artifacts (which name
    the store and ``config_file``)."""
    logger = get_run_logger()
    with task_runner_for(config) as runner:
        outcome = run(
            inputs,
            services_for(config),
            executor=PrefectExecutor(config, runner),
            on_progress=on_progress,
            logger=logger,
        )
    manifest = outcome.manifest
    _publish_report(manifest, outcome.records, config.store.url, config_file)
    counts = " ".join(f"{status}={count}" for status, count in sorted(manifest.counts.items()))
    logger.info("newsdigest run %s finished: %s", manifest.run_id, counts)
    failed = failed_share_exceeded(manifest, flow_settings(config).fail_above)
    if failed is not None:
        raise failed
    return manifest


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
    return run_in_flow(
        paths, resolve_config(config_file, store_url, target_language), config_file=config_file
    )


def flow_for(
    config: Config, on_progress: Progress | None = None, config_file: str | None = None
) -> Flow[[list[str]], RunManifest]:
    """The same flow over an already loaded config, reporting progress (what the CLI runs)."""

    @flow(name="news-digests", persist_result=True, validate_parameters=True)
    def news_digests(paths: list[str]) -> RunManifest:
        return run_in_flow(paths, config, on_progress, config_file)

    return news_digests


def _publish_report(
    manifest: RunManifest, processed: list[Record], store_url: str, config_file: str | None
) -> None:
    report = build_report(manifest, processed, store_url=store_url, config_file=config_file)
    description = f"newsdigest run {manifest.run_id} into {store_url}"
    create_markdown_artifact(render_markdown(report), key=REPORT_ARTIFACT_KEY, description=description)
    create_table_artifact(counts_table(report), key=COUNTS_ARTIFACT_KEY, description=description)
