"""Map-reduce summarisation of inputs longer than a model can read.

A text that fits the model's input is summarised once (1 chunk, 1 level). A longer one is split on
sentence boundaries into chunks that each fit, consecutive chunks sharing ``overlap`` sentences so a fact
that straddles a boundary is seen whole once; every chunk is summarised, the chunk summaries are joined,
and the joined text is treated as the new input, until it fits and gets its final pass. Nothing is ever
cut off: a single sentence longer than the model's input is split into token windows and all of them
are read.

It must terminate even with a model whose summaries do not shrink (a random test model, a
``max_length`` as large as the input): a level whose joined summaries are not shorter than its input
stops with ``mapreduce-not-shrinking``, and the level cap stops with ``mapreduce-level-cap``. In both
cases the joined summaries of the last level are the result; the guards then trim them to the word
budget, so the stored summary is bounded either way. All requests of a batch advance level by level
together, so each level is one batched ``generate`` over every pending chunk.

:func:`map_stage` (every level but the final pass) is separate so that the short and the long summary
can share it (``summary.shared_map``) and so that texts needing a final pass with the same input can be
encoded once for both kinds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from pipelines.summarize.text import join_sentences, sentences

FLAG_NOT_SHRINKING = "mapreduce-not-shrinking"
FLAG_LEVEL_CAP = "mapreduce-level-cap"


class ChunkModel(Protocol):
    """What map-reduce needs from a model bound to one summary spec."""

    @property
    def input_budget(self) -> int:
        """Content tokens one input may hold (the model's limit less special tokens and task prefix)."""
        ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Content tokens of each text, as :attr:`input_budget` counts them."""
        ...

    def split_tokens(self, text: str, budget: int) -> list[str]:
        """``text`` cut into consecutive pieces of at most ``budget`` tokens, all of it kept."""
        ...

    def generate(self, texts: Sequence[str]) -> list[str]:
        """One summary per text, in order (batched however the model likes)."""
        ...


@dataclass
class Reduced:
    """The result for one input: the summary and how it was reached."""

    text: str
    chunks: int = 1
    levels: int = 1
    flags: list[str] = field(default_factory=list)


@dataclass
class MapState:
    """One input during the map stage: the text its final pass reads, or its result if it ended early."""

    text: str
    tokens: int
    chunks: int = 1
    levels: int = 0
    flags: list[str] = field(default_factory=list)
    result: str | None = None

    @property
    def needs_final_pass(self) -> bool:
        return self.result is None

    def reduced(self, final_summary: str | None = None) -> Reduced:
        text = self.result if self.result is not None else final_summary
        return Reduced(text or "", self.chunks, self.levels, list(self.flags))


def map_reduce(
    texts: Sequence[str], language: str, model: ChunkModel, *, overlap: int, max_levels: int
) -> list[Reduced]:
    """Summarise every text, chunking and re-summarising those that do not fit the model."""
    states = map_stage(texts, language, model, overlap=overlap, max_levels=max_levels)
    pending = [state for state in states if state.needs_final_pass]
    finals = iter(model.generate([state.text for state in pending]))
    return [state.reduced(next(finals) if state.needs_final_pass else None) for state in states]


def map_stage(
    texts: Sequence[str], language: str, model: ChunkModel, *, overlap: int, max_levels: int
) -> list[MapState]:
    """Every level but the last: chunk what does not fit, summarise the chunks, join, until all fit.

    A state that fits is left with ``needs_final_pass`` and ``levels`` set to the level of that pass; one
    stopped by the level cap or by summaries that do not shrink carries its joined chunk summaries as
    ``result``. Each level is one batched ``generate`` over the chunks of every text still too long.
    """
    states = [
        MapState(text, tokens) for text, tokens in zip(texts, model.count_tokens(list(texts)), strict=True)
    ]
    level = 0
    while True:
        level += 1
        mapping: list[tuple[MapState, list[str]]] = []
        for state in states:
            if state.result is not None or state.levels:
                continue
            if state.tokens <= model.input_budget:
                state.levels = level
                continue
            pieces = chunk_text(state.text, language, model, overlap=overlap)
            if level == 1:
                state.chunks = len(pieces)
            mapping.append((state, pieces))
        if not mapping:
            return states
        last = level >= max_levels
        outputs = model.generate([piece for _, pieces in mapping for piece in pieces])
        start = 0
        for state, pieces in mapping:
            summaries = outputs[start : start + len(pieces)]
            start += len(pieces)
            joined = join_sentences([summary.strip() for summary in summaries if summary.strip()], language)
            if last:
                state.flags.append(FLAG_LEVEL_CAP)
                state.levels, state.result = level, joined
                continue
            tokens = model.count_tokens([joined])[0]
            if tokens >= state.tokens:
                state.flags.append(FLAG_NOT_SHRINKING)
                state.levels, state.result = level, joined
                continue
            state.text, state.tokens = joined, tokens


def chunk_text(text: str, language: str, model: ChunkModel, *, overlap: int) -> list[str]:
    """Consecutive chunks of whole sentences, each within the model's budget, sharing ``overlap`` sentences.

    Every chunk adds at least one sentence the previous did not have, so the split always ends; the
    overlap is dropped where carrying it would leave no room for the next sentence.
    """
    budget = model.input_budget
    units: list[tuple[str, int]] = []
    found = sentences(text, language) or [text]
    for sentence, tokens in zip(found, model.count_tokens(found), strict=True):
        if tokens <= budget:
            units.append((sentence, tokens))
            continue
        # One "sentence" longer than the model's input (a table, a list, a run-on transcript): windows.
        windows = model.split_tokens(sentence, budget)
        units.extend(zip(windows, model.count_tokens(windows), strict=True))
    chunks: list[list[tuple[str, int]]] = []
    current: list[tuple[str, int]] = []
    for unit in units:
        # +1 per sentence: joining with a space can cost a token that counting sentences alone did not.
        if current and sum(tokens + 1 for _, tokens in current) + unit[1] + 1 > budget:
            chunks.append(current)
            current = current[-overlap:] if overlap else []
            while current and sum(tokens + 1 for _, tokens in current) + unit[1] + 1 > budget:
                current = current[1:]
        current.append(unit)
    if current:
        chunks.append(current)
    return [piece for chunk in chunks for piece in _fit(chunk, language, model)]


def _fit(chunk: list[tuple[str, int]], language: str, model: ChunkModel) -> list[str]:
    """The chunk as text, halved by sentences until the exact count fits (the +1 margin is an estimate)."""
    text = join_sentences([sentence for sentence, _ in chunk], language)
    if len(chunk) == 1 or model.count_tokens([text])[0] <= model.input_budget:
        return [text]
    middle = len(chunk) // 2
    return _fit(chunk[:middle], language, model) + _fit(chunk[middle:], language, model)
