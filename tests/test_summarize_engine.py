"""The summary engine with tiny real models (BART with a 256-token input, T5 with its prefix)."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from pipelines.config import ModelsConfig
from pipelines.deadline import Deadline
from pipelines.errors import ConfigError
from pipelines.models import ModelCache, ModelResolver
from pipelines.records import ModelRef, Translation
from pipelines.summarize.base import SummaryRequest
from pipelines.summarize.config import LanguageSummaryOverride, SummaryConfig, SummarySpec
from pipelines.summarize.engine import SummaryEngine, Translate
from pipelines.summarize.guards import FLAG_TRIMMED
from pipelines.summarize.text import word_count
from pipelines.translate.base import TranslationOutcome, TranslationRequest

ARTICLE = (
    "The storm made landfall early on Saturday morning near the harbour town. "
    "Officials ordered residents of low-lying areas to leave their homes, and schools were closed. "
    "By Sunday evening most roads had reopened. "
    "Power had not yet been restored to thousands of households."
)
ARTIKEL = (
    "Die Ausstellung zeigt Werke aus fünf Jahrhunderten. Besonders gefragt sind die Gemälde aus der "
    "Renaissance, die zum ersten Mal außerhalb Italiens zu sehen sind. Die Schau läuft bis März."
)


def seq2seq(model: Path | str, *, max_length: int = 16, max_words: int = 30, prefix: str = "") -> SummarySpec:
    """Small generation settings keep the tiny models fast."""
    return SummarySpec(
        model=str(model),
        prefix=prefix,
        min_length=2,
        max_length=max_length,
        num_beams=1,
        no_repeat_ngram_size=0,
        max_words=max_words,
        sentences=1,
    )


def make_engine(
    config: SummaryConfig, translate: Translate | None = None
) -> tuple[SummaryEngine, ModelCache]:
    cache = ModelCache()
    engine = SummaryEngine(
        config,
        # One thread: tiny models gain nothing from more, and lose a lot when the machine is busy.
        ModelsConfig(device="cpu", threads=1),
        ModelResolver(timeout_s=5),
        cache,
        translate=translate,
    )
    return engine, cache


@pytest.fixture(autouse=True)
def _restore_torch_threads() -> Iterator[None]:
    """The engine sets torch's (process-wide) thread count from models.threads; put it back afterwards."""
    import torch

    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def long_article(words: int, seed: int = 0) -> str:
    """Deterministic news-like prose of about ``words`` words, in paragraphs of five sentences."""
    rng = random.Random(seed)
    subjects = ["The council", "Officials", "The minister", "Residents", "The company", "Engineers", "Police"]
    verbs = ["said", "announced", "confirmed", "warned", "expected", "reported", "denied"]
    objects = [
        "that the bridge would reopen in spring",
        "a new plan for the harbour district",
        "higher costs for heating this winter",
        "that repairs would take several weeks",
        "an inquiry into the failed contract",
        "more money for schools and libraries",
    ]
    paragraphs: list[str] = []
    total = 0
    while total < words:
        paragraph = " ".join(
            f"{rng.choice(subjects)} {rng.choice(verbs)} {rng.choice(objects)} on day {rng.randint(1, 300)}."
            for _ in range(5)
        )
        paragraphs.append(paragraph)
        total += len(paragraph.split())
    return "\n\n".join(paragraphs)


class FakeTranslate:
    """Stands in for the translation engine's batch interface: ``(requests) -> outcomes`` in order.

    Deterministic: the text is tagged with the target language (and ``padding`` appended, to make it run
    longer than its source); one source text can be made to fail.
    """

    def __init__(self, fail_on: str | None = None, padding: str = "") -> None:
        self.fail_on = fail_on
        self.padding = padding
        self.calls: list[list[TranslationRequest]] = []

    def __call__(
        self, requests: Sequence[TranslationRequest], *, deadline: Deadline | None = None
    ) -> list[TranslationOutcome]:
        self.calls.append(list(requests))
        outcomes: list[TranslationOutcome] = []
        for request in requests:
            if self.fail_on is not None and self.fail_on in request.text:
                outcomes.append(TranslationOutcome(request.key, error="no route en->xx"))
                continue
            pair = f"{request.source_language}-{request.target_language}"
            translation = Translation(
                text=f"[{request.target_language}] {request.text}{self.padding}",
                source_language=request.source_language,
                target_language=request.target_language,
                models=[ModelRef(role=f"translation:{pair}", source="fake", backend="fake")],
                flags=["length-ratio"],
            )
            outcomes.append(TranslationOutcome(request.key, translation=translation))
        return outcomes


