"""Hostile input through the stages (issue 7, item 1): ingest -> detect -> segment -> translate ->
summarize -> publish never lets an exception out of a batch, and every input ends as a stored record with a
final status (and a reason when it was not published).

tests/test_ingest_properties.py covers ``parse_text`` and detection on their own; here whole files go
through :mod:`pipelines.stages` and into a store. Examples are derandomised and bounded; the steps with
models run far fewer examples than the others (each costs a generate call).
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines import stages
from pipelines.config import Config, load_config
from pipelines.records import FINAL_STATUSES, Detection, Record
from pipelines.runner import read_inputs, run
from pipelines.segment import segment_text
from pipelines.services import Services, build_services
from pipelines.store import LocalStore

DAY = date(2026, 11, 25)
_FAST = settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
_MODELS = settings(
    max_examples=12,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

_PROSE = [
    "Le conseil municipal a approuvé la nouvelle ligne de tramway après un long débat. ",
    "The harbour reopened on Monday after the storm damaged two piers. ",
    "Der Stadtrat hat den Ausbau der Radwege beschlossen. ",
    "市议会周一批准了新的电车线路。",
    "وافق المجلس البلدي على خط الترام الجديد بعد نقاش طويل. ",
]
_SPICE = st.sampled_from(
    ["\x00", "\x07", "\x1b[31m", "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u202a", "\u202e",
     "\u2066", "\u2069", "\ufeff", "\ufffe", "\r\n", "\r", "\n\n\n", "\t", "\u0301\u0301\u0301", "😀",
     "👩\u200d👩\u200d👧", "<script>alert(1)</script>", "<p>", "</div>", "&amp;", "&#0;", "{", '"text":',
     "。", "؟ ", "...", "!!!", " " * 50, "\u2028", "\u2029", "\U000e0041", "\udbff"]
)  # fmt: skip
_TEXT = st.lists(st.one_of(st.text(max_size=30), _SPICE, st.sampled_from(_PROSE)), max_size=30).map("".join)
# Bytes a text file might hold: UTF-8 with lone surrogates encoded (CESU-style), BOMs, overlong forms.
_RAW_BYTES = st.sampled_from(
    [b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xef\xbb\xbf", b"\xff\xfe", b"\xc0\xaf", b"\xf8\x88\x80\x80\x80",
     b"\x80\x80", b"\xe2\x80", b"\x00\x00"]
)  # fmt: skip
_BYTES = st.lists(st.one_of(_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")), _RAW_BYTES), max_size=12)


def _html(depth: int, body: str) -> str:
    opened = "".join(f"<div class='x{i % 3}'><span>" for i in range(depth))
    closed = "</span></div>" * (depth // 2)  # half of them left open
    return f"<html><head><title>{body[:40]}</title></head><body><article>{opened}<p>{body}</p>{closed}"


@st.composite
def _jsonl(draw: st.DrawFn) -> str:
    lines: list[str] = []
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        kind = draw(st.sampled_from(["good", "broken", "wrong", "surrogate", "deep"]))
        text = draw(_TEXT)
        if kind == "good":
            lines.append(json.dumps({"text": text, "id": draw(st.text(max_size=12)), "title": text[:20]}))
        elif kind == "broken":
            lines.append(json.dumps({"text": text})[: draw(st.integers(min_value=0, max_value=20))])
        elif kind == "wrong":
            lines.append(json.dumps(draw(st.one_of(st.integers(), st.lists(st.text(max_size=5)), st.none()))))
        elif kind == "surrogate":
            lines.append('{"text": "' + "Bonjour \\ud800 le monde \\udfff fin. " * 3 + '", "url": "\\udc00"}')
        else:
            lines.append('{"text": ' * 2_000 + '"x"' + "}" * 2_000)
    return "\n".join(lines)


@st.composite
def hostile_files(draw: st.DrawFn) -> dict[str, bytes]:
    """A few files of every kind, each hostile in its own way."""
    files: dict[str, bytes] = {}
    for index in range(draw(st.integers(min_value=1, max_value=4))):
        kind = draw(st.sampled_from(["txt", "md", "html", "json", "jsonl", "bytes"]))
        if kind == "bytes":
            files[f"{index}-raw.txt"] = b"".join(draw(_BYTES))
        elif kind == "html":
            depth = draw(st.integers(min_value=0, max_value=400))
            files[f"{index}.html"] = _html(depth, draw(_TEXT)).encode("utf-8", "surrogatepass")
        elif kind == "json":
            payload = draw(st.one_of(_TEXT.map(lambda t: json.dumps({"text": t})), _TEXT))
            files[f"{index}.json"] = payload.encode("utf-8", "surrogatepass")
        elif kind == "jsonl":
            files[f"{index}.jsonl"] = draw(_jsonl()).encode("utf-8", "surrogatepass")
        else:
            files[f"{index}.{kind}"] = draw(_TEXT).encode("utf-8", "surrogatepass")
    return files


def _write(folder: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        (folder / name).write_bytes(data)


def _check_final(records: list[Record], files: dict[str, bytes], folder: Path) -> None:
    """Every file is accounted for; every record has a final status and a reason when not published."""
    origins = {Path(r.article.origin.split(":")[0].split("#")[0]).name for r in records}
    assert origins == set(files)
    for record in records:
        assert record.status in FINAL_STATUSES, record
        if record.status in ("failed", "skipped"):
            assert record.reason, record
        Record.model_validate_json(record.model_dump_json())  # storable, round-trips


def _stored(root: Path) -> Counter[str]:
    return Counter(path.relative_to(root).parts[0] for path in root.rglob("*.json"))


@pytest.fixture(scope="module")
def fast_config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    return load_config(None, {"ingest.max_article_chars": 5_000, "detection.min_letters": 5})


@_FAST
@given(files=hostile_files())
def test_hostile_files_end_as_records_without_models(fast_config: Config, files: dict[str, bytes]) -> None:
    """ingest -> detect -> segment -> publish: records with a status, stored once, idempotent on re-run."""
    with tempfile.TemporaryDirectory() as temp:
        inputs, root = Path(temp, "in"), Path(temp, "store")
        inputs.mkdir()
        _write(inputs, files)
        services = build_services(fast_config, store=LocalStore(root))
        records = stages.detect(read_inputs([str(inputs)], services, "r1")[0], fast_config.detection)
        for record in records:
            if record.pending and record.detection is not None:
                segmented = segment_text(record.article.text, record.detection.language)
                # Segmentation keeps every character of content: an identity "translation" rebuilds it.
                rebuilt = segmented.reassemble(segmented.sentences, record.detection.language)
                assert "".join(rebuilt.split()) == "".join(record.article.text.split())
        entries = stages.publish(records, services.publisher, services.signature, DAY)
        _check_final(records, files, inputs)
        assert len(entries) == len(records)

        stored = _stored(root)
        published = sum(r.status == "published" for r in records)
        assert stored["records"] == published
        # An article's id comes from its content, so two inputs with the same text are one article: stored
        # once, as a published record or as a failure.
        assert stored["failures"] == len({r.article.id for r in records if r.status in ("failed", "skipped")})

        again = stages.detect(read_inputs([str(inputs)], services, "r2")[0], fast_config.detection)
        stages.publish(again, services.publisher, services.signature, DAY)
        assert _stored(root)["records"] == published  # nothing duplicated by a re-run
        # Two inputs with the same id and content in one run: the second is 'unchanged' already.
        done = sum(r.status in ("published", "unchanged") for r in records)
        assert sum(r.status == "unchanged" for r in again) == done


# --------------------------------------------------------------------------------------------- with models


@pytest.fixture(scope="module")
def model_services(tiny_overrides: dict[str, object], tmp_path_factory: pytest.TempPathFactory) -> Services:
    root = tmp_path_factory.mktemp("hostile-models")
    config = load_config(
        None,
        {
            **tiny_overrides,
            "store.url": str(root / "store"),
            "models.cache_dir": str(root / "cache"),
            "ingest.max_article_chars": 3_000,
        },
    )
    return build_services(config)


@_MODELS
@given(
    texts=st.lists(_TEXT, min_size=1, max_size=4),
    languages=st.lists(st.sampled_from(["fr", "de", "zh", "ar", "en"]), min_size=4, max_size=4),
)
def test_hostile_text_through_translation_and_summaries(
    model_services: Services, texts: list[str], languages: list[str]
) -> None:
    """Detection is bypassed (hostile text is mostly 'und'): each article is forced into a language so
    the segmenter, tokenizers and models all see it."""
    services = model_services
    target = services.config.target_language
    with tempfile.TemporaryDirectory() as temp:
        inputs = Path(temp)
        for index, text in enumerate(texts):
            (inputs / f"{index}.txt").write_bytes(f"Title {index}\n{text}".encode("utf-8", "surrogatepass"))
        records = read_inputs([str(inputs)], services, "r-models")[0]
        for record, language in zip(records, languages, strict=False):
            if record.pending:
                record.detection = Detection(language=language, probability=1.0)
        records = stages.translate(records, services.translation, target)
        records = stages.summarize(records, services.summary, target)
        stages.publish(records, services.publisher, services.signature, DAY)
        _check_final(records, {f"{i}.txt": b"" for i in range(len(texts))}, inputs)
        for record in records:
            if record.status == "published":
                assert record.translation is not None and record.summaries


# --------------------------------------------------------------------------------------------- size limit


def _big_article(sentences: int) -> str:
    return "Big Story\n" + "".join(f"Sentence number {n} tells more of the story. " for n in range(sentences))


@pytest.mark.parametrize("oversize", ["truncate", "refuse"])
def test_max_article_size_truncates_or_refuses_through_the_stages(
    tiny_overrides: dict[str, Any], tmp_path: Path, oversize: str
) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "big.txt").write_text(_big_article(200))  # ~9,000 characters
    (inputs / "small.txt").write_text("Small Story\nThe harbour reopened on Monday after the storm. " * 2)
    (inputs / "huge.txt").write_text(_big_article(20_000))  # ~900 KB: over 16 bytes per allowed character
    config = load_config(
        None,
        {
            **tiny_overrides,
            "store.url": str(tmp_path / "store"),
            "models.cache_dir": str(tmp_path / "cache"),
            "ingest.max_article_chars": 2_000,
            "ingest.oversize": oversize,
        },
    )
    manifest = run([inputs], build_services(config)).manifest
    by_name = {Path(entry.origin).name: entry for entry in manifest.entries}
    assert by_name["small.txt"].status == "published"
    assert by_name["huge.txt"].status == "failed"
    assert "over the read limit" in (by_name["huge.txt"].reason or "")
    root = tmp_path / "store"
    big = by_name["big.txt"]
    if oversize == "truncate":
        assert big.status == "published"
        stored = json.loads((root / (big.key or "")).read_text())
        article = stored["article"]
        assert len(article["text"]) <= 2_000 and article["text"].endswith("story.")
        assert any(flag.startswith("truncated:") for flag in article["flags"])
    else:
        assert big.status == "failed" and "over ingest.max_article_chars=2000" in (big.reason or "")
        stored = json.loads((root / (big.key or "")).read_text())
        assert stored["status"] == "failed" and len(stored["article"]["text"]) > 2_000  # kept, not lost
    assert sorted(_stored(root).elements()).count("runs") == 1


def test_one_megabyte_lines_through_ingest_detect_and_segment(tmp_path: Path) -> None:
    """A 1 MB line in every kind of file, under a size limit above it (the default, 150,000 characters,
    would cut it): read, detected, segmented whole."""
    config = load_config(None, {"detection.min_letters": 5, "ingest.max_article_chars": 2_000_000})
    line = "La municipalité a voté le budget de la culture " * 21_000  # ~1 MB, one line, no sentence end
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "line.txt").write_text(f"Titre\n{line}")
    (inputs / "line.md").write_text(f"# Titre\n\n**{line}**")
    (inputs / "line.html").write_text(f"<html><body><article><p>{line}</p></article></body></html>")
    (inputs / "line.jsonl").write_text(json.dumps({"text": line}) + "\n{broken\n")
    services = build_services(config, store=LocalStore(tmp_path / "store"))
    records = stages.detect(read_inputs([str(inputs)], services, "r-mb")[0], config.detection)
    statuses = sorted((Path(r.article.origin).name, r.status) for r in records)
    assert statuses == [
        ("line.html", "pending"),
        ("line.jsonl:1", "pending"),
        ("line.jsonl:2", "failed"),
        ("line.md", "pending"),
        ("line.txt", "pending"),
    ]
    for record in records:
        if record.pending:
            assert record.detection is not None and record.detection.language == "fr"
            assert len(record.article.text) >= 980_000  # ~1 MB of UTF-8, nothing cut
    text = records[0].article.text  # the same line everywhere: segmenting one shows it is kept whole
    assert "".join(segment_text(text, "fr").sentences).replace(" ", "") == text.replace(" ", "")
    stages.publish(records, services.publisher, services.signature, DAY)
    # line.txt and line.md hold the same title and text: one record, the second input is 'unchanged'.
    assert sorted(r.status for r in records) == ["failed", "published", "published", "published", "unchanged"]
    assert _stored(tmp_path / "store") == {"records": 3, "failures": 1, "index": 2}
