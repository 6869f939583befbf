"""Errors before work: a bad store URL, config key or input path ends `newsdigest run` with exit code 2
at once, before Prefect starts and without writing to the store; `--version`."""

from __future__ import annotations

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
    # Were the check late, the flow would start and fail here without a server (exit 1, not 2).
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
