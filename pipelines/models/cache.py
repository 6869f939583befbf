"""A per-process LRU cache of loaded models, bounded by count and by bytes.

Every engine loads models through one cache so a model is loaded once per process (per Dask worker),
never per task or per article. ``loads`` counts real loads, which tests use to prove it.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pipelines.models.config import DEFAULT_MAX_BYTES, DEFAULT_MAX_LOADED

T = TypeVar("T")


@dataclass
class _Entry:
    value: Any
    size_bytes: int


class ModelCache:
    """Least-recently-used cache; ``loader`` returns ``(model, size_in_bytes)``."""

    def __init__(self, max_items: int = DEFAULT_MAX_LOADED, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        if max_items < 1 or max_bytes < 1:
            raise ValueError("ModelCache needs max_items >= 1 and max_bytes >= 1")
        self.max_items = max_items
        self.max_bytes = max_bytes
        self.loads: Counter[str] = Counter()
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.RLock()
        self._key_locks: dict[str, threading.Lock] = {}

    def get(self, key: str, loader: Callable[[], tuple[T, int]], expected_bytes: int = 0) -> T:
        """The cached value for ``key``, loading it on a miss.

        ``expected_bytes`` (e.g. the size of the weights files) makes room *before* the load, so the
        process never holds the old models and the new one together beyond the bounds.
        """
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                return entry.value  # type: ignore[no-any-return]
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        # One loader per key at a time: two threads asking for the same model share one load.
        with key_lock:
            with self._lock:
                entry = self._entries.get(key)
                if entry is not None:
                    self._entries.move_to_end(key)
                    return entry.value  # type: ignore[no-any-return]
                self._make_room(expected_bytes)
            value, size = loader()
            with self._lock:
                self.loads[key] += 1
                self._entries[key] = _Entry(value, size)
                self._evict(keep=key)
            return value

    def _make_room(self, incoming_bytes: int) -> None:
        while self._entries and (
            len(self._entries) + 1 > self.max_items or self.total_bytes + incoming_bytes > self.max_bytes
        ):
            self._entries.popitem(last=False)

    def _evict(self, keep: str) -> None:
        while len(self._entries) > 1 and (
            len(self._entries) > self.max_items or self.total_bytes > self.max_bytes
        ):
            oldest = next(iter(self._entries))
            if oldest == keep:
                break
            del self._entries[oldest]

    @property
    def total_bytes(self) -> int:
        return sum(entry.size_bytes for entry in self._entries.values())

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_process_cache: ModelCache | None = None
_process_lock = threading.Lock()


def process_cache(max_items: int = DEFAULT_MAX_LOADED, max_bytes: int = DEFAULT_MAX_BYTES) -> ModelCache:
    """The cache shared by everything in this process (created on first use, never at import)."""
    global _process_cache
    with _process_lock:
        if _process_cache is None:
            _process_cache = ModelCache(max_items, max_bytes)
        return _process_cache
