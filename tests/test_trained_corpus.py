"""The synthetic corpus (devtools/synthetic_news.py): repeatable, held out, recognised, segmented."""

from __future__ import annotations

import pytest

from devtools import synthetic_news as corpus
from pipelines.detect import DetectionConfig, detect_language
from pipelines.segment import segment_text


def test_the_same_seed_gives_the_same_article() -> None:
    assert corpus.article("de", 3) == corpus.article("de", 3)
    assert corpus.article("de", 3) != corpus.article("de", 4)


@pytest.mark.parametrize("language", corpus.SOURCE_LANGUAGES)
def test_training_data_holds_no_held_out_sentence(language: str) -> None:
    held_out = {pair.source for item in corpus.articles(language, 20) for pair in item.sentences}
    trained = {pair.source for pair in corpus.training_pairs(language, 3000)}
    trained |= {pair.source for item in corpus.training_articles(language, 200) for pair in item.sentences}
    assert held_out and trained
    assert not held_out & trained


@pytest.mark.parametrize("language", corpus.SOURCE_LANGUAGES)
def test_articles_are_recognised_and_segmented_into_their_sentences(language: str) -> None:
    config = DetectionConfig()
    for item in corpus.articles(language, 15):
        assert detect_language(f"{item.title.source}\n\n{item.source_text}", config).language == language
        assert detect_language(item.title.source, config).language == language
        found = [
            s for _, sentences, _, _ in segment_text(item.source_text, language).paragraphs for s in sentences
        ]
        assert found == [pair.source for pair in item.sentences]
        english = segment_text(item.english_text, "en").paragraphs
        assert [s for _, sentences, _, _ in english for s in sentences] == [
            pair.english for pair in item.sentences
        ]


def test_sentences_are_long_and_reordered() -> None:
    pairs = [pair for item in corpus.articles("es", 10) for pair in item.sentences]
    assert min(len(pair.source.split()) for pair in pairs) >= 8
    german = [pair for item in corpus.articles("de", 30) for pair in item.sentences]
    # Verb-final subordinate clauses: "..., dass X in Y 300 Schulen bauen wird."
    assert any(", dass " in pair.source and pair.source.endswith(" wird.") for pair in german)


def test_lead_is_the_first_sentences_in_english() -> None:
    item = corpus.article("fr", 1)
    assert item.lead(1) == item.sentences[0].english
    assert item.lead(3) == " ".join(pair.english for pair in item.sentences[:3])
