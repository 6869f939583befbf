"""JSON Schemas of the story and edition objects, generated from their models like the others.

They are pinned in ``docs/schema/versions.json`` under ``<SCHEMA_VERSION>-editions``, beside the pin of
the record, summary, manifest and failure schemas, so adding these object kinds left the existing ones
(and their version) untouched; changing their shape without bumping ``SCHEMA_VERSION`` is refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipelines.records import SCHEMA_VERSION
from pipelines.store.schema import schema_from_model, write_pinned
from pipelines.stories.models import Edition, Story

PIN = f"{SCHEMA_VERSION}-editions"


def generate_edition_schemas() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema (Draft 2020-12) of the story and edition objects."""
    return {
        "story.schema.json": schema_from_model(
            "story",
            Story,
            "One story of a day's edition, stored at stories/<YYYY-MM-DD>/<lang>/<story_id>.json; its id is "
            "the id of the article that founded it and never changes when later runs add members.",
        ),
        "edition.schema.json": schema_from_model(
            "edition",
            Edition,
            "A day's newsletter edition in one language, stored at editions/<YYYY-MM-DD>/<lang>.json after "
            "every story it lists: most-reported first, each with its headline, summaries and sources.",
        ),
    }


def write_edition_schemas(folder: Path) -> list[Path]:
    """Write the story and edition schemas and pin their fingerprint; returns the files written."""
    return write_pinned(folder, generate_edition_schemas(), PIN, "the story/edition schemas")
