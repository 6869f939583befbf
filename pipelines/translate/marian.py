"""The ``transformers`` backend: MarianMT (or any seq2seq model) from a resolved local directory.

Weights are loaded only from safetensors and ``trust_remote_code`` is never enabled. torch and transformers
are imported when a model is loaded, not when this module is imported.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.models.device import torch_device
from pipelines.translate.base import GenerationSettings, TokenCounting, with_prefix

if TYPE_CHECKING:
    from pipelines.deadline import Deadline


def model_bytes(model: Any) -> int:
    """Bytes held by parameters and buffers: the size the model cache accounts for."""
    tensors = [*model.parameters(), *model.buffers()]
    return int(sum(t.numel() * t.element_size() for t in tensors))


class MarianTranslator(TokenCounting):
    """A loaded seq2seq model and its tokenizer; translates batches of sentences with ``generate``."""

    backend = "transformers"

    def __init__(self, model: Any, tokenizer: Any, settings: GenerationSettings, device: str) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.settings = settings
        self.device = device
        positions = int(getattr(model.config, "max_position_embeddings", 512) or 512)
        # The decoder start token takes a position, and the encoder needs room for </s>.
        self.max_positions = positions
        self.max_source_tokens = positions - 2

    @classmethod
    def load(
        cls, path: Path, settings: GenerationSettings, device: str = "auto", threads: int | None = None
    ) -> tuple[MarianTranslator, int]:
        """Load from ``path``; returns the translator and its size in bytes."""
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        if threads is not None:
            torch.set_num_threads(threads)
        resolved = torch_device(device)
        tokenizer = AutoTokenizer.from_pretrained(str(path))
        model = AutoModelForSeq2SeqLM.from_pretrained(str(path), use_safetensors=True)
        model.eval()
        model.to(resolved)
        return cls(model, tokenizer, settings, resolved), model_bytes(model)

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
        import torch

        batch = self.tokenizer(with_prefix(segments, target_prefix), return_tensors="pt", padding=True)
        source_tokens = int(batch["input_ids"].shape[1])
        if source_tokens > self.max_source_tokens + 2:
            raise ValueError(
                f"a segment of {source_tokens} tokens exceeds the model's {self.max_positions} positions; "
                "the engine splits long sentences before this point"
            )
        batch = {name: tensor.to(self.device) for name, tensor in batch.items()}
        limit = self.max_positions - 2
        options: dict[str, Any] = {
            "num_beams": self.settings.num_beams,
            "do_sample": False,
            "max_new_tokens": self.settings.max_new_tokens(source_tokens, limit),
            # The checkpoint's max_length is superseded by max_new_tokens; unset it to avoid a warning.
            "max_length": None,
            # Forcing </s> at the length limit would end capped outputs one token earlier than CTranslate2.
            "forced_eos_token_id": None,
        }
        if self.settings.no_repeat_ngram_size:
            options["no_repeat_ngram_size"] = self.settings.no_repeat_ngram_size
        if self.settings.repetition_penalty != 1.0:
            options["repetition_penalty"] = self.settings.repetition_penalty
        if exact_lengths is not None:
            steps = min(limit, max(exact_lengths))
            options.update(min_new_tokens=steps, max_new_tokens=steps)
        if deadline is not None:
            options["max_time"] = deadline.max_time()
        with torch.inference_mode():
            generated = self.model.generate(**batch, **options)
        if deadline is not None:
            deadline.check()  # max_time may have cut these outputs short
        # Drop the decoder start token; exact lengths cut each output where a real model would have stopped.
        rows = [row[1:].tolist() for row in generated]
        if exact_lengths is not None:
            rows = [row[:length] for row, length in zip(rows, exact_lengths, strict=True)]
        return [str(text) for text in self.tokenizer.batch_decode(rows, skip_special_tokens=True)]


def load(
    path: Path,
    settings: GenerationSettings,
    *,
    device: str,
    threads: int | None,
    compute_type: str,
    cache_dir: Path,
) -> tuple[MarianTranslator, int]:
    """Backend registry entry point (``compute_type`` and ``cache_dir`` are CTranslate2's concerns)."""
    return MarianTranslator.load(path, settings, device, threads)
