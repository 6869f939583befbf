"""One retry layer on every S3 call path, counted at the server.

The store's requests, ``s3://`` inbox reads and ``s3://`` model downloads share one boto3 client
(``Services.s3_client``). Each request must reach the server at most ``store.retries + 1`` times: the
budget of :mod:`pipelines.store.retry`. A second layer (botocore's retries inside each attempt, or a task
retry around the store's) would multiply the count; a fault-injecting proxy in front of the S3 test server
answers 503 to everything and counts what arrives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pipelines.config import Config, load_config
from pipelines.errors import ModelUnavailable, StoreUnavailable
from pipelines.services import Services, build_services, model_resolver
from pipelines.sources.inbox import read_inbox
from pipelines.store.local import LocalStore
from tests.support.fault_proxy import FaultProxy

RETRIES = 3


@pytest.fixture
def down(s3_endpoint: str) -> Iterator[FaultProxy]:
    """A proxy to the S3 test server that answers every request 503 ServiceUnavailable."""
    served = FaultProxy(s3_endpoint).start()
    served.outage(3600)
    yield served
    served.stop()


def config_through(proxy: FaultProxy, bucket: str) -> Config:
    return load_config(
        None,
        {
            "store.url": f"s3://{bucket}/news",
            "store.endpoint_url": proxy.endpoint,
            "store.region": "us-east-1",
            "store.retries": RETRIES,
            "store.retry_base_s": 0.01,
            "store.retry_max_delay_s": 0.02,
        },
    )


def store_get(config: Config, services: Services, bucket: str, tmp_path: Path) -> object:
    return services.store.get("records/a/b.json")


def inbox_list(config: Config, services: Services, bucket: str, tmp_path: Path) -> object:
    state = LocalStore(tmp_path / "state")
    return read_inbox(
        f"s3://{bucket}/incoming/",
        state,
        services.s3_client,
        config.sources,
        config.ingest,
        services.s3_retry,
    )


def model_download(config: Config, services: Services, bucket: str, tmp_path: Path) -> object:
    models = {"cache_dir": str(tmp_path / "models")}
    with_cache = load_config(None, {**config.model_dump(mode="json"), "models": models})
    return model_resolver(with_cache, services.s3_client).resolve(f"s3://{bucket}/models/opus-mt-fr-en")


@pytest.mark.parametrize(
    ("call", "error"),
    [(store_get, StoreUnavailable), (inbox_list, StoreUnavailable), (model_download, ModelUnavailable)],
    ids=["store", "inbox", "model"],
)
def test_one_request_on_the_shared_client_reaches_the_server_retries_plus_one_times(
    down: FaultProxy,
    s3_bucket: str,
    tmp_path: Path,
    call: Callable[[Config, Services, str, Path], object],
    error: type[Exception],
) -> None:
    config = config_through(down, s3_bucket)

    with pytest.raises(error, match=f"after {RETRIES + 1} attempts"):
        call(config, build_services(config), s3_bucket, tmp_path)

    assert down.requests == RETRIES + 1


def test_no_prefect_task_retries_around_the_store() -> None:
    """The flow's tasks do not retry: a task retry would repeat requests that used their budget."""
    from prefect import Task

    import flows.digest_flow as digest_flow

    tasks = [value for value in vars(digest_flow).values() if isinstance(value, Task)]
    tasks.append(digest_flow.step_task("write_run_manifest", lambda: None))
    assert tasks and all(task.retries == 0 for task in tasks)
