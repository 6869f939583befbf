"""The ``ctranslate2`` backend: a converted copy of a Marian model, int8 on CPU by default.

Conversion, device and compute-type choice are shared with the summarizer (:mod:`pipelines.models.ct2`).
Sentences are tokenized with the source model's own tokenizer, so both backends see the same tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.models.ct2 import (
    convert_model,
    ct2_compute_type,
    ct2_device,
    import_ctranslate2,
    loaded_bytes,
)
from pipelines.translate.base import GenerationSettings, TokenCounting, with_prefix

if TYPE_CHECKING:
    from pipelines.deadline import Deadline

__all__ = ["CT2Translator", "convert_model", "ct2_compute_type", "ct2_device", "import_ctranslate2", "load"]


class CT2Translator(TokenCounting):
    """A CTranslate2 translator over a converted Marian model, fed the source model's tokens."""

    backend = "ctranslate2"
    compute_type: str | None = None

    def __init__(
        self, translator: Any, tokenizer: Any, settings: GenerationSettings, max_positions: int
    ) -> None:
        self.translator = translator
        self.tokenizer = tokenizer
        self.settings = settings
        self.max_positions = max_positions
        self.max_source_tokens = max_positions - 2
        self.eos = str(tokenizer.eos_token)

    @classmethod
    def load(
        cls,
        source_dir: Path,
        settings: GenerationSettings,
        *,
        device: str = "auto",
        compute_type: str = "auto",
        threads: int | None = None,
        cache_dir: Path | None = None,
    ) -> tuple[CT2Translator, int]:
        """Convert (once) and load; returns the translator and an estimate of its size in bytes."""
        ctranslate2 = import_ctranslate2()
        from transformers import AutoConfig, AutoTokenizer

        converted = convert_model(source_dir, None, cache_dir=cache_dir)
        resolved_device = ct2_device(device)
        resolved_type = ct2_compute_type(compute_type, resolved_device)
        options: dict[str, Any] = {"device": resolved_device, "compute_type": resolved_type}
        if threads is not None:
            options["intra_threads"] = threads
        translator = ctranslate2.Translator(str(converted), **options)
        tokenizer = AutoTokenizer.from_pretrained(str(source_dir))
        config = AutoConfig.from_pretrained(str(source_dir))
        positions = int(getattr(config, "max_position_embeddings", 512) or 512)
        loaded = cls(translator, tokenizer, settings, positions)
        loaded.compute_type = resolved_type
        return loaded, loaded_bytes(converted, resolved_type)

    def _source_tokens(self, segments: Sequence[str], target_prefix: str | None) -> list[list[str]]:
        texts = with_prefix(segments, target_prefix)
        encoded = self.tokenizer(texts, add_special_tokens=True)["input_ids"]
        # Marian tokenizers end every source with </s>; the converted config has add_source_eos=false, so
        # the end token must be in what we feed.
        tokens = [list(self.tokenizer.convert_ids_to_tokens(ids)) for ids in encoded]
        return [row if row and row[-1] == self.eos else [*row, self.eos] for row in tokens]

    def translate_segments(
        self,
        segments: Sequence[str],
        *,
        target_prefix: str | None = None,
        exact_lengths: Sequence[int] | None = None,
        deadline: Deadline | None = None,
    ) -> list[str]:
        if not segments:
            return []
        source = self._source_tokens(segments, target_prefix)
        longest = max(len(row) for row in source)
        if longest > self.max_source_tokens + 2:
            raise ValueError(
                f"a segment of {longest} tokens exceeds the model's {self.max_positions} positions; "
                "the engine splits long sentences before this point"
            )
        limit = self.max_positions - 2
        options: dict[str, Any] = {
            "beam_size": self.settings.num_beams,
            "max_decoding_length": self.settings.max_new_tokens(longest, limit),
            "max_input_length": 0,
            "no_repeat_ngram_size": self.settings.no_repeat_ngram_size,
            "repetition_penalty": self.settings.repetition_penalty,
        }
        if exact_lengths is not None:
            steps = min(limit, max(exact_lengths))
            options.update(min_decoding_length=steps, max_decoding_length=steps)
        results = self.translator.translate_batch(source, **options)
        if deadline is not None:
            # translate_batch cannot be stopped part way; the engine checks before each call.
            deadline.check()
        outputs: list[list[int]] = []
        for index, result in enumerate(results):
            ids = list(self.tokenizer.convert_tokens_to_ids(result.hypotheses[0]))
            if exact_lengths is not None:
                ids = ids[: exact_lengths[index]]
            outputs.append(ids)
        return [str(text) for text in self.tokenizer.batch_decode(outputs, skip_special_tokens=True)]


def load(
    path: Path,
    settings: GenerationSettings,
    *,
    device: str,
    threads: int | None,
    compute_type: str,
    cache_dir: Path,
) -> tuple[CT2Translator, int]:
    """Backend registry entry point."""
    return CT2Translator.load(
        path, settings, device=device, compute_type=compute_type, threads=threads, cache_dir=cache_dir
    )
