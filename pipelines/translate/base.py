"""The translation contract: requests in, outcomes out, backends behind a protocol."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from pipelines.records import Translation

if TYPE_CHECKING:
    from pipelines.deadline import Deadline


@dataclass(frozen=True)
class TranslationRequest:
    """One article (title and body) to translate; ``key`` ties the outcome back to its record."""

    key: str
    text: str
    title: str
    source_language: str
    target_language: str


@dataclass(frozen=True)
class TranslationOutcome:
    key: str
    translation: Translation | None = None
    error: str | None = None


@dataclass(frozen=True)
class GenerationSettings:
    """Decoding settings shared by every backend (from :class:`TranslationConfig`)."""

    num_beams: int = 4
    max_new_tokens_ratio: float = 2.0
    no_repeat_ngram_size: int = 0
    repetition_penalty: float = 1.0

    def max_new_tokens(self, source_tokens: int, limit: int) -> int:
        """``ratio × source + 10`` (a guard against runaway outputs), never past the model's positions."""
        return max(1, min(limit, int(self.max_new_tokens_ratio * source_tokens) + 10))


class BatchTranslator(Protocol):
    """A loaded model of one backend, as the engine uses it: translates already-segmented sentences, in
    order.

    ``max_source_tokens`` is the longest input (special tokens included) the model accepts;
    ``count_tokens`` counts the tokens ``translate_segments`` would feed for each segment.
    ``exact_lengths`` is for benchmarks with random weights, which never emit end-of-sentence: the batch
    decodes exactly ``max(exact_lengths)`` steps and output ``i`` keeps its first ``exact_lengths[i]``
    tokens, as a real model's batch runs until its longest member ends.
    ``deadline`` (the article time budget): raise :class:`~pipelines.errors.TimeBudgetExceeded` rather than
    return outputs when it has passed by the end of the call (a backend that can stop decoding early
    may, but must then raise, never return the cut outputs).
    """

    backend: str
    max_source_tokens: int

    def count_tokens(self, segments: Sequence[str]) -> list[int]: ...

    def translate_segments(
        self,
        segments: Sequence[str],
        *,
        target_prefix: str | None = None,
        exact_lengths: Sequence[int] | None = None,
        deadline: Deadline | None = None,
    ) -> list[str]: ...


def with_prefix(segments: Sequence[str], target_prefix: str | None) -> list[str]:
    """Source texts as a multi-target model wants them: ``>>fra<< text`` when a prefix is configured."""
    return [f"{target_prefix} {segment}" for segment in segments] if target_prefix else list(segments)


class TokenCounting:
    """``count_tokens`` for backends that tokenize with a Hugging Face tokenizer (special tokens included)."""

    tokenizer: Any

    def count_tokens(self, segments: Sequence[str]) -> list[int]:
        if not segments:
            return []
        encoded = self.tokenizer(list(segments), add_special_tokens=True, verbose=False)
        return [len(ids) for ids in encoded["input_ids"]]
