"""What Prefect costs, and what a second Dask worker buys, on 200 synthetic articles with tiny models.

Four timed runs of the same workload, each into a fresh local store (so nothing is "unchanged"), in one
process after a warm-up that loads the models:

- ``direct``: :func:`pipelines.runner.run` with its in-process executor, no orchestrator;
- ``flow``: the ``news-digests`` flow with its thread-pool task runner (2 threads: two batches in
  flight), under a local Prefect test server (its start-up is not timed), with the flow run's task runs
  counted;
- ``flow-1``: the same with one thread, so batches run one at a time as in ``direct``; its wall time
  minus the run time of its task runs (as Prefect records them) is what the flow spends outside the
  work: Prefect's own cost plus the flow body;
- ``dask-1`` and ``dask-2``: the flow on a LocalCluster of 1 and 2 worker processes (one thread each),
  each cluster warmed up first so every worker has its models loaded.

    python benchmarks/flow_overhead.py [--articles 200] [--batch-size 16] [--json FILE]

Prints one line per run and the ratios. Timings on a shared 2-core machine vary from run to run; the load
average is printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "articles"
PLAIN = sorted(path for path in EXAMPLES.glob("*.txt"))

ENVIRONMENT = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "HF_HUB_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}


def write_articles(folder: Path, count: int) -> Path:
    """``count`` distinct articles: the example texts in turn, each with a numbered last line."""
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        source = PLAIN[number % len(PLAIN)]
        text = source.read_text(encoding="utf-8").rstrip()
        (folder / f"{number:04d}-{source.name}").write_text(f"{text}\n\n#{number}\n", encoding="utf-8")
    return folder


def tiny_overrides(models: Path, batch_size: int) -> dict[str, Any]:
    from tests.support import build_tiny_bart, build_tiny_marian

    marian = str(build_tiny_marian(models / "marian"))
    bart = str(build_tiny_bart(models / "bart"))
    languages = ("fr", "de", "es", "it", "pt", "ru", "uk", "zh", "ar")
    summary = {"model": bart, "num_beams": 1, "min_length": 2}
    return {
        "translation.models": {f"{language}-en": marian for language in languages},
        "translation.fallback": marian,
        "translation.num_beams": 1,
        "summary.short": {**summary, "max_length": 16, "max_words": 35, "sentences": 1},
        "summary.long": {**summary, "max_length": 32, "max_words": 140, "sentences": 3},
        "batch_size": batch_size,
        "models.threads": 1,
        "models.cache_dir": str(models / "cache"),
    }


def config_file(scratch: Path, name: str, overrides: dict[str, Any], **extra: Any) -> Path:
    import yaml

    from pipelines.config import load_config

    config = load_config(None, {**overrides, "store.url": str(scratch / f"store-{name}"), **extra})
    path = scratch / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config.model_dump(mode="json"), allow_unicode=True))
    return path


def task_runs(flow_run_id: Any) -> tuple[int, float]:
    """How many task runs the flow run had, and the sum of their run times in seconds."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
    return len(runs), sum(run.total_run_time.total_seconds() for run in runs)


def timed_flow(paths: list[str], config: Path) -> tuple[float, dict[str, int], int, float]:
    from flows.digest_flow import news_digests

    started = time.perf_counter()
    state = news_digests(paths=paths, config_file=str(config), return_state=True)
    seconds = time.perf_counter() - started
    manifest = state.result()
    return seconds, manifest.counts, *task_runs(state.state_details.flow_run_id)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    for name, value in ENVIRONMENT.items():
        os.environ.setdefault(name, value)

    from distributed import LocalCluster
    from prefect.testing.utilities import prefect_test_harness

    from pipelines.config import load_config
    from pipelines.runner import run
    from pipelines.services import build_services

    scratch = Path(tempfile.mkdtemp(prefix="newsdigest-flow-overhead-"))
    os.environ["PREFECT_HOME"] = str(scratch / "prefect")
    overrides = tiny_overrides(scratch / "models", args.batch_size)
    articles = [str(write_articles(scratch / "articles", args.articles))]
    warmup = [str(write_articles(scratch / "warmup", 8))]
    warmup_workers = [str(write_articles(scratch / "warmup-workers", 4 * args.batch_size))]
    results: dict[str, dict[str, Any]] = {}

    def report(
        name: str, seconds: float, counts: dict[str, int], runs: int | None = None, task_s: float = 0.0
    ) -> None:
        results[name] = {"seconds": round(seconds, 2), "counts": counts, "task_runs": runs}
        detail = ""
        if runs is not None:
            results[name]["task_seconds"] = round(task_s, 2)
            detail = f", {runs} task runs taking {task_s:.2f} s"
        print(f"{name:8} {seconds:7.2f} s  {counts}{detail}  load {os.getloadavg()[0]:.2f}", flush=True)

    run(warmup, build_services(load_config(config_file(scratch, "warm-direct", overrides))))
    started = time.perf_counter()
    manifest = run(articles, build_services(load_config(config_file(scratch, "direct", overrides)))).manifest
    report("direct", time.perf_counter() - started, manifest.counts)

    with prefect_test_harness(server_startup_timeout=120):
        timed_flow(warmup, config_file(scratch, "warm-flow", overrides))
        report("flow", *timed_flow(articles, config_file(scratch, "flow", overrides)))
        one_thread = {"flow": {"max_workers": 1}}
        report("flow-1", *timed_flow(articles, config_file(scratch, "flow-1", overrides, **one_thread)))
        for workers in (1, 2):
            with LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            ) as cluster:
                dask = {"flow": {"task_runner": "dask", "dask_address": cluster.scheduler_address}}
                timed_flow(warmup_workers, config_file(scratch, f"warm-dask-{workers}", overrides, **dask))
                name = f"dask-{workers}"
                report(name, *timed_flow(articles, config_file(scratch, name, overrides, **dask)))

    direct, flow = results["direct"]["seconds"], results["flow"]["seconds"]
    one, two = results["dask-1"]["seconds"], results["dask-2"]["seconds"]
    serial = results["flow-1"]["seconds"]
    print(f"flow / direct = {flow / direct:.2f} ({flow - direct:+.1f} s for {args.articles} articles)")
    print(f"flow-1 / direct = {serial / direct:.2f} ({serial - direct:+.1f} s, both one batch at a time)")
    outside = serial - results["flow-1"]["task_seconds"]
    print(
        f"flow-1 outside its task runs: {outside:.2f} s ({outside / args.articles * 1000:.1f} ms per article)"
    )
    print(f"dask-1 / dask-2 = {one / two:.2f} (speed-up of the second worker)")
    print(f"cores: {os.cpu_count()}, load average now: {os.getloadavg()}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
