"""The per-process runtime: store, model cache and engines for one configuration.

A runtime is built lazily and memoised per configuration fingerprint, so every task that runs in a
process (a Prefect thread, a Dask worker) shares one store client and one model cache and loads each
model once. Tests build their own :class:`Runtime` with injected parts instead.
"""

from __future__ import annotations

import importlib.metadata
import secrets
import threading
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING

from pipelines.config import Config
from pipelines.models.cache import ModelCache, process_cache
from pipelines.models.sources import ModelResolver
from pipelines.records import Signature
from pipelines.store import ObjectStore, Publisher, open_store

if TYPE_CHECKING:
    from pipelines.summarize.engine import SummaryEngine
    from pipelines.translate.engine import TranslationEngine

_LIBRARIES = ("transformers", "torch", "ctranslate2", "sentencepiece", "langdetect")


def code_version() -> str:
    try:
        return importlib.metadata.version("newsdigest")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def library_versions() -> dict[str, str]:
    """Versions of the libraries whose behaviour shapes the output (read from metadata, not imported)."""
    versions: dict[str, str] = {}
    for name in _LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def new_run_id(now: datetime | None = None) -> str:
    """A sortable, key-safe run id: UTC timestamp plus randomness, e.g. ``20261125T210000Z-3f9a1c``."""
    moment = now or datetime.now(UTC)
    return f"{moment.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"


class Runtime:
    """Everything a stage needs besides its records; parts may be injected (tests, other clients)."""

    def __init__(
        self,
        config: Config,
        *,
        store: ObjectStore | None = None,
        cache: ModelCache | None = None,
        resolver: ModelResolver | None = None,
    ) -> None:
        self.config = config
        self.store = store if store is not None else open_store(config.store)
        self.cache = (
            cache if cache is not None else process_cache(config.models.max_loaded, config.models.max_bytes)
        )
        self.resolver = resolver if resolver is not None else model_resolver(config)
        self.publisher = Publisher(self.store)
        self.signature = Signature(
            code_version=code_version(), config_hash=config.fingerprint(), libraries=library_versions()
        )

    @cached_property
    def translation(self) -> TranslationEngine:
        from pipelines.translate.engine import TranslationEngine

        return TranslationEngine(self.config.translation, self.config.models, self.resolver, self.cache)

    @cached_property
    def summary(self) -> SummaryEngine:
        from pipelines.summarize.engine import SummaryEngine

        return SummaryEngine(
            self.config.summary,
            self.config.models,
            self.resolver,
            self.cache,
            translate=self.translation.translate,
        )


def _model_specs(config: Config) -> list[str]:
    translation = config.translation
    specs = [model.model for model in translation.models.values()]
    specs += [translation.fallback.model] if translation.fallback else []
    summaries = [config.summary.short, config.summary.long]
    for override in config.summary.languages.values():
        summaries += [spec for spec in (override.short, override.long) if spec is not None]
    return specs + [spec.model for spec in summaries if spec.model]


def model_resolver(config: Config) -> ModelResolver:
    """A resolver for the configured models; ``s3://`` models are fetched with the store's S3 settings."""
    s3_client = None
    if any(spec.startswith("s3://") for spec in _model_specs(config)):
        from pipelines.store.s3 import make_client

        s3_client = make_client(config.store)
    return ModelResolver(
        config.models.resolve_timeout_s, s3_client=s3_client, cache_dir=config.models.cache_dir.expanduser()
    )


_runtimes: dict[str, Runtime] = {}
_runtimes_lock = threading.Lock()


def runtime_for(config: Config) -> Runtime:
    """The process-wide runtime for ``config`` (built on first use)."""
    key = config.fingerprint()
    with _runtimes_lock:
        found = _runtimes.get(key)
        if found is None:
            found = _runtimes[key] = Runtime(config)
        return found
