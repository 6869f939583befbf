"""Abstractive summaries from any ``AutoModelForSeq2SeqLM`` (BART, DistilBART, PEGASUS, T5, mT5).

Models are loaded from the resolved local directory only, safetensors only, never with remote code,
through the per-process :class:`~pipelines.models.ModelCache`. Inputs longer than the model's limit go
through :mod:`pipelines.summarize.mapreduce`; nothing is truncated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pipelines.errors import ModelUnavailable
from pipelines.models import ModelCache, ResolvedModel
from pipelines.records import ModelRef, Summary
from pipelines.summarize.config import SummaryKind, SummarySpec
from pipelines.summarize.mapreduce import map_reduce

BACKEND = "transformers"
# Tokenizers without a configured limit report a huge sentinel (int(1e30)); T5-style models with
# relative positions have no max_position_embeddings. 512 is what those checkpoints were trained with.
_DEFAULT_LIMIT = 512
_SENTINEL_LIMIT = 1_000_000


@dataclass(frozen=True)
class LoadedSeq2Seq:
    model: Any
    tokenizer: Any
    device: str


def pick_device(device: str) -> str:
    """``auto`` is CUDA when torch sees a GPU, else CPU."""
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def load_seq2seq(
    resolved: ResolvedModel, device: str, threads: int | None = None
) -> tuple[LoadedSeq2Seq, int]:
    """Load model and tokenizer from ``resolved.path``; a :class:`ModelCache` loader (value, bytes).

    ``threads`` (``models.threads``) sets torch's intra-op threads, as the Marian loader does; torch's
    setting is per process, so the last loaded model's value applies to all.
    """
    import torch
    from safetensors import SafetensorError
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(str(resolved.path), trust_remote_code=False)
        model = AutoModelForSeq2SeqLM.from_pretrained(
            str(resolved.path), use_safetensors=True, trust_remote_code=False
        )
    except (OSError, ValueError, KeyError, TypeError, RuntimeError, ImportError, SafetensorError) as exc:
        raise ModelUnavailable(
            resolved.location.spec, f"loading from {resolved.path} failed: {type(exc).__name__}: {exc}"
        ) from exc
    if threads is not None:
        torch.set_num_threads(threads)
    model.eval()
    model.to(device)
    size = sum(parameter.numel() * parameter.element_size() for parameter in model.parameters())
    return LoadedSeq2Seq(model, tokenizer, device), int(size)


def get_seq2seq(
    cache: ModelCache, resolved: ResolvedModel, device: str, threads: int | None = None
) -> LoadedSeq2Seq:
    """The loaded model for ``resolved`` from ``cache`` (loaded on first use)."""
    key = f"summary:{resolved.path}@{resolved.revision}:{device}"
    return cache.get(key, lambda: load_seq2seq(resolved, device, threads), resolved.weights_bytes)


def input_limit(loaded: LoadedSeq2Seq) -> int:
    """Tokens the encoder reads: the smallest of the tokenizer's and the model config's limits."""
    config = loaded.model.config
    candidates = [
        value
        for value in (
            getattr(loaded.tokenizer, "model_max_length", None),
            getattr(config, "max_position_embeddings", None),
            getattr(config, "n_positions", None),
        )
        if isinstance(value, int) and 0 < value < _SENTINEL_LIMIT
    ]
    return int(min(candidates)) if candidates else _DEFAULT_LIMIT


class _BoundModel:
    """A loaded model bound to one spec: the :class:`~pipelines.summarize.mapreduce.ChunkModel` it needs."""

    def __init__(self, loaded: LoadedSeq2Seq, spec: SummarySpec, batch_size: int) -> None:
        self.loaded = loaded
        self.spec = spec
        self.batch_size = batch_size
        self.limit = input_limit(loaded)
        tokenizer = loaded.tokenizer
        overhead = tokenizer.num_special_tokens_to_add(pair=False)
        if spec.prefix:
            overhead += len(tokenizer(spec.prefix, add_special_tokens=False)["input_ids"])
        self._budget = self.limit - int(overhead)
        if self._budget < 8:
            raise ModelUnavailable(
                str(spec.model), f"input limit {self.limit} leaves no room after the prefix {spec.prefix!r}"
            )

    @property
    def input_budget(self) -> int:
        return self._budget

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        # verbose=False: counting a whole long article is the point here, not a mistake to warn about.
        encoded = self.loaded.tokenizer(list(texts), add_special_tokens=False, verbose=False)["input_ids"]
        return [len(ids) for ids in encoded]

    def split_tokens(self, text: str, budget: int) -> list[str]:
        tokenizer = self.loaded.tokenizer
        ids = tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"]
        window = budget
        while True:
            pieces = [
                tokenizer.decode(ids[start : start + window], skip_special_tokens=True)
                for start in range(0, len(ids), window)
            ]
            # Decoding and re-encoding is not always the identity (byte-level BPE across a cut):
            # shrink the window until every piece fits for real.
            if window <= 8 or max(self.count_tokens(pieces), default=0) <= budget:
                return [piece for piece in pieces if piece.strip()]
            window = max(8, window * 3 // 4)

    def generate(self, texts: Sequence[str]) -> list[str]:
        import torch

        spec = self.spec
        tokenizer = self.loaded.tokenizer
        max_length = min(spec.max_length, self.limit)
        options: dict[str, Any] = {
            "max_length": max_length,
            "min_length": min(spec.min_length, max_length),
            "num_beams": spec.num_beams,
            "no_repeat_ngram_size": spec.no_repeat_ngram_size,
            "length_penalty": spec.length_penalty,
            "early_stopping": spec.num_beams > 1,
            "do_sample": False,
        }
        # Longest first within the call so each batch pads little.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        results: list[str] = [""] * len(texts)
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            encoded = tokenizer(
                [spec.prefix + texts[i] for i in batch],
                return_tensors="pt",
                padding=True,
                # Unreachable by construction (inputs are chunked to the budget); a safety net only.
                truncation=True,
                max_length=self.limit,
            ).to(self.loaded.device)
            with torch.inference_mode():
                generated = self.loaded.model.generate(**encoded, **options)
            decoded = tokenizer.batch_decode(generated, skip_special_tokens=True)
            for index, summary in zip(batch, decoded, strict=True):
                results[index] = str(summary).strip()
        return results


class Seq2SeqSummarizer:
    """Summaries from one loaded seq2seq model, map-reduced over long inputs and batched across texts."""

    method = "seq2seq"

    def __init__(
        self,
        loaded: LoadedSeq2Seq,
        resolved: ResolvedModel,
        *,
        batch_size: int,
        overlap_sentences: int,
        max_levels: int,
    ) -> None:
        self.loaded = loaded
        self.resolved = resolved
        self.batch_size = batch_size
        self.overlap_sentences = overlap_sentences
        self.max_levels = max_levels

    def summarize(
        self, texts: Sequence[str], spec: SummarySpec, language: str, *, kind: SummaryKind = "long"
    ) -> list[Summary]:
        bound = _BoundModel(self.loaded, spec, self.batch_size)
        reduced = map_reduce(
            texts, language, bound, overlap=self.overlap_sentences, max_levels=self.max_levels
        )
        ref = ModelRef(
            role=f"summary:{kind}",
            source=self.resolved.location.spec,
            revision=self.resolved.revision or None,
            backend=BACKEND,
        )
        return [
            Summary(
                kind=kind,
                language=language,
                text=item.text,
                method=self.method,
                model=ref,
                chunks=item.chunks,
                levels=item.levels,
                flags=list(item.flags),
            )
            for item in reduced
        ]
