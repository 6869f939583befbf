"""The object-store interface every backend implements.

Backends only move bytes under keys; :mod:`pipelines.store.layout` is the one place keys are built and
:mod:`pipelines.store.publish` the one place records become objects, so the local folder and S3 hold the
same layout and are interchangeable.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable


@runtime_checkable
class ObjectStore(Protocol):
    """A flat key -> bytes namespace with conditional create."""

    @property
    def url(self) -> str:
        """Where this store points, without credentials."""
        ...

    def put(
        self, key: str, data: bytes, *, if_absent: bool = False, content_type: str = "application/json"
    ) -> bool:
        """Write ``data`` at ``key``. With ``if_absent``, write only when the key does not exist yet and
        return ``False`` (writing nothing) when it does. Raises StoreError/StoreUnavailable on failure."""
        ...

    def get(self, key: str) -> bytes:
        """Read a key; raises ObjectNotFound when it does not exist."""
        ...

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str) -> Iterator[str]:
        """Keys under ``prefix`` (a folder-like prefix ending in '/'), in lexical order."""
        ...


def put_if_changed(
    store: ObjectStore, key: str, data: bytes, *, content_type: str = "application/json"
) -> bool:
    """Write ``data`` at ``key`` unless the stored bytes are the same already; True when it wrote. Keeps
    rebuilds of an unchanged day from rewriting (and re-announcing) anything."""
    from pipelines.errors import ObjectNotFound

    try:
        if store.get(key) == data:
            return False
    except ObjectNotFound:
        pass
    store.put(key, data, content_type=content_type)
    return True
