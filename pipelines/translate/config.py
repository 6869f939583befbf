"""Configuration of the translation engine."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from pipelines.config_base import LanguageCode, StrictModel
from pipelines.languages import LANGUAGE_CODE

TranslationBackend = Literal["auto", "transformers", "ctranslate2"]
_PAIR = re.compile(rf"{LANGUAGE_CODE}-{LANGUAGE_CODE}")


class TranslationModel(StrictModel):
    """One translation model: where to get it and how to run it.

    ``model`` is a Hugging Face id (``Helsinki-NLP/opus-mt-fr-en``), a local directory, or an ``s3://``
    prefix holding a mirrored model directory. A bare string in YAML is accepted as ``{model: ...}``.
    """

    model: str = Field(min_length=1)
    revision: str | None = None
    backend: TranslationBackend | None = None
    target_prefix: str | None = Field(
        default=None, description="token multi-target models need before the source, e.g. '>>fra<<'"
    )

    @model_validator(mode="before")
    @classmethod
    def _accept_bare_string(cls, value: Any) -> Any:
        return {"model": value} if isinstance(value, str) else value


class TranslationConfig(StrictModel):
    """How articles are translated into the target language."""

    backend: TranslationBackend = Field(
        default="auto", description="auto: CTranslate2 when the model converts, else transformers"
    )
    models: dict[str, TranslationModel] = Field(
        default_factory=dict, description="language pair 'src-tgt' -> model, e.g. 'fr-en'"
    )
    fallback: TranslationModel | None = Field(
        default=None, description="model for source languages with no entry in models (into pivot_language)"
    )
    pivot_language: LanguageCode = "en"
    batch_tokens: int = Field(default=4096, ge=64, description="source tokens per generate() call")
    max_batch_sentences: int = Field(default=64, ge=1)
    max_sentence_tokens: int = Field(
        default=256, ge=8, description="longer sentences are split on clauses, then by tokens"
    )
    num_beams: int = Field(default=4, ge=1, le=16)
    max_new_tokens_ratio: float = Field(default=2.0, gt=0, description="max_new_tokens = ratio × source + 10")
    no_repeat_ngram_size: int = Field(default=0, ge=0)
    repetition_penalty: float = Field(default=1.0, ge=1.0)
    length_ratio_flag: float = Field(default=3.0, gt=1, description="flag outputs this many times the source")
    compute_type: str = Field(
        default="auto", description="CTranslate2 compute type; auto: int8 CPU, float16 CUDA"
    )

    @field_validator("models")
    @classmethod
    def _check_pairs(cls, models: dict[str, TranslationModel]) -> dict[str, TranslationModel]:
        for pair in models:
            if not _PAIR.fullmatch(pair):
                raise ValueError(f"'{pair}' is not a language pair; keys look like 'fr-en' (source-target)")
        return models
