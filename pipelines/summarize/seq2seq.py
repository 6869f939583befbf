"""Abstractive summaries from any ``AutoModelForSeq2SeqLM`` (BART, DistilBART, PEGASUS, T5, mT5).

Models are loaded from the resolved local directory only, safetensors only, never with remote code,
through the per-process :class:`~pipelines.models.ModelCache`, with one of two backends: ``transformers``
(``generate``) or ``ctranslate2`` (a converted copy, :mod:`pipelines.summarize.ct2`); ``auto`` takes
CTranslate2 when the model converts. Inputs longer than the model's limit go through
:mod:`pipelines.summarize.mapreduce`; nothing is truncated.

Work shared between the short and the long summary of the same articles with the same model:

- a final pass whose input is the same text for both kinds is encoded once (transformers: the encoder
  output is handed to both ``generate`` calls; CTranslate2's ``Translator`` has no way to take an encoder
  output, so it encodes twice). Outputs are the same as summarising each kind alone.
- with ``summary.shared_map`` the map stage (chunk summaries of long inputs) runs once, with the long
  spec, and both kinds' final passes read its result. This changes the short summary of inputs longer
  than the model reads (it is written from the long spec's chunk summaries), so it is off by default.

With a :class:`~pipelines.deadline.Deadline` (the article time budget) every ``generate`` batch is
preceded by a check, and the backends check again after each call (transformers also stops decoding
with ``max_time``); past it, :class:`~pipelines.errors.TimeBudgetExceeded` propagates to the engine.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pipelines.batching import token_budget_batches
from pipelines.errors import MissingDependency, ModelUnavailable
from pipelines.models import ModelCache, ResolvedModel
from pipelines.models.device import torch_device
from pipelines.models.load_errors import load_errors
from pipelines.records import ModelRef, Summary
from pipelines.summarize.config import SummaryKind, SummarySpec
from pipelines.summarize.mapreduce import MapState, Reduced, map_stage

if TYPE_CHECKING:
    from pipelines.deadline import Deadline

log = logging.getLogger(__name__)

BACKEND = "transformers"
# Tokenizers without a configured limit report a huge sentinel (int(1e30)); T5-style models with
# relative positions have no max_position_embeddings. 512 is what those checkpoints were trained with.
_DEFAULT_LIMIT = 512
_SENTINEL_LIMIT = 1_000_000


def generation_options(spec: SummarySpec, limit: int) -> dict[str, Any]:
    """``generate`` keyword arguments for ``spec`` (lengths count the decoder start token, as in HF)."""
    max_length = min(spec.max_length, limit)
    return {
        "max_length": max_length,
        "min_length": min(spec.min_length, max_length),
        "num_beams": spec.num_beams,
        "no_repeat_ngram_size": spec.no_repeat_ngram_size,
        "length_penalty": spec.length_penalty,
        "early_stopping": spec.num_beams > 1,
        "do_sample": False,
    }


def limit_of(tokenizer: Any, config: Any) -> int:
    """Tokens the encoder reads: the smallest of the tokenizer's and the model config's limits."""
    candidates = [
        value
        for value in (
            getattr(tokenizer, "model_max_length", None),
            getattr(config, "max_position_embeddings", None),
            getattr(config, "n_positions", None),
        )
        if isinstance(value, int) and 0 < value < _SENTINEL_LIMIT
    ]
    return int(min(candidates)) if candidates else _DEFAULT_LIMIT


@dataclass(frozen=True)
class LoadedSeq2Seq:
    """The ``transformers`` backend: a loaded model and its tokenizer."""

    model: Any
    tokenizer: Any
    device: str
    backend: str = BACKEND
    compute_type: str | None = None

    @property
    def limit(self) -> int:
        return limit_of(self.tokenizer, self.model.config)

    def generate(
        self, texts: Sequence[str], specs: Sequence[SummarySpec], deadline: Deadline | None = None
    ) -> list[list[str]]:
        """Per spec, one summary per (already prefixed) text; the batch is encoded once for all specs.

        With a ``deadline``, each ``generate`` stops at it (``max_time``) and the call raises rather than
        return the cut summaries."""
        import torch

        limit = self.limit
        encoded = self.tokenizer(
            list(texts),
            return_tensors="pt",
            padding=True,
            # Unreachable by construction (inputs are chunked to the budget); a safety net only.
            truncation=True,
            max_length=limit,
        ).to(self.device)
        outputs: list[list[str]] = []

        def options(spec: SummarySpec) -> dict[str, Any]:
            timed = {"max_time": deadline.max_time()} if deadline is not None else {}
            return {**generation_options(spec, limit), **timed}

        with torch.inference_mode():
            if len(specs) == 1:
                generated = [self.model.generate(**encoded, **options(specs[0]))]
            else:
                from transformers.modeling_outputs import BaseModelOutput

                hidden = self.model.get_encoder()(**encoded, return_dict=True).last_hidden_state
                # A fresh wrapper per call: generate expands the encoder output for beams in place.
                generated = [
                    self.model.generate(
                        attention_mask=encoded["attention_mask"],
                        encoder_outputs=BaseModelOutput(last_hidden_state=hidden),
                        **options(spec),
                    )
                    for spec in specs
                ]
        if deadline is not None:
            deadline.check()  # max_time may have cut these summaries short
        for rows in generated:
            decoded = self.tokenizer.batch_decode(rows, skip_special_tokens=True)
            outputs.append([str(summary).strip() for summary in decoded])
        return outputs


def load_seq2seq(
    resolved: ResolvedModel, device: str, threads: int | None = None
) -> tuple[LoadedSeq2Seq, int]:
    """Load model and tokenizer from ``resolved.path``; a :class:`ModelCache` loader (value, bytes).

    ``threads`` (``models.threads``) sets torch's intra-op threads, as the Marian loader does; torch's
    setting is per process, so the last loaded model's value applies to all.
    """
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(str(resolved.path), trust_remote_code=False)
        model = AutoModelForSeq2SeqLM.from_pretrained(
            str(resolved.path), use_safetensors=True, trust_remote_code=False
        )
    except load_errors() as exc:
        raise ModelUnavailable(
            resolved.location.spec, f"loading from {resolved.path} failed: {type(exc).__name__}: {exc}"
        ) from exc
    if threads is not None:
        torch.set_num_threads(threads)
    device = torch_device(device)
    model.eval()
    model.to(device)
    size = sum(parameter.numel() * parameter.element_size() for parameter in model.parameters())
    return LoadedSeq2Seq(model, tokenizer, device), int(size)


def load_summary_model(
    resolved: ResolvedModel,
    *,
    backend: str,
    device: str,
    threads: int | None,
    compute_type: str,
    cache_dir: Any,
) -> tuple[Any, int]:
    """Load ``resolved`` with ``backend``; ``auto``: CTranslate2 if the model converts, else transformers."""
    if backend == "transformers":
        return load_seq2seq(resolved, device, threads)
    from pipelines.summarize.ct2 import load_ct2_summarizer

    if backend == "ctranslate2":
        return load_ct2_summarizer(
            resolved, device=device, threads=threads, compute_type=compute_type, cache_dir=cache_dir
        )
    try:
        return load_ct2_summarizer(
            resolved, device=device, threads=threads, compute_type=compute_type, cache_dir=cache_dir
        )
    except (MissingDependency, ModelUnavailable) as exc:
        log.info("summary model %s runs on transformers: %s", resolved.location.spec, exc)
        return load_seq2seq(resolved, device, threads)


def get_seq2seq(
    cache: ModelCache,
    resolved: ResolvedModel,
    device: str,
    threads: int | None = None,
    *,
    backend: str = BACKEND,
    compute_type: str = "auto",
    cache_dir: Any = None,
) -> Any:
    """The loaded model for ``resolved`` from ``cache`` (loaded on first use)."""
    key = f"summary:{resolved.path}@{resolved.revision}:{backend}:{device}:{compute_type}"

    def load() -> tuple[Any, int]:
        return load_summary_model(
            resolved,
            backend=backend,
            device=device,
            threads=threads,
            compute_type=compute_type,
            cache_dir=cache_dir,
        )

    return cache.get(key, load, resolved.weights_bytes)


def input_limit(loaded: Any) -> int:
    """Tokens the encoder of a loaded summary model reads."""
    return int(loaded.limit)


class _BoundModel:
    """A loaded model bound to one spec: the :class:`~pipelines.summarize.mapreduce.ChunkModel` it needs."""

    def __init__(
        self,
        loaded: Any,
        spec: SummarySpec,
        batch_size: int,
        batch_tokens: int | None,
        deadline: Deadline | None = None,
    ) -> None:
        self.loaded = loaded
        self.spec = spec
        self.batch_size = batch_size
        self.batch_tokens = batch_tokens
        self.deadline = deadline
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

    def batches(self, texts: Sequence[str]) -> list[list[int]]:
        """Indices of ``texts`` in generate batches, longest first.

        Without ``batch_tokens``: ``batch_size`` texts per batch, sorted by characters. With it: sorted by
        tokens, and a batch also ends before its padded size (texts × longest) passes the budget, as the
        translation engine cuts its batches.
        """
        if self.batch_tokens is None:
            order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
            return [order[start : start + self.batch_size] for start in range(0, len(order), self.batch_size)]
        return token_budget_batches(self.count_tokens(texts), self.batch_size, self.batch_tokens)

    def generate_for(self, texts: Sequence[str], specs: Sequence[SummarySpec]) -> list[list[str]]:
        """Per spec, one summary per text; every batch is encoded once for all ``specs``."""
        results: list[list[str]] = [[""] * len(texts) for _ in specs]
        for batch in self.batches(texts):
            if self.deadline is not None:
                self.deadline.check()
            outputs = self.loaded.generate(
                [self.spec.prefix + texts[i] for i in batch], specs, deadline=self.deadline
            )
            for column, summaries in enumerate(outputs):
                for index, summary in zip(batch, summaries, strict=True):
                    results[column][index] = summary
        return results

    def generate(self, texts: Sequence[str]) -> list[str]:
        return self.generate_for(texts, [self.spec])[0]


class Seq2SeqSummarizer:
    """Summaries from one loaded seq2seq model, map-reduced over long inputs and batched across texts."""

    method = "seq2seq"

    def __init__(
        self,
        loaded: Any,
        resolved: ResolvedModel,
        *,
        batch_size: int,
        overlap_sentences: int,
        max_levels: int,
        batch_tokens: int | None = None,
        shared_map: bool = False,
        deadline: Deadline | None = None,
    ) -> None:
        self.loaded = loaded
        self.resolved = resolved
        self.batch_size = batch_size
        self.batch_tokens = batch_tokens
        self.overlap_sentences = overlap_sentences
        self.max_levels = max_levels
        self.shared_map = shared_map
        self.deadline = deadline

    def summarize(
        self, texts: Sequence[str], spec: SummarySpec, language: str, *, kind: SummaryKind = "long"
    ) -> list[Summary]:
        return self.summarize_kinds(texts, {kind: spec}, language)[kind]

    def summarize_kinds(
        self, texts: Sequence[str], specs: Mapping[SummaryKind, SummarySpec], language: str
    ) -> dict[SummaryKind, list[Summary]]:
        """Summaries of every kind in ``specs`` for ``texts``, sharing the work the module docstring lists."""
        bound = {
            kind: _BoundModel(self.loaded, spec, self.batch_size, self.batch_tokens, self.deadline)
            for kind, spec in specs.items()
        }
        states = self._map(texts, language, bound)
        finals = self._final_passes(bound, states)
        return {
            kind: [
                self._summary(kind, language, state.reduced(final))
                for state, final in zip(states[kind], finals[kind], strict=True)
            ]
            for kind in specs
        }

    def _map(
        self, texts: Sequence[str], language: str, bound: Mapping[SummaryKind, _BoundModel]
    ) -> dict[SummaryKind, list[MapState]]:
        options = {"overlap": self.overlap_sentences, "max_levels": self.max_levels}
        kinds = list(bound)
        if self.shared_map and len(kinds) > 1:
            # The long spec writes the chunk summaries both kinds read; its budget fits both when the
            # prefixes agree (the shared stage only runs when they do).
            lead: SummaryKind = "long" if "long" in bound else kinds[0]
            if len({model.spec.prefix for model in bound.values()}) == 1:
                shared = map_stage(texts, language, bound[lead], **options)
                return {kind: [_copy(state) for state in shared] for kind in kinds}
        return {kind: map_stage(texts, language, model, **options) for kind, model in bound.items()}

    @staticmethod
    def _final_passes(
        bound: Mapping[SummaryKind, _BoundModel], states: Mapping[SummaryKind, list[MapState]]
    ) -> dict[SummaryKind, list[str | None]]:
        """Final summaries; an input both kinds read with the same prefix is batched and encoded once."""
        finals: dict[SummaryKind, list[str | None]] = {
            kind: [None] * len(rows) for kind, rows in states.items()
        }
        wanted: dict[tuple[str, str], dict[SummaryKind, list[int]]] = {}
        for kind, rows in states.items():
            for index, state in enumerate(rows):
                if state.needs_final_pass:
                    wanted.setdefault((bound[kind].spec.prefix, state.text), {}).setdefault(kind, []).append(
                        index
                    )
        groups: dict[tuple[SummaryKind, ...], list[tuple[str, dict[SummaryKind, list[int]]]]] = {}
        for (_, text), targets in wanted.items():
            groups.setdefault(tuple(targets), []).append((text, targets))
        for kinds, members in groups.items():
            model = bound[kinds[0]]
            outputs = model.generate_for([text for text, _ in members], [bound[kind].spec for kind in kinds])
            for column, kind in enumerate(kinds):
                for (_, targets), summary in zip(members, outputs[column], strict=True):
                    for index in targets[kind]:
                        finals[kind][index] = summary
        return finals

    def _summary(self, kind: SummaryKind, language: str, item: Reduced) -> Summary:
        return Summary(
            kind=kind,
            language=language,
            text=item.text,
            method=self.method,
            model=ModelRef(
                role=f"summary:{kind}",
                source=self.resolved.location.spec,
                revision=self.resolved.revision or None,
                backend=self.loaded.backend,
                compute_type=self.loaded.compute_type,
            ),
            chunks=item.chunks,
            levels=item.levels,
            flags=list(item.flags),
        )


def _copy(state: MapState) -> MapState:
    return MapState(state.text, state.tokens, state.chunks, state.levels, list(state.flags), state.result)
