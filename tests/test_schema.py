"""The committed JSON Schemas match the models, and what the publisher writes validates against them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
from referencing import Registry, Resource

from pipelines.errors import NewsdigestError
from pipelines.records import SCHEMA_VERSION
from pipelines.store.local import LocalStore
from pipelines.store.publish import Publisher
from pipelines.store.s3 import S3Store
from pipelines.store.schema import fingerprint, generate_schemas, render, write_schemas
from tests.test_store_publish import DAY, make_record, publish_run, s3_store, sample_records

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "docs" / "schema"
KINDS = {
    "records/": "record",
    "summaries/": "summary",
    "runs/": "manifest",
    "failures/": "failure",
    "duplicates/": "duplicate",
    "index/": "content-index",
}


def committed(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))
    return schema


def validators() -> dict[str, jsonschema.Draft202012Validator]:
    schemas = {name: committed(name) for name in KINDS.values()}
    registry: Registry[Any] = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas.values()
    )
    return {
        name: jsonschema.Draft202012Validator(schema, registry=registry) for name, schema in schemas.items()
    }


def test_committed_schemas_match_the_models() -> None:
    for name, schema in generate_schemas().items():
        path = SCHEMA_DIR / name
        assert path.read_text(encoding="utf-8") == render(schema), (
            f"{path} is out of date: run `PYTHONPATH=. python docs/schema/generate.py` and commit the result"
        )
    versions = json.loads((SCHEMA_DIR / "versions.json").read_text())
    assert versions[str(SCHEMA_VERSION)] == fingerprint(generate_schemas()), "bump SCHEMA_VERSION"


def test_schemas_are_valid_draft_2020_12() -> None:
    for name in KINDS.values():
        jsonschema.Draft202012Validator.check_schema(committed(name))


def test_changing_a_model_without_bumping_the_version_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_schemas(tmp_path)
    real = generate_schemas

    def changed() -> dict[str, dict[str, Any]]:
        schemas = real()
        schemas["summary.schema.json"]["properties"]["extra"] = {"type": "string"}
        return schemas

    monkeypatch.setattr("pipelines.store.schema.generate_schemas", changed)
    with pytest.raises(NewsdigestError, match="bump SCHEMA_VERSION"):
        write_schemas(tmp_path)


def _validate_store(store: LocalStore | S3Store) -> int:
    checks = validators()
    count = 0
    for key in store.list(""):
        kind = KINDS[key.split("/")[0] + "/"]
        checks[kind].validate(json.loads(store.get(key)))
        count += 1
    return count


def test_published_objects_validate(tmp_path: Path, s3_endpoint: str, s3_bucket: str) -> None:
    for store in (LocalStore(tmp_path), s3_store(s3_endpoint, s3_bucket)):
        publish_run(Publisher(store), "run-1", sample_records())
        publish_run(Publisher(store), "run-2", sample_records())  # a manifest with unchanged entries
        copy = make_record("copy-1", url="https://mirror.example/tram")  # a1's text under another URL
        assert publish_run(Publisher(store), "run-3", [copy]).counts == {"duplicate": 1}
        # 2 records, 3 summaries, 1 failure (still failing), 3 manifests, 2 content-index entries, 1 duplicate
        assert _validate_store(store) == 12


def test_schemas_reject_malformed_objects(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    Publisher(store).publish(make_record(), DAY)
    checks = validators()
    [summary_key] = list(store.list("summaries/"))
    summary = json.loads(store.get(summary_key))
    checks["summary"].validate(summary)
    for broken in (
        {k: v for k, v in summary.items() if k != "record_key"},
        {**summary, "unexpected": 1},
        {**summary, "schema_version": SCHEMA_VERSION + 1},
    ):
        with pytest.raises(jsonschema.ValidationError):
            checks["summary"].validate(broken)
    record = make_record()
    record.finish("published")
    with pytest.raises(jsonschema.ValidationError):
        checks["failure"].validate(json.loads(record.model_dump_json()))