def test_twenty_thousand_words_are_map_reduced_to_a_bounded_summary(tiny_bart_dir: Path) -> None:
    config = SummaryConfig(
        short=seq2seq(tiny_bart_dir, max_length=12, max_words=20),
        long=seq2seq(tiny_bart_dir, max_length=20, max_words=60),
        batch_size=64,
    )
    engine, cache = make_engine(config)
    text = long_article(20_000)
    assert len(text.split()) >= 20_000
    (outcome,) = engine.summarize([SummaryRequest("big", text, "Big", "en")])
    assert outcome.error is None
    short, long = outcome.summaries
    assert (short.kind, long.kind) == ("short", "long")
    for summary, budget in ((short, 20), (long, 60)):
        assert summary.method == "seq2seq"
        assert summary.chunks > 100, "a 20,000-word input must be split into chunks of at most 256 tokens"
        assert summary.levels >= 2, "chunk summaries must be summarised again"
        assert not {"mapreduce-level-cap", "mapreduce-not-shrinking"} & set(summary.flags)
        assert 0 < word_count(summary.text) <= budget
        assert summary.model is not None and summary.model.source == str(tiny_bart_dir)
        assert summary.model.revision, "the weights fingerprint identifies the model"
    # One model for both kinds, loaded once.
    assert list(cache.loads.values()) == [1]


def test_t5_uses_its_prefix_and_short_inputs_take_one_pass(tiny_t5_dir: Path) -> None:
    spec = seq2seq(tiny_t5_dir, prefix="summarize: ")
    engine, cache = make_engine(SummaryConfig(short=spec, long=spec))
    outcomes = engine.summarize(
        [SummaryRequest("a", ARTICLE, "Storm", "en"), SummaryRequest("b", ARTICLE + " More.", "Storm", "en")]
    )
    for outcome in outcomes:
        assert outcome.error is None
        assert [(s.kind, s.method, s.chunks, s.levels) for s in outcome.summaries] == [
            ("short", "seq2seq", 1, 1),
            ("long", "seq2seq", 1, 1),
        ]
    engine.summarize([SummaryRequest("c", ARTICLE, "Storm", "en")])
    assert list(cache.loads.values()) == [1], "the second batch reuses the cached model"


def test_method_is_chosen_per_language(tiny_t5_dir: Path) -> None:
    lead = SummarySpec(method="lead", sentences=1, max_words=30)
    textrank = SummarySpec(method="textrank", sentences=2, max_words=80)
    config = SummaryConfig(
        short=seq2seq(tiny_t5_dir, prefix="summarize: "),
        long=seq2seq(tiny_t5_dir, prefix="summarize: "),
        languages={"de": LanguageSummaryOverride(short=lead, long=textrank)},
    )
    engine, _ = make_engine(config)
    en, de = engine.summarize(
        [SummaryRequest("en-1", ARTICLE, "Storm", "en"), SummaryRequest("de-1", ARTIKEL, "Kunst", "de")]
    )
    assert [s.method for s in en.summaries] == ["seq2seq", "seq2seq"]
    assert [(s.kind, s.method, s.language) for s in de.summaries] == [
        ("short", "lead", "de"),
        ("long", "textrank", "de"),
    ]
    assert de.summaries[0].text == "Die Ausstellung zeigt Werke aus fünf Jahrhunderten."


def test_extra_output_languages_come_from_the_translation_engine() -> None:
    lead = SummarySpec(method="lead", sentences=1, max_words=30)
    config = SummaryConfig(
        short=lead, long=lead.model_copy(update={"sentences": 2}), output_languages=["en", "fr"]
    )
    translate = FakeTranslate()
    engine, _ = make_engine(config, translate)
    en, de = engine.summarize(
        [SummaryRequest("en-1", ARTICLE, "Storm", "en"), SummaryRequest("de-1", ARTIKEL, "Kunst", "de")]
    )
    assert len(translate.calls) == 1, "all summaries of the batch are translated in one call"
    assert [(s.kind, s.language, s.method) for s in en.summaries] == [
        ("short", "en", "lead"),
        ("long", "en", "lead"),
        ("short", "fr", "translated"),
        ("long", "fr", "translated"),
    ]
    french = en.summaries[2]
    assert french.text == f"[fr] {en.summaries[0].text}"
    assert french.model is not None and french.model.role == "translation:en-fr"
    assert french.flags == ["length-ratio"]
    # A German article gets both extra languages.
    assert [s.language for s in de.summaries] == ["de", "de", "en", "en", "fr", "fr"]


