"""The Prefect flow and the CLI over it, under one session-scoped Prefect test harness."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import EXIT_INCOMPLETE, EXIT_OK, EXIT_USAGE, app
from pipelines.config import Config
from tests.conftest import EXAMPLES, REPO, write_config

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_flow_publishes_examples_with_task_runs_per_batch(tiny_config: Config, tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from flows.digest_flow import news_digests

    config_file = write_config(tiny_config, tmp_path / "tiny.yaml")
    state = news_digests(paths=[str(EXAMPLES)], config_file=str(config_file), return_state=True)
    assert state.is_completed()
    manifest = state.result()
    assert manifest.counts == {"published": len(manifest.entries)}

    with get_client(sync_client=True) as client:
        task_runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
        )
    names = sorted(run.name.rsplit("-", 1)[0] for run in task_runs)
    batches = -(-len(manifest.entries) // tiny_config.batch_size)
    # ingest + model check + manifest, and four tasks per batch: never one per article and step
    assert len(task_runs) == 3 + 4 * batches, names


def test_cli_run_publishes_and_exits_0(tiny_config: Config, tmp_path: Path) -> None:
    config_file = write_config(tiny_config, tmp_path / "tiny.yaml")
    result = CliRunner().invoke(
        app, ["run", str(EXAMPLES / "en-tram-line.txt"), "--config", str(config_file)]
    )
    assert result.exit_code == EXIT_OK, result.output
    assert "published" in result.output
    assert list((Path(tiny_config.store.url) / "records").rglob("*.json"))


def test_cli_run_exits_1_and_lists_reasons(tiny_config: Config, tmp_path: Path) -> None:
    config_file = write_config(tiny_config, tmp_path / "tiny.yaml")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "empty.txt").write_text("")
    (tmp_path / "in" / "digits.txt").write_text("123 456 789")
    result = CliRunner().invoke(app, ["run", str(tmp_path / "in"), "--config", str(config_file)])
    assert result.exit_code == EXIT_INCOMPLETE, result.output
    assert "empty.txt" in result.output and "digits.txt" in result.output
    assert "language undetermined" in result.output


def test_cli_config_error_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("translation:\n  backend: fast\n")
    result = CliRunner().invoke(app, ["run", str(EXAMPLES), "--config", str(bad)])
    assert result.exit_code == EXIT_USAGE
    assert "translation.backend" in result.output


def test_cli_detect_reads_stdin_and_files() -> None:
    result = CliRunner().invoke(app, ["detect", str(EXAMPLES / "fr-fete-vendanges.txt")])
    assert result.exit_code == EXIT_OK and result.output.startswith("fr\t")
    result = CliRunner().invoke(app, ["detect", "-"], input="12345")
    assert result.exit_code == EXIT_INCOMPLETE and result.output.startswith("und\t")


def test_newsdigest_command_runs_without_a_server(tiny_config: Config, tmp_path: Path) -> None:
    """The installed entry point in a fresh process: Prefect's temporary local API, no server to start."""
    config_file = write_config(tiny_config, tmp_path / "tiny.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from flows.cli import main; main()",
            "run",
            str(EXAMPLES),
            "-c",
            str(config_file),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=300,
    )
    assert result.returncode == EXIT_OK, result.stdout + result.stderr
    assert "published" in result.stdout
    manifests = list((Path(tiny_config.store.url) / "runs").rglob("*.json"))
    assert len(manifests) == 1
    assert json.loads(manifests[0].read_text())["counts"]["published"] >= 14
