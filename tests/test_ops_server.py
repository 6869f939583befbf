"""End to end against a real Prefect server on 127.0.0.1: serve the manual deployment, trigger it with
parameters through the Prefect client, wait for COMPLETED and find the records in the store. Also
registers the deployments of flows/prefect.yaml against the same server.

Does not use the session's test harness: the server, the serving process and their PREFECT_HOME are
this test's own, and both processes are stopped by PID.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pipelines.config import Config
from tests.conftest import EXAMPLES, REPO, free_port, write_config

PREFECT = str(Path(sys.executable).parent / "prefect")


def _wait_for(what: str, check: Callable[[], bool], timeout: float, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what}: the process exited with {process.returncode}")
        if check():
            return
        time.sleep(0.25)
    raise TimeoutError(f"{what}: not ready after {timeout} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """A Prefect server of its own; yields its API URL and the environment for clients of it."""
    tmp_path = tmp_path_factory.mktemp("prefect-server")
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        {
            "PREFECT_HOME": str(tmp_path / "prefect-home"),
            "DO_NOT_TRACK": "1",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "HF_HUB_OFFLINE": "1",
            "PREFECT_API_URL": api,
            "PREFECT_RUNNER_POLL_FREQUENCY": "1",
            "PREFECT_SERVER_UI_ENABLED": "false",
            # A loaded machine answers slowly: the clients wait rather than fail with ReadTimeout.
            "PREFECT_API_REQUEST_TIMEOUT": "120",
        }
    )
    log = (tmp_path / "server.log").open("wb")
    server_env = {k: v for k, v in env.items() if k != "PREFECT_API_URL"}
    command = [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-ui"]
    server = subprocess.Popen(command, env=server_env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for("prefect server", lambda: _healthy(api), 90, server)
        yield api, env
    finally:
        _stop(server)
        log.close()


def _healthy(api: str) -> bool:
    try:
        return httpx.get(f"{api}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _deployment(api: str, name: str) -> dict[str, Any] | None:
    """The deployment, or None while it is not registered or the server is too busy to answer."""
    try:
        response = httpx.get(f"{api}/deployments/name/{name}", timeout=30)
    except httpx.TransportError:
        return None
    return response.json() if response.status_code == 200 else None


def test_served_manual_deployment_runs_with_parameters(
    prefect_server: tuple[str, dict[str, str]], tiny_config: Config, tmp_path: Path
) -> None:
    from prefect.client.schemas.objects import StateType
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_REQUEST_TIMEOUT, PREFECT_API_URL, temporary_settings

    api, env = prefect_server
    config_file = write_config(tiny_config, tmp_path / "tiny.yaml")
    log = (tmp_path / "serve.log").open("wb")
    serving = subprocess.Popen(
        [sys.executable, "-m", "flows.serve"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        _wait_for(
            "served deployments", lambda: _deployment(api, "news-digests/manual") is not None, 60, serving
        )
        hourly = _deployment(api, "news-digests/hourly")
        assert hourly is not None and hourly["schedules"][0]["schedule"]["cron"] == "0 * * * *"
        assert hourly["paused"] is True  # served as shipped: the placeholder inbox never runs
        inputs = [str(EXAMPLES / "en-tram-line.txt"), str(EXAMPLES / "fr-fete-vendanges.txt")]
        with temporary_settings({PREFECT_API_URL: api, PREFECT_API_REQUEST_TIMEOUT: 120}):
            flow_run = run_deployment(
                "news-digests/manual",
                parameters={"paths": inputs, "config_file": str(config_file)},
                timeout=300,
                poll_interval=1,
                as_subflow=False,
            )
    finally:
        _stop(serving)
        log.close()
    served_log = (tmp_path / "serve.log").read_text(errors="replace")
    assert flow_run.state is not None and flow_run.state.type == StateType.COMPLETED, served_log[-3000:]
    assert flow_run.parameters["paths"] == inputs
    assert "newsdigest run" in served_log and "finished: published=2" in served_log
    store = Path(tiny_config.store.url)
    assert len(list((store / "records").rglob("*.json"))) == 2
    (manifest,) = (store / "runs").rglob("*.json")
    assert json.loads(manifest.read_text())["counts"] == {"published": 2}


def test_prefect_yaml_deploys_to_a_process_pool(prefect_server: tuple[str, dict[str, str]]) -> None:
    api, env = prefect_server

    def prefect(*args: str) -> str:
        result = subprocess.run(
            [PREFECT, "--no-prompt", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout + result.stderr

    env = {**env, "NEWSDIGEST_HOME": str(REPO)}
    prefect("work-pool", "create", "newsdigest", "--type", "process")
    for _ in range(2):  # the second time updates the deployments: no deprecation warning either way
        output = prefect("deploy", "--all", "--prefect-file", "flows/prefect.yaml")
        assert "deprecat" not in output.lower() and "FutureWarning" not in output, output
    hourly = _deployment(api, "news-digests/hourly")
    manual = _deployment(api, "news-digests/manual")
    assert hourly is not None and manual is not None
    assert hourly["work_pool_name"] == manual["work_pool_name"] == "newsdigest"
    assert hourly["schedules"][0]["schedule"]["cron"] == "0 * * * *"
    # the placeholder inbox of the file as shipped must never run live
    assert hourly["schedules"][0]["active"] is False
    assert manual["schedules"] == []
    assert manual["entrypoint"] == hourly["entrypoint"] == "flows/digest_flow.py:news_digests"
