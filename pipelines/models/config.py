"""Configuration of model resolution and the model cache, and their defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from pipelines.config_base import StrictModel

Device = Literal["auto", "cpu", "cuda"]

DEFAULT_CACHE_DIR = Path("~/.cache/newsdigest/models")
"""Where downloaded and converted models are kept (``models.cache_dir``)."""
DEFAULT_MAX_LOADED = 4
"""Models kept in memory per process (``models.max_loaded``)."""
DEFAULT_MAX_BYTES = 6 * 1024**3
"""Bytes of weights kept in memory per process (``models.max_bytes``)."""


class ModelsConfig(StrictModel):
    """Where models are cached, how long resolution may take, and how many stay loaded."""

    cache_dir: Path = Field(default=DEFAULT_CACHE_DIR)
    resolve_timeout_s: float = Field(default=15.0, gt=0, description="per model, checked before the run")
    device: Device = "auto"
    max_loaded: int = Field(default=DEFAULT_MAX_LOADED, ge=1, description="models kept in memory per process")
    max_bytes: int = Field(
        default=DEFAULT_MAX_BYTES, ge=1, description="bytes of weights kept in memory per process"
    )
    threads: int | None = Field(default=None, ge=1, description="torch/CTranslate2 threads; default: cores")
