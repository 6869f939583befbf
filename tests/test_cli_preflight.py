"""Errors before work: a bad store URL, config key or input path ends `newsdigest run` with exit code 2
at once, before Prefect starts and without writing to the store; `--version`."""

from __future__ import annotations

import io
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import EXIT_OK, EXIT_USAGE, app
from pipelines import library_versions
from pipelines.config import load_config
from pipelines.errors import ConfigError
from tests.conftest import EXAMPLES, REPO


def _cli(*args: str) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """Run the CLI in a fresh interpreter: (result, wall seconds, CPU seconds of the child)."""
    # Were the check late, the run would start, load models and fail later (exit 1, not 2).
    env = {**os.environ, "PYTHONPATH": str(REPO), "PREFECT_SERVER_EPHEMERAL_ENABLED": "false"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "flows.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result, wall, cpu


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://h/x", "ftp:// is not a store"),
        ("s3://", "names no bucket"),
        ("s3://Bad_Bucket!/x", "is not a bucket name"),
    ],
)
def test_a_malformed_store_url_exits_2_at_once(url: str, message: str, tmp_path: Path) -> None:
    result, wall, cpu = _cli("run", str(EXAMPLES), "--store", url)
    assert result.returncode == EXIT_USAGE, result.stderr
    assert message in " ".join(result.stderr.split())
    # Under a second of work; the wall-clock bound is generous for a loaded machine (Prefect's temporary
    # server alone takes 8-15 s to start, so a late check could not meet it either).
    assert cpu < 1.5, f"{cpu:.2f} s of CPU"
    assert wall < 10, f"{wall:.2f} s"


def test_a_missing_input_path_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    store = tmp_path / "store"
    result, wall, _cpu = _cli("run", str(EXAMPLES), str(tmp_path / "missing"), "--store", str(store))
    assert result.returncode == EXIT_USAGE, result.stderr
    assert "not found" in result.stderr and "missing" in result.stderr
    assert not store.exists()
    assert wall < 10


def test_a_misspelt_config_key_gets_a_suggestion(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("batch_sise: 4\nsummary:\n  short:\n    max_lenght: 30\nstore:\n  rul: ./x\n")
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    message = str(caught.value)
    assert "batch_sise: unknown key; did you mean 'batch_size'?" in message
    assert "summary.short.max_lenght: unknown key; did you mean 'max_length'?" in message
    assert "store.rul: unknown key; did you mean 'url'?" in message
    result = CliRunner().invoke(app, ["run", str(EXAMPLES), "--config", str(config)])
    assert result.exit_code == EXIT_USAGE and "did you mean 'batch_size'" in result.output


def test_an_unknown_key_with_nothing_close_gets_no_suggestion() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(None, {"zzzzzz": 1})
    assert "did you mean" not in str(caught.value) and "unknown key" in str(caught.value)


def test_store_endpoint_must_be_http() -> None:
    with pytest.raises(ConfigError, match="endpoint_url"):
        load_config(None, {"store.endpoint_url": "minio:9000"})


def test_version_names_the_signature_libraries() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == EXIT_OK
    first, libraries = result.stdout.splitlines()[:2]
    assert first.startswith("newsdigest ")
    assert libraries.split() == [f"{name}/{version}" for name, version in library_versions().items()]


def test_the_cli_turns_third_party_progress_bars_off() -> None:
    probe = (
        "from flows.cli import apply_environment_defaults; apply_environment_defaults(); "
        "import transformers.utils.logging as t; print(t.is_progress_bar_enabled())"
    )
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_DISABLE_PROGRESS_BARS"}
    env["PYTHONPATH"] = str(REPO)
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
    bare = subprocess.run(
        [sys.executable, "-c", probe.split("; ", 2)[2]], capture_output=True, text=True, env=env, timeout=120
    )
    assert bare.stdout.strip() == "True", "without the CLI's defaults the bars are on"


def test_run_is_a_flow_run_only_when_prefect_is_configured_or_asked_for(tmp_path: Path) -> None:
    from flows.cli import prefect_api_configured, runs_as_flow

    plain, dask = load_config(None), load_config(None, {"flow": {"task_runner": "dask"}})
    home = {"PREFECT_HOME": str(tmp_path)}
    assert not runs_as_flow(None, plain, home)
    assert runs_as_flow(True, plain, home) and not runs_as_flow(False, dask, home)
    assert runs_as_flow(None, dask, home), "Dask batches need Prefect's task runner"
    assert runs_as_flow(None, plain, {**home, "PREFECT_API_URL": "http://127.0.0.1:4200/api"})
    assert not prefect_api_configured({**home, "PREFECT_API_URL": ""})

    # what `prefect config set PREFECT_API_URL=...` writes into the active profile
    (tmp_path / "profiles.toml").write_text(
        'active = "local"\n\n[profiles.local]\nPREFECT_API_URL = "http://127.0.0.1:4200/api"\n\n'
        "[profiles.ephemeral]\nPREFECT_SERVER_ALLOW_EPHEMERAL_MODE = true\n"
    )
    assert prefect_api_configured(home) and runs_as_flow(None, plain, home)
    assert not prefect_api_configured({**home, "PREFECT_PROFILE": "ephemeral"})
    assert not runs_as_flow(False, plain, home)
    (tmp_path / "profiles.toml").write_text("not [toml")
    assert not prefect_api_configured(home)


def test_progress_shows_one_row_per_stage_with_counts() -> None:
    from rich.console import Console
    from rich.progress import Progress

    from flows.cli import _Counts, _StageRows

    console = Console(file=io.StringIO(), width=120)
    rows = _StageRows()
    with Progress(console=console) as progress:
        rows.start(progress, "/srv/store")
        reading = progress.tasks[0]
        assert reading.description == "reading inputs" and str(_Counts().render(reading)) == ""
        for stage in ("read", "detect", "translate", "summarize", "publish"):
            rows(stage, 4, 10)
        rows("translate", 8, 10)
        shown = {task.description: str(_Counts().render(task)) for task in progress.tasks}
    assert shown == {
        "read": "4/10",
        "detect": "4/10",
        "translate": "8/10",
        "summarize": "4/10",
        "publish to /srv/store": "4/10",
    }
    assert rows.stopped_line("SIGTERM") == (
        "stopped by SIGTERM after 4 of 10 articles; what was published stays published, run again to finish"
    )
    assert _StageRows().stopped_line("SIGINT").startswith("stopped by SIGINT while reading inputs;")
