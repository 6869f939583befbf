"""Model sources, resolution and the per-process model cache."""

from __future__ import annotations

from pipelines.models.cache import ModelCache, process_cache
from pipelines.models.sources import (
    ModelResolver,
    ModelSource,
    ResolvedModel,
    S3ModelFetcher,
    parse_source,
)

__all__ = [
    "ModelCache",
    "ModelResolver",
    "ModelSource",
    "ResolvedModel",
    "S3ModelFetcher",
    "parse_source",
    "process_cache",
]
