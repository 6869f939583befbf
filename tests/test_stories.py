"""Story grouping and stored editions: grouping, incremental builds on the S3 test server, schemas."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

from benchmarks.stories import bcubed, load, publish
from pipelines.errors import NothingPublished
from pipelines.store.local import LocalStore
from pipelines.store.s3 import S3Store
from pipelines.store.schema import render
from pipelines.stories.edition import build_edition, read_edition
from pipelines.stories.grouping import StoryText, group_all, names_and_figures
from pipelines.stories.models import Story
from pipelines.stories.schema import generate_edition_schemas
from tests.test_store_publish import s3_store

DAY = date(2026, 11, 24)
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "docs" / "schema"


def story_rows() -> list[dict[str, Any]]:
    # Every article of the set is filed under 2026-11-24 in its own time zone.
    return sorted(load(), key=lambda row: (datetime.fromisoformat(row["published_at"]), row["id"]))


def test_names_and_figures_survive_spelling_differences() -> None:
    english = names_and_figures("About 2,400 passengers were stranded in Gdańsk. Rates rose to 4.75 percent.")
    french = names_and_figures("Environ 2 400 passagers à Gdansk. Le taux passe à 4,75 pour cent.")
    assert {"2400", "gdansk", "4.75"} <= set(english)
    assert {"4.75", "gdansk"} <= set(french)
    assert "about" not in english  # capitalised only because it starts the sentence


def test_grouping_puts_every_article_in_exactly_one_story() -> None:
    rows = [row for row in load() if row["language"] == "en"]
    items = [StoryText(row["id"], row["title"], row["text"]) for row in rows]
    groups = group_all(items, threshold=0.26)
    assert sorted(m for g in groups for m in g) == sorted(row["id"] for row in rows)
    f1 = bcubed(groups, {row["id"]: row["story"] for row in rows})[2]
    assert f1 >= 0.95, f"same-language B-cubed F1 {f1:.3f} below the target"


def test_an_unrelated_article_stays_alone() -> None:
    items = [
        StoryText("a", "Ferry strike in Gdańsk", "Baltic Line crews strike over pay in Gdańsk."),
        StoryText("b", "Gdańsk ferry crews walk out", "Baltic Line ferry crews in Gdańsk stopped work."),
        StoryText("c", "Bee numbers fall", "Wild bee populations fell by 23 percent in a decade."),
    ]
    assert sorted(group_all(items, threshold=0.26)) == [["a", "b"], ["c"]]


def test_rerunning_a_day_adds_to_existing_stories_on_s3(s3_endpoint: str, s3_bucket: str) -> None:
    store = s3_store(s3_endpoint, s3_bucket, "newsroom")
    rows = story_rows()
    first, second = rows[: len(rows) // 2], rows[len(rows) // 2 :]

    publish(store, first, "run-1")
    built = build_edition(store, DAY, "en")
    first_ids = {story.id for story in built.edition.stories}
    first_members = {story.id: {a.article_id for a in story.articles} for story in built.edition.stories}

    publish(store, second, "run-2")
    rebuilt = build_edition(store, DAY, "en")
    stories = rebuilt.edition.stories
    assert first_ids <= {story.id for story in stories}, "a story lost its id when the day was re-run"
    for story in stories:
        if story.id in first_members:
            assert first_members[story.id] <= {a.article_id for a in story.articles}
    members = [a.article_id for story in stories for a in story.articles]
    assert sorted(members) == sorted(row["id"] for row in rows), "every article in exactly one story"
    assert rebuilt.edition.article_count == len(rows)
    stored_keys = list(store.list(f"stories/{DAY.isoformat()}/en/"))
    assert len(stored_keys) == len(stories)
    # The ferry strike, told by three English outlets and one French one, is one story.
    strike = next(story for story in stories if "s01-harbour" in {a.article_id for a in story.articles})
    assert {a.article_id for a in strike.articles} >= {
        "s01-harbour",
        "s01-ledger",
        "s01-wire",
        "s01-courrier",
    }
    assert strike.translated_from == ["fr"]
    assert "Harbour Times" in strike.sources  # the slug made readable

    again = build_edition(store, DAY, "en")
    assert again.written == [], "an unchanged day rewrote objects"
    assert read_edition(store, DAY, "en") == again.edition


class RacingStore(LocalStore):
    """A store where another build creates ``story`` just before this build's first conditional write."""

    def __init__(self, root: str, key: str, story: bytes) -> None:
        super().__init__(root)
        self.race = (key, story)

    def put(
        self, key: str, data: bytes, *, if_absent: bool = False, content_type: str = "application/json"
    ) -> bool:
        if if_absent and key == self.race[0]:
            super().put(key, self.race[1])
        return super().put(key, data, if_absent=if_absent, content_type=content_type)


