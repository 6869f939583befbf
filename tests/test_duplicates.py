"""Duplicates: the same text under different URLs is published once (in one run or across runs), the others
are `duplicate` records pointing at it; one id with two texts in one run: both recorded, none overwritten."""

from __future__ import annotations

import json
from pathlib import Path

from pipelines import build_services, run
from pipelines.config import Config
from pipelines.records import Article, content_hash
from pipelines.stages import to_records
from pipelines.store import LocalStore, layout
from pipelines.store.publish import Publisher
from tests.test_store_publish import make_record, publish_run

TEXT = "The council approved the new tram line on Monday. Construction starts in spring, the mayor said."
OTHER = "Thousands of visitors came to the harvest festival. Farmers sold apples, pumpkins and cider."


def test_the_same_text_under_two_urls_in_one_run_is_published_once(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    first = make_record("gazette-1", text=TEXT, url="https://gazette.example/tram", languages=("en", "fr"))
    copy = make_record("mirror-1", text=f"  {TEXT}\n", url="https://mirror.example/tram", title="Tram!")

    manifest = publish_run(Publisher(store), "run-1", [first, copy])

    assert [entry.status for entry in manifest.entries] == ["published", "duplicate"]
    first_key = layout.record_key("gazette-1", first.article.content_hash)
    assert copy.duplicate_of == first_key and "gazette-1" in (copy.reason or "")
    stored = json.loads(store.get(layout.duplicate_key("run-1", "mirror-1")))
    assert stored["status"] == "duplicate" and stored["duplicate_of"] == first_key
    assert list(store.list("records/")) == [first_key]
    assert all("mirror-1" not in key for key in store.list("summaries/"))


def test_the_same_text_in_a_later_run_is_a_duplicate(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    publish_run(Publisher(store), "run-1", [make_record("gazette-1", text=TEXT)])

    later = make_record("mirror-1", text=TEXT, url="https://mirror.example/tram")
    manifest = publish_run(Publisher(store), "run-2", [later])

    assert manifest.counts == {"duplicate": 1}
    again = publish_run(Publisher(store), "run-3", [make_record("gazette-1", text=TEXT)])
    assert again.counts == {"unchanged": 1}  # the holder itself is never its own duplicate


def test_a_claim_whose_record_was_never_written_is_taken_over(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    ghost = make_record("ghost-1", text=TEXT)
    Publisher(store)._claim_text(ghost.article, layout.record_key("ghost-1", ghost.article.content_hash))

    manifest = publish_run(Publisher(store), "run-1", [make_record("gazette-1", text=TEXT)])

    assert manifest.counts == {"published": 1}


def _article(article_id: str, text: str, origin: str) -> Article:
    return Article(id=article_id, text=text, origin=origin, content_hash=content_hash(text))


def test_one_id_with_two_texts_in_one_run_keeps_both() -> None:
    records = to_records(
        [
            _article("story-1", TEXT, "a.jsonl:1"),
            _article("story-1", OTHER, "a.jsonl:2"),
            _article("story-1", TEXT, "a.jsonl:3"),
        ],
        "run-1",
    )

    assert [r.status for r in records] == ["pending", "skipped", "pending"]
    conflict = records[1]
    assert conflict.article.id == f"story-1.conflict-{content_hash(OTHER)[:12]}"
    assert conflict.article.text == OTHER and "id-conflict:story-1" in conflict.article.flags
    assert conflict.reason is not None and "already used in this run by a.jsonl:1" in conflict.reason


def test_a_run_publishes_each_text_once_and_keeps_every_input(tiny_config: Config, tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    lines = [
        {"url": "https://gazette.example/tram", "title": "Tram", "text": TEXT},
        {"url": "https://mirror.example/copy/tram", "title": "Tram (copy)", "text": TEXT},
        {"id": "story-1", "title": "Harvest", "text": OTHER},
        {"id": "story-1", "title": "Harvest", "text": OTHER + " The parade drew a record crowd."},
    ]
    (inputs / "feed.jsonl").write_text("\n".join(json.dumps(line) for line in lines))

    manifest = run([inputs], build_services(tiny_config)).manifest

    assert [entry.status for entry in manifest.entries] == ["published", "duplicate", "published", "skipped"]
    store = LocalStore(tiny_config.store.url)
    assert len(list(store.list("records/"))) == 2
    assert len(list(store.list("duplicates/"))) == 1 and len(list(store.list("failures/"))) == 1
    second = run([inputs], build_services(tiny_config)).manifest
    assert [entry.status for entry in second.entries] == ["unchanged", "duplicate", "unchanged", "skipped"]
