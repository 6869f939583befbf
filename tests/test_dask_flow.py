"""The flow on a two-worker Dask LocalCluster (processes) through prefect-dask: every article published,
the batch tasks spread over both workers, and each worker loads each model once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipelines.config import Config, load_config
from tests.conftest import EXAMPLES, write_config

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture(scope="module")
def dask_cluster() -> Iterator[Any]:
    from distributed import LocalCluster

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    )
    try:
        yield cluster
    finally:
        cluster.close()


def _model_loads(config: Config) -> dict[str, int]:
    """Run on each worker: the real model loads of this process's services for ``config``."""
    from pipelines.services import services_for

    return dict(services_for(config).cache.loads)


def test_flow_on_two_dask_workers_loads_each_model_once_per_worker(
    dask_cluster: Any, tiny_config: Config, tmp_path: Path
) -> None:
    from distributed import Client
    from prefect_dask import DaskTaskRunner

    from flows.digest_flow import news_digests, task_runner_for

    settings = {"task_runner": "dask", "dask_address": dask_cluster.scheduler_address}
    config = load_config(None, {**tiny_config.model_dump(mode="json"), "batch_size": 2, "flow": settings})
    assert isinstance(task_runner_for(config), DaskTaskRunner)
    config_file = write_config(config, tmp_path / "dask.yaml")

    manifest = news_digests(paths=[str(EXAMPLES)], config_file=str(config_file))
    assert manifest.counts == {"published": len(manifest.entries)}

    with Client(dask_cluster.scheduler_address) as client:
        loads = client.run(_model_loads, config)
    assert len(loads) == 2
    for worker, counts in loads.items():
        assert counts, f"{worker} ran no batch"
        assert set(counts.values()) == {1}, (worker, counts)
    assert len({frozenset(counts) for counts in loads.values()}) == 1


def test_without_an_address_the_runner_starts_a_local_cluster(tiny_config: Config) -> None:
    from flows.digest_flow import task_runner_for

    config = load_config(None, {"flow": {"task_runner": "dask", "dask_workers": 3}})
    runner: Any = task_runner_for(config)
    assert runner.cluster_kwargs["n_workers"] == 3 and runner.cluster_kwargs["processes"] is True
    assert runner.address is None
    assert type(task_runner_for(tiny_config)).__name__ == "ThreadPoolTaskRunner"
