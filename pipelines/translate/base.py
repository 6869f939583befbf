"""The translation contract: requests in, outcomes out, backends behind a protocol."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from pipelines.records import Translation


@dataclass(frozen=True)
class TranslationRequest:
    """One article (title and body) to translate; ``key`` ties the outcome back to its record."""

    key: str
    text: str
    title: str
    source_language: str
    target_language: str


@dataclass(frozen=True)
class TranslationOutcome:
    key: str
    translation: Translation | None = None
    error: str | None = None


class Translator(Protocol):
    """A loaded model of one backend: translates already-segmented sentences, in order."""

    backend: str

    def translate_segments(self, segments: Sequence[str], *, target_prefix: str | None = None) -> list[str]: ...
