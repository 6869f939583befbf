"""The publishing layout over S3 and a local folder: same keys, idempotent, crash-safe, readable back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from pipelines.errors import ObjectNotFound, StoreError, StoreUnavailable
from pipelines.records import (
    SCHEMA_VERSION,
    Article,
    Detection,
    ManifestEntry,
    Record,
    RunManifest,
    Signature,
    Summary,
    Translation,
    content_hash,
)
from pipelines.store.base import ObjectStore
from pipelines.store.config import StoreConfig
from pipelines.store.local import LocalStore
from pipelines.store.publish import Publisher
from pipelines.store.reader import get_record, list_runs, list_summaries
from pipelines.store.s3 import S3Store
from tests.support.stores import StoreWrapper

DAY = date(2026, 11, 25)
STARTED = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)
SIGNATURE = Signature(code_version="test", config_hash="0123456789abcdef", libraries={"pydantic": "2"})


def make_record(
    article_id: str = "a1",
    *,
    title: str = "Tram line approved",
    text: str = "The council approved a new tram line.",
    run_id: str = "run-1",
    languages: tuple[str, ...] = ("en",),
    published: datetime | None = datetime(2026, 11, 25, 9, 30, tzinfo=UTC),
    processed_at: datetime | None = None,
    url: str | None = "https://example.org/tram",
) -> Record:
    article = Article(
        id=article_id,
        title=title,
        text=text,
        url=url,
        source="Harbour Gazette",
        published_at=published,
        origin=f"examples/{article_id}.txt",
        content_hash=content_hash(text, title),
    )
    summaries = []
    for language in languages:
        summaries.append(
            Summary(kind="short", language=language, text=f"Short {language}: {text}", method="lead")
        )
        summaries.append(
            Summary(kind="long", language=language, text=f"Long {language}: {text}", method="lead")
        )
    return Record(
        run_id=run_id,
        article=article,
        detection=Detection(language="fr", probability=0.99, raw="fr"),
        translation=Translation(text=text, title=title, source_language="fr", target_language="en"),
        summaries=summaries,
        signature=SIGNATURE,
        processed_at=processed_at or STARTED,
    )


def make_manifest(run_id: str, records: list[Record], keys: list[str | None]) -> RunManifest:
    entries = [
        ManifestEntry(
            article_id=r.article.id,
            origin=r.article.origin,
            status=r.status,
            reason=r.reason,
            language="en",
            key=k,
        )
        for r, k in zip(records, keys, strict=True)
    ]
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry.status] = counts.get(entry.status, 0) + 1
    return RunManifest(
        run_id=run_id,
        started_at=STARTED,
        finished_at=STARTED + timedelta(minutes=1),
        signature=SIGNATURE,
        counts=counts,
        entries=entries,
    )


def publish_run(publisher: Publisher, run_id: str, records: list[Record]) -> RunManifest:
    keys: list[str | None] = []
    for record in records:
        record.run_id = run_id
        if record.status == "failed":
            keys.append(publisher.record_failure(record).key)
        elif publisher.already_published(record.article):
            record.finish("unchanged", "identical content already published")
            keys.append(None)
        else:
            keys.append(publisher.publish(record, DAY))
    manifest = make_manifest(run_id, records, keys)
    publisher.write_manifest(manifest)
    return manifest


def sample_records() -> list[Record]:
    failed = make_record("bad-1", text="unreadable", languages=())
    failed.finish("failed", "input is not valid UTF-8")
    return [
        make_record("a1", languages=("en", "fr")),
        make_record("b2", title="<script>alert(1)</script>", text="Harvest festival.", published=None),
        failed,
    ]


def s3_store(endpoint: str, bucket: str, prefix: str = "digest") -> S3Store:
    config = StoreConfig(url=f"s3://{bucket}/{prefix}", endpoint_url=endpoint, region="us-east-1")
    return S3Store.from_config(config)


@pytest.fixture
def s3(s3_endpoint: str, s3_bucket: str) -> S3Store:
    return s3_store(s3_endpoint, s3_bucket)


class RecordingStore(StoreWrapper):
    """Wraps a store and remembers the order of writes (to check that the manifest comes last)."""

    def __init__(self, inner: ObjectStore, fail_after: int | None = None) -> None:
        super().__init__(inner)
        self.writes: list[str] = []
        self.fail_after = fail_after

    def put(
        self, key: str, data: bytes, *, if_absent: bool = False, content_type: str = "application/json"
    ) -> bool:
        if self.fail_after is not None and len(self.writes) >= self.fail_after:
            raise StoreUnavailable("simulated outage")
        written = self.inner.put(key, data, if_absent=if_absent, content_type=content_type)
        if written:
            self.writes.append(key)
        return written


def test_s3_and_local_hold_the_same_keys_and_bytes(s3: S3Store, tmp_path: Path) -> None:
    local = LocalStore(tmp_path / "store")
    for store in (s3, local):
        publish_run(Publisher(store), "run-1", sample_records())
    s3_keys, local_keys = list(s3.list("")), list(local.list(""))
    assert s3_keys == local_keys
    assert {k.split("/")[0] for k in s3_keys} == {"records", "summaries", "failures", "runs", "index"}
    a1_hash = content_hash("The council approved a new tram line.", "Tram line approved")
    assert f"records/a1/{a1_hash}.json" in s3_keys
    assert "summaries/2026-11-25/en/a1.json" in s3_keys and "summaries/2026-11-25/fr/a1.json" in s3_keys
    bad_hash = content_hash("unreadable", "Tram line approved")
    assert f"failures/bad-1/{bad_hash}.json" in s3_keys and "runs/2026-11-25/run-1.json" in s3_keys
    for key in s3_keys:
        if not key.startswith("runs/"):
            assert s3.get(key) == local.get(key), key


def test_manifest_is_written_last(s3: S3Store) -> None:
    recording = RecordingStore(s3)
    publish_run(Publisher(recording), "run-1", sample_records())
    assert recording.writes[-1] == "runs/2026-11-25/run-1.json"
    assert all(not key.startswith("runs/") for key in recording.writes[:-1])


def test_rerun_writes_only_its_manifest(s3: S3Store) -> None:
    publish_run(Publisher(s3), "run-1", sample_records()[:2])
    before = list(s3.list(""))
    recording = RecordingStore(s3)
    manifest = publish_run(Publisher(recording), "run-2", sample_records()[:2])
    assert recording.writes == ["runs/2026-11-25/run-2.json"]
    assert manifest.counts == {"unchanged": 2}
    assert sorted(set(s3.list("")) - set(before)) == ["runs/2026-11-25/run-2.json"]


def test_concurrent_publish_of_the_same_content_writes_once(s3: S3Store) -> None:
    first, second = make_record(run_id="run-1"), make_record(run_id="run-2")
    recording = RecordingStore(s3)
    Publisher(recording).publish(first, DAY)
    Publisher(recording).publish(second, DAY)  # lost the race: the record exists already
    assert first.status == "published" and second.status == "unchanged"
    assert len([k for k in recording.writes if k.startswith("records/")]) == 1
    assert len([k for k in recording.writes if k.startswith("summaries/")]) == 1


def test_changed_article_adds_a_version_and_summaries_point_at_it(s3: S3Store) -> None:
    old = make_record(text="First version.", processed_at=STARTED)
    new = make_record(text="Second, corrected version.", processed_at=STARTED + timedelta(hours=1))
    publisher = Publisher(s3)
    old_key = publisher.publish(old, DAY)
    new_key = publisher.publish(new, DAY)
    assert old_key != new_key and len(list(s3.list("records/a1/"))) == 2
    [summary] = list_summaries(s3, DAY, "en")
    assert summary.record_key == new_key and summary.content_hash == new.article.content_hash
    assert get_record(s3, "a1").article.text == "Second, corrected version."
    assert get_record(s3, "a1", old.article.content_hash).article.text == "First version."
    # Re-ingesting the old version changes nothing: the summary keeps pointing at the latest.
    again = make_record(text="First version.", run_id="run-3", processed_at=STARTED + timedelta(hours=2))
    assert publisher.already_published(again.article)
    assert list_summaries(s3, DAY, "en")[0].record_key == new_key


def test_undated_article_keeps_its_day_when_a_later_run_completes_it(tmp_path: Path) -> None:
    """Filed under the day it was processed (not the run's start day), by every writer."""
    store = LocalStore(tmp_path)
    just_after_midnight = datetime(2026, 11, 26, 0, 1, tzinfo=UTC)
    record = make_record(published=None, languages=("en", "fr"), processed_at=just_after_midnight)
    crashing = RecordingStore(store, fail_after=3)  # the text's claim, the record and one summary, then down
    with pytest.raises(StoreUnavailable):
        Publisher(crashing).publish(record, DAY)  # the run started on the 25th
    assert crashing.writes[2] == "summaries/2026-11-26/en/a1.json"
    later_run_day = date(2026, 11, 27)
    rerun = make_record(published=None, languages=("en", "fr"), run_id="run-2")
    recording = RecordingStore(store)
    Publisher(recording).publish(rerun, later_run_day)  # finds the stored record: completes it
    assert rerun.status == "unchanged"
    assert recording.writes == ["summaries/2026-11-26/fr/a1.json"]
    assert sorted(store.list("summaries/")) == [
        "summaries/2026-11-26/en/a1.json",
        "summaries/2026-11-26/fr/a1.json",
    ]


def test_rerun_after_a_crash_completes_the_missing_summaries(s3: S3Store) -> None:
    record = make_record(languages=("en", "fr"))
    crashing = RecordingStore(s3, fail_after=3)  # the text's claim, the record and one summary, then down
    with pytest.raises(StoreUnavailable):
        Publisher(crashing).publish(record, DAY)
    assert list(s3.list("runs/")) == []
    assert len(list(s3.list("summaries/"))) == 1
    rerun = make_record(languages=("en", "fr"), run_id="run-2")
    recording = RecordingStore(s3)
    assert Publisher(recording).already_published(rerun.article)
    assert recording.writes == ["summaries/2026-11-25/fr/a1.json"]
    assert Publisher(RecordingStore(s3)).already_published(rerun.article)  # now complete: nothing written
    assert [s.language for s in (*list_summaries(s3, DAY, "en"), *list_summaries(s3, DAY, "fr"))] == [
        "en",
        "fr",
    ]


def test_reader_api(s3: S3Store) -> None:
    publish_run(Publisher(s3), "run-1", sample_records())
    later = make_record(
        "c3", title="Later", text="The bridge reopens.", published=datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
    )
    Publisher(s3).publish(later, DAY)
    summaries = list_summaries(s3, DAY, "en")
    # Newest publication first, undated last (b2 has no publication date: filed under its processing day).
    assert [s.article_id for s in summaries] == ["c3", "a1", "b2"]
    assert summaries[1].short == "Short en: The council approved a new tram line."
    assert summaries[1].methods == {"short": "lead", "long": "lead"}
    assert [s.article_id for s in list_summaries(s3, DAY, "fr")] == ["a1"]
    assert list_summaries(s3, DAY, "de") == []
    record = get_record(s3, "a1")
    assert record.status == "published" and record.article.id == "a1"
    with pytest.raises(ObjectNotFound):
        get_record(s3, "never-seen")
    [run] = list_runs(s3, DAY)
    assert run.run_id == "run-1" and run.counts == {"published": 2, "failed": 1}
    assert list_runs(s3, date(2026, 11, 24)) == []


def test_reader_refuses_newer_schema_versions_and_garbage(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    Publisher(store).publish(make_record(), DAY)
    key = "summaries/2026-11-25/en/a1.json"
    data = json.loads(store.get(key))
    store.put(key, json.dumps({**data, "schema_version": 99}).encode())
    with pytest.raises(StoreError, match="schema_version 99 was written by a newer newsdigest"):
        list_summaries(store, DAY, "en")
    store.put(key, b"[1, 2]")
    with pytest.raises(StoreError, match="not a JSON object"):
        list_summaries(store, DAY, "en")
    store.put(key, b'{"schema_version": 1}')
    with pytest.raises(StoreError, match="not a valid SummaryObject"):
        list_summaries(store, DAY, "en")


def test_aws_cli_reads_what_was_published(s3_endpoint: str, s3_bucket: str, tmp_path: Path) -> None:
    """An independent client (the AWS CLI) lists and downloads the published objects."""
    publish_run(Publisher(s3_store(s3_endpoint, s3_bucket)), "run-1", sample_records())
    aws = Path(sys.executable).with_name("aws")
    env = {**os.environ, "AWS_CONFIG_FILE": str(tmp_path / "no-config"), "AWS_PAGER": ""}
    base = [str(aws), "--endpoint-url", s3_endpoint, "--region", "us-east-1", "s3"]
    listing = subprocess.run(
        [*base, "ls", f"s3://{s3_bucket}/", "--recursive"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert listing.returncode == 0, listing.stderr
    assert "digest/summaries/2026-11-25/en/a1.json" in listing.stdout
    assert "digest/runs/2026-11-25/run-1.json" in listing.stdout
    target = tmp_path / "a1.json"
    copy = subprocess.run(
        [*base, "cp", f"s3://{s3_bucket}/digest/summaries/2026-11-25/en/a1.json", str(target)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert copy.returncode == 0, copy.stderr
    summary = json.loads(target.read_text())
    assert summary["article_id"] == "a1" and summary["schema_version"] == SCHEMA_VERSION
    assert summary["record_key"].startswith("records/a1/")
