"""Exact cuts and reassembly: a piece too long overflows the model, a piece cut too small costs
translation quality, and a translation put back in the wrong paragraph corrupts the article."""

from __future__ import annotations

import pytest

from pipelines.segment import segment_text, split_long, split_sentences


def words(text: str) -> int:
    return len(text.split())


def two_per_character(text: str) -> int:
    return 2 * len(text)


def test_clauses_and_words_are_packed_up_to_the_budget_exactly() -> None:
    assert split_long("a b c d e f", 3, words) == ["a b c", "d e f"]
    assert split_long("a b c d e f g", 3, words) == ["a b c", "d e f", "g"]
    assert split_long("one two, three four, five", 4, words) == ["one two, three four,", "five"]
    assert split_long("a b", 1, words) == ["a", "b"]  # a budget of one token is allowed


def test_an_unspaced_run_is_halved_until_each_half_fits() -> None:
    assert split_long("abcdefghij", 4, len) == ["ab", "cde", "fg", "hij"]
    assert split_long("abcd", 2, len) == ["ab", "cd"]
    # A single character over the budget cannot be cut further and is kept, never lost.
    assert split_long("ab", 1, two_per_character) == ["a", "b"]
    assert split_long("abc", 1, two_per_character) == ["a", "b", "c"]


@pytest.mark.parametrize("budget", [0, -3])
def test_a_budget_below_one_token_is_refused(budget: int) -> None:
    with pytest.raises(ValueError, match=rf"^max_tokens must be >= 1, got {budget}$"):
        split_long("a b", budget, words)


def test_regional_language_codes_use_the_base_language_splitter() -> None:
    text = "Mr. Smith arrived. He sat down."
    expected = ["Mr. Smith arrived.", "He sat down."]  # pysbd knows "Mr."; the regex splitter does not
    assert split_sentences(text, "en") == expected
    assert split_sentences(text, "en-US") == expected
    assert split_sentences(text, "EN-gb") == expected


def test_a_long_paragraph_is_split_exactly_as_a_short_one() -> None:
    sentences = [f"Mr. Brown number {i} met Dr. Green at {i} p.m. on the quay." for i in range(200)]
    paragraph = " ".join(sentences)
    assert len(paragraph) > 3 * 3_000  # several windows of pysbd input
    assert split_sentences(paragraph, "en") == sentences


def test_translations_go_back_to_their_paragraphs() -> None:
    text = "  A one. A two.\n\nB one.\n \n\nC one. C two. C three.  \n"
    segmented = segment_text(text, "en")
    assert segmented.sentences == ["A one.", "A two.", "B one.", "C one.", "C two.", "C three."]
    translated = [f"<{sentence.lower()}>" for sentence in segmented.sentences]
    assert segmented.reassemble(translated, "fr") == (
        "  <a one.> <a two.>\n\n<b one.>\n \n\n<c one.> <c two.> <c three.>  \n"
    )
    with pytest.raises(ValueError, match="got 5 translations for 6 sentences"):
        segmented.reassemble(translated[:5], "fr")


@pytest.mark.parametrize("target", ["zh", "zh-TW", "ja-JP", "th"])
def test_unspaced_targets_join_sentences_without_spaces(target: str) -> None:
    segmented = segment_text("One. Two.\n\nThree.", "en")
    assert segmented.reassemble(["一。", "二。", "三。"], target) == "一。二。\n\n三。"
    assert segmented.reassemble(["Un.", "Deux.", "Trois."], "fr-CA") == "Un. Deux.\n\nTrois."


class _LosingSegmenter:
    """A pysbd stand-in whose output drops the second half of its input."""

    def segment(self, text: str) -> list[str]:
        return [text[: len(text) // 2]]


class _PaddingSegmenter:
    """A pysbd stand-in that keeps every character but pads its pieces and adds empty ones."""

    def segment(self, text: str) -> list[str]:
        return ["  Mr. Smith arrived. ", "", " \n", "He sat down.  "]


def test_a_sentence_splitter_that_loses_text_is_replaced_by_the_regex_splitter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("pipelines.segment._pysbd_segmenter", lambda language: _LosingSegmenter())
    # The regex splitter cuts after "Mr." (a worse split) but keeps every word.
    assert split_sentences("Mr. Smith arrived. He sat down.", "en") == [
        "Mr.",
        "Smith arrived.",
        "He sat down.",
    ]


def test_pieces_are_stripped_and_empty_pieces_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pipelines.segment._pysbd_segmenter", lambda language: _PaddingSegmenter())
    assert split_sentences("Mr. Smith arrived. He sat down.", "en") == ["Mr. Smith arrived.", "He sat down."]


def test_a_sentence_longer_than_a_window_is_kept_whole_between_its_neighbours() -> None:
    """A window whose last sentence is window-sized is not carried into the next: nothing is added to it."""
    long_sentence = " ".join(f"word{i}" for i in range(600)) + "."
    assert len(long_sentence) > 3_000
    paragraph = f"First sentence here. {long_sentence} Last sentence here."
    assert split_sentences(paragraph, "en") == ["First sentence here.", long_sentence, "Last sentence here."]
