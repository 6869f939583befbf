"""Object keys and the order a real run writes them: a reader trusts a manifest to list only objects that
exist, and keys built from hostile ids must never leave their folder."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pipelines.config import load_config
from pipelines.errors import StoreError
from pipelines.records import Article, Record, Summary, content_hash
from pipelines.runner import run
from pipelines.services import build_services
from pipelines.store import layout
from pipelines.store.base import ObjectStore
from pipelines.store.local import LocalStore
from pipelines.store.publish import Publisher
from tests.support.stores import StoreWrapper

DAY = date(2026, 11, 5)
HASH = "0123456789abcdef0123456789abcdef"


def test_keys_follow_the_documented_layout() -> None:
    assert layout.record_key("a1", HASH) == f"records/a1/{HASH}.json"
    assert layout.record_prefix("a1") == "records/a1/"
    assert layout.summary_key(DAY, "en", "a1") == "summaries/2026-11-05/en/a1.json"
    assert layout.summaries_prefix(DAY, "fra") == "summaries/2026-11-05/fra/"
    assert layout.failure_key("a1", HASH) == f"failures/a1/{HASH}.json"
    assert layout.duplicate_key("run-1", "a1") == "duplicates/run-1/a1.json"
    assert layout.content_index_key(HASH) == f"index/content/{HASH}.json"
    assert layout.manifest_key(DAY, "run-1") == "runs/2026-11-05/run-1.json"
    assert layout.inbox_state_key("inbox.1") == "state/inbox/inbox.1.json"
    assert layout.stories_prefix(DAY, "en") == "stories/2026-11-05/en/"
    assert layout.story_key(DAY, "en", "s1") == "stories/2026-11-05/en/s1.json"
    assert layout.edition_key(DAY, "fra") == "editions/2026-11-05/fra.json"


@pytest.mark.parametrize("bad", ["../x", "a/b", "", ".x", "a b", "é"])
def test_ids_that_would_escape_their_folder_are_refused(bad: str) -> None:
    for build in (
        lambda: layout.record_key(bad, HASH),
        lambda: layout.summary_key(DAY, "en", bad),
        lambda: layout.failure_key(bad, HASH),
        lambda: layout.duplicate_key(bad, "a1"),
        lambda: layout.duplicate_key("run-1", bad),
        lambda: layout.manifest_key(DAY, bad),
        lambda: layout.inbox_state_key(bad),
        lambda: layout.story_key(DAY, "en", bad),
    ):
        with pytest.raises(StoreError, match=r"refusing to build a key from .*only \[A-Za-z0-9._-\] ids"):
            build()


@pytest.mark.parametrize("bad", ["EN", "e", "engl", "e1", "en-US", "../", ""])
def test_language_codes_are_checked(bad: str) -> None:
    with pytest.raises(StoreError, match="refusing to build a key from language"):
        layout.summary_key(DAY, bad, "a1")


@pytest.mark.parametrize("bad", ["", "0123456789abcde", "0123456789ABCDEF", "../0123456789abcdef", "g" * 32])
def test_content_hashes_are_checked(bad: str) -> None:
    with pytest.raises(StoreError, match="refusing to build a key from content hash"):
        layout.record_key("a1", bad)
    with pytest.raises(StoreError, match="refusing to build a key from content hash"):
        layout.failure_key("a1", bad)
    with pytest.raises(StoreError, match="refusing to build a key from text hash"):
        layout.content_index_key(bad)
    assert layout.record_key("a1", "0" * 16) and layout.record_key("a1", "f" * 64)
    with pytest.raises(StoreError):
        layout.record_key("a1", "0" * 65)


class OrderRecordingStore(StoreWrapper):
    """A store that remembers every write, in order, with whether it created the object."""

    def __init__(self, inner: ObjectStore) -> None:
        super().__init__(inner)
        self.writes: list[str] = []

    def put(
        self, key: str, data: bytes, *, if_absent: bool = False, content_type: str = "application/json"
    ) -> bool:
        written = self.inner.put(key, data, if_absent=if_absent, content_type=content_type)
        if written:
            self.writes.append(key)
        return written


def test_a_real_run_writes_its_manifest_last(tmp_path: Path) -> None:
    """Run the pipeline (records, summaries, a failure) and watch the order of its writes."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    body = "The harbour reopened on Monday after the storm damaged two piers and the old lighthouse. "
    (inputs / "one.txt").write_text(f"Harbour reopens\n\n{body * 2}")
    (inputs / "two.txt").write_text(f"Lighthouse repaired\n\n{body}The repairs cost less than feared.")
    (inputs / "empty.txt").write_text("")
    lead = {"method": "lead"}
    config = load_config(
        None, {"summary.short": lead, "summary.long": lead, "store.url": str(tmp_path / "x")}
    )
    store = OrderRecordingStore(LocalStore(tmp_path / "store"))
    manifest = run([inputs], build_services(config, store=store)).manifest

    assert manifest.counts == {"published": 2, "failed": 1}
    *objects, last = store.writes
    assert last == layout.manifest_key(manifest.started_at.date(), manifest.run_id)
    assert not any(key.startswith(layout.RUNS) for key in objects)
    listed = [entry.key for entry in manifest.entries]
    assert all(key in objects for key in listed)  # everything the manifest names was written before it
    assert sum(key.startswith(layout.SUMMARIES) for key in objects) == 2
    assert sum(key.startswith(layout.FAILURES) for key in objects) == 1

    rerun = OrderRecordingStore(store.inner)
    again = run([inputs], build_services(config, store=rerun)).manifest
    assert again.counts == {"unchanged": 2, "failed": 1}
    # The failure is kept per content version: failing again for the same reason rewrites nothing.
    assert [key.split("/")[0] for key in rerun.writes] == ["runs"]


