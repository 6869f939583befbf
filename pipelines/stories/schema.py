"""JSON Schemas of the story and edition objects, generated from their models like the others.

They are pinned in ``docs/schema/versions.json`` under ``<SCHEMA_VERSION>-editions``, beside the pin of
the record, summary, manifest and failure schemas, so adding these object kinds left the existing ones
(and their version) untouched; changing their shape without bumping ``SCHEMA_VERSION`` is refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipelines.errors import NewsdigestError
from pipelines.records import SCHEMA_VERSION, StoredData
from pipelines.store.schema import DRAFT, ID_BASE, VERSIONS_FILE, fingerprint, render
from pipelines.stories.models import Edition, Story

PIN = f"{SCHEMA_VERSION}-editions"


def _all_required(schema: dict[str, Any]) -> None:
    if "properties" in schema:
        schema["required"] = list(schema["properties"])


def _from_model(name: str, model: type[StoredData], description: str) -> dict[str, Any]:
    body = model.model_json_schema(mode="serialization")
    _all_required(body)
    for definition in body.get("$defs", {}).values():
        _all_required(definition)
    body["properties"]["schema_version"] = {
        "const": SCHEMA_VERSION,
        "description": "bumped on any change to the shape of stored objects; see docs/storage.md",
    }
    return {
        "$schema": DRAFT,
        "$id": f"{ID_BASE}{name}",
        "x-schema-version": SCHEMA_VERSION,
        **body,
        "description": description,
    }


def generate_edition_schemas() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema (Draft 2020-12) of the story and edition objects."""
    return {
        "story.schema.json": _from_model(
            "story",
            Story,
            "One story of a day's edition, stored at stories/<YYYY-MM-DD>/<lang>/<story_id>.json; its id is "
            "the id of the article that founded it and never changes when later runs add members.",
        ),
        "edition.schema.json": _from_model(
            "edition",
            Edition,
            "A day's newsletter edition in one language, stored at editions/<YYYY-MM-DD>/<lang>.json after "
            "every story it lists: most-reported first, each with its headline, summaries and sources.",
        ),
    }


def write_edition_schemas(folder: Path) -> list[Path]:
    """Write the story and edition schemas and pin their fingerprint; returns the files written."""
    schemas = generate_edition_schemas()
    versions_path = folder / VERSIONS_FILE
    versions: dict[str, str] = json.loads(versions_path.read_text()) if versions_path.exists() else {}
    current = fingerprint(schemas)
    if versions.get(PIN, current) != current:
        raise NewsdigestError(
            f"the story/edition schemas changed but SCHEMA_VERSION is still {SCHEMA_VERSION}: bump "
            "SCHEMA_VERSION in pipelines/records.py (and describe the change in docs/storage.md), then rerun"
        )
    versions[PIN] = current
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in schemas.items():
        path = folder / name
        path.write_text(render(schema), encoding="utf-8")
        written.append(path)
    versions_path.write_text(json.dumps(versions, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    written.append(versions_path)
    return written