def test_a_story_a_concurrent_build_created_first_is_merged_not_lost(tmp_path: Path) -> None:
    rows = [row for row in story_rows() if row["story"] == "ferry-strike"]
    theirs = LocalStore(str(tmp_path / "theirs"))
    publish(theirs, rows[:2], "run-1")
    their_story = build_edition(theirs, DAY, "en").edition.stories[0]
    key = f"stories/{DAY.isoformat()}/en/{their_story.id}.json"
    ours = RacingStore(str(tmp_path / "ours"), key, theirs.get(key))
    publish(ours, [rows[0], *rows[2:]], "run-1")  # ours lacks their second article
    built = build_edition(ours, DAY, "en")
    assert key in built.written
    merged = Story.model_validate_json(ours.get(key))
    assert {a.article_id for a in merged.articles} == {row["id"] for row in rows}


def test_nothing_in_the_store_is_a_clear_error(tmp_path: Path) -> None:
    store = LocalStore(str(tmp_path / "empty"))
    with pytest.raises(NothingPublished, match=r"no summaries for 2026-11-24 in 'en'"):
        build_edition(store, DAY, "en")
    with pytest.raises(NothingPublished, match="no edition"):
        read_edition(store, DAY, "en")


def test_edition_schemas_are_committed_and_stored_objects_validate(tmp_path: Path) -> None:
    for name, schema in generate_edition_schemas().items():
        assert (SCHEMA_DIR / name).read_text(encoding="utf-8") == render(schema), (
            f"{name} is out of date: run `PYTHONPATH=. python docs/schema/generate.py`"
        )
    store = LocalStore(str(tmp_path / "store"))
    publish(store, story_rows()[:12], "run-1")
    build_edition(store, DAY, "en")
    kinds = {"stories/": "story", "editions/": "edition"}
    for prefix, name in kinds.items():
        schema = json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))
        keys = list(store.list(prefix))
        assert keys
        for key in keys:
            jsonschema.Draft202012Validator(schema).validate(json.loads(store.get(key)))


def test_s3_and_local_editions_are_identical(s3_endpoint: str, s3_bucket: str, tmp_path: Path) -> None:
    s3: S3Store = s3_store(s3_endpoint, s3_bucket, "same")
    local = LocalStore(str(tmp_path / "same"))
    rows = story_rows()[:10]
    for store in (s3, local):
        publish(store, rows, "run-1")
        build_edition(store, DAY, "en")
    assert s3.get(f"editions/{DAY.isoformat()}/en.json") == local.get(f"editions/{DAY.isoformat()}/en.json")


def test_the_story_benchmark_groups_what_the_pipeline_translated_with_the_trained_models() -> None:
    from benchmarks.stories import pipeline_translations, table

    rows = load()
    translations = pipeline_translations(rows)
    assert sorted(translations) == sorted(row["id"] for row in rows if row["language"] != "en")
    assert all(translation["text_en"] for translation in translations.values())
    lines = table(0.26, translations)
    assert sum("translated by the pipeline" in line for line in lines) == 8
