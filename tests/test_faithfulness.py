"""Faithfulness guards: number/date/name extraction, and the flags through both engines and a real run."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.config import Config, load_config
from pipelines.errors import ConfigError
from pipelines.faithfulness import (
    FLAG_UNSUPPORTED_NAME,
    FLAG_UNSUPPORTED_NUMBER,
    month_mentions,
    parse_number,
    unsupported_names,
    unsupported_numbers,
)
from pipelines.models import ModelCache, ModelResolver
from pipelines.models.config import ModelsConfig
from pipelines.records import ModelRef, Summary
from pipelines.runner import run
from pipelines.services import build_services
from pipelines.summarize.base import SummaryRequest
from pipelines.summarize.config import SummaryConfig, SummaryKind, SummarySpec
from pipelines.summarize.engine import SummaryEngine
from pipelines.summarize.guards import check_summary
from pipelines.translate import backends
from pipelines.translate.base import GenerationSettings, TranslationRequest
from pipelines.translate.config import TranslationConfig
from pipelines.translate.engine import TranslationEngine


@pytest.mark.parametrize(
    ("text", "language", "value"),
    [
        ("1.000,5", "de", "1000.5"),
        ("1,000.5", "en", "1000.5"),
        ("1000.5", "en", "1000.5"),
        ("1 000,5", "fr", "1000.5"),
        ("1\u202f000,5", "fr", "1000.5"),
        ("1\u00a0000\u00a0000", "fr", "1000000"),
        ("1'000.5", "de", "1000.5"),
        ("1,000", "en", "1000"),  # ambiguous: by the language's convention
        ("1.000", "en", "1"),
        ("1.000", "de", "1000"),
        ("1,000", "fr", "1"),
        ("3,5", "en", "3.5"),  # one separator, not three digits: always a decimal mark
        ("0,500", "de", "0.5"),  # a leading 0 is never a thousands group
        ("5 millones", "es", "5000000"),
        ("3 mil millones", "es", "3000000000"),
        ("2 billion", "en", "2000000000"),
        ("2 Billionen", "de", "2000000000000"),
        ("2bn", "en", "2000000000"),
        ("٣٫٥", "ar", "3.5"),
    ],
)
def test_parse_number_reads_every_locale(text: str, language: str, value: str) -> None:
    assert parse_number(text, language) == Decimal(value)


def test_parse_number_refuses_what_is_not_one_number() -> None:
    with pytest.raises(ValueError, match="not one number"):
        parse_number("12 people")


def _unsupported(output: str, source: str, source_language: str = "en") -> list[str]:
    return unsupported_numbers(output, source, output_language="en", source_language=source_language)


@pytest.mark.parametrize(
    ("source", "language", "translation"),
    [
        ("Es kamen 1.500 Menschen, 5 % mehr.", "de", "1,500 people came, 5% more."),
        ("Il y avait 1 500 personnes.", "fr", "There were 1500 people."),
        ("Le coût : 3,5 millions d'euros.", "fr", "The cost: 3.5 million euros, or €3,500,000."),
        ("Tres personas resultaron heridas.", "es", "3 people were injured."),
        ("Am 4. Dezember 2026 um 12.30 Uhr.", "de", "On December 4, 2026 at 12:30."),
        ("El 4 de diciembre de 2026.", "es", "On 4 December 2026."),
        ("Am 04.12.2026 begann es.", "de", "It began on 4 December 2026."),
        ("Es kamen 1.000 Menschen.", "de", "1.000 people came."),  # the source's format copied
        ("It cost $12,000.", "en", "It cost 12 000 dollars."),
    ],
)
def test_faithful_renderings_are_supported(source: str, language: str, translation: str) -> None:
    assert _unsupported(translation, source, language) == []


@pytest.mark.parametrize(
    ("source", "language", "translation", "missing"),
    [
        ("Es kamen 1.500 Menschen.", "de", "1,600 people came.", ["1,600"]),
        ("Le coût : 3,5 millions d'euros.", "fr", "The cost: 4.5 million euros.", ["4.5"]),
        ("Tres personas resultaron heridas.", "es", "4 people were injured.", ["4"]),
        ("Am 4. Dezember 2026.", "de", "On 4 November 2026.", ["November"]),
        ("Am 4. Dezember 2026.", "de", "On 4 December 2027.", ["2027"]),
        ("Am 25.12.2026.", "de", "On 26 December 2026.", ["26"]),
    ],
)
def test_an_altered_number_or_date_is_reported(
    source: str, language: str, translation: str, missing: list[str]
) -> None:
    assert _unsupported(translation, source, language) == missing


def test_months_are_dates_only_next_to_a_number_and_capitalised_in_english() -> None:
    assert month_mentions("On 4 December and May 2026; the vote may 4 pass.", "en") == [
        ("December", 12),
        ("May", 5),
    ]
    assert month_mentions("el 4 de diciembre", "es") == [("diciembre", 12)]


def _german(value: Decimal) -> str:
    whole, _, fraction = f"{value:.2f}".partition(".")
    return f"{int(whole):,}".replace(",", ".") + "," + fraction


def _english(value: Decimal) -> str:
    return f"{value:,.2f}"


def _french(value: Decimal) -> str:
    whole, _, fraction = f"{value:.2f}".partition(".")
    return f"{int(whole):,}".replace(",", "\u202f") + "," + fraction


amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@given(amounts)
def test_one_amount_in_three_locales_reads_as_one_value(value: Decimal) -> None:
    assert parse_number(_german(value), "de") == value
    assert parse_number(_english(value), "en") == value
    assert parse_number(_french(value), "fr") == value


@given(amounts)
def test_a_translated_amount_is_supported_and_a_changed_one_is_not(value: Decimal) -> None:
    source = f"Der Betrag lag bei {_german(value)} Euro."
    assert _unsupported(f"The amount was {_english(value)} euros.", source, "de") == []
    assert _unsupported(f"The amount was {_english(value + 1)} euros.", source, "de") != []


SOURCE = (
    "Officials in Lyon said on Tuesday that 12 people were injured. "
    "The mayor, Grégory Doucet, visited the site with the prefect."
)


@pytest.mark.parametrize(
    ("summary", "missing"),
    [
        ("Officials in Lyon said 12 people were injured.", []),
        ("The mayor Grégory Doucet visited Lyon.", []),  # "The" opens a sentence: a function word
        ('He said: "The site is safe."', []),  # after a colon and a quote, "The" opens a sentence
        ("Officials in Paris said 12 people were injured.", ["Paris"]),
        ("Macron visited the site.", ["Macron"]),  # sentence-initial, absent from the source
        # The documented limit: a new content word opening a sentence reads as a name.
        ("Authorities said 12 people were injured.", ["Authorities"]),
    ],
)
def test_capitalised_names_must_be_in_the_source(summary: str, missing: list[str]) -> None:
    assert unsupported_names(summary, SOURCE, "en") == missing


def test_german_nouns_are_not_names_but_acronyms_are() -> None:
    source = "Der Stadtrat hat am Dienstag die neue Straßenbahn beschlossen."
    assert unsupported_names("Die Stadt baut eine Bahn.", source, "de") == []
    assert unsupported_names("Die EU baut eine Bahn.", source, "de") == ["EU"]


def test_check_summary_adds_the_faithfulness_flags_after_the_other_guards() -> None:
    settings: dict[str, Any] = {"language": "en", "max_words": 40, "ngram_size": 3, "max_repeats": 2}
    assert check_summary("Officials in Lyon said 12 people were injured.", SOURCE, **settings).flags == []
    flags = check_summary("Officials in Paris said 13 people were injured.", SOURCE, **settings).flags
    assert flags == [FLAG_UNSUPPORTED_NUMBER, FLAG_UNSUPPORTED_NAME]


# --- the translation engine, with a stand-in backend ---------------------------------------------------

FRENCH = (
    "Le 4 décembre 2026, 1 500 personnes ont manifesté à Lyon. "
    "Les dégâts sont estimés à 3,5 millions d'euros. "
    "Selon la police, 12 personnes ont été blessées."
)
ENGLISH = {
    "Le 4 décembre 2026, 1 500 personnes ont manifesté à Lyon.": "On 4 December 2026, 1,500 people "
    "demonstrated in Lyon.",
    "Les dégâts sont estimés à 3,5 millions d'euros.": "The damage is estimated at 3.5 million euros.",
    "Selon la police, 12 personnes ont été blessées.": "According to the police, 12 people were injured.",
    "Manifestation à Lyon": "Demonstration in Lyon",
}


class StandInTranslator:
    """Translates the sentences above by table; with ``alter``, writes 13 for the 12 of one sentence."""

    backend = "transformers"
    max_source_tokens = 510

    def __init__(self, alter: bool) -> None:
        self.alter = alter

    def count_tokens(self, segments: Sequence[str]) -> list[int]:
        return [len(segment.split()) + 1 for segment in segments]

    def translate_segments(self, segments: Sequence[str], **_: Any) -> list[str]:
        outputs = [ENGLISH.get(segment, segment) for segment in segments]
        if self.alter:
            outputs = [output.replace("12 people", "13 people") for output in outputs]
        return outputs


def stand_in_translation(monkeypatch: pytest.MonkeyPatch, *, alter: bool) -> None:
    """The translation backend registry's ``transformers`` entry answers with :class:`StandInTranslator`."""

    def load(path: Path, settings: GenerationSettings, **_: Any) -> tuple[StandInTranslator, int]:
        return StandInTranslator(alter), 1000

    monkeypatch.setitem(backends._LOADERS, "transformers", load)


