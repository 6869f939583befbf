"""Target-language prefixes (``>>fra<<``) reach the model: without one a multi-target model picks any
language, and the reader gets an article in the wrong language."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from pipelines.config import ModelsConfig
from pipelines.deadline import Deadline
from pipelines.models import ModelCache, ModelResolver
from pipelines.translate import backends
from pipelines.translate.base import GenerationSettings, TranslationRequest, with_prefix
from pipelines.translate.config import TranslationConfig
from pipelines.translate.engine import TranslationEngine

SENTENCE = "Le conseil municipal a voté le budget."


def make_engine(models: dict[str, Any], tmp_path: Path, **settings: Any) -> TranslationEngine:
    config = TranslationConfig.model_validate({"models": models, "num_beams": 1, **settings})
    return TranslationEngine(
        config, ModelsConfig(cache_dir=tmp_path / "cache", threads=1), ModelResolver(), ModelCache()
    )


def translate(engine: TranslationEngine, text: str, source: str = "fr", target: str = "en") -> str:
    request = TranslationRequest(key="a", text=text, title="", source_language=source, target_language=target)
    (outcome,) = engine.translate([request])
    assert outcome.translation is not None, outcome.error
    return outcome.translation.text


def test_the_prefix_reaches_a_real_model(tiny_marian_dir: Path, tmp_path: Path) -> None:
    """With greedy decoding, a prefixed model translates exactly what the same model without a prefix
    makes of the prefixed sentence, and something else than of the bare sentence."""
    model = str(tiny_marian_dir)
    prefixed = translate(
        make_engine({"fr-en": {"model": model, "target_prefix": ">>fra<<"}}, tmp_path), SENTENCE
    )
    plain_engine = make_engine({"fr-en": model}, tmp_path)
    assert prefixed == translate(plain_engine, f">>fra<< {SENTENCE}")
    assert prefixed != translate(plain_engine, SENTENCE)


class RecordingTranslator:
    """A backend that records what it is asked to translate, with each segment's prefix applied.

    Tokens are words plus one for ``</s>``, as for the real backends, and the prefix counts like any word.
    """

    backend = "transformers"

    def __init__(self, inputs: list[list[str]], max_source_tokens: int) -> None:
        self.inputs = inputs
        self.max_source_tokens = max_source_tokens

    def count_tokens(self, segments: Sequence[str]) -> list[int]:
        return [len(segment.split()) + 1 for segment in segments]

    def translate_segments(
        self,
        segments: Sequence[str],
        *,
        target_prefix: str | None = None,
        exact_lengths: Sequence[int] | None = None,
        deadline: Deadline | None = None,
    ) -> list[str]:
        fed = with_prefix(segments, target_prefix)
        assert max(self.count_tokens(fed)) <= self.max_source_tokens, fed
        self.inputs.append(fed)
        return [segment.upper() for segment in segments]


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    inputs: list[list[str]] = []

    def load(path: Path, settings: GenerationSettings, **_: Any) -> tuple[RecordingTranslator, int]:
        return RecordingTranslator(inputs, max_source_tokens=8), 1

    monkeypatch.setitem(backends._LOADERS, "transformers", load)
    return inputs


def model_dir(tmp_path: Path, name: str) -> str:
    directory = tmp_path / name
    directory.mkdir()
    (directory / "config.json").write_text("{}")
    (directory / "model.safetensors").write_bytes(name.encode())
    return str(directory)


def test_each_hop_gets_its_own_prefix_and_pivots_keep_order(
    recorded: list[list[str]], tmp_path: Path
) -> None:
    models = {
        "de-en": model_dir(tmp_path, "de-en"),
        "en-fr": {"model": model_dir(tmp_path, "en-fr"), "target_prefix": ">>fra<<"},
        "en-es": {"model": model_dir(tmp_path, "en-es"), "target_prefix": ">>spa<<"},
    }
    engine = make_engine(models, tmp_path)
    assert translate(engine, "Guten Tag.", "de", "fr") == "GUTEN TAG."
    assert recorded == [["Guten Tag."], [">>fra<< GUTEN TAG."]]
    recorded.clear()
    requests = [
        TranslationRequest(key="fr", text="Hallo.", title="", source_language="de", target_language="fr"),
        TranslationRequest(key="es", text="Hallo.", title="", source_language="de", target_language="es"),
    ]
    outcomes = engine.translate(requests)
    assert [o.translation.text if o.translation else o.error for o in outcomes] == ["HALLO.", "HALLO."]
    # One pooled first hop (same model), then each target's model with its own prefix.
    assert sorted(map(tuple, recorded)) == [(">>fra<< HALLO.",), (">>spa<< HALLO.",), ("Hallo.",)]


def test_the_prefix_counts_against_the_model_length_limit(recorded: list[list[str]], tmp_path: Path) -> None:
    """A sentence that fits without the prefix but not with it is split, and nothing is lost."""
    engine = make_engine({"fr-en": {"model": model_dir(tmp_path, "m"), "target_prefix": ">>eng<<"}}, tmp_path)
    sentence = "un deux trois quatre cinq six sept"  # 7 words + </s> = 8 tokens: the limit exactly
    assert translate(engine, sentence) == sentence.upper()
    fed = [segment for batch in recorded for segment in batch]
    assert len(fed) >= 2 and all(segment.startswith(">>eng<< ") for segment in fed)
    words = " ".join(segment.removeprefix(">>eng<< ") for segment in fed).split()
    assert sorted(words) == sorted(sentence.split())  # batches run longest first: compare as a multiset
