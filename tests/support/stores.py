"""Store wrappers for tests: delegate every call to a real store, so a test overrides only what it watches
or breaks (usually ``put``)."""

from __future__ import annotations

from collections.abc import Iterator

from pipelines.store.base import ObjectStore


class StoreWrapper:
    """An :class:`ObjectStore` that passes every call to ``inner``."""

    def __init__(self, inner: ObjectStore) -> None:
        self.inner = inner

    @property
    def url(self) -> str:
        return self.inner.url

    def put(
        self, key: str, data: bytes, *, if_absent: bool = False, content_type: str = "application/json"
    ) -> bool:
        return self.inner.put(key, data, if_absent=if_absent, content_type=content_type)

    def get(self, key: str) -> bytes:
        return self.inner.get(key)

    def exists(self, key: str) -> bool:
        return self.inner.exists(key)

    def list(self, prefix: str) -> Iterator[str]:
        return self.inner.list(prefix)
