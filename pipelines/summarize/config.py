"""Configuration of the summary engine."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from pipelines.config_base import LanguageCode, StrictModel

SummaryMethod = Literal["seq2seq", "lead", "textrank"]
SummaryBackend = Literal["auto", "transformers", "ctranslate2"]
SummaryKind = Literal["short", "long"]


class SummarySpec(StrictModel):
    """How one kind of summary (short or long) is written."""

    method: SummaryMethod = "seq2seq"
    model: str | None = Field(default=None, description="hub id, local directory or s3:// prefix (seq2seq)")
    revision: str | None = None
    prefix: str = Field(default="", description="task prefix some models need, e.g. 'summarize: ' for T5")
    min_length: int = Field(default=10, ge=0, description="tokens")
    max_length: int = Field(default=60, ge=4, description="tokens")
    num_beams: int = Field(default=4, ge=1, le=16)
    no_repeat_ngram_size: int = Field(default=3, ge=0)
    length_penalty: float = 1.0
    max_words: int = Field(default=40, ge=5, description="hard word budget, trimmed on a sentence boundary")
    sentences: int = Field(default=3, ge=1, description="sentences taken by extractive methods")

    @model_validator(mode="after")
    def _seq2seq_needs_model(self) -> SummarySpec:
        if self.method == "seq2seq" and not self.model:
            raise ValueError("method 'seq2seq' needs a 'model' (hub id, local directory or s3:// prefix)")
        if self.min_length > self.max_length:
            raise ValueError(f"min_length {self.min_length} exceeds max_length {self.max_length}")
        return self


class LanguageSummaryOverride(StrictModel):
    """Per-language replacement of the short and/or long summary spec."""

    short: SummarySpec | None = None
    long: SummarySpec | None = None


def _default_short() -> SummarySpec:
    return SummarySpec(
        model="sshleifer/distilbart-cnn-12-6", min_length=10, max_length=48, max_words=35, sentences=1
    )


def _default_long() -> SummarySpec:
    return SummarySpec(
        model="sshleifer/distilbart-cnn-12-6", min_length=40, max_length=160, max_words=140, sentences=3
    )


class SummaryConfig(StrictModel):
    """How short and long summaries are written, per language of the summarised text."""

    short: SummarySpec = Field(default_factory=_default_short)
    long: SummarySpec = Field(default_factory=_default_long)
    languages: dict[LanguageCode, LanguageSummaryOverride] = Field(default_factory=dict)
    fallback_method: Literal["lead", "textrank", "none"] = Field(
        default="lead", description="used when a seq2seq model cannot be loaded"
    )
    output_languages: list[LanguageCode] = Field(
        default_factory=list, description="extra languages the summaries are translated into"
    )
    backend: SummaryBackend = Field(
        default="auto",
        description="seq2seq runner; auto: CTranslate2 when the model converts, else transformers",
    )
    compute_type: str = Field(
        default="auto", description="CTranslate2 compute type; auto: int8 CPU, float16 CUDA"
    )
    chunk_overlap_sentences: int = Field(default=1, ge=0)
    batch_size: int = Field(default=8, ge=1)
    batch_tokens: int | None = Field(
        default=None,
        ge=64,
        description="input tokens per generate call (texts x longest); none: batch_size texts by characters",
    )
    shared_map: bool = Field(
        default=False,
        description="short and long summaries with one model share the long spec's chunk summaries "
        "(changes the short summary of inputs longer than the model reads)",
    )
    max_levels: int = Field(
        default=6, ge=2, le=20, description="map-reduce levels before stopping (the summary is then flagged)"
    )
    repetition_ngram: int = Field(default=3, ge=1, description="n of the repeated-n-gram guard (words)")
    repetition_max: int = Field(
        default=2, ge=1, description="a summary with an n-gram seen more often than this is flagged"
    )
    on_unfaithful: Literal["flag", "fallback"] = Field(
        default="flag",
        description="a summary with a number or name its text lacks (unsupported-number, unsupported-name): "
        "flag keeps it flagged; fallback replaces it by the fallback_method summary, flags kept",
    )

    @model_validator(mode="after")
    def _fallback_needs_a_method(self) -> SummaryConfig:
        if self.on_unfaithful == "fallback" and self.fallback_method == "none":
            raise ValueError(
                "on_unfaithful 'fallback' needs a fallback_method (lead or textrank), not 'none'; "
                "set fallback_method, or on_unfaithful: flag"
            )
        return self

    def spec_for(self, kind: SummaryKind, language: str) -> SummarySpec:
        override = self.languages.get(language)
        chosen = getattr(override, kind, None) if override else None
        return chosen if chosen is not None else getattr(self, kind)  # type: ignore[no-any-return]
