"""``backend: auto`` for translation: CTranslate2 int8 on CPU when the model converts, else transformers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from pipelines.models import ModelCache, ModelResolver
from pipelines.models.config import ModelsConfig
from pipelines.translate.base import TranslationRequest
from pipelines.translate.config import TranslationConfig
from pipelines.translate.engine import TranslationEngine


def translate_with(model: Path, tmp_path: Path) -> list[tuple[str, str | None]]:
    config = TranslationConfig.model_validate({"models": {"fr-en": str(model)}, "num_beams": 1})
    assert config.backend == "auto"
    engine = TranslationEngine(
        config,
        ModelsConfig(cache_dir=tmp_path / "cache", threads=1, device="cpu"),
        ModelResolver(),
        ModelCache(),
    )
    (outcome,) = engine.translate(
        [TranslationRequest("a", "Le gouvernement a annoncé une réforme.", "", "fr", "en")]
    )
    assert outcome.translation is not None, outcome.error
    return [(ref.backend, ref.compute_type) for ref in outcome.translation.models]


def test_auto_picks_ctranslate2_int8_and_falls_back_when_conversion_fails(
    tiny_marian_dir: Path, tiny_bart_dir: Path, tmp_path: Path
) -> None:
    marian = Path(shutil.copytree(tiny_marian_dir, tmp_path / "marian"))
    assert translate_with(marian, tmp_path) == [("ctranslate2", "int8")]
    bart = Path(shutil.copytree(tiny_bart_dir, tmp_path / "bart"))
    config = json.loads((bart / "config.json").read_text())
    del config["normalize_before"]  # CTranslate2's BART converter cannot do without it
    (bart / "config.json").write_text(json.dumps(config))
    assert translate_with(bart, tmp_path) == [("transformers", None)]
