"""The services a run uses, built once from the configuration: store, model cache and resolver, engines,
publisher, feed fetcher and the signature stamped on every record.

:func:`build_services` is the one factory; parts may be injected (tests, other clients). Engines and the
S3 client are built on first use, so a run that never translates loads no translation code.
:func:`services_for` memoises one set per configuration and process, so every task that runs in a
process (a Prefect thread, a Dask worker) shares one store client and one model cache and loads each
model once.
"""

from __future__ import annotations

import threading
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

from pipelines.config import Config
from pipelines.models.cache import ModelCache, process_cache
from pipelines.models.locations import ModelResolver
from pipelines.records import Signature
from pipelines.store import ObjectStore, Publisher, open_store
from pipelines.version import code_version, library_versions

if TYPE_CHECKING:
    from pipelines.sources.feeds import Fetch
    from pipelines.store.retry import RetryPolicy
    from pipelines.summarize.engine import SummaryEngine
    from pipelines.translate.engine import TranslationEngine


class ServiceParts(TypedDict, total=False):
    """Parts given instead of the ones the config describes (tests, other clients)."""

    store: ObjectStore
    cache: ModelCache
    resolver: ModelResolver
    fetch: Fetch
    s3_client: Any


class Services:
    """What the stages of a run need besides their records; see the module docstring."""

    def __init__(self, config: Config, **parts: Unpack[ServiceParts]) -> None:
        self.config = config
        for lazy in ("s3_client", "fetch"):
            if parts.get(lazy) is not None:
                self.__dict__[lazy] = parts[lazy]
        store, cache, resolver = parts.get("store"), parts.get("cache"), parts.get("resolver")
        self.store = store if store is not None else self._open_store()
        self.cache = (
            cache if cache is not None else process_cache(config.models.max_loaded, config.models.max_bytes)
        )
        self.resolver = resolver if resolver is not None else self._model_resolver()
        self.publisher = Publisher(self.store)
        self.signature = Signature(
            code_version=code_version(), config_hash=config.fingerprint(), libraries=library_versions()
        )

    @cached_property
    def s3_client(self) -> Any:
        """One boto3 client for the configured S3 service: the store, ``s3://`` inboxes and models."""
        from pipelines.store.s3 import make_client

        return make_client(self.config.store)

    @property
    def s3_retry(self) -> RetryPolicy:
        """The one retry budget of every request made with :attr:`s3_client` (``store.retries``...)."""
        from pipelines.store.retry import RetryPolicy

        return RetryPolicy.from_config(self.config.store)

    @cached_property
    def fetch(self) -> Fetch:
        """The feed and page fetcher, under the configured fetch policy."""
        from pipelines.sources.feeds import FeedFetcher

        return FeedFetcher(self.config.sources)

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

    def _open_store(self) -> ObjectStore:
        if self.config.store.url.startswith("s3://"):
            return open_store(self.config.store, s3_client=self.s3_client)
        return open_store(self.config.store)

    def _model_resolver(self) -> ModelResolver:
        return model_resolver(self.config, self.s3_client if _needs_s3(self.config) else None)


def build_services(config: Config, **parts: Unpack[ServiceParts]) -> Services:
    """The services for ``config``; any part given replaces the one the config describes."""
    return Services(config, **parts)


def model_resolver(config: Config, s3_client: Any = None) -> ModelResolver:
    """A resolver for the configured models; ``s3://`` models are fetched with ``s3_client`` (default: one
    made from the store settings, only when a configured model is on S3)."""
    if s3_client is None and _needs_s3(config):
        from pipelines.store.s3 import make_client

        s3_client = make_client(config.store)
    from pipelines.store.retry import RetryPolicy

    return ModelResolver(
        config.models.resolve_timeout_s,
        s3_client=s3_client,
        s3_retry=RetryPolicy.from_config(config.store),
        cache_dir=config.models.cache_dir.expanduser(),
    )


def _needs_s3(config: Config) -> bool:
    return any(spec.startswith("s3://") for spec in _model_specs(config))


def _model_specs(config: Config) -> list[str]:
    translation = config.translation
    specs = [model.model for model in translation.models.values()]
    specs += [translation.fallback.model] if translation.fallback else []
    summaries = [config.summary.short, config.summary.long]
    for override in config.summary.languages.values():
        summaries += [spec for spec in (override.short, override.long) if spec is not None]
    return specs + [spec.model for spec in summaries if spec.model]


_shared: dict[str, Services] = {}
_shared_lock = threading.Lock()


def services_for(config: Config) -> Services:
    """The process-wide services for ``config`` (built on first use)."""
    key = config.fingerprint()
    with _shared_lock:
        found = _shared.get(key)
        if found is None:
            found = _shared[key] = build_services(config)
        return found
