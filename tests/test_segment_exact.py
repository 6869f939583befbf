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
