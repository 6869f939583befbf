"""JSON records: a ``.json`` file holds one object or a list of objects, a ``.jsonl`` file one object per
line. Each object needs a string ``text``; ``title``, ``url``, ``source``, ``published_at`` and ``id`` are
optional, and one that is wrong is dropped with a flag. A record names its own source, so the ``source``
a parser is given is not used here.

Origins: the path for a ``.json`` file holding one object, ``path#N`` for record N (1-based) of a list,
``path:N`` for line N of a ``.jsonl`` file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from pipelines.records import Article, is_valid_id
from pipelines.sources.config import IngestConfig
from pipelines.sources.formats.common import (
    Decoded,
    IngestFailure,
    clean,
    finish,
    optional_string,
    published_field,
)


def parse_json(
    decoded: Decoded, origin: str, config: IngestConfig, source: str | None
) -> list[Article | IngestFailure]:
    try:
        data = json.loads(decoded.text)
    except (json.JSONDecodeError, RecursionError) as exc:
        return [IngestFailure(origin, f"not valid JSON: {exc}", decoded.text, tuple(decoded.flags))]
    if isinstance(data, dict):
        return [_from_record(data, origin, "", config, decoded.flags)]
    if isinstance(data, list):
        if not data:
            return [
                IngestFailure(
                    origin, "empty: the JSON list holds no records", decoded.text, tuple(decoded.flags)
                )
            ]
        return [
            _from_record(item, f"{origin}#{number}", f"record {number}: ", config, decoded.flags)
            for number, item in enumerate(data, start=1)
        ]
    return [
        IngestFailure(
            origin,
            f"JSON must be an object or a list of objects, got {_json_type(data)}",
            decoded.text,
            tuple(decoded.flags),
        )
    ]


def parse_jsonl(
    decoded: Decoded, origin: str, config: IngestConfig, source: str | None
) -> list[Article | IngestFailure]:
    results: list[Article | IngestFailure] = []
    for number, line in _numbered_lines(decoded.text):
        where, prefix = f"{origin}:{number}", f"line {number}: "
        try:
            data = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            results.append(IngestFailure(where, f"{prefix}not valid JSON: {exc}", line, tuple(decoded.flags)))
            continue
        results.append(_from_record(data, where, prefix, config, decoded.flags))
    if not results:
        return [IngestFailure(origin, "empty: no text after cleaning", decoded.text, tuple(decoded.flags))]
    return results


def _numbered_lines(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            yield number, line


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def _from_record(
    data: Any, origin: str, prefix: str, config: IngestConfig, inherited: list[str]
) -> Article | IngestFailure:
    """One JSON object to an article; optional fields that are wrong are dropped with a flag."""
    flags = list(inherited)
    if not isinstance(data, dict):
        return IngestFailure(
            origin, f"{prefix}expected a JSON object, got {_json_type(data)}", _dump(data), tuple(flags)
        )
    text = data.get("text")
    if text is None:
        return IngestFailure(origin, f"{prefix}'text' is missing", _dump(data), tuple(flags))
    if not isinstance(text, str):
        return IngestFailure(
            origin, f"{prefix}'text' must be a string, got {_json_type(text)}", _dump(data), tuple(flags)
        )
    title = optional_string(data, "title", flags) or ""
    url = optional_string(data, "url", flags)
    source = optional_string(data, "source", flags)
    published_at = published_field(data.get("published_at"), flags)
    given_id = data.get("id")
    if isinstance(given_id, int) and not isinstance(given_id, bool):
        given_id = str(given_id)
    article_id: str | None = None
    if given_id is not None:
        if isinstance(given_id, str) and is_valid_id(given_id):
            article_id = given_id
        else:
            flags.append("invalid-id-replaced")
    return finish(
        origin,
        config,
        text=text,
        title=title,
        flags=flags,
        url=url,
        source=source,
        published_at=published_at,
        article_id=article_id,
    )


def _dump(data: Any) -> str:
    """A record that failed, as clean JSON text to keep in the failure."""
    return clean(json.dumps(data, ensure_ascii=False))
