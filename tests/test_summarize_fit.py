"""Short summaries end on a sentence end: compression, a shorter sentence, clause cuts, and their flags."""

from __future__ import annotations

import pytest

from pipelines.config import ModelsConfig
from pipelines.models import ModelCache, ModelResolver
from pipelines.summarize.base import SummaryRequest
from pipelines.summarize.config import SummaryConfig, SummarySpec
from pipelines.summarize.engine import SummaryEngine
from pipelines.summarize.extractive import LeadSummarizer
from pipelines.summarize.fit import (
    ELLIPSIS,
    FLAG_COMPRESSED,
    FLAG_CUT_AT_CLAUSE,
    FLAG_CUT_MID_SENTENCE,
    FLAG_SHORTER_SENTENCE,
    fit_sentence,
)
from pipelines.summarize.guards import FLAG_TRIMMED, check_summary
from pipelines.summarize.text import word_count


def _fit(sentence: str, budget: int, language: str = "en") -> tuple[str, list[str]]:
    fitted = fit_sentence(sentence, budget, language)
    assert word_count(fitted.text) <= budget, fitted
    return fitted.text, fitted.flags


def test_a_sentence_within_budget_is_untouched() -> None:
    assert _fit("The council approved the budget.", 10) == ("The council approved the budget.", [])


@pytest.mark.parametrize(
    ("sentence", "budget", "expected"),
    [
        (
            "PARIS (AFP) — The French parliament adopted the pension reform after a long debate.",
            12,
            "The French parliament adopted the pension reform after a long debate.",
        ),
        (
            "NEW YORK, Nov 3 (Reuters) - Stocks fell sharply as bond yields rose again.",
            10,
            "Stocks fell sharply as bond yields rose again.",
        ),
        (
            "The ferry terminal (closed since the storm in January) reopened to passengers.",
            8,
            "The ferry terminal reopened to passengers.",
        ),
        (
            "The bridge will stay closed until the end of March, officials said on Monday.",
            12,
            "The bridge will stay closed until the end of March.",
        ),
        (
            "According to the police, two men were arrested near the harbour.",
            8,
            "Two men were arrested near the harbour.",
        ),
        (
            "Le pont restera fermé jusqu'à la fin du mois de mars, selon la mairie.",
            12,
            "Le pont restera fermé jusqu'à la fin du mois de mars.",
        ),
        (
            "Die Brücke bleibt bis Ende März gesperrt, sagte ein Sprecher der Stadt.",
            8,
            "Die Brücke bleibt bis Ende März gesperrt.",
        ),
        (
            "The court ordered the company to pay a total of 2 million pounds to former staff.",
            14,
            "The court ordered the company to pay 2 million pounds to former staff.",
        ),
        (
            "The council voted unanimously for the new cycle lanes on Tuesday evening.",
            10,
            "The council voted unanimously for the new cycle lanes.",
        ),
        (
            "The town will ban plastic cups from its beaches, after a campaign led by pupils.",
            10,
            "The town will ban plastic cups from its beaches.",
        ),
        (
            "The tribunal ordered the landlord to pay his tenants after finding he ignored the damp.",
            10,
            "The tribunal ordered the landlord to pay his tenants.",
        ),
    ],
)
def test_compression_keeps_a_whole_sentence(sentence: str, budget: int, expected: str) -> None:
    assert _fit(sentence, budget) == (expected, [FLAG_COMPRESSED])


def test_a_shouted_word_at_the_start_is_not_taken_for_a_dateline() -> None:
    sentence = "EU leaders agreed on a new budget — after a long night of talks — to fund the railways."
    text, flags = _fit(sentence, 15)
    assert text.startswith("EU leaders agreed") and flags == [FLAG_COMPRESSED]
    assert text.endswith(".")


def test_clause_cut_ends_with_an_ellipsis_when_nothing_compresses() -> None:
    sentence = (
        "The new line links the airport, the university campus, the old town and the main station, "
        "and it runs every five minutes from early morning to late at night."
    )
    text, flags = _fit(sentence, 20)
    assert flags == [FLAG_CUT_AT_CLAUSE]
    assert (
        text
        == "The new line links the airport, the university campus, the old town and the main station"
        + ELLIPSIS
    )


