"""The ``auto`` translation backend: CTranslate2 when the model converts, transformers otherwise.

CTranslate2 int8 (float16 on CUDA) translated ~3-4x faster than transformers at opus-mt size with the
same greedy outputs in float32 (docs/benchmarks.md). A model CTranslate2 cannot convert, or a missing
``ctranslate2`` package, falls back to transformers; the translator's ``backend`` and ``compute_type``
say which ran, and the records carry them.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pipelines.errors import MissingDependency, ModelUnavailable
from pipelines.translate.base import BatchTranslator, GenerationSettings

log = logging.getLogger(__name__)


def auto_device(device: str) -> str:
    """The device ``auto`` means: CTranslate2's view when it is installed, else torch's."""
    try:
        from pipelines.models.ct2 import ct2_device

        return ct2_device(device)
    except MissingDependency:
        from pipelines.models.device import torch_device

        return torch_device(device)


def load(
    path: Path,
    settings: GenerationSettings,
    *,
    device: str,
    threads: int | None,
    compute_type: str,
    cache_dir: Path,
) -> tuple[BatchTranslator, int]:
    """Backend registry entry point. Both backends are taken from the registry, so a loader registered
    in place of one (a test's, a plugin's) also serves ``auto``."""
    from pipelines.translate.backends import backend_loader

    try:
        return backend_loader("ctranslate2")(
            path, settings, device=device, threads=threads, compute_type=compute_type, cache_dir=cache_dir
        )
    except (MissingDependency, ModelUnavailable) as exc:
        log.info("translation model %s runs on transformers: %s", path, exc)
    return backend_loader("transformers")(
        path, settings, device=device, threads=threads, compute_type=compute_type, cache_dir=cache_dir
    )