def test_translated_summaries_are_trimmed_to_the_target_languages_budget() -> None:
    lead = SummarySpec(method="lead", sentences=1, max_words=30)
    french_budget = LanguageSummaryOverride(short=lead.model_copy(update={"max_words": 20}))
    config = SummaryConfig(short=lead, long=lead, output_languages=["fr"], languages={"fr": french_budget})
    padding = " Une phrase de plus, ajoutée par la traduction pour la rallonger nettement." * 3
    engine, _ = make_engine(config, FakeTranslate(padding=padding))
    (outcome,) = engine.summarize([SummaryRequest("en-1", ARTICLE, "Storm", "en")])
    short, long, short_fr, long_fr = outcome.summaries
    assert word_count(short_fr.text) <= 20 < word_count(f"[fr] {short.text}{padding}")
    assert word_count(long_fr.text) <= 30 < word_count(f"[fr] {long.text}{padding}")
    for translated in (short_fr, long_fr):
        assert translated.text.startswith("[fr] The storm made landfall")
        assert translated.flags[:1] == ["length-ratio"] and FLAG_TRIMMED in translated.flags


def test_a_failed_translation_fails_only_its_article() -> None:
    lead = SummarySpec(method="lead", sentences=1, max_words=30)
    config = SummaryConfig(short=lead, long=lead, output_languages=["fr"])
    engine, _ = make_engine(config, FakeTranslate(fail_on="Ausstellung"))
    en, de = engine.summarize(
        [SummaryRequest("en-1", ARTICLE, "Storm", "en"), SummaryRequest("de-1", ARTIKEL, "Kunst", "de")]
    )
    assert en.error is None and len(en.summaries) == 4
    assert de.summaries == []
    assert de.error is not None and "into 'fr' failed: no route en->xx" in de.error


def test_output_languages_without_a_translation_engine_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="output_languages"):
        make_engine(SummaryConfig(short=SummarySpec(method="lead"), output_languages=["fr"]))


def test_guards_run_on_every_summary_and_a_bad_request_fails_alone() -> None:
    lead = SummarySpec(method="lead", sentences=3, max_words=12)
    engine, _ = make_engine(SummaryConfig(short=lead, long=lead))
    good, empty = engine.summarize(
        [SummaryRequest("good", ARTICLE, "Storm", "en"), SummaryRequest("empty", "  ", "", "en")]
    )
    assert empty.error is not None and "empty" in empty.error
    short = good.summaries[0]
    assert short.text == "The storm made landfall early on Saturday morning near the harbour town."
    assert short.flags == [FLAG_TRIMMED]


def test_missing_model_falls_back_to_the_extractive_method(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    config = SummaryConfig(short=seq2seq(missing), long=seq2seq(missing), fallback_method="textrank")
    engine, cache = make_engine(config)
    notes = engine.preflight(["en", "de", "en"])
    assert sorted(notes) == ["long:de", "long:en", "short:de", "short:en"]
    assert notes["short:en"].startswith("falls back to textrank")
    assert str(missing) in notes["short:en"] and "does not exist" in notes["short:en"]
    (outcome,) = engine.summarize([SummaryRequest("a", ARTICLE, "Storm", "en")])
    assert outcome.error is None
    for summary in outcome.summaries:
        assert summary.method == "textrank"
        assert summary.model is None
        assert summary.fallback_reason is not None
        assert str(missing) in summary.fallback_reason and "does not exist" in summary.fallback_reason
    assert not cache.loads


def test_missing_model_without_fallback_fails_the_articles(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    lead = SummarySpec(method="lead")
    config = SummaryConfig(short=seq2seq(missing), long=lead, fallback_method="none")
    engine, _ = make_engine(config)
    assert list(engine.preflight(["en"])) == ["short:en"]
    assert engine.preflight(["en"])["short:en"].startswith("FAILS:")
    (outcome,) = engine.summarize([SummaryRequest("a", ARTICLE, "Storm", "en")])
    assert outcome.summaries == []
    assert outcome.error is not None and str(missing) in outcome.error


def test_a_model_that_cannot_be_loaded_falls_back(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text('{"model_type": "bart"}')
    (broken / "model.safetensors").write_bytes(b"not weights")
    config = SummaryConfig(short=seq2seq(broken), long=seq2seq(broken))
    engine, _ = make_engine(config)
    assert engine.preflight(["en"]) == {}, "the directory resolves; loading is what fails"
    (outcome,) = engine.summarize([SummaryRequest("a", ARTICLE, "Storm", "en")])
    assert [s.method for s in outcome.summaries] == ["lead", "lead"]
    reason = outcome.summaries[0].fallback_reason
    assert reason is not None and "loading from" in reason