def test_cutting_mid_sentence_is_the_last_resort_and_says_so() -> None:
    sentence = (
        "Thousands of residents in the low lying districts along the river were told to leave their homes."
    )
    text, flags = _fit(sentence, 6)
    assert flags == [FLAG_CUT_MID_SENTENCE]
    assert text == "Thousands of residents in the low" + ELLIPSIS


def test_chinese_is_cut_at_a_clause_comma() -> None:
    sentence = "北京市今天举行新闻发布会，介绍冬季空气质量改善的情况和明年的治理计划。"
    text, flags = _fit(sentence, 15, "zh")
    assert (text, flags) == ("北京市今天举行新闻发布会" + ELLIPSIS, [FLAG_CUT_AT_CLAUSE])


def test_budget_words_are_the_words_a_reader_counts() -> None:
    assert word_count("COVID-19 vaccines cost 186,000 pounds for single-use kits") == 8
    assert word_count("L'Inter batte la Juventus") == 4
    assert word_count("北京市") == 3


def test_the_guard_flags_how_the_first_sentence_was_fitted() -> None:
    source = "The bridge will stay closed until the end of March, officials said. Traffic is diverted."
    result = check_summary(source, source * 3, language="en", max_words=11, ngram_size=3, max_repeats=2)
    assert result.text == "The bridge will stay closed until the end of March."
    assert result.flags == [FLAG_TRIMMED, FLAG_COMPRESSED]


LONG_LEAD = (
    "The regional transport authority and the city's three largest employers have agreed on a plan under "
    "which hundreds of night buses linking the industrial estates and the suburbs will run every twenty "
    "minutes throughout the year."
)


def test_lead_prefers_a_shorter_sentence_that_carries_the_story() -> None:
    text = (
        f"{LONG_LEAD} Night buses will link the industrial estates and the suburbs every twenty minutes. "
        "The first buses start in May."
    )
    spec = SummarySpec(method="lead", sentences=1, max_words=20)
    [summary] = LeadSummarizer().summarize([text], spec, "en", kind="short")
    assert (
        summary.text == "Night buses will link the industrial estates and the suburbs every twenty minutes."
    )
    assert summary.flags == [FLAG_SHORTER_SENTENCE]


def test_lead_keeps_its_sentence_when_no_other_carries_the_story() -> None:
    text = f"{LONG_LEAD} The first buses start in May. Tickets cost two pounds."
    spec = SummarySpec(method="lead", sentences=1, max_words=20)
    [summary] = LeadSummarizer().summarize([text], spec, "en", kind="short")
    assert summary.text == LONG_LEAD and summary.flags == []


def test_engine_short_lead_summaries_end_on_a_sentence_end() -> None:
    """Through the engine as a run uses it: every short summary ends with a stop, and says what changed."""
    config = SummaryConfig(
        short=SummarySpec(method="lead", sentences=1, max_words=10),
        long=SummarySpec(method="lead", sentences=3, max_words=140),
    )
    engine = SummaryEngine(config, ModelsConfig(device="cpu"), ModelResolver(timeout_s=1.0), ModelCache())
    texts = {
        "dateline": "PARIS (AFP) — The French parliament adopted the pension reform after a debate. More.",
        "attribution": "The bridge will stay closed until the end of March, officials said on Monday. More.",
        "clause": (
            "The new line links the airport, the university campus, the old town and the main station, "
            "and it runs every five minutes. More."
        ),
    }
    outcomes = engine.summarize([SummaryRequest(key, text, "", "en") for key, text in texts.items()])
    short = {o.key: next(s for s in o.summaries if s.kind == "short") for o in outcomes}
    assert short["dateline"].text == "The French parliament adopted the pension reform after a debate."
    assert FLAG_COMPRESSED in short["dateline"].flags
    assert FLAG_COMPRESSED in short["attribution"].flags and short["attribution"].text.endswith("March.")
    assert FLAG_CUT_AT_CLAUSE in short["clause"].flags and short["clause"].text.endswith(ELLIPSIS)
    for summary in short.values():
        assert FLAG_CUT_MID_SENTENCE not in summary.flags
