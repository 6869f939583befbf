"""Failures you can work with: one object per failing content version, `failures ls`, `failures replay`
and `prune`, against the S3 test server and a folder store."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

from flows.cli import EXIT_OK, EXIT_USAGE, app
from pipelines import build_services, run
from pipelines.config import Config, load_config
from tests.conftest import write_config

DUTCH = (
    "De gemeenteraad heeft maandag na een lang debat over de kosten de nieuwe tramlijn goedgekeurd. "
    "De bouw begint in het voorjaar en de eerste trams moeten binnen drie jaar rijden. "
    "Bewoners langs de route worden geraadpleegd over de haltes."
)
FRENCH = (
    "Le conseil municipal a approuvé lundi la nouvelle ligne de tramway après un long débat sur les coûts. "
    "Les travaux commenceront au printemps et les premiers trams devraient circuler dans trois ans."
)


def _s3_config(tiny_config: Config, endpoint: str, bucket: str, *, fallback: bool) -> Config:
    settings = tiny_config.model_dump(mode="json")
    settings["store"] = {"url": f"s3://{bucket}/news", "endpoint_url": endpoint, "region": "us-east-1"}
    if not fallback:
        settings["translation"]["fallback"] = None  # no route for Dutch: its article fails, replayably
    return load_config(None, settings)


def _inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    articles = [
        {"id": "tram-nl", "title": "Tramlijn goedgekeurd", "text": DUTCH, "source": "Het Dorp"},
        {"id": "tram-fr", "title": "Ligne de tramway", "text": FRENCH},
    ]
    (folder / "articles.jsonl").write_text("\n".join(json.dumps(a) for a in articles))
    (folder / "broken.json").write_text('{"title": "no text here"}')
    return folder


def _keys(endpoint: str, bucket: str, prefix: str) -> list[str]:
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"news/{prefix}")
    return sorted(item["Key"].removeprefix("news/") for page in pages for item in page.get("Contents", []))


def _rows(output: str) -> list[list[str]]:
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines[0].split("\t") == ["failed_at", "status", "article_id", "input", "reason"]
    return [line.split("\t") for line in lines[1:]]


def test_a_bad_input_run_three_times_leaves_one_failure_object(
    tiny_config: Config, s3_endpoint: str, s3_bucket: str, tmp_path: Path
) -> None:
    config = _s3_config(tiny_config, s3_endpoint, s3_bucket, fallback=False)
    inputs = _inputs(tmp_path)
    manifests = [run([inputs], build_services(config)).manifest for _ in range(3)]

    failures = _keys(s3_endpoint, s3_bucket, "failures/")
    assert len(failures) == 2, failures  # the Dutch article (no route) and the unreadable file, once each
    assert len(_keys(s3_endpoint, s3_bucket, "runs/")) == 3
    for number, manifest in enumerate(manifests):
        failed = [entry for entry in manifest.entries if entry.status == "failed"]
        assert len(failed) == 2
        assert {entry.key for entry in failed} == set(failures)
        assert all(entry.still_failing == (number > 0) for entry in failed), manifest.entries
    stored = json.loads(
        boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
        .get_object(Bucket=s3_bucket, Key=f"news/{next(k for k in failures if 'tram-nl' in k)}")["Body"]
        .read()
    )
    assert stored["run_id"] == manifests[0].run_id, "a still-failing input keeps its first failure"


def test_a_new_reason_replaces_the_failure_object(tiny_config: Config, tmp_path: Path) -> None:
    from pipelines.records import Article, Record
    from pipelines.store import LocalStore, Publisher

    publisher = Publisher(LocalStore(tmp_path / "store"))
    article = Article(id="a1", text="x", origin="in.txt", content_hash="0" * 32)
    first = publisher.record_failure(Record(run_id="r1", article=article, status="failed", reason="one"))
    same = publisher.record_failure(Record(run_id="r2", article=article, status="failed", reason="one"))
    other = publisher.record_failure(Record(run_id="r3", article=article, status="failed", reason="two"))
    assert (first.still_failing, same.still_failing, other.still_failing) == (False, True, False)
    assert first.key == same.key == other.key == f"failures/a1/{'0' * 32}.json"
    assert json.loads(publisher.store.get(first.key))["reason"] == "two"


@pytest.mark.usefixtures("prefect_harness")
def test_failures_ls_and_replay_against_s3(
    tiny_config: Config, s3_endpoint: str, s3_bucket: str, tmp_path: Path
) -> None:
    failing = _s3_config(tiny_config, s3_endpoint, s3_bucket, fallback=False)
    run([_inputs(tmp_path)], build_services(failing))
    store = failing.store.url
    failing_file = write_config(failing, tmp_path / "failing.yaml")
    runner = CliRunner()

    listed = runner.invoke(app, ["failures", "ls", "--store", store, "--config", str(failing_file)])
    assert listed.exit_code == EXIT_OK, listed.output
    rows = _rows(listed.stdout)
    assert {row[2] for row in rows} >= {"tram-nl"} and len(rows) == 2
    assert any("'text' is missing" in row[4] for row in rows)

    only_translation = runner.invoke(
        app, ["failures", "ls", "--store", store, "-c", str(failing_file), "--reason", "TRANSLATION"]
    )
    assert [row[2] for row in _rows(only_translation.stdout)] == ["tram-nl"]
    tomorrow = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86_400))
    later = runner.invoke(
        app, ["failures", "ls", "--store", store, "-c", str(failing_file), "--since", tomorrow]
    )
    assert later.exit_code == EXIT_OK and _rows(later.stdout) == []
    bad_since = runner.invoke(app, ["failures", "ls", "--store", store, "--since", "yesterday"])
    assert bad_since.exit_code == EXIT_USAGE and "--since" in bad_since.output

    # With a fallback model configured the Dutch article has a route now: replay publishes it.
    fixed_file = write_config(
        _s3_config(tiny_config, s3_endpoint, s3_bucket, fallback=True), tmp_path / "ok.yaml"
    )
    replay = runner.invoke(app, ["failures", "replay", "--store", store, "--config", str(fixed_file)])
    assert replay.exit_code == EXIT_OK, replay.output
    assert "not replayed" in replay.output and "broken.json" in replay.output
    assert any(key.startswith("records/tram-nl/") for key in _keys(s3_endpoint, s3_bucket, "records/"))

    after = runner.invoke(app, ["failures", "ls", "--store", store, "-c", str(fixed_file)])
    assert "tram-nl" not in {row[2] for row in _rows(after.stdout)}
    with_resolved = runner.invoke(app, ["failures", "ls", "--store", store, "-c", str(fixed_file), "--all"])
    assert "tram-nl" in {row[2] for row in _rows(with_resolved.stdout)}


def _age(path: Path, days: float) -> None:
    moment = time.time() - days * 86_400
    os.utime(path, (moment, moment))


def test_prune_deletes_old_runs_and_failures_of_a_folder_store(tmp_path: Path) -> None:
    store = tmp_path / "store"
    files: dict[str, Any] = {
        "runs/2026-01-01/r-old.json": 100,
        "runs/2026-11-30/r-new.json": 1,
        "failures/a1/old.json": 100,
        "failures/a2/new.json": 1,
        "records/a1/old.json": 100,
        "summaries/2026-01-01/en/a1.json": 100,
    }
    for key, days in files.items():
        path = store / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")
        _age(path, days)
    runner = CliRunner()

    dry = runner.invoke(app, ["prune", "--store", str(store), "--older-than", "30", "--dry-run"])
    assert dry.exit_code == EXIT_OK, dry.output
    assert all((store / key).exists() for key in files)
    assert "failures/a1/old.json" in dry.stdout and "runs/2026-01-01/r-old.json" in dry.stdout

    only_runs = runner.invoke(app, ["prune", "--store", str(store), "--older-than", "30", "--only", "runs"])
    assert only_runs.exit_code == EXIT_OK, only_runs.output
    assert not (store / "runs/2026-01-01/r-old.json").exists() and (store / "failures/a1/old.json").exists()

    done = runner.invoke(app, ["prune", "--store", str(store), "--older-than", "30"])
    assert done.exit_code == EXIT_OK, done.output
    remaining = sorted(p.relative_to(store).as_posix() for p in store.rglob("*") if p.is_file())
    assert remaining == sorted(
        [
            "runs/2026-11-30/r-new.json",
            "failures/a2/new.json",
            "records/a1/old.json",
            "summaries/2026-01-01/en/a1.json",
        ]
    )
    assert not (store / "failures" / "a1").exists() and not (store / "runs" / "2026-01-01").exists()


def test_prune_refuses_an_s3_store() -> None:
    result = CliRunner().invoke(app, ["prune", "--store", "s3://bucket/news", "--older-than", "30"])
    assert result.exit_code == EXIT_USAGE and "lifecycle" in result.output
