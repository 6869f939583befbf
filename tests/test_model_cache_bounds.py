"""The model cache's bounds hold *while* a model loads, not only after: the peak is what exhausts memory.

Loaders are injected and report what the cache holds at the moment they run, so the peak (the bytes
held plus the incoming model) is observed, with sizes chosen here.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pipelines.config import ModelsConfig
from pipelines.models import ModelCache, ModelResolver
from pipelines.translate import backends
from pipelines.translate.base import GenerationSettings, TranslationRequest
from pipelines.translate.config import TranslationConfig
from pipelines.translate.engine import TranslationEngine

SIZES = {"a": 60, "b": 30, "c": 50, "d": 20, "e": 100}


class PeakWatcher:
    """Loaders of known sizes; each records the bytes and models held when it starts."""

    def __init__(self, cache: ModelCache) -> None:
        self.cache = cache
        self.peaks: dict[str, int] = {}
        self.held_while_loading: dict[str, list[str]] = {}

    def loader(self, key: str) -> Callable[[], tuple[str, int]]:
        def load() -> tuple[str, int]:
            held = [name for name in SIZES if name in self.cache]
            self.held_while_loading[key] = held
            self.peaks[key] = sum(SIZES[name] for name in held) + SIZES[key]
            return key.upper(), SIZES[key]

        return load

    def get(self, key: str) -> str:
        return self.cache.get(key, self.loader(key), expected_bytes=SIZES[key])


def test_bytes_held_during_a_load_never_pass_the_bound() -> None:
    cache = ModelCache(max_items=10, max_bytes=100)  # the count limit never binds here
    watch = PeakWatcher(cache)
    for key in ("a", "b", "c", "d", "a", "e"):
        assert watch.get(key) == key.upper()
    # The second load of a (60) starts with b, c, d held (100): b and c go, d stays (20 + 60).
    assert watch.peaks == {"a": 80, "b": 90, "c": 80, "d": 100, "e": 100}
    assert watch.held_while_loading["c"] == ["b"]  # a (60) had to go first: 60 + 30 + 50 > 100
    assert watch.held_while_loading["e"] == []  # a model as large as the bound loads alone
    assert cache.loads == {"a": 2, "b": 1, "c": 1, "d": 1, "e": 1}


def test_least_recently_used_goes_first_when_making_room() -> None:
    cache = ModelCache(max_items=10, max_bytes=100)
    watch = PeakWatcher(cache)
    for key in ("b", "a", "b", "d"):  # b used last: a is the least recently used
        watch.get(key)
    watch.get("c")  # 30 + 60 + 20 held; 50 more needs 60 freed: a alone is enough
    assert watch.held_while_loading["c"] == ["b", "d"]
    assert sorted(name for name in SIZES if name in cache) == ["b", "c", "d"]
    assert cache.total_bytes == 100


def test_count_bound_during_a_load() -> None:
    cache = ModelCache(max_items=2, max_bytes=10**9)
    watch = PeakWatcher(cache)
    for key in ("a", "b", "c"):
        watch.get(key)
    assert watch.held_while_loading["c"] == ["b"]
    assert len(cache) == 2


def test_without_an_expected_size_the_bound_holds_after_the_load() -> None:
    cache = ModelCache(max_items=10, max_bytes=100)
    for key in ("a", "b", "c"):
        cache.get(key, lambda key=key: (key, SIZES[key]))  # type: ignore[misc]
    assert sorted(name for name in SIZES if name in cache) == ["b", "c"] and cache.total_bytes == 80


def test_a_hit_loads_nothing_and_clear_empties() -> None:
    cache = ModelCache(max_items=1, max_bytes=1)
    calls: list[int] = []

    def load() -> tuple[str, int]:
        calls.append(1)
        return "m", 1

    assert cache.get("m", load) == "m" and cache.get("m", load) == "m"
    assert calls == [1] and len(cache) == 1 and "m" in cache
    cache.clear()
    assert len(cache) == 0 and "m" not in cache and cache.total_bytes == 0


def test_two_threads_asking_for_one_model_share_one_load() -> None:
    cache = ModelCache()
    started = threading.Event()
    release = threading.Event()

    def slow_load() -> tuple[str, int]:
        started.set()
        release.wait(10)
        return "model", 1

    results: list[str] = []
    first = threading.Thread(target=lambda: results.append(cache.get("m", slow_load)))
    first.start()
    assert started.wait(10)
    second = threading.Thread(target=lambda: results.append(cache.get("m", slow_load)))
    second.start()
    release.set()
    first.join(10)
    second.join(10)
    assert results == ["model", "model"] and cache.loads == {"m": 1}


def test_a_slow_load_does_not_hold_up_other_models() -> None:
    cache = ModelCache()
    started = threading.Event()
    release = threading.Event()

    def slow_load() -> tuple[str, int]:
        started.set()
        release.wait(10)
        return "slow", 1

    slow = threading.Thread(target=lambda: cache.get("slow", slow_load))
    slow.start()
    assert started.wait(10)
    quick = threading.Thread(target=lambda: cache.get("quick", lambda: ("quick", 1)))
    quick.start()
    quick.join(5)
    finished_while_slow_loads = not quick.is_alive()
    release.set()
    slow.join(10)
    quick.join(10)
    assert finished_while_slow_loads
    assert cache.loads == {"slow": 1, "quick": 1}


def test_without_an_expected_size_a_full_cache_makes_no_room_before_the_load() -> None:
    cache = ModelCache(max_items=10, max_bytes=100)
    cache.get("a", lambda: ("a", 60))
    cache.get("b", lambda: ("b", 40))
    held: list[str] = []

    def load_c() -> tuple[str, int]:
        held.extend(key for key in ("a", "b") if key in cache)
        return "c", 10

    cache.get("c", load_c)
    assert held == ["a", "b"]  # unknown size: nothing is evicted on a guess
    assert sorted(key for key in ("a", "b", "c") if key in cache) == ["b", "c"]


def test_defaults_match_the_models_configuration() -> None:
    models = ModelsConfig()
    cache = ModelCache()
    assert (cache.max_items, cache.max_bytes) == (models.max_loaded, models.max_bytes)


def test_one_cache_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipelines.models import cache as cache_module

    monkeypatch.setattr(cache_module, "_process_cache", None)
    first = cache_module.process_cache(3, 100)
    assert isinstance(first, ModelCache) and (first.max_items, first.max_bytes) == (3, 100)
    assert cache_module.process_cache(9, 9) is first
    monkeypatch.setattr(cache_module, "_process_cache", None)
    default = cache_module.process_cache()
    assert (default.max_items, default.max_bytes) == (4, 6 * 1024**3)


@pytest.mark.parametrize(("items", "size"), [(0, 1), (1, 0), (-1, 5)])
def test_bounds_must_be_positive(items: int, size: int) -> None:
    with pytest.raises(ValueError, match=r"^ModelCache needs max_items >= 1 and max_bytes >= 1$"):
        ModelCache(items, size)


def test_the_engine_never_holds_three_real_models_at_once(
    tiny_marian_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three real models, a byte budget for two and a half: each load starts with at most one held."""
    dirs = {pair: shutil.copytree(tiny_marian_dir, tmp_path / pair) for pair in ("fr-en", "ru-en", "de-en")}
    weights = sum(p.stat().st_size for p in tiny_marian_dir.glob("*.safetensors"))
    cache = ModelCache(max_items=10, max_bytes=weights * 5 // 2)
    real_load = backends.backend_loader("transformers")
    held_at_load: list[int] = []

    def watching_load(path: Path, settings: GenerationSettings, **options: Any) -> tuple[Any, int]:
        held_at_load.append(len(cache))
        translator, _ = real_load(path, settings, **options)
        return translator, weights  # account what the budget was computed from

    monkeypatch.setitem(backends._LOADERS, "transformers", watching_load)
    config = TranslationConfig.model_validate(
        {
            "models": {pair: str(path) for pair, path in dirs.items()},
            "backend": "transformers",  # the loader watched here; `auto` would convert to CTranslate2
            "num_beams": 1,
            "max_new_tokens_ratio": 0.2,
        }
    )
    engine = TranslationEngine(
        config, ModelsConfig(cache_dir=tmp_path / "cache", threads=1), ModelResolver(), cache
    )
    requests = [
        TranslationRequest(
            key=source, text="Bonjour.", title="", source_language=source, target_language="en"
        )
        for source in ("fr", "ru", "de")
    ]
    assert all(outcome.error is None for outcome in engine.translate(requests))
    assert held_at_load == [0, 1, 1]
    assert len(cache) == 2 and sum(cache.loads.values()) == 3
