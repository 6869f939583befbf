"""Model locations, resolution and the per-process model cache."""

from __future__ import annotations

from pipelines.models.cache import ModelCache, process_cache
from pipelines.models.locations import (
    ModelLocation,
    ModelResolver,
    ResolvedModel,
    S3ModelFetcher,
    parse_location,
)

__all__ = [
    "ModelCache",
    "ModelLocation",
    "ModelResolver",
    "ResolvedModel",
    "S3ModelFetcher",
    "parse_location",
    "process_cache",
]
