"""The publisher's exact objects and answers: what a summary object holds byte for byte, which status and
reason a record ends with when its write meets an existing object, how duplicates claim a text, and when a
failure object is written again. A reader (the newsletter, the AWS CLI, a person) sees exactly these."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pipelines.errors import StoreError
from pipelines.records import (
    SCHEMA_VERSION,
    Article,
    Detection,
    Record,
    Summary,
    Translation,
    content_hash,
)
from pipelines.store import layout
from pipelines.store.local import LocalStore
from pipelines.store.publish import Publisher, StoredFailure
from tests.support.stores import StoreWrapper

DAY = date(2026, 11, 25)
PROCESSED = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)


def article(article_id: str = "a1", text: str = "The council approved a new tram line.") -> Article:
    title = "Le tram est approuvé"
    return Article(
        id=article_id,
        title=title,
        text=text,
        url="https://example.org/tram",
        source="harbour-gazette",
        published_at=datetime(2026, 11, 25, 9, 30, tzinfo=UTC),
        origin=f"feeds/{article_id}.xml",
        content_hash=content_hash(text, title),
    )


def record(
    article_id: str = "a1",
    *,
    run_id: str = "run-1",
    translated_title: str | None = "Tram line approved",
    text: str = "The council approved a new tram line.",
) -> Record:
    source = article(article_id, text)
    translation = (
        None
        if translated_title is None
        else Translation(text=source.text, title=translated_title, source_language="fr", target_language="en")
    )
    return Record(
        run_id=run_id,
        article=source,
        detection=Detection(language="fr", probability=0.98, raw="fr"),
        translation=translation,
        summaries=[
            Summary(kind="short", language="en", text="A tram line.", method="lead"),
            Summary(kind="long", language="en", text="The council approved a tram line.", method="textrank"),
        ],
        processed_at=PROCESSED,
    )


class LostAnswerStore(StoreWrapper):
    """A store whose conditional creates succeed but answer "already there", as a client that retried a
    write whose first answer was lost sees it (the retry meets the object its first try created)."""

    def put(
        self, key: str, data: bytes, *, if_absent: bool = False, content_type: str = "application/json"
    ) -> bool:
        written = self.inner.put(key, data, if_absent=if_absent, content_type=content_type)
        return written and not if_absent


def test_a_summary_object_holds_exactly_what_a_newsletter_lists(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    published = record()
    record_key = Publisher(store).publish(published, DAY)
    expected_hash = content_hash("The council approved a new tram line.", "Le tram est approuvé")
    assert record_key == f"records/a1/{expected_hash}.json"
    expected = {
        "schema_version": SCHEMA_VERSION,
        "article_id": "a1",
        "content_hash": expected_hash,
        "record_key": record_key,
        "run_id": "run-1",
        "date": "2026-11-25",
        "language": "en",
        "source_language": "fr",
        "title": "Tram line approved",
        "url": "https://example.org/tram",
        "source": "harbour-gazette",
        "published_at": "2026-11-25T09:30:00Z",
        "short": "A tram line.",
        "long": "The council approved a tram line.",
        "methods": {"short": "lead", "long": "textrank"},
    }
    # Stored as 2-space indented JSON: the bytes every writer produces for the same record.
    assert store.get("summaries/2026-11-25/en/a1.json") == json.dumps(expected, indent=2).encode()


def test_the_original_title_is_listed_when_no_translated_title_exists(tmp_path: Path) -> None:
    for translated_title, article_id in ((None, "untranslated"), ("", "empty-title")):
        store = LocalStore(tmp_path / article_id)
        Publisher(store).publish(record(article_id, translated_title=translated_title), DAY)
        summary = json.loads(store.get(f"summaries/2026-11-25/en/{article_id}.json"))
        assert summary["title"] == "Le tram est approuvé"


def test_a_summary_object_without_a_detection_has_no_source_language(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    undetected = record()
    undetected.detection = None
    Publisher(store).publish(undetected, DAY)
    assert json.loads(store.get("summaries/2026-11-25/en/a1.json"))["source_language"] is None


def test_a_retried_write_that_meets_its_own_bytes_is_published(tmp_path: Path) -> None:
    inner = LocalStore(tmp_path)
    mine = record()
    key = Publisher(LostAnswerStore(inner)).publish(mine, DAY)
    assert (mine.status, mine.reason) == ("published", None)
    assert key == layout.record_key("a1", mine.article.content_hash)
    assert list(inner.list("summaries/")) == ["summaries/2026-11-25/en/a1.json"]


def test_content_another_run_published_is_unchanged_with_its_reason(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    Publisher(store).publish(record(run_id="run-1"), DAY)
    again = record(run_id="run-2")
    key = Publisher(store).publish(again, DAY)
    assert (again.status, again.reason) == ("unchanged", "identical content already published")
    assert key == layout.record_key("a1", again.article.content_hash)
    stored = Record.model_validate_json(store.get(key))
    assert stored.run_id == "run-1"  # the first run's record stays


def test_the_same_text_under_another_id_is_a_duplicate_pointing_at_the_first(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    first = record("a1")
    first_key = Publisher(store).publish(first, DAY)
    copy = record("b2")
    before = sorted(store.list(""))
    key = Publisher(store).publish(copy, DAY)
    assert key == "duplicates/run-1/b2.json"
    assert copy.status == "duplicate"
    assert copy.reason == f"same text as article a1, published as {first_key}"
    assert copy.duplicate_of == first_key
    assert sorted(set(store.list("")) - set(before)) == ["duplicates/run-1/b2.json"]
    assert Record.model_validate_json(store.get(key)).duplicate_of == first_key


def test_republishing_an_article_under_its_own_id_is_not_a_duplicate(tmp_path: Path) -> None:
    """A new version of the same article (same text, another title) keeps its claim on the text."""
    store = LocalStore(tmp_path)
    Publisher(store).publish(record("a1"), DAY)
    retitled = record("a1")
    retitled.article = retitled.article.model_copy(
        update={
            "title": "Tram approuvé",
            "content_hash": content_hash(retitled.article.text, "Tram approuvé"),
        }
    )
    Publisher(store).publish(retitled, DAY)
    assert retitled.status == "published"


def test_a_claim_whose_record_was_never_written_is_taken_over(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    crashed = record("ghost")
    index_key = layout.content_index_key(content_hash(crashed.article.text, ""))
    ghost_record_key = layout.record_key("ghost", crashed.article.content_hash)
    store.put(index_key, json.dumps({"article_id": "ghost", "record_key": ghost_record_key}).encode())
    taker = record("a1")
    key = Publisher(store).publish(taker, DAY)
    assert taker.status == "published" and key == layout.record_key("a1", taker.article.content_hash)
    claim = json.loads(store.get(index_key))
    assert (claim["article_id"], claim["record_key"]) == ("a1", key)


def failed(run_id: str, reason: str, status: str = "failed") -> Record:
    broken = record("bad-1", run_id=run_id, text="unreadable")
    broken.summaries = []
    broken.finish("failed" if status == "failed" else "skipped", reason)
    return broken


def test_a_failure_is_written_once_per_content_and_reason(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    publisher = Publisher(store)
    key = layout.failure_key("bad-1", failed("run-1", "x").article.content_hash)

    assert publisher.record_failure(failed("run-1", "not UTF-8")) == StoredFailure(key, still_failing=False)
    # The same run's write retried after a lost answer: not "still failing", and left as it is.
    assert publisher.record_failure(failed("run-1", "not UTF-8")) == StoredFailure(key, still_failing=False)
    # Another run, same reason: still failing, the first run's object is kept.
    assert publisher.record_failure(failed("run-2", "not UTF-8")) == StoredFailure(key, still_failing=True)
    assert Record.model_validate_json(store.get(key)).run_id == "run-1"
    # Another reason replaces the object.
    assert publisher.record_failure(failed("run-3", "too short")) == StoredFailure(key, still_failing=False)
    replaced = Record.model_validate_json(store.get(key))
    assert (replaced.run_id, replaced.reason) == ("run-3", "too short")
    # The same reason with another status is not the same failure either.
    assert publisher.record_failure(failed("run-4", "too short", "skipped")) == StoredFailure(key, False)
    assert Record.model_validate_json(store.get(key)).status == "skipped"


def test_an_unreadable_failure_object_is_replaced(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    first = failed("run-2", "not UTF-8")
    key = layout.failure_key("bad-1", first.article.content_hash)
    store.put(key, b"{not json")
    assert Publisher(store).record_failure(first) == StoredFailure(key, still_failing=False)
    assert Record.model_validate_json(store.get(key)).run_id == "run-2"


def test_a_refused_language_or_hash_is_named_with_the_fix() -> None:
    language_message = "refusing to build a key from language 'EN': expected a code such as 'en'"
    for build in (
        lambda: layout.summaries_prefix(DAY, "EN"),
        lambda: layout.summary_key(DAY, "EN", "a1"),
        lambda: layout.stories_prefix(DAY, "EN"),
        lambda: layout.story_key(DAY, "EN", "s1"),
        lambda: layout.edition_key(DAY, "EN"),
    ):
        with pytest.raises(StoreError) as caught:
            build()
        assert str(caught.value) == language_message
    for build, what in (
        (lambda: layout.record_key("a1", "ABC"), "content hash"),
        (lambda: layout.failure_key("a1", "ABC"), "content hash"),
        (lambda: layout.content_index_key("ABC"), "text hash"),
    ):
        with pytest.raises(StoreError) as caught:
            build()
        assert str(caught.value) == f"refusing to build a key from {what} 'ABC'"


def version(text: str, processed_at: datetime | None) -> Record:
    """A version of article v1 (no publication date) with one English summary."""
    source = Article(id="v1", title="V", text=text, origin="v.txt", content_hash=content_hash(text, "V"))
    return Record(
        run_id="run-1",
        article=source,
        summaries=[Summary(kind="short", language="en", text=text, method="lead")],
        processed_at=processed_at,
    )


def store_record_only(store: LocalStore, stored: Record) -> str:
    """The record without its summary objects, as a run that died right after writing it leaves it."""
    key = layout.record_key(stored.article.id, stored.article.content_hash)
    store.put(key, stored.model_dump_json().encode())
    return key


def summary_text(store: LocalStore) -> str:
    [key] = list(store.list("summaries/"))
    return str(json.loads(store.get(key))["short"])


def test_completion_returns_the_keys_it_wrote(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    key = store_record_only(store, version("Only text.", datetime(2026, 11, 25, 8, 0, tzinfo=UTC)))
    assert Publisher(store).complete_summaries(key, DAY) == ["summaries/2026-11-25/en/v1.json"]
    assert Publisher(store).complete_summaries(key, DAY) == []


@pytest.mark.parametrize(
    ("summarised_at", "completed_at"),
    [
        (datetime(2026, 11, 25, 8, 0, tzinfo=UTC), None),
        (None, datetime(2026, 11, 25, 8, 0, tzinfo=UTC)),
        (datetime(2026, 11, 25, 8, 0, tzinfo=UTC), datetime(2026, 11, 25, 8, 0, tzinfo=UTC)),
    ],
)
def test_a_summary_is_moved_only_to_a_version_known_to_be_newer(
    tmp_path: Path, summarised_at: datetime | None, completed_at: datetime | None
) -> None:
    """Without a processing time on either side, or at the same time, the summary stays where it is."""
    store = LocalStore(tmp_path)
    Publisher(store).publish(version("First text.", summarised_at), DAY)
    key = store_record_only(store, version("Second text.", completed_at))
    assert Publisher(store).complete_summaries(key, DAY) == []
    assert summary_text(store) == "First text."


@pytest.mark.parametrize("zone", ["Etc/GMT-14", "Etc/GMT+12"])
def test_an_undated_record_is_completed_under_the_utc_day_whatever_the_local_zone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, zone: str
) -> None:
    """UTC+14 and UTC-12: at any moment the local day differs from the UTC day in one of the two."""
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        store = LocalStore(tmp_path)
        key = store_record_only(store, version("Undated.", None))
        before = datetime.now(UTC).date()
        [written] = Publisher(store).complete_summaries(key, None)
        after = datetime.now(UTC).date()
    finally:
        monkeypatch.undo()
        time.tzset()
    assert written in (f"summaries/{before}/en/v1.json", f"summaries/{after}/en/v1.json")


def test_the_content_index_names_the_article_its_record_and_its_address(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    published = record()
    key = Publisher(store).publish(published, DAY)
    index_key = layout.content_index_key(content_hash(published.article.text, ""))
    assert json.loads(store.get(index_key)) == {
        "schema_version": SCHEMA_VERSION,
        "article_id": "a1",
        "record_key": key,
        "url": "https://example.org/tram",
    }


def test_a_run_that_meets_a_stored_undated_record_completes_it_under_its_run_day(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store_record_only(store, version("Undated.", None))
    again = version("Undated.", None)
    again.run_id = "run-2"
    Publisher(store).publish(again, date(2020, 1, 2))
    assert again.status == "unchanged"
    assert list(store.list("summaries/")) == ["summaries/2020-01-02/en/v1.json"]
