"""Operations of the flow under the session's Prefect harness: the run report artifacts, which failures
retry, and what is persisted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from pipelines.config import Config
from tests.conftest import EXAMPLES, write_config


def _artifacts(flow_run_id: UUID) -> dict[str, Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    return {artifact.key: artifact for artifact in found}


@pytest.mark.usefixtures("prefect_harness")
def test_each_run_publishes_a_report_artifact(tiny_config: Config, tmp_path: Path) -> None:
    from flows.digest_flow import COUNTS_ARTIFACT_KEY, REPORT_ARTIFACT_KEY, news_digests

    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "digits.txt").write_text("123 456 789")
    for name in ("en-tram-line.txt", "fr-fete-vendanges.txt", "de-stadtrat-radwege.txt"):
        (inputs / name).write_bytes((EXAMPLES / name).read_bytes())
    config_file = write_config(tiny_config, tmp_path / "tiny.yaml")

    state = news_digests(paths=[str(inputs)], config_file=str(config_file), return_state=True)
    assert state.is_completed()
    manifest = state.result()
    artifacts = _artifacts(state.state_details.flow_run_id)

    report = artifacts[REPORT_ARTIFACT_KEY].data
    assert f"# newsdigest run {manifest.run_id}" in report
    assert f"- store: `{Path(tiny_config.store.url).resolve()}`" in report
    assert f"- config: `{config_file}` (hash `{manifest.signature.config_hash}`)" in report
    assert str(Path(tiny_config.store.url).resolve()) in (artifacts[REPORT_ARTIFACT_KEY].description or "")
    # columns: published, unchanged, duplicate, skipped, failed
    assert "| fr | 1 |" in report and "| und | 0 | 0 | 0 | 1 | 0 |" in report
    skipped = next(entry for entry in manifest.entries if entry.status == "skipped")
    assert f"`{skipped.article_id}`" in report and "language undetermined" in report
    for step in ("detect", "translate", "summarize"):
        assert f"| {step} |" in report
    marian, bart = tiny_config.translation.models["fr-en"].model, tiny_config.summary.short.model
    assert f"- translation:fr-en: {marian}" in report and f"- translation:de-en: {marian}" in report
    assert f"- summary:short: {bart}" in report

    rows = artifacts[COUNTS_ARTIFACT_KEY].data
    table = json.loads(rows) if isinstance(rows, str) else rows
    by_language = {row["language"]: row for row in table}
    assert by_language["en"]["published"] == by_language["fr"]["published"] == 1
    assert by_language["und"]["skipped"] == 1


STEPS = ("ingest_articles", "check_models", "write_run_manifest", "advance_inboxes")


def test_tasks_do_not_persist_results_and_the_flow_does() -> None:
    from prefect import Task

    import flows.digest_flow as digest_flow

    stage_tasks = [value for value in vars(digest_flow).values() if isinstance(value, Task)]

    def work() -> None:
        return None

    step_tasks = [digest_flow.step_task(name, work) for name in STEPS]
    tasks = stage_tasks + step_tasks
    assert len(stage_tasks) == 4 and len(tasks) >= 7
    assert all(task.persist_result is False for task in tasks), [t.name for t in tasks if t.persist_result]
    assert digest_flow.news_digests.persist_result is True
    # No task retries: the store's requests retry within store.retries, the one layer (see
    # tests/test_store_retry_layers.py for the requests counted at the server).
    assert {task.name: task.retries for task in tasks} == dict.fromkeys([t.name for t in tasks], 0)


def _binary(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 8)


@pytest.mark.usefixtures("prefect_harness")
def test_a_run_in_which_every_input_failed_ends_failed(tiny_config: Config, tmp_path: Path) -> None:
    from flows.digest_flow import news_digests
    from pipelines import RunFailed

    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("one.txt", "two.txt"):
        _binary(inputs / name)
    config_file = write_config(tiny_config, tmp_path / "tiny.yaml")

    state = news_digests(paths=[str(inputs)], config_file=str(config_file), return_state=True)
    assert state.is_failed()
    error = state.result(raise_on_failure=False)
    assert isinstance(error, RunFailed) and "2 of 2 inputs failed (every input failed)" in str(error)
    assert [entry.status for entry in error.manifest.entries] == ["failed", "failed"]
    runs = list((Path(tiny_config.store.url) / "runs").rglob("*.json"))
    assert len(runs) == 1, "the manifest is written before the run is marked failed"


@pytest.mark.usefixtures("prefect_harness")
def test_a_partly_failing_run_completes_and_warns_per_failed_input(
    tiny_config: Config, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from flows.digest_flow import news_digests

    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "en-tram-line.txt").write_bytes((EXAMPLES / "en-tram-line.txt").read_bytes())
    _binary(inputs / "broken.txt")
    config_file = write_config(tiny_config, tmp_path / "tiny.yaml")

    with caplog.at_level("WARNING"):
        state = news_digests(paths=[str(inputs)], config_file=str(config_file), return_state=True)
    assert state.is_completed(), "1 of 2 failed: not more than flow.fail_above (0.5)"
    assert sorted(entry.status for entry in state.result().entries) == ["failed", "published"]
    warnings = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert any("broken.txt" in message and "failed: binary content" in message for message in warnings)


def test_the_failed_share_rule() -> None:
    from datetime import UTC, datetime

    from pipelines import ManifestEntry, RunManifest, failed_share_exceeded
    from pipelines.records import Signature

    def manifest(*statuses: str) -> RunManifest:
        entries = [
            ManifestEntry(
                article_id=f"a{n}", origin=f"in/{n}", status=status, reason=None, language=None, key=None
            )
            for n, status in enumerate(statuses)
        ]
        now = datetime(2026, 12, 1, tzinfo=UTC)
        signature = Signature(code_version="0", config_hash="0", libraries={})
        return RunManifest(
            run_id="r", started_at=now, finished_at=now, signature=signature, counts={}, entries=entries
        )

    assert failed_share_exceeded(manifest(), 0.5) is None
    assert failed_share_exceeded(manifest("failed", "published"), 0.5) is None
    assert failed_share_exceeded(manifest("failed", "failed", "published"), 0.5) is not None
    assert failed_share_exceeded(manifest("skipped", "skipped"), 0.5) is None, "skips are not failures"
    assert failed_share_exceeded(manifest("failed"), 1.0) is not None, "every input failed always fails"
    assert failed_share_exceeded(manifest("failed", "published"), 0.0) is not None
