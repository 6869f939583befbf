"""Unit tests of the summary building blocks: guards, extractive methods, map-reduce (no model needed)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import pytest

from pipelines.summarize.config import SummarySpec
from pipelines.summarize.extractive import LeadSummarizer, TextRankSummarizer, rank_sentences
from pipelines.summarize.guards import (
    FLAG_CUT_MID_SENTENCE,
    FLAG_EMPTY,
    FLAG_LONGER_THAN_SOURCE,
    FLAG_REPETITION,
    FLAG_TRIMMED,
    check_summary,
)
from pipelines.summarize.mapreduce import FLAG_LEVEL_CAP, FLAG_NOT_SHRINKING, chunk_text, map_reduce
from pipelines.summarize.text import sentences, word_count, words

SOURCE = (
    "The storm made landfall early on Saturday morning near the harbour town. "
    "Officials ordered residents of low-lying areas to leave their homes, and schools were closed. "
    "By Sunday evening most roads had reopened. "
    "Power had not yet been restored to thousands of households. "
    "Engineers expect to finish repairs by Wednesday."
)


def guard(
    text: str, source: str = SOURCE, max_words: int = 40, language: str = "en"
) -> tuple[str, list[str]]:
    result = check_summary(text, source, language=language, max_words=max_words, ngram_size=3, max_repeats=2)
    return result.text, result.flags


# -- guards: each one flags a crafted bad output -------------------------------------------------------


def test_clean_summary_has_no_flags() -> None:
    assert guard("The storm made landfall on Saturday; roads reopened by Sunday.") == (
        "The storm made landfall on Saturday; roads reopened by Sunday.",
        [],
    )


@pytest.mark.parametrize("bad", ["", "   ", "...", "\n"])
def test_empty_summary_is_flagged(bad: str) -> None:
    assert guard(bad)[1] == [FLAG_EMPTY]


def test_summary_longer_than_its_source_is_flagged() -> None:
    _, flags = guard("A storm hit the town on Saturday and caused damage.", source="Storm hits town.")
    assert FLAG_LONGER_THAN_SOURCE in flags


def test_repeated_ngram_is_flagged() -> None:
    _, flags = guard("The storm hit. The storm hit the town. The storm hit again.")
    assert flags == [FLAG_REPETITION]


def test_over_budget_summary_is_trimmed_on_a_sentence_boundary() -> None:
    text, flags = guard(SOURCE, max_words=25)
    # 12 words fit; the next sentence (19 words) would not, and later ones are not skipped to.
    assert text == "The storm made landfall early on Saturday morning near the harbour town."
    assert flags == [FLAG_TRIMMED]


def test_first_sentence_over_budget_is_cut_at_the_budget_and_flagged() -> None:
    """No compression or clause boundary helps here: the last resort, cut with an ellipsis."""
    text, flags = guard(SOURCE, max_words=6)
    assert flags == [FLAG_TRIMMED, FLAG_CUT_MID_SENTENCE]
    assert text == "The storm made landfall early on…"
    assert word_count(text) == 6


def test_chinese_budget_counts_characters() -> None:
    source = "北京市今天举行新闻发布会，介绍冬季空气质量改善的情况。暴雨导致南方多个城市发生内涝。"
    assert words("北京市") == ["北", "京", "市"]
    text, flags = guard(source, source=source + source, max_words=30, language="zh")
    assert text == "北京市今天举行新闻发布会，介绍冬季空气质量改善的情况。"
    assert flags == [FLAG_TRIMMED]


# -- extractive -----------------------------------------------------------------------------------------


def test_lead_takes_the_first_sentences() -> None:
    spec = SummarySpec(method="lead", sentences=2)
    (summary,) = LeadSummarizer().summarize([SOURCE], spec, "en", kind="short")
    assert summary.text == " ".join(sentences(SOURCE, "en")[:2])
    assert (summary.kind, summary.method, summary.model) == ("short", "lead", None)


def test_textrank_keeps_document_order_and_prefers_central_sentences() -> None:
    candidates = [
        "Unrelated opening remark about weather.",
        "The council approved the library budget.",
        "The library budget grows by a million.",
        "Critics said the library budget was too small.",
        "Tickets cost five pounds.",
    ]
    assert rank_sentences(candidates, 2) == [candidates[1], candidates[2]]
    chosen = rank_sentences(candidates, 3)
    assert chosen == sorted(chosen, key=candidates.index)
    assert "Tickets cost five pounds." not in chosen


def test_textrank_works_without_spaces_and_without_shared_words() -> None:
    text = "北京市今天举行新闻发布会。暴雨导致南方多个城市发生内涝。这家科技公司宣布将在明年推出新芯片。"
    spec = SummarySpec(method="textrank", sentences=2)
    (summary,) = TextRankSummarizer().summarize([text], spec, "zh")
    assert summary.text and summary.method == "textrank"
    # No edges at all: ties go to the lead.
    assert rank_sentences(["Alpha one.", "Beta two.", "Gamma three."], 2) == ["Alpha one.", "Beta two."]


# -- map-reduce with a word-level fake model --------------------------------------------------------------


class WordModel:
    """Tokens are words; the 'summary' of a text is its first ``keep`` words (or all of them, repeated)."""

    def __init__(self, budget: int, keep: int, grow: bool = False) -> None:
        self.budget = budget
        self.keep = keep
        self.grow = grow
        self.calls: list[list[str]] = []

    @property
    def input_budget(self) -> int:
        return self.budget

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(text.split()) for text in texts]

    def split_tokens(self, text: str, budget: int) -> list[str]:
        tokens = text.split()
        return [" ".join(tokens[i : i + budget]) for i in range(0, len(tokens), budget)]

    def generate(self, texts: Sequence[str]) -> list[str]:
        self.calls.append(list(texts))
        for text in texts:
            assert len(text.split()) <= self.budget, "an input longer than the model's limit was sent"
        if self.grow:
            return [text + " more." for text in texts]
        return [" ".join(text.split()[: self.keep]).rstrip(".") + "." for text in texts]


def numbered_text(count: int) -> str:
    return " ".join(f"Sentence number {i} says something new." for i in range(count))


def test_chunks_cover_every_sentence_with_overlap_and_fit() -> None:
    model = WordModel(budget=30, keep=3)
    chunks = chunk_text(numbered_text(20), "en", model, overlap=1)
    assert len(chunks) > 1
    assert all(len(chunk.split()) <= 30 for chunk in chunks)
    for i in range(20):
        assert any(f"number {i} " in chunk for chunk in chunks)
    for before, after in itertools.pairwise(chunks):
        assert sentences(before, "en")[-1] == sentences(after, "en")[0]


def test_a_sentence_longer_than_the_model_input_is_windowed_not_cut() -> None:
    model = WordModel(budget=10, keep=3)
    run_on = " ".join(f"w{i}" for i in range(35)) + "."
    chunks = chunk_text(run_on, "en", model, overlap=1)
    assert " ".join(chunks).split() == run_on.split()


def test_map_reduce_batches_levels_and_records_chunks() -> None:
    model = WordModel(budget=40, keep=4)
    short, long = map_reduce(["A short text.", numbered_text(200)], "en", model, overlap=1, max_levels=6)
    assert (short.chunks, short.levels, short.flags) == (1, 1, [])
    assert long.chunks > 1 and long.levels >= 3 and long.flags == []
    assert len(long.text.split()) <= 4
    # Each map level is one call over every chunk of the texts still too long; the final passes of all
    # texts are one last call.
    assert len(model.calls[0]) == long.chunks
    assert len(model.calls[-1]) == 2
    assert len(model.calls) == long.levels


def test_map_reduce_stops_when_summaries_do_not_shrink() -> None:
    model = WordModel(budget=40, keep=4, grow=True)
    (result,) = map_reduce([numbered_text(50)], "en", model, overlap=1, max_levels=6)
    assert result.flags == [FLAG_NOT_SHRINKING]
    assert result.levels == 1


def test_map_reduce_level_cap_is_recorded() -> None:
    model = WordModel(budget=40, keep=12)
    (result,) = map_reduce([numbered_text(300)], "en", model, overlap=1, max_levels=2)
    assert result.flags == [FLAG_LEVEL_CAP]
    assert result.levels == 2