def fake_model(tmp_path: Path) -> str:
    directory = tmp_path / "stand-in-model"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text("{}")
    (directory / "model.safetensors").write_bytes(b"weights")
    return str(directory)


@pytest.mark.parametrize(("alter", "flagged"), [(False, False), (True, True)])
def test_the_translation_engine_flags_an_altered_number(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, alter: bool, flagged: bool
) -> None:
    stand_in_translation(monkeypatch, alter=alter)
    engine = TranslationEngine(
        TranslationConfig.model_validate(
            {"models": {"fr-en": fake_model(tmp_path)}, "backend": "transformers"}
        ),
        ModelsConfig(cache_dir=tmp_path / "cache", threads=1),
        ModelResolver(),
        ModelCache(),
    )
    request = TranslationRequest("a", FRENCH, "Manifestation à Lyon", "fr", "en")
    (outcome,) = engine.translate([request])
    assert outcome.translation is not None, outcome.error
    assert ("13 people" in outcome.translation.text) is alter
    assert (FLAG_UNSUPPORTED_NUMBER in outcome.translation.flags) is flagged


# --- the summary engine, with a stand-in summarizer ----------------------------------------------------

ARTICLE = (
    "Officials in Lyon said on Tuesday that 12 people were injured in the demonstration. "
    "The mayor, Grégory Doucet, visited the site with the prefect. "
    "The damage is estimated at 3.5 million euros."
)


