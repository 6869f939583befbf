"""The ``ctranslate2`` backend: a converted copy of a Marian model, int8 on CPU by default.

``ctranslate2`` is optional and imported lazily. Conversion uses CTranslate2's own
``TransformersConverter`` once per model; the result is kept next to the source model (or under the models
cache directory when the source directory is read-only) and re-used. Sentences are tokenized with the
source model's own tokenizer, so both backends see the same tokens.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipelines.errors import MissingDependency, ModelUnavailable
from pipelines.models.locations import weights_fingerprint
from pipelines.translate.base import GenerationSettings, TokenCounting, with_prefix

_MARKER = "newsdigest-conversion.json"


def import_ctranslate2() -> Any:
    """The ctranslate2 module, or :class:`MissingDependency` saying how to install it."""
    try:
        import ctranslate2
    except ImportError:
        raise MissingDependency("ctranslate2", "ctranslate2", "the ctranslate2 backend") from None
    return ctranslate2


def ct2_device(device: str) -> str:
    """``auto`` is CUDA when CTranslate2 sees a GPU, else CPU."""
    if device != "auto":
        return device
    return "cuda" if import_ctranslate2().get_cuda_device_count() > 0 else "cpu"


def ct2_compute_type(compute_type: str, device: str) -> str:
    """``auto`` is int8 on CPU and float16 on CUDA; anything else is passed to CTranslate2 as is."""
    if compute_type != "auto":
        return compute_type
    return "float16" if device == "cuda" else "int8"


def _conversion_name(source_dir: Path, quantization: str | None) -> str:
    return f"{source_dir.name}.ct2-{quantization or 'float32'}"


def _is_current(output_dir: Path, fingerprint: str) -> bool:
    marker = output_dir / _MARKER
    if not (output_dir / "model.bin").is_file() or not marker.is_file():
        return False
    try:
        return bool(json.loads(marker.read_text(encoding="utf-8")).get("source_fingerprint") == fingerprint)
    except (OSError, ValueError):
        return False


def _writable(directory: Path) -> bool:
    return directory.is_dir() and os.access(directory, os.W_OK | os.X_OK)


def convert_model(
    resolved_dir: Path,
    quantization: str | None = None,
    *,
    cache_dir: Path | None = None,
    force: bool = False,
) -> Path:
    """Convert the model in ``resolved_dir`` for CTranslate2 and return the converted directory.

    The result is ``<parent>/<name>.ct2-<quantization>`` next to the source model, or
    ``<cache_dir>/ct2/<name>-<weights hash>.ct2-<quantization>`` when the source's parent cannot be written
    (a read-only mount). An existing conversion of the same weights (checked by hash) is returned as is
    unless ``force``. ``quantization`` is stored in the converted weights (``None`` keeps float32, from
    which every compute type can be chosen at load time). Conversion writes into a temporary directory
    and renames it, so concurrent workers never see half a model.
    """
    ctranslate2 = import_ctranslate2()
    source_dir = Path(resolved_dir).expanduser().resolve()
    if not (source_dir / "config.json").is_file():
        raise ModelUnavailable(str(resolved_dir), f"{source_dir} has no config.json to convert")
    fingerprint = weights_fingerprint(source_dir)
    name = _conversion_name(source_dir, quantization)
    candidates = []
    if _writable(source_dir.parent):
        candidates.append(source_dir.parent / name)
    if cache_dir is not None:
        cache_root = Path(cache_dir).expanduser() / "ct2"
        candidates.append(cache_root / f"{source_dir.name}-{fingerprint}.ct2-{quantization or 'float32'}")
    if not candidates:
        raise ModelUnavailable(
            str(resolved_dir),
            f"cannot store a CTranslate2 conversion: {source_dir.parent} is read-only and no cache_dir "
            "was given",
        )
    for candidate in candidates:
        if not force and _is_current(candidate, fingerprint):
            return candidate
    output_dir = candidates[0]
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=output_dir.parent))
    try:
        converter = ctranslate2.converters.TransformersConverter(str(source_dir))
        converter.convert(str(staging / "model"), quantization=quantization, force=True)
        marker = {"source": str(source_dir), "source_fingerprint": fingerprint, "quantization": quantization}
        (staging / "model" / _MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
        if output_dir.exists():
            shutil.rmtree(output_dir)
        os.replace(staging / "model", output_dir)
    except (OSError, ValueError, RuntimeError, KeyError, NotImplementedError) as exc:
        raise ModelUnavailable(str(resolved_dir), f"CTranslate2 conversion failed: {exc}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return output_dir


class CT2Translator(TokenCounting):
    """A CTranslate2 translator over a converted Marian model, fed the source model's tokens."""

    backend = "ctranslate2"

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
        # The converted weights are float32; int8 keeps about a quarter of them in memory, float16 half.
        stored = (converted / "model.bin").stat().st_size
        divisor = {"int8": 4, "int8_float32": 4, "int8_float16": 4, "int8_bfloat16": 4}.get(resolved_type, 1)
        if resolved_type in ("float16", "bfloat16"):
            divisor = 2
        return cls(translator, tokenizer, settings, positions), stored // divisor

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
