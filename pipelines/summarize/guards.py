"""Checks every summary passes through before it is recorded.

A summary that is empty, longer than its source, or repetitive (:mod:`pipelines.repetition`) is kept but
flagged, so a reader (or the digest renderer) can decide; the word budget is enforced, not just flagged,
because a newsletter layout breaks on an over-long teaser. Last, the faithfulness guards
(:mod:`pipelines.faithfulness`) check the text as recorded: a number, date or capitalised name that the
summarised text lacks is flagged ``unsupported-number`` / ``unsupported-name`` (the engine may then
replace the summary, see ``summary.on_unfaithful``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.faithfulness import (
    FLAG_UNSUPPORTED_NAME,
    FLAG_UNSUPPORTED_NUMBER,
    unsupported_names,
    unsupported_numbers,
)
from pipelines.repetition import FLAG_REPETITION, is_repetitive
from pipelines.summarize.fit import FLAG_CUT_MID_SENTENCE as FLAG_CUT_MID_SENTENCE
from pipelines.summarize.fit import fit_sentence
from pipelines.summarize.text import join_sentences, sentences, word_count, words

FLAG_EMPTY = "empty"
FLAG_LONGER_THAN_SOURCE = "longer-than-source"
FLAG_TRIMMED = "trimmed-to-budget"


@dataclass(frozen=True)
class GuardResult:
    text: str
    flags: list[str] = field(default_factory=list)


def trim_to_budget(text: str, max_words: int, language: str) -> GuardResult:
    """Whole sentences while they fit ``max_words``; a first sentence over budget is fitted to it.

    Trimming whole sentences is flagged ``trimmed-to-budget``; a first sentence over budget is shortened
    by :func:`~pipelines.summarize.fit.fit_sentence` (compressed, cut at a clause, or as a last resort
    mid-sentence), which adds its own flag.
    """
    if word_count(text) <= max_words:
        return GuardResult(text)
    kept: list[str] = []
    used = 0
    for sentence in sentences(text, language):
        count = word_count(sentence)
        if used + count > max_words:
            break
        kept.append(sentence)
        used += count
    if kept:
        return GuardResult(join_sentences(kept, language), [FLAG_TRIMMED])
    first = next(iter(sentences(text, language)), text.strip())
    fitted = fit_sentence(first, max_words, language)
    return GuardResult(fitted.text, [FLAG_TRIMMED, *fitted.flags])


def check_summary(
    text: str,
    source: str,
    *,
    language: str,
    max_words: int,
    ngram_size: int,
    max_repeats: int,
) -> GuardResult:
    """Apply every guard to one summary of ``source``; returns the (possibly trimmed) text and its flags."""
    text = text.strip()
    if not text or not words(text):
        return GuardResult(text, [FLAG_EMPTY])
    flags: list[str] = []
    if word_count(text) > word_count(source):
        flags.append(FLAG_LONGER_THAN_SOURCE)
    if is_repetitive(text, ngram_size=ngram_size, max_repeats=max_repeats):
        flags.append(FLAG_REPETITION)
    trimmed = trim_to_budget(text, max_words, language)
    return GuardResult(
        trimmed.text, flags + trimmed.flags + faithfulness_flags(trimmed.text, source, language)
    )


def faithfulness_flags(summary: str, source: str, language: str) -> list[str]:
    """``unsupported-number`` and/or ``unsupported-name`` when ``summary`` has numbers or capitalised
    names that ``source`` (the text it summarises, in the same language) lacks."""
    flags: list[str] = []
    if unsupported_numbers(summary, source, output_language=language):
        flags.append(FLAG_UNSUPPORTED_NUMBER)
    if unsupported_names(summary, source, language):
        flags.append(FLAG_UNSUPPORTED_NAME)
    return flags
