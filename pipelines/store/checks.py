"""The up-front store check a run makes before reading inputs or loading a model."""

from __future__ import annotations

from pipelines.store.base import ObjectStore


def check_writable(store: ObjectStore) -> None:
    """Raise StoreError/StoreUnavailable, with what to fix, when ``store`` cannot be reached or written.

    The check is not part of the :class:`ObjectStore` protocol (wrappers and test stores need not have
    it); a store without ``check_writable`` is taken as writable and fails, if at all, on its first write.
    """
    probe = getattr(store, "check_writable", None)
    if callable(probe):
        probe()
