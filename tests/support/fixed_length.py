"""Fixed decode lengths for random weights, plugged in through the translation backend registry.

Random weights never emit end-of-sentence, so every output would run to the length limit and its length
would depend on its batch. Inside :func:`fixed_decode_lengths` the named backends are wrapped so that
each batch decodes exactly as many steps as its longest source and each output keeps as many tokens as
its own source (``exact_lengths``, see :class:`pipelines.translate.base.BatchTranslator`), as a real
model's batch runs until its longest member ends. Benchmarks and tests use it; the engine knows nothing
about it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipelines.deadline import Deadline
from pipelines.translate.backends import BackendLoader, backend_loader, register_backend
from pipelines.translate.base import BatchTranslator, GenerationSettings


class _FixedLength:
    def __init__(self, inner: BatchTranslator) -> None:
        self.inner = inner
        self.backend = inner.backend
        self.compute_type: str | None = getattr(inner, "compute_type", None)
        self.max_source_tokens = inner.max_source_tokens

    def count_tokens(self, segments: Sequence[str]) -> list[int]:
        return self.inner.count_tokens(segments)

    def translate_segments(
        self,
        segments: Sequence[str],
        *,
        target_prefix: str | None = None,
        exact_lengths: Sequence[int] | None = None,
        deadline: Deadline | None = None,
    ) -> list[str]:
        lengths = exact_lengths if exact_lengths is not None else self.inner.count_tokens(segments)
        return self.inner.translate_segments(
            segments, target_prefix=target_prefix, exact_lengths=lengths, deadline=deadline
        )


def _fixed(loader: BackendLoader) -> BackendLoader:
    def load(path: Path, settings: GenerationSettings, **options: Any) -> tuple[BatchTranslator, int]:
        translator, size = loader(path, settings, **options)
        return _FixedLength(translator), size

    return load  # type: ignore[return-value]


@contextmanager
def fixed_decode_lengths(backends: Sequence[str] = ("transformers", "ctranslate2")) -> Iterator[None]:
    """Within the block, models of ``backends`` loaded by any engine decode to their sources' lengths.

    Engines cache loaded models: use a fresh :class:`~pipelines.models.cache.ModelCache` inside.
    """
    originals = {name: backend_loader(name) for name in backends}
    for name, loader in originals.items():
        register_backend(name, _fixed(loader))
    try:
        yield
    finally:
        for name, loader in originals.items():
            register_backend(name, loader)
