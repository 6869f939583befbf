"""CTranslate2 conversion of a tiny local Marian model: where it goes, re-use, and the fed tokens."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipelines.models import ct2 as conversion
from pipelines.translate import ct2
from pipelines.translate.base import GenerationSettings
from pipelines.translate.marian import MarianTranslator


@pytest.fixture
def marian_copy(tiny_marian_dir: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(tiny_marian_dir, tmp_path / "src" / "opus-mt-tiny"))


def test_conversion_is_cached_next_to_the_model_and_reused(marian_copy: Path, tmp_path: Path) -> None:
    converted = ct2.convert_model(marian_copy, None)
    assert converted == marian_copy.parent / "opus-mt-tiny.ct2-float32"
    assert (converted / "model.bin").is_file()
    stamp = (converted / "model.bin").stat().st_mtime_ns
    assert ct2.convert_model(marian_copy, None) == converted
    assert (converted / "model.bin").stat().st_mtime_ns == stamp
    assert ct2.convert_model(marian_copy, "int8") == marian_copy.parent / "opus-mt-tiny.ct2-int8"


def test_read_only_source_converts_into_the_models_cache(
    marian_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(conversion, "_writable", lambda directory: False)
    converted = ct2.convert_model(marian_copy, None, cache_dir=tmp_path / "cache")
    assert converted.parent == tmp_path / "cache" / "ct2"
    assert (converted / "model.bin").is_file()
    with pytest.raises(conversion.ModelUnavailable, match="read-only"):
        ct2.convert_model(marian_copy, None)


def test_changed_weights_are_reconverted(marian_copy: Path) -> None:
    converted = ct2.convert_model(marian_copy, None)
    stamp = (converted / "model.bin").stat().st_mtime_ns
    (converted / conversion.MARKER).write_text('{"source_fingerprint": "stale"}')
    assert ct2.convert_model(marian_copy, None) == converted
    assert (converted / "model.bin").stat().st_mtime_ns != stamp


def test_sources_end_with_eos_and_outputs_match_transformers(marian_copy: Path, tmp_path: Path) -> None:
    settings = GenerationSettings(num_beams=1, max_new_tokens_ratio=1.0)
    fast, size = ct2.CT2Translator.load(
        marian_copy, settings, device="cpu", compute_type="float32", threads=1
    )
    slow, _ = MarianTranslator.load(marian_copy, settings, device="cpu", threads=1)
    assert size > 0 and fast.max_source_tokens == slow.max_source_tokens == 510
    sentences = ["Le gouvernement a annoncé une réforme.", "Привет.", "今天天气很好。"]
    # Exactly one </s>, at the end: the trained test models translate as well without it or with two
    # (tests/test_quality_trained.py cannot see it), real opus-mt models do not.
    assert all(row[-1] == "</s>" and row.count("</s>") == 1 for row in fast._source_tokens(sentences, None))
    # The prefix is one extra leading token (<unk> here: the tiny vocabulary has no >>fra<<).
    plain = fast._source_tokens(["Bonjour."], None)[0]
    assert fast._source_tokens(["Bonjour."], ">>fra<<")[0][1:] == plain
    assert fast.translate_segments(sentences) == slow.translate_segments(sentences)
    lengths = [3, 7, 5]
    assert fast.translate_segments(sentences, exact_lengths=lengths) == slow.translate_segments(
        sentences, exact_lengths=lengths
    )
    assert ct2.ct2_compute_type("auto", "cpu") == "int8"
    assert ct2.ct2_compute_type("auto", "cuda") == "float16"
