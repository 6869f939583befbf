"""The summary contract: requests in, short and long summaries out, backends behind a protocol."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from pipelines.records import Summary
from pipelines.summarize.config import SummaryKind, SummarySpec


@dataclass(frozen=True)
class SummaryRequest:
    """Text to summarise (already in the target language) and its language."""

    key: str
    text: str
    title: str
    language: str


@dataclass(frozen=True)
class SummaryOutcome:
    key: str
    summaries: list[Summary] = field(default_factory=list)
    error: str | None = None


class Summarizer(Protocol):
    """One summarisation method (a loaded seq2seq model, or an extractive ranker)."""

    method: str

    def summarize(
        self, texts: Sequence[str], spec: SummarySpec, language: str, *, kind: SummaryKind = "long"
    ) -> list[Summary]:
        """One summary per text, in order; ``kind`` only labels the records (the spec sets the lengths)."""
        ...
