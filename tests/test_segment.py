"""Segmentation: paragraphs, sentences in six scripts, over-long sentences, reassembly, no lost text."""

from __future__ import annotations

import random

import pytest

from pipelines.segment import (
    regex_sentences,
    segment_text,
    split_long,
    split_paragraphs,
    split_sentences,
)


def _content(text: str) -> str:
    return "".join(text.split())


def _words(text: str) -> int:
    return len(text.split())


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        (
            "en",
            "Dr. Smith went to Washington. He arrived at 5 p.m. on Monday! Was it late?",
            ["Dr. Smith went to Washington.", "He arrived at 5 p.m. on Monday!", "Was it late?"],
        ),
        (
            "ru",
            "Правительство объявило о новых мерах. В Москве прошёл фестиваль! Что дальше?",
            ["Правительство объявило о новых мерах.", "В Москве прошёл фестиваль!", "Что дальше?"],
        ),
        (
            "uk",  # not known to pysbd: the regex fallback
            "Уряд ухвалив рішення. У Києві відкрили нову станцію метро.",
            ["Уряд ухвалив рішення.", "У Києві відкрили нову станцію метро."],
        ),
        (
            "ar",
            "هل أنت هنا؟ نعم أنا هنا. شكرا",
            ["هل أنت هنا؟", "نعم أنا هنا.", "شكرا"],
        ),
        (
            "zh",
            "今天天气很好。我们去公园吧！你去吗？好的",
            ["今天天气很好。", "我们去公园吧！", "你去吗？", "好的"],
        ),
        (
            "ko",  # not known to pysbd; CJK punctuation without spaces
            "오늘 날씨가 좋다。공원에 가자！",
            ["오늘 날씨가 좋다。", "공원에 가자！"],
        ),
        (
            "hi",
            "सरकार ने घोषणा की है। भारी बारिश हुई। ठीक",
            ["सरकार ने घोषणा की है।", "भारी बारिश हुई।", "ठीक"],
        ),
        (
            "el",
            "Τι κάνεις; Καλά. Εσύ;",
            ["Τι κάνεις;", "Καλά.", "Εσύ;"],
        ),
    ],
)
def test_sentences_in_many_scripts(language: str, text: str, expected: list[str]) -> None:
    assert split_sentences(text, language) == expected


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        (
            "tr",
            "Hükümet yeni bir plan açıkladı. Yarın başlıyor!",
            ["Hükümet yeni bir plan açıkladı.", "Yarın başlıyor!"],
        ),
        ("ur", "کیا آپ یہاں ہیں؟ جی ہاں۔ شکریہ", ["کیا آپ یہاں ہیں؟", "جی ہاں۔", "شکریہ"]),
        ("ne", "सरकारले घोषणा गर्यो। ठीक छ", ["सरकारले घोषणा गर्यो।", "ठीक छ"]),
        ("el", "Τι κάνεις; Καλά.", ["Τι κάνεις;", "Καλά."]),
        ("en", "Costs rose; wages did not. Really.", ["Costs rose; wages did not.", "Really."]),
        ("ja", "東京は晴れ。「本当？」と聞いた。", ["東京は晴れ。", "「本当？」と聞いた。"]),
    ],
)
def test_regex_fallback(language: str, text: str, expected: list[str]) -> None:
    assert regex_sentences(text, language) == expected


def test_paragraphs_keep_their_exact_breaks() -> None:
    text = "\n  First para.\n\n\nSecond para.  \r\n  Third.\n"
    paragraphs = split_paragraphs(text)
    assert "".join(p.text + p.separator for p in paragraphs) == text
    assert [p.text.strip() for p in paragraphs] == ["", "First para.", "Second para.", "Third."]


def test_reassembly_keeps_paragraph_breaks_and_blank_segments() -> None:
    text = "  \n\nUne phrase. Une autre.\n\n   \n\nFin.\n"
    segmented = segment_text(text, "fr")
    assert segmented.sentences == ["Une phrase.", "Une autre.", "Fin."]
    assert segmented.reassemble(["One.", "Two.", "End."], "en") == "  \n\nOne. Two.\n\n   \n\nEnd.\n"
    assert segmented.reassemble(["一。", "二。", "完。"], "zh") == "  \n\n一。二。\n\n   \n\n完。\n"
    with pytest.raises(ValueError, match="2 translations for 3"):
        segmented.reassemble(["a", "b"], "en")


@pytest.mark.parametrize("text", ["", "   ", "\n\n", " \t\n "])
def test_empty_and_whitespace_pass_through(text: str) -> None:
    segmented = segment_text(text, "en")
    assert segmented.sentences == []
    assert segmented.reassemble([], "en") == text


def test_long_sentence_split_on_clauses_then_words() -> None:
    sentence = "alpha beta gamma, delta epsilon zeta; eta theta iota kappa lambda mu nu xi omicron pi rho."
    pieces = split_long(sentence, 5, _words)
    assert all(_words(piece) <= 5 for piece in pieces)
    assert pieces[:2] == ["alpha beta gamma,", "delta epsilon zeta;"]
    assert " ".join(pieces) == sentence


def test_long_unspaced_text_split_by_characters() -> None:
    sentence = "国家统计局周二公布的数据显示今年第三季度经济增长速度有所放缓" * 10
    pieces = split_long(sentence, 20, len)
    assert all(len(piece) <= 20 for piece in pieces)
    assert "".join(pieces) == sentence


def test_short_sentence_untouched() -> None:
    assert split_long("Short one.", 10, _words) == ["Short one."]
    with pytest.raises(ValueError):
        split_long("x", 0, _words)


def test_no_text_lost_on_messy_input() -> None:
    rng = random.Random(7)
    alphabet = [*list("abc xyz.!?。؟।;,\n\"'») "), "Dr.", "e.g.", "...", "Ω", "ж"]
    for _ in range(200):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 120)))
        for language in ("en", "el", "zh", "tr", "ar"):
            segmented = segment_text(text, language)
            assert _content("".join(segmented.sentences)) == _content(text)


def test_long_paragraph_is_windowed_and_complete() -> None:
    paragraph = " ".join(f"Sentence number {i} says something." for i in range(2000))
    sentences = split_sentences(paragraph, "en")
    assert len(sentences) == 2000
    assert sentences[1234] == "Sentence number 1234 says something."
