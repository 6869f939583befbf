"""Which model (or chain of models) translates a source language into a target language.

In order of preference: a direct model for the pair (``translation.models["fr-en"]``); for a target equal
to the pivot language, the fallback model (e.g. ``opus-mt-mul-en``) for sources with no entry; otherwise
two hops through ``translation.pivot_language`` (src->en with a direct or fallback model, then en->tgt).
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.errors import UnsupportedPair
from pipelines.translate.config import TranslationBackend, TranslationConfig, TranslationModel


@dataclass(frozen=True)
class Hop:
    """One model application: ``source`` -> ``target`` with ``model``."""

    source: str
    target: str
    model: TranslationModel
    backend: TranslationBackend
    fallback: bool = False

    @property
    def pair(self) -> str:
        return f"{self.source}-{self.target}"

    @property
    def role(self) -> str:
        return f"translation:{self.pair}"

    @property
    def target_prefix(self) -> str | None:
        return self.model.target_prefix


@dataclass(frozen=True)
class Route:
    source: str
    target: str
    hops: tuple[Hop, ...]


def _hop(config: TranslationConfig, source: str, target: str) -> Hop | None:
    """A single model for the pair: a direct entry, or the fallback into the pivot language."""
    model = config.models.get(f"{source}-{target}")
    if model is not None:
        return Hop(source, target, model, model.backend or config.backend)
    if target == config.pivot_language and config.fallback is not None:
        fallback = config.fallback
        return Hop(source, target, fallback, fallback.backend or config.backend, fallback=True)
    return None


def route(config: TranslationConfig, source: str, target: str) -> Route:
    """The hops translating ``source`` into ``target``; no hops when they are the same language.

    Raises :class:`UnsupportedPair` naming the config key(s) that would make the pair work.
    """
    if source == target:
        return Route(source, target, ())
    direct = _hop(config, source, target)
    if direct is not None:
        return Route(source, target, (direct,))
    pivot = config.pivot_language
    if pivot not in (source, target):
        first = _hop(config, source, pivot)
        second = _hop(config, pivot, target)
        if first is not None and second is not None:
            return Route(source, target, (first, second))
    raise UnsupportedPair(source, target, _hint(config, source, target))


def _hint(config: TranslationConfig, source: str, target: str) -> str:
    pivot = config.pivot_language
    key = f"translation.models.{source}-{target}"
    if target == pivot:
        return f"add {key} (or set translation.fallback to a model into '{pivot}')"
    if source == pivot:
        return f"add {key}"
    missing = [f"{a}-{b}" for a, b in ((source, pivot), (pivot, target)) if _hop(config, a, b) is None]
    return f"add {key} (or {' and '.join(missing)} to pivot through '{pivot}')"
