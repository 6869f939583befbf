"""The ``ctranslate2`` summary backend: a converted copy of a BART or T5 model, int8 on CPU by default.

Conversion is shared with translation (:mod:`pipelines.models.ct2`: once per model, under a file lock).
Texts are tokenized with the source model's own tokenizer, special tokens included, so CTranslate2 reads
the tokens ``generate`` reads (the converted configs have ``add_source_eos=false``). Lengths follow
``generate``: its ``max_length``/``min_length`` count the decoder start token, CTranslate2's do not, and a
model with ``forced_eos_token_id`` spends its last step on the forced ``</s>``, which CTranslate2 does
not emit. A ``forced_bos_token_id`` becomes a one-token target prefix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.errors import ModelUnavailable
from pipelines.models import ResolvedModel
from pipelines.models.ct2 import convert_model, ct2_compute_type, ct2_device, import_ctranslate2, loaded_bytes
from pipelines.summarize.config import SummarySpec
from pipelines.summarize.seq2seq import limit_of

if TYPE_CHECKING:
    from pipelines.deadline import Deadline

BACKEND = "ctranslate2"


@dataclass(frozen=True)
class CT2Seq2Seq:
    """A CTranslate2 ``Translator`` over a converted seq2seq model, and the source model's tokenizer."""

    translator: Any
    tokenizer: Any
    limit: int
    compute_type: str
    forced_eos: bool = False
    forced_bos: str | None = None
    backend: str = BACKEND

    def decoding_options(self, spec: SummarySpec) -> dict[str, Any]:
        """``translate_batch`` options giving the lengths ``generate`` gives for ``spec``."""
        max_length = min(spec.max_length, self.limit)
        steps = max(1, max_length - 1 - (1 if self.forced_eos else 0))
        return {
            "beam_size": spec.num_beams,
            "max_decoding_length": steps,
            "min_decoding_length": min(steps, max(0, min(spec.min_length, max_length) - 1)),
            "no_repeat_ngram_size": spec.no_repeat_ngram_size,
            "length_penalty": spec.length_penalty,
            "max_input_length": 0,
        }

    def _source_tokens(self, texts: Sequence[str]) -> list[list[str]]:
        encoded = self.tokenizer(list(texts), truncation=True, max_length=self.limit)["input_ids"]
        eos = str(self.tokenizer.eos_token)
        tokens = [list(self.tokenizer.convert_ids_to_tokens(ids)) for ids in encoded]
        return [row if row and row[-1] == eos else [*row, eos] for row in tokens]

    def generate(
        self, texts: Sequence[str], specs: Sequence[SummarySpec], deadline: Deadline | None = None
    ) -> list[list[str]]:
        """Per spec, one summary per (already prefixed) text. Each spec encodes again: the ``Translator``
        API takes tokens only, never an encoder output. ``translate_batch`` cannot be stopped part way,
        so a ``deadline`` is checked between the specs and after the last."""
        source = self._source_tokens(texts)
        prefix = [[self.forced_bos] for _ in source] if self.forced_bos else None
        outputs: list[list[str]] = []
        for spec in specs:
            if deadline is not None:
                deadline.check()
            results = self.translator.translate_batch(
                source, target_prefix=prefix, **self.decoding_options(spec)
            )
            ids = [list(self.tokenizer.convert_tokens_to_ids(result.hypotheses[0])) for result in results]
            decoded = self.tokenizer.batch_decode(ids, skip_special_tokens=True)
            outputs.append([str(text).strip() for text in decoded])
        if deadline is not None:
            deadline.check()
        return outputs


def load_ct2_summarizer(
    resolved: ResolvedModel,
    *,
    device: str,
    threads: int | None,
    compute_type: str,
    cache_dir: Path | None,
) -> tuple[CT2Seq2Seq, int]:
    """Convert (once) and load ``resolved``; returns the model and an estimate of its size in bytes."""
    ctranslate2 = import_ctranslate2()
    from transformers import AutoConfig, AutoTokenizer, GenerationConfig

    converted = convert_model(resolved.path, None, cache_dir=cache_dir)
    resolved_device = ct2_device(device)
    resolved_type = ct2_compute_type(compute_type, resolved_device)
    options: dict[str, Any] = {"device": resolved_device, "compute_type": resolved_type}
    if threads is not None:
        options["intra_threads"] = threads
    try:
        translator = ctranslate2.Translator(str(converted), **options)
        tokenizer = AutoTokenizer.from_pretrained(str(resolved.path), trust_remote_code=False)
        config = AutoConfig.from_pretrained(str(resolved.path), trust_remote_code=False)
    except (OSError, ValueError, RuntimeError, KeyError, TypeError) as exc:
        raise ModelUnavailable(resolved.location.spec, f"CTranslate2 load failed: {exc}") from exc
    try:
        generation: Any = GenerationConfig.from_pretrained(str(resolved.path))
    except OSError:
        generation = config
    forced_bos_id = getattr(generation, "forced_bos_token_id", None)
    model = CT2Seq2Seq(
        translator,
        tokenizer,
        limit_of(tokenizer, config),
        resolved_type,
        forced_eos=getattr(generation, "forced_eos_token_id", None) is not None,
        forced_bos=str(tokenizer.convert_ids_to_tokens(forced_bos_id)) if forced_bos_id is not None else None,
    )
    return model, loaded_bytes(converted, resolved_type)
