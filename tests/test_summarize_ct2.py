"""The CTranslate2 summary backend on tiny real BART and T5 models: same tokens as transformers, one
conversion for concurrent workers, ``auto`` falling back when a model does not convert."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipelines.models import ModelCache, ModelResolver
from pipelines.models import ct2 as conversion
from pipelines.models.config import ModelsConfig
from pipelines.summarize.base import SummaryRequest
from pipelines.summarize.config import SummaryConfig, SummarySpec
from pipelines.summarize.ct2 import load_ct2_summarizer
from pipelines.summarize.engine import SummaryEngine
from pipelines.summarize.seq2seq import load_seq2seq
from tests.support import default_corpus

PREFIXES = {"bart": "", "t5": "summarize: "}


@pytest.fixture(autouse=True)
def _restore_torch_threads() -> Iterator[None]:
    import torch

    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def articles() -> list[str]:
    """Every built-in corpus line plus multi-sentence mixes, some longer than the tiny BART reads."""
    corpus = default_corpus()
    mixes = [" ".join(corpus[start : start + size]) for start, size in ((0, 3), (5, 8), (10, 20), (0, 40))]
    return corpus + mixes


def spec(model: Path, kind: str, *, beams: int = 1) -> SummarySpec:
    lengths = {"short": (2, 12), "long": (6, 24)}[kind]
    return SummarySpec(
        model=str(model),
        prefix=PREFIXES[model.name],
        min_length=lengths[0],
        max_length=lengths[1],
        num_beams=beams,
        no_repeat_ngram_size=3,
        max_words=500,
    )


def model_copy(source: Path, tmp_path: Path) -> Path:
    """A private copy: conversions are written beside the model, and tests must not share them."""
    return Path(shutil.copytree(source, tmp_path / "models" / source.name))


@pytest.mark.parametrize("name", ["bart", "t5"])
def test_float32_greedy_tokens_match_transformers(
    name: str, tiny_bart_dir: Path, tiny_t5_dir: Path, tmp_path: Path
) -> None:
    source = model_copy({"bart": tiny_bart_dir, "t5": tiny_t5_dir}[name], tmp_path)
    resolved = ModelResolver().resolve(str(source))
    slow, _ = load_seq2seq(resolved, "cpu", threads=1)
    fast, size = load_ct2_summarizer(
        resolved, device="cpu", threads=1, compute_type="float32", cache_dir=None
    )
    assert size > 0 and fast.limit == slow.limit
    texts = [PREFIXES[name] + text for text in articles()]
    for kind in ("short", "long"):
        options = fast.decoding_options(spec(source, kind))
        source_tokens = fast._source_tokens(texts)
        ct2_ids = [
            fast.tokenizer.convert_tokens_to_ids(result.hypotheses[0])
            for result in fast.translator.translate_batch(source_tokens, **options)
        ]
        import torch

        from pipelines.summarize.seq2seq import generation_options

        encoded = slow.tokenizer(
            texts, return_tensors="pt", padding=True, truncation=True, max_length=slow.limit
        )
        with torch.inference_mode():
            generated = slow.model.generate(**encoded, **generation_options(spec(source, kind), slow.limit))
        special = set(slow.tokenizer.all_special_ids)
        hf_ids = [[token for token in row.tolist() if token not in special] for row in generated]
        assert [[t for t in row if t not in special] for row in ct2_ids] == hf_ids
        assert all(hf_ids), "every output has content tokens"


@pytest.mark.parametrize("name", ["bart", "t5"])
def test_engine_outputs_match_across_backends_and_record_the_backend(
    name: str, tiny_bart_dir: Path, tiny_t5_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = model_copy({"bart": tiny_bart_dir, "t5": tiny_t5_dir}[name], tmp_path)
    requests = [SummaryRequest(f"a{i}", text, "", "en") for i, text in enumerate(articles())]
    texts: dict[str, list[str]] = {}
    for backend, compute_type in (
        ("transformers", "auto"),
        ("ctranslate2", "float32"),
        ("ctranslate2", "int8"),
    ):
        config = SummaryConfig(
            short=spec(source, "short"),
            long=spec(source, "long"),
            backend=backend,  # type: ignore[arg-type]
            compute_type=compute_type,
            batch_size=4,
        )
        engine = SummaryEngine(
            config,
            ModelsConfig(device="cpu", threads=1, cache_dir=tmp_path / "cache"),
            ModelResolver(),
            ModelCache(),
        )
        outcomes = engine.summarize(requests)
        assert all(outcome.error is None for outcome in outcomes)
        summaries = [summary for outcome in outcomes for summary in outcome.summaries]
        assert {(s.model.backend, s.model.compute_type) for s in summaries if s.model} == {
            (backend, None if backend == "transformers" else compute_type)
        }
        assert any(s.chunks > 1 for s in summaries), "the long mixes go through map-reduce"
        texts[compute_type] = [s.text for s in summaries]
    assert texts["float32"] == texts["auto"]
    agreement = sum(a == b for a, b in zip(texts["int8"], texts["auto"], strict=True)) / len(texts["auto"])
    with capsys.disabled():
        print(f"\n{name}: int8 CTranslate2 summaries identical to transformers greedy: {agreement:.0%}")


def test_concurrent_workers_convert_once(
    tiny_bart_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = model_copy(tiny_bart_dir, tmp_path)
    ctranslate2 = conversion.import_ctranslate2()
    real = ctranslate2.converters.TransformersConverter
    conversions: list[str] = []

    class CountingConverter(real):  # type: ignore[misc, valid-type]
        def convert(self, output_dir: str, *args: Any, **kwargs: Any) -> str:
            conversions.append(output_dir)
            return str(super().convert(output_dir, *args, **kwargs))

    monkeypatch.setattr(ctranslate2.converters, "TransformersConverter", CountingConverter)
    start = threading.Barrier(3)
    results: list[Path] = []

    def worker() -> None:
        start.wait()
        results.append(conversion.convert_model(source, None))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 3 and len(set(results)) == 1
    assert len(conversions) == 1, "one worker converts, the others wait for its result"
    assert (results[0] / "model.bin").is_file()


def test_auto_falls_back_to_transformers_when_the_model_does_not_convert(
    tiny_bart_dir: Path, tmp_path: Path
) -> None:
    source = model_copy(tiny_bart_dir, tmp_path)
    config_file = source / "config.json"
    config = json.loads(config_file.read_text())
    # CTranslate2's BART converter reads normalize_before; without it the conversion fails.
    del config["normalize_before"]
    config_file.write_text(json.dumps(config))
    summary_config = SummaryConfig(short=spec(source, "short"), long=spec(source, "long"), backend="auto")
    engine = SummaryEngine(
        summary_config,
        ModelsConfig(device="cpu", threads=1, cache_dir=tmp_path / "cache"),
        ModelResolver(),
        ModelCache(),
    )
    (outcome,) = engine.summarize([SummaryRequest("a", articles()[0], "", "en")])
    assert outcome.error is None
    assert {(s.model.backend, s.model.compute_type) for s in outcome.summaries if s.model} == {
        ("transformers", None)
    }

    converted = model_copy(tiny_bart_dir, tmp_path / "ok")
    summary_config = SummaryConfig(
        short=spec(converted, "short"), long=spec(converted, "long"), backend="auto"
    )
    engine = SummaryEngine(
        summary_config,
        ModelsConfig(device="cpu", threads=1, cache_dir=tmp_path / "cache"),
        ModelResolver(),
        ModelCache(),
    )
    (outcome,) = engine.summarize([SummaryRequest("a", articles()[0], "", "en")])
    assert {(s.model.backend, s.model.compute_type) for s in outcome.summaries if s.model} == {
        ("ctranslate2", "int8")
    }