class StandInSummarizer:
    """A "seq2seq" summarizer that writes the first sentence, with one change: ``number`` adds 1 to its
    first number, ``name`` writes Paris for Lyon, ``none`` nothing."""

    method = "seq2seq"

    def __init__(self, change: str) -> None:
        self.change = change

    def summarize(
        self, texts: Sequence[str], spec: SummarySpec, language: str, *, kind: SummaryKind = "long"
    ) -> list[Summary]:
        summaries = []
        for text in texts:
            first = re.split(r"(?<=\.) ", text)[0]
            if self.change == "number":
                first = re.sub(r"\d+", lambda number: str(int(number.group()) + 1), first, count=1)
            elif self.change == "name":
                first = first.replace("Lyon", "Paris")
            model = ModelRef(role=f"summary:{kind}", source="stand-in", backend="transformers")
            summaries.append(
                Summary(kind=kind, language=language, text=first, method=self.method, model=model)
            )
        return summaries


def stand_in_summaries(monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    """Every seq2seq spec is served by :class:`StandInSummarizer` instead of a loaded model."""
    original = SummaryEngine._summarizer_for

    def summarizer_for(self: SummaryEngine, spec: SummarySpec, deadline: Any = None) -> Any:
        return StandInSummarizer(change) if spec.method == "seq2seq" else original(self, spec, deadline)

    monkeypatch.setattr(SummaryEngine, "_summarizer_for", summarizer_for)


def summary_engine(**settings: Any) -> SummaryEngine:
    spec = {"model": "stand-in", "min_length": 2, "max_length": 40, "max_words": 40, "sentences": 1}
    config = SummaryConfig.model_validate({"short": spec, "long": spec, **settings})
    return SummaryEngine(config, ModelsConfig(device="cpu", threads=1), ModelResolver(), ModelCache())


@pytest.mark.parametrize(
    ("change", "flag"), [("none", None), ("number", FLAG_UNSUPPORTED_NUMBER), ("name", FLAG_UNSUPPORTED_NAME)]
)
def test_flag_mode_keeps_the_summary_and_flags_it(
    monkeypatch: pytest.MonkeyPatch, change: str, flag: str | None
) -> None:
    stand_in_summaries(monkeypatch, change)
    (outcome,) = summary_engine().summarize([SummaryRequest("a", ARTICLE, "", "en")])
    assert outcome.error is None and len(outcome.summaries) == 2
    for summary in outcome.summaries:
        assert summary.method == "seq2seq"
        assert summary.flags == ([flag] if flag else [])
        assert summary.fallback_reason is None


def test_fallback_mode_replaces_an_unfaithful_summary_by_the_extractive_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stand_in_summaries(monkeypatch, "number")
    engine = summary_engine(on_unfaithful="fallback", fallback_method="lead")
    (outcome,) = engine.summarize([SummaryRequest("a", ARTICLE, "", "en")])
    assert outcome.error is None and len(outcome.summaries) == 2
    for summary in outcome.summaries:
        assert summary.method == "lead" and summary.model is None
        assert summary.text == ARTICLE.split(". ")[0] + "."
        assert summary.flags == [FLAG_UNSUPPORTED_NUMBER]
        assert summary.fallback_reason == "the seq2seq summary had unsupported-number; used lead instead"


def test_fallback_mode_keeps_a_faithful_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    stand_in_summaries(monkeypatch, "none")
    (outcome,) = summary_engine(on_unfaithful="fallback").summarize([SummaryRequest("a", ARTICLE, "", "en")])
    assert [(s.method, s.flags) for s in outcome.summaries] == [("seq2seq", []), ("seq2seq", [])]


def test_on_unfaithful_is_validated() -> None:
    assert Config().summary.on_unfaithful == "flag"
    with pytest.raises(ConfigError, match=r"summary\.on_unfaithful"):
        load_config(None, {"summary.on_unfaithful": "replace"})
    with pytest.raises(ConfigError, match="fallback_method"):
        load_config(None, {"summary.on_unfaithful": "fallback", "summary.fallback_method": "none"})


# --- a real run: the flags reach the published record --------------------------------------------------


@pytest.mark.parametrize("on_unfaithful", ["flag", "fallback"])
def test_the_flags_reach_the_published_record(
    monkeypatch: pytest.MonkeyPatch, tiny_config: Config, tmp_path: Path, on_unfaithful: str
) -> None:
    stand_in_translation(monkeypatch, alter=True)
    stand_in_summaries(monkeypatch, "number")
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "fr-lyon.txt").write_text(f"Manifestation à Lyon\n\n{FRENCH}\n", encoding="utf-8")
    config = tiny_config.model_copy(
        update={
            "translation": tiny_config.translation.model_copy(update={"backend": "transformers"}),
            "summary": tiny_config.summary.model_copy(update={"on_unfaithful": on_unfaithful}),
        }
    )
    # A cache of its own: the process cache may already hold the real tiny model from an earlier test.
    manifest = run([inputs], build_services(config, cache=ModelCache())).manifest
    assert manifest.counts == {"published": 1}, manifest.entries
    (entry,) = manifest.entries
    assert entry.key is not None
    record = json.loads((Path(config.store.url) / entry.key).read_text(encoding="utf-8"))
    assert record["detection"]["language"] == "fr"
    assert FLAG_UNSUPPORTED_NUMBER in record["translation"]["flags"]
    assert "13 people" in record["translation"]["text"]
    summaries = [s for s in record["summaries"] if s["language"] == "en"]
    assert len(summaries) == 2
    for summary in summaries:
        assert FLAG_UNSUPPORTED_NUMBER in summary["flags"]
        # The stand-in summary writes 5 December for the translation's 4 December.
        expected = "seq2seq" if on_unfaithful == "flag" else "lead"
        assert summary["method"] == expected
