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


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        # The regex splitter cuts after "Mr." (a worse split) but keeps every word.
        ("en", "Mr. Smith arrived. He sat down.", ["Mr.", "Smith arrived.", "He sat down."]),
        # ... and it is told the language: ';' ends a Greek question.
        ("el", "Τι κάνεις; Καλά.", ["Τι κάνεις;", "Καλά."]),
    ],
)
def test_a_sentence_splitter_that_loses_text_is_replaced_by_the_regex_splitter(
    monkeypatch: pytest.MonkeyPatch, language: str, text: str, expected: list[str]
) -> None:
    monkeypatch.setattr("pipelines.segment._pysbd_segmenter", lambda language: _LosingSegmenter())
    assert split_sentences(text, language) == expected


def test_pieces_are_stripped_and_empty_pieces_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pipelines.segment._pysbd_segmenter", lambda language: _PaddingSegmenter())
    assert split_sentences("Mr. Smith arrived. He sat down.", "en") == ["Mr. Smith arrived.", "He sat down."]


def test_a_sentence_longer_than_a_window_is_kept_whole_between_its_neighbours() -> None:
    """A window whose last sentence is window-sized is not carried into the next: nothing is added to it."""
    long_sentence = " ".join(f"word{i}" for i in range(600)) + "."
    assert len(long_sentence) > 3_000
    paragraph = f"First sentence here. {long_sentence} Last sentence here."
    assert split_sentences(paragraph, "en") == ["First sentence here.", long_sentence, "Last sentence here."]


def test_pysbd_gets_the_text_uncleaned() -> None:
    """pysbd's cleaner rewrites its input (here: a space after "1.") and then cuts "Item" from its number."""
    assert split_sentences("Item 1.Then item 2. Ok.", "en") == ["Item 1.Then item 2.", "Ok."]


def test_a_sentence_exactly_at_the_budget_is_kept_whole() -> None:
    """Even when its clauses, joined again with spaces, would count more: "one,two" is one word."""
    assert split_long("one,two", 1, words) == ["one,two"]


def sentence(word: str, length: int, end: str = ".") -> str:
    """A sentence of exactly ``length`` characters: ``word``, lower-case filler, ``zz`` and ``end`` (so
    that it never ends in what looks like an abbreviation)."""
    text = f"{word} " + "lorem " * (length // 6 + 1)
    return text[: length - 3].rstrip().ljust(length - 3, "z") + "zz" + end


class _RecordingSegmenter:
    """The real pysbd segmenter, remembering every text it is given."""

    def __init__(self, language: str) -> None:
        import pysbd

        self.inner = pysbd.Segmenter(language=language, clean=False)
        self.inputs: list[str] = []

    def segment(self, text: str) -> list[str]:
        self.inputs.append(text)
        return list(self.inner.segment(text))


@pytest.mark.parametrize(("language", "word", "end"), [("en", "Alpha", "."), ("el", "Γάτα", ";")])
def test_pysbd_reads_a_long_paragraph_in_windows_of_3000_characters(
    monkeypatch: pytest.MonkeyPatch, language: str, word: str, end: str
) -> None:
    """pysbd is superlinear in its input: a long paragraph reaches it in windows of at most 3,000
    characters (sentences are added while the window and the next sentence hold 3,000 together), each
    after the last sentence of the window before, which is segmented again with it."""
    recorder = _RecordingSegmenter(language)
    monkeypatch.setattr("pipelines.segment._pysbd_segmenter", lambda language: recorder)
    a, b, c, d = (sentence(f"{word}{n}", 1_500, end) for n in range(4))
    assert len(a) == len(b) == 1_500
    assert split_sentences(f"{a} {b} {c} {d}", language) == [a, b, c, d]
    assert recorder.inputs == [f"{a} {b}", f"{b} {c} {d}"]


def test_a_window_sized_last_sentence_is_not_segmented_again(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = _RecordingSegmenter("en")
    monkeypatch.setattr("pipelines.segment._pysbd_segmenter", lambda language: recorder)
    whole_window, last = sentence("Alpha", 3_000), "Then it ended."
    assert len(whole_window) == 3_000
    assert split_sentences(f"{whole_window} {last}", "en") == [whole_window, last]
    assert recorder.inputs == [whole_window, last]
