"""JSON Schemas of the stored objects, generated from the pydantic models so they cannot drift.

``docs/schema/*.schema.json`` are the committed output of :func:`write_schemas` (run
``python docs/schema/generate.py``); a test fails when they differ from what the models generate now.
``docs/schema/versions.json`` pins a fingerprint of the schemas per ``SCHEMA_VERSION``: changing the shape
of any object without bumping ``SCHEMA_VERSION`` makes :func:`write_schemas` refuse.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pipelines.errors import NewsdigestError
from pipelines.records import SCHEMA_VERSION, Record, RunManifest, StoredData
from pipelines.store.publish import ContentIndexEntry, SummaryObject

DRAFT = "https://json-schema.org/draft/2020-12/schema"
ID_BASE = "urn:newsdigest:schema:"
VERSIONS_FILE = "versions.json"


def _all_required(schema: dict[str, Any]) -> None:
    """The publisher writes every field (``null`` when unknown), so every property is required."""
    if "properties" in schema:
        schema["required"] = list(schema["properties"])


def schema_from_model(name: str, model: type[StoredData], description: str) -> dict[str, Any]:
    """The JSON Schema of one stored object kind: every field required, ``schema_version`` pinned."""
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


def generate_schemas() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema (Draft 2020-12) for every kind of stored object."""
    record = schema_from_model(
        "record",
        Record,
        "A full record, stored at records/<article_id>/<content_hash>.json: one object per content version.",
    )
    summary = schema_from_model(
        "summary",
        SummaryObject,
        "A compact summary object, stored at summaries/<YYYY-MM-DD>/<lang>/<article_id>.json; "
        "record_key points at the latest record version.",
    )
    manifest = schema_from_model(
        "manifest",
        RunManifest,
        "A run manifest, stored at runs/<YYYY-MM-DD>/<run_id>.json after every object it lists.",
    )
    failure = {
        "$schema": DRAFT,
        "$id": f"{ID_BASE}failure",
        "x-schema-version": SCHEMA_VERSION,
        "title": "Failure",
        "description": "A failed or skipped input, stored at failures/<article_id>/<content_hash>.json "
        "(schema version 1: failures/<run_id>/<article_id>.json): a Record whose status is 'failed' or "
        "'skipped' and whose reason says why.",
        "allOf": [{"$ref": f"{ID_BASE}record"}],
        "properties": {
            "status": {"enum": ["failed", "skipped"]},
            "reason": {"type": "string", "minLength": 1},
        },
        "required": ["status", "reason"],
    }
    duplicate = {
        "$schema": DRAFT,
        "$id": f"{ID_BASE}duplicate",
        "x-schema-version": SCHEMA_VERSION,
        "title": "Duplicate",
        "description": "An input whose text is published under another article id, stored at "
        "duplicates/<run_id>/<article_id>.json: a Record whose status is 'duplicate' and whose duplicate_of "
        "is the record key of the article published with that text.",
        "allOf": [{"$ref": f"{ID_BASE}record"}],
        "properties": {
            "status": {"const": "duplicate"},
            "duplicate_of": {"type": "string", "minLength": 1},
        },
        "required": ["status", "duplicate_of"],
    }
    content_index = schema_from_model(
        "content-index",
        ContentIndexEntry,
        "Which article id holds a text, stored at index/content/<text_hash>.json (the hash of the "
        "normalised text): the first article published with it.",
    )
    return {
        "record.schema.json": record,
        "summary.schema.json": summary,
        "manifest.schema.json": manifest,
        "failure.schema.json": failure,
        "duplicate.schema.json": duplicate,
        "content-index.schema.json": content_index,
    }


def render(schema: dict[str, Any]) -> str:
    """The canonical text of a schema file."""
    return json.dumps(schema, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def fingerprint(schemas: dict[str, dict[str, Any]]) -> str:
    """A hash of the schemas' shape (descriptions included, the version marker excluded)."""
    stripped = {
        name: {k: v for k, v in schema.items() if k != "x-schema-version"} for name, schema in schemas.items()
    }
    return hashlib.sha256(json.dumps(stripped, sort_keys=True).encode()).hexdigest()[:16]


def write_schemas(folder: Path) -> list[Path]:
    """Write every schema file and record this version's fingerprint; returns the files written.

    Raises NewsdigestError when the models changed but ``SCHEMA_VERSION`` did not.
    """
    return write_pinned(folder, generate_schemas(), str(SCHEMA_VERSION), "the stored objects' schemas")


def write_pinned(folder: Path, schemas: dict[str, dict[str, Any]], pin: str, what: str) -> list[Path]:
    """Write ``schemas`` into ``folder`` and their fingerprint under ``pin`` in the versions file.

    Raises NewsdigestError when a fingerprint is already pinned under ``pin`` and differs: ``what``
    changed shape without a ``SCHEMA_VERSION`` bump.
    """
    versions_path = folder / VERSIONS_FILE
    versions: dict[str, str] = json.loads(versions_path.read_text()) if versions_path.exists() else {}
    current = fingerprint(schemas)
    pinned = versions.get(pin)
    if pinned is not None and pinned != current:
        raise NewsdigestError(
            f"{what} changed but SCHEMA_VERSION is still {SCHEMA_VERSION}: bump "
            "SCHEMA_VERSION in pipelines/records.py (and describe the change in docs/storage.md), then rerun"
        )
    versions[pin] = current
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in schemas.items():
        path = folder / name
        path.write_text(render(schema), encoding="utf-8")
        written.append(path)
    versions_path.write_text(json.dumps(versions, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    written.append(versions_path)
    return written
