"""The Prefect flow and the CLI over it, under one session-scoped Prefect test harness."""

from __future__ import annotations

import json
import logging
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


def test_the_flow_reports_progress_for_every_stage(tiny_config: Config) -> None:
    """The Prefect executor reports each stage task of each batch as it completes."""
    from flows.digest_flow import flow_for

    progress: list[tuple[str, int, int]] = []
    config = tiny_config.model_copy(update={"batch_size": 2})
    inputs = [str(path) for path in sorted(EXAMPLES.glob("*.txt"))[:3]]
    flow_for(config, on_progress=lambda *call: progress.append(call))(inputs)
    stages = ("read", "detect", "translate", "summarize", "publish")
    assert [stage for stage in stages if stage in {call[0] for call in progress}] == list(stages)
    for stage in stages:
        counts = [done for name, done, total in progress if name == stage]
        assert counts == sorted(counts) and counts[-1] == 3, (stage, progress)
    assert {total for _name, _done, total in progress} == {3}


def test_cli_run_publishes_and_exits_0(tiny_config: Config, tmp_path: Path) -> None:
    config_file = write_config(tiny_config, tmp_path / "tiny.yaml")
    result = CliRunner().invoke(
        app, ["run", str(EXAMPLES / "en-tram-line.txt"), "--config", str(config_file)]
    )
    assert result.exit_code == EXIT_OK, result.output
    assert "published" in result.output
    assert list((Path(tiny_config.store.url) / "records").rglob("*.json"))


def _binary(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 8)


def test_cli_run_exits_0_when_a_tolerated_share_failed_and_lists_reasons(
    tiny_config: Config, tmp_path: Path
) -> None:
    """1 of 4 inputs failed (skips are not failures): not more than flow.fail_above (0.5), so exit 0 with
    every reason listed; --strict exits 1 on any failed or skipped input."""
    config_file = write_config(tiny_config, tmp_path / "tiny.yaml")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "en-tram-line.txt").write_bytes((EXAMPLES / "en-tram-line.txt").read_bytes())
    (tmp_path / "in" / "empty.txt").write_text("")
    (tmp_path / "in" / "digits.txt").write_text("123 456 789")
    _binary(tmp_path / "in" / "broken.txt")
    result = CliRunner().invoke(app, ["run", str(tmp_path / "in"), "--config", str(config_file)])
    assert result.exit_code == EXIT_OK, result.output
    assert "empty.txt" in result.output and "digits.txt" in result.output and "broken.txt" in result.output
    assert "language undetermined" in result.output and "binary content" in result.output
    # the plain run logs each failed or skipped input at WARNING, as the flow run's logger does
    assert "WARNING" in result.output and "und) failed: binary content" in " ".join(result.output.split())

    strict = CliRunner().invoke(app, ["run", str(tmp_path / "in"), "--config", str(config_file), "--strict"])
    assert strict.exit_code == EXIT_INCOMPLETE, strict.output
    assert "--strict: 3 of 4 inputs failed or were skipped" in " ".join(strict.output.split())


def test_cli_run_exits_1_when_more_than_fail_above_failed(tiny_config: Config, tmp_path: Path) -> None:
    config_file = write_config(tiny_config, tmp_path / "tiny.yaml")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "en-tram-line.txt").write_bytes((EXAMPLES / "en-tram-line.txt").read_bytes())
    for name in ("one.txt", "two.txt"):
        _binary(tmp_path / "in" / name)
    result = CliRunner().invoke(app, ["run", str(tmp_path / "in"), "--config", str(config_file)])
    assert result.exit_code == EXIT_INCOMPLETE, result.output
    output = " ".join(result.output.split())
    assert "2 of 3 inputs failed (more than 50% of the inputs failed)" in output
    assert "one.txt" in output and "two.txt" in output and "published" in output


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_cli_run_as_a_flow_logs_handled_failures_without_tracebacks(
    tiny_config: Config, tmp_path: Path
) -> None:
    """--prefect runs the flow (here on the session's harness API): each failed input is one WARNING of
    the flow run's logger; a handled failure never raises out of a task, so Prefect logs no traceback
    (its loggers do not propagate to the root logger: the test listens on the run loggers themselves)."""
    config_file = write_config(tiny_config, tmp_path / "tiny.yaml")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "en-tram-line.txt").write_bytes((EXAMPLES / "en-tram-line.txt").read_bytes())
    _binary(tmp_path / "in" / "broken.txt")
    import flows.digest_flow  # noqa: F401 - Prefect configures its loggers on import, replacing handlers

    listener = _Records()
    run_loggers = [logging.getLogger(f"prefect.{name}") for name in ("flow_runs", "task_runs")]
    for logger in run_loggers:
        logger.addHandler(listener)
    try:
        result = CliRunner().invoke(
            app, ["run", str(tmp_path / "in"), "--config", str(config_file), "--prefect"]
        )
    finally:
        for logger in run_loggers:
            logger.removeHandler(listener)
    assert result.exit_code == EXIT_OK, result.output
    warnings = [
        r.getMessage() for r in listener.records if r.name == "prefect.flow_runs" and r.levelname == "WARNING"
    ]
    assert any("broken.txt, und) failed: binary content" in message for message in warnings), warnings
    assert not [r.getMessage() for r in listener.records if r.exc_info or "Traceback" in r.getMessage()]
    assert not [r.getMessage() for r in listener.records if r.levelno >= logging.ERROR]
    assert "Traceback" not in result.output


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
    """The installed entry point in a fresh process, with no Prefect API configured: a plain run in the
    process, which starts no server and leaves nothing in PREFECT_HOME."""
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
    assert not (tmp_path / "prefect-home").exists() or not any((tmp_path / "prefect-home").iterdir())
