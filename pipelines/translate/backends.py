"""The backend registry: a name in config -> a loader, imported only when a model is loaded."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Protocol

from pipelines.errors import ConfigError
from pipelines.translate.base import BatchTranslator, GenerationSettings


class BackendLoader(Protocol):
    def __call__(
        self,
        path: Path,
        settings: GenerationSettings,
        *,
        device: str,
        threads: int | None,
        compute_type: str,
        cache_dir: Path,
    ) -> tuple[BatchTranslator, int]: ...


_BACKENDS: dict[str, str] = {
    "transformers": "pipelines.translate.marian",
    "ctranslate2": "pipelines.translate.ct2",
    "auto": "pipelines.translate.auto",
}
_LOADERS: dict[str, BackendLoader] = {}


def register_backend(name: str, loader: BackendLoader) -> None:
    """Add (or replace) a backend; tests and plugins use this."""
    _LOADERS[name] = loader


def backend_loader(name: str) -> BackendLoader:
    """The loader for ``name``; its module (and so torch or ctranslate2) is imported on first use."""
    if name in _LOADERS:
        return _LOADERS[name]
    module_name = _BACKENDS.get(name)
    if module_name is None:
        known = ", ".join(sorted({*_BACKENDS, *_LOADERS}))
        raise ConfigError(f"translation backend '{name}' is unknown; use one of: {known}")
    loader: BackendLoader = importlib.import_module(module_name).load
    _LOADERS[name] = loader
    return loader


def device_for(backend: str, device: str) -> str:
    """The concrete device ``auto`` means for ``backend`` (part of the model cache key)."""
    if device != "auto":
        return device
    if backend == "auto":
        from pipelines.translate.auto import auto_device

        return auto_device(device)
    if backend == "ctranslate2":
        from pipelines.translate.ct2 import ct2_device

        return ct2_device(device)
    from pipelines.models.device import torch_device

    return torch_device(device)