@pytest.mark.parametrize(
    ("build", "what"),
    [
        (lambda: layout.failure_key("bad/id", HASH), "article id 'bad/id'"),
        (lambda: layout.duplicate_key("bad/run", "a1"), "run id 'bad/run'"),
        (lambda: layout.duplicate_key("run-1", "bad/id"), "article id 'bad/id'"),
        (lambda: layout.story_key(DAY, "en", "bad/id"), "story id 'bad/id'"),
        (lambda: layout.manifest_key(DAY, "bad/run"), "run id 'bad/run'"),
        (lambda: layout.inbox_state_key("bad/inbox"), "inbox id 'bad/inbox'"),
        (lambda: layout.summary_key(DAY, "en", "bad/id"), "article id 'bad/id'"),
        (lambda: layout.record_prefix("bad/id"), "article id 'bad/id'"),
    ],
)
def test_a_refused_key_names_the_part_to_fix(build: Callable[[], str], what: str) -> None:
    with pytest.raises(StoreError) as caught:
        build()
    assert str(caught.value) == f"refusing to build a key from {what}: only [A-Za-z0-9._-] ids are allowed"


def test_a_record_without_dates_is_completed_under_today(tmp_path: Path) -> None:
    """A stored record with neither a publication nor a processing time: its missing summary object is
    filed under the day the completing run sees (UTC)."""
    text, title = "The quay reopened.", "Quay"
    article = Article(id="q1", title=title, text=text, origin="q.txt", content_hash=content_hash(text, title))
    record = Record(
        run_id="run-1",
        article=article,
        summaries=[Summary(kind="short", language="en", text="Reopened.", method="lead")],
    )
    store = LocalStore(tmp_path)
    publisher = Publisher(store)
    publisher.publish(record, DAY)
    assert list(store.list("summaries/")) == ["summaries/2026-11-05/en/q1.json"]
    (tmp_path / "summaries" / "2026-11-05" / "en" / "q1.json").unlink()
    before = datetime.now(UTC).date()
    assert publisher.already_published(article)
    after = datetime.now(UTC).date()
    assert list(store.list("summaries/")) in (
        [f"summaries/{before.isoformat()}/en/q1.json"],
        [f"summaries/{after.isoformat()}/en/q1.json"],
    )


def _version(text: str, processed_at: datetime) -> Record:
    article = Article(id="v1", title="V", text=text, origin="v.txt", content_hash=content_hash(text, "V"))
    return Record(
        run_id="run-1",
        article=article,
        summaries=[Summary(kind="short", language="en", text=text, method="lead")],
        processed_at=processed_at,
    )


def _summary_text(store: LocalStore) -> str:
    [key] = list(store.list("summaries/"))
    return str(json.loads(store.get(key))["short"])


def test_completion_moves_a_summary_from_an_older_version_to_the_stored_newer_one(tmp_path: Path) -> None:
    """A run that stored a new version and died before its summary: the next run points the summary at it."""
    store = LocalStore(tmp_path)
    old = _version("Old text.", datetime(2026, 11, 5, 8, 0, tzinfo=UTC))
    Publisher(store).publish(old, DAY)
    new = _version("New text.", datetime(2026, 11, 5, 9, 0, tzinfo=UTC))
    Publisher(store).store.put(
        layout.record_key("v1", new.article.content_hash), new.model_dump_json().encode()
    )  # the record only, as a crash right after it leaves things
    assert _summary_text(store) == "Old text."
    assert Publisher(store).already_published(new.article)
    assert _summary_text(store) == "New text."
    # The older version seen again changes nothing: the summary stays on the newest.
    assert Publisher(store).already_published(old.article)
    assert _summary_text(store) == "New text."


def test_a_summary_pointing_at_a_missing_record_is_rewritten(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    old = _version("Old text.", datetime(2026, 11, 5, 8, 0, tzinfo=UTC))
    Publisher(store).publish(old, DAY)
    (tmp_path / layout.record_key("v1", old.article.content_hash)).unlink()
    new = _version("New text.", datetime(2026, 11, 5, 9, 0, tzinfo=UTC))
    store.put(layout.record_key("v1", new.article.content_hash), new.model_dump_json().encode())
    assert Publisher(store).already_published(new.article)
    assert _summary_text(store) == "New text."
