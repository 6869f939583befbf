"""The engine's pooled translation, exactly: which pieces reach the model, how they come back together
(with or without spaces), which outputs are flagged as suspiciously long, and that each distinct sentence is
translated once. A fake backend stands in for the model: its token count is words + 1 (``</s>``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from pipelines.errors import UnsupportedPair
from pipelines.models import ModelCache, ModelResolver
from pipelines.models.config import ModelsConfig
from pipelines.translate import backends
from pipelines.translate.base import GenerationSettings, TokenCounting, TranslationRequest
from pipelines.translate.config import TranslationConfig
from pipelines.translate.engine import TranslationEngine
from pipelines.translate.routing import route


class Fake:
    """Brackets and upper-cases each segment, ``repeat`` times; records every batch. A ``deadline`` (the
    article time budget, where the engine passes one) is accepted and never reached."""

    backend = "transformers"

    def __init__(self, batches: list[list[str]], repeat: int, max_source_tokens: int) -> None:
        self.batches = batches
        self.repeat = repeat
        self.max_source_tokens = max_source_tokens

    def count_tokens(self, segments: Sequence[str]) -> list[int]:
        return [len(segment.split()) + 1 for segment in segments]

    def translate_segments(
        self,
        segments: Sequence[str],
        *,
        target_prefix: str | None = None,
        exact_lengths: Sequence[int] | None = None,
        deadline: Any = None,
    ) -> list[str]:
        self.batches.append(list(segments))
        return [" ".join([f"[{segment.upper()}]"] * self.repeat) for segment in segments]


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Every batch the fake model is given. A model directory named ``x3`` repeats its output three
    times; one named ``short`` accepts at most 8 source tokens."""
    recorded: list[list[str]] = []

    def load(path: Path, settings: GenerationSettings, **_: Any) -> tuple[Fake, int]:
        repeat = 3 if path.name == "x3" else 1
        return Fake(recorded, repeat, 8 if path.name == "short" else 510), 1

    monkeypatch.setitem(backends._LOADERS, "transformers", load)
    return recorded


def model(tmp_path: Path, name: str) -> str:
    directory = tmp_path / name
    directory.mkdir(exist_ok=True)
    (directory / "config.json").write_text("{}")
    (directory / "model.safetensors").write_bytes(name.encode())
    return str(directory)


def engine(models: dict[str, str], tmp_path: Path, **settings: Any) -> TranslationEngine:
    config = TranslationConfig.model_validate(
        {"models": models, "num_beams": 1, "backend": "transformers", **settings}
    )
    return TranslationEngine(
        config, ModelsConfig(cache_dir=tmp_path / "cache", threads=1), ModelResolver(), ModelCache()
    )


def request(key: str, text: str, target: str = "en") -> TranslationRequest:
    return TranslationRequest(key=key, text=text, title="", source_language="fr", target_language=target)


def flags(outcome: Any) -> list[str]:
    assert outcome.translation is not None, outcome.error
    return list(outcome.translation.flags)


def test_an_output_is_flagged_only_above_ratio_times_the_source_plus_four(
    batches: list[list[str]], tmp_path: Path
) -> None:
    # 3 words: 4 source tokens; the output repeats them 3 times: 9 words, 10 tokens.
    text = "un deux trois."
    at_threshold = engine({"fr-en": model(tmp_path, "x3")}, tmp_path, length_ratio_flag=1.5)
    assert flags(at_threshold.translate([request("a", text)])[0]) == []  # 10 > 1.5 x 4 + 4 is false
    above = engine({"fr-en": model(tmp_path, "x3")}, tmp_path, length_ratio_flag=1.45)
    assert flags(above.translate([request("a", text)])[0]) == ["length-ratio"]  # 10 > 9.8


def test_the_flag_stays_with_the_article_whose_output_is_long(
    batches: list[list[str]], tmp_path: Path
) -> None:
    """Pooled together: a 3-word sentence (10 > 2.5 x 4 + 4 is false) and a 12-word one (37 > 36.5)."""
    long = "un deux trois quatre cinq six sept huit neuf dix onze douze."
    pooled = engine({"fr-en": model(tmp_path, "x3")}, tmp_path, length_ratio_flag=2.5)
    outcomes = pooled.translate([request("short", "un deux trois."), request("long", long)])
    assert [flags(outcome) for outcome in outcomes] == [[], ["length-ratio"]]
    assert len(batches) == 1  # both in one batch


def test_each_distinct_sentence_is_translated_once(batches: list[list[str]], tmp_path: Path) -> None:
    pooled = engine({"fr-en": model(tmp_path, "m")}, tmp_path)
    outcomes = pooled.translate([request("a", "Oui. Non."), request("b", "Non. Oui. Non.")])
    assert sorted(segment for batch in batches for segment in batch) == ["Non.", "Oui."]
    texts = [outcome.translation.text for outcome in outcomes if outcome.translation]
    assert texts == ["[OUI.] [NON.]", "[NON.] [OUI.] [NON.]"]


@pytest.mark.parametrize(
    ("target", "joined"), [("en", "[A B C D E F G] [H I.]"), ("zh", "[A B C D E F G][H I.]")]
)
def test_pieces_of_an_over_long_sentence_are_joined_as_the_target_writes(
    batches: list[list[str]], tmp_path: Path, target: str, joined: str
) -> None:
    """9 words + </s> is over the 8-token limit: 7 words (8 tokens) and the rest are translated apart."""
    cut = engine({f"fr-{target}": model(tmp_path, "m")}, tmp_path, max_sentence_tokens=8)
    (outcome,) = cut.translate([request("a", "a b c d e f g h i.", target)])
    assert outcome.translation is not None, outcome.error
    assert outcome.translation.text == joined
    assert batches == [["a b c d e f g", "h i."]]


def test_a_sentence_exactly_at_the_limit_is_translated_whole(
    batches: list[list[str]], tmp_path: Path
) -> None:
    whole = engine({"fr-en": model(tmp_path, "m")}, tmp_path, max_sentence_tokens=8)
    (outcome,) = whole.translate([request("a", "a b c d e f g.")])  # 7 words + </s>
    assert outcome.translation is not None and outcome.translation.text == "[A B C D E F G.]"
    assert batches == [["a b c d e f g."]]


def test_the_smaller_of_the_configured_and_the_model_limit_applies(
    batches: list[list[str]], tmp_path: Path
) -> None:
    """The "short" model takes 8 tokens although the configuration allows 256."""
    limited = engine({"fr-en": model(tmp_path, "short")}, tmp_path)
    (outcome,) = limited.translate([request("a", "a b c d e f g h i.")])
    assert outcome.translation is not None and outcome.translation.text == "[A B C D E F G] [H I.]"
    assert max(len(segment.split()) + 1 for batch in batches for segment in batch) == 8


def test_every_request_gets_its_outcome_under_its_key_in_order(
    batches: list[list[str]], tmp_path: Path
) -> None:
    """A same-language request first, an unroutable one, one hop, two hops (through English), and one whose
    model cannot be found."""
    models = {
        "fr-en": model(tmp_path, "m"),
        "de-en": model(tmp_path, "m"),
        "en-fr": model(tmp_path, "m"),
        "it-en": str(tmp_path / "missing-model"),
    }
    requests = [
        TranslationRequest(
            key="same", text=" Hello. ", title="T", source_language="en", target_language="en"
        ),
        TranslationRequest(key="none", text="Hola.", title="", source_language="es", target_language="de"),
        TranslationRequest(key="one", text="Bonjour.", title="", source_language="fr", target_language="en"),
        TranslationRequest(key="two", text="Hallo.", title="", source_language="de", target_language="fr"),
        TranslationRequest(key="lost", text="Ciao.", title="", source_language="it", target_language="en"),
    ]
    outcomes = engine(models, tmp_path).translate(requests)
    assert [outcome.key for outcome in outcomes] == ["same", "none", "one", "two", "lost"]
    same, none, one, two, lost = outcomes
    assert lost.translation is None and lost.error is not None and "missing-model" in lost.error
    assert same.translation is not None and (same.translation.text, same.translation.title) == (
        " Hello. ",
        "T",
    )
    assert none.translation is None and none.error is not None and "translation.models.es-de" in none.error
    assert one.translation is not None and one.translation.text == "[BONJOUR.]"
    assert two.translation is not None and two.translation.text == "[[HALLO.]]"


def test_requests_that_need_no_model_load_none(batches: list[list[str]], tmp_path: Path) -> None:
    same = TranslationRequest(key="a", text="Hello.", title="", source_language="en", target_language="en")
    (outcome,) = engine({"fr-en": model(tmp_path, "m")}, tmp_path).translate([same])
    assert outcome.translation is not None and outcome.translation.text == "Hello."
    assert batches == []


@pytest.mark.parametrize(
    ("ratio", "source_tokens", "limit", "expected"),
    [(2.0, 10, 512, 30), (2.0, 10, 25, 25), (1.5, 3, 512, 14), (2.0, 0, 512, 10), (2.0, 10, 0, 1)],
)
def test_new_tokens_are_ratio_times_the_source_plus_ten_within_the_model_limit(
    ratio: float, source_tokens: int, limit: int, expected: int
) -> None:
    settings = GenerationSettings(max_new_tokens_ratio=ratio)
    assert settings.max_new_tokens(source_tokens, limit) == expected


class CountingTokenizer:
    """A Hugging Face tokenizer stand-in: ids are the words plus ``</s>``; records how it was called."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], dict[str, Any]]] = []

    def __call__(self, texts: list[str], **options: Any) -> dict[str, list[list[int]]]:
        self.calls.append((texts, options))
        ids = [[1] * (len(text.split()) + (1 if options.get("add_special_tokens") else 0)) for text in texts]
        return {"input_ids": ids}


def test_token_counts_include_the_special_tokens() -> None:
    counter = TokenCounting()
    counter.tokenizer = CountingTokenizer()
    assert counter.count_tokens(("one two", "three")) == [3, 2]
    assert counter.tokenizer.calls == [(["one two", "three"], {"add_special_tokens": True, "verbose": False})]
    assert counter.count_tokens([]) == []
    assert len(counter.tokenizer.calls) == 1  # nothing to count: the tokenizer is not called


def test_the_hint_for_a_missing_pair_names_only_the_missing_hop() -> None:
    """fr-en exists and there is no fallback: only en-es is missing to pivot fr -> es through English."""
    config = TranslationConfig.model_validate({"models": {"fr-en": "Helsinki-NLP/opus-mt-fr-en"}})
    with pytest.raises(UnsupportedPair) as caught:
        route(config, "fr", "es")
    assert str(caught.value).endswith("add translation.models.fr-es (or en-es to pivot through 'en')")


def test_a_sentence_that_fits_beside_the_prefix_is_fed_whole(
    batches: list[list[str]], tmp_path: Path
) -> None:
    """The "short" model takes 8 tokens; ">>fra<<" costs one (its </s> is shared): 6 words + </s> fit."""
    config = TranslationConfig.model_validate(
        {
            "models": {"en-fr": {"model": model(tmp_path, "short"), "target_prefix": ">>fra<<"}},
            "num_beams": 1,
            "backend": "transformers",
        }
    )
    prefixed = TranslationEngine(
        config, ModelsConfig(cache_dir=tmp_path / "cache", threads=1), ModelResolver(), ModelCache()
    )
    sentence = "one two three four five six."
    request = TranslationRequest(key="a", text=sentence, title="", source_language="en", target_language="fr")
    (outcome,) = prefixed.translate([request])
    assert outcome.translation is not None and outcome.translation.text == f"[{sentence.upper()}]"
    assert batches == [[sentence]]


@pytest.mark.parametrize(
    "text",
    [
        "Oui. Non.",  # two sentences: the count of the second is missing
        "a b c d e f g h i.",  # one sentence over the 8-token limit: the count of its second piece is missing
    ],
)
def test_a_backend_that_miscounts_fails_the_request_rather_than_dropping_a_sentence(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str
) -> None:
    """A backend must give one token count per segment; one count short would otherwise leave the last
    sentence (or piece of one) untranslated and silently missing from the article."""

    class Miscounting(Fake):
        def count_tokens(self, segments: Sequence[str]) -> list[int]:
            return super().count_tokens(segments)[: max(1, len(segments) - 1)]

    def load(path: Path, settings: GenerationSettings, **_: Any) -> tuple[Fake, int]:
        return Miscounting([], 1, 510), 1

    monkeypatch.setitem(backends._LOADERS, "transformers", load)
    miscounted = engine({"fr-en": model(tmp_path, "m")}, tmp_path, max_sentence_tokens=8)
    (outcome,) = miscounted.translate([request("a", text)])
    assert outcome.translation is None and outcome.error is not None


@pytest.mark.parametrize(("ratio", "expected"), [(2.2, ["length-ratio"]), (2.5, [])])
def test_a_split_sentence_is_flagged_on_the_tokens_of_all_its_pieces(
    batches: list[list[str]], tmp_path: Path, ratio: float, expected: list[str]
) -> None:
    """Pieces of 8 and 3 source tokens (11) come back as 22 and 7 tokens (29): flagged when 29 is over
    ratio x 11 + 4 (28.2 for 2.2, 31.5 for 2.5)."""
    cut = engine({"fr-en": model(tmp_path, "x3")}, tmp_path, max_sentence_tokens=8, length_ratio_flag=ratio)
    (outcome,) = cut.translate([request("a", "a b c d e f g h i.")])
    assert flags(outcome) == expected
    assert batches == [["a b c d e f g", "h i."]]


def test_a_backend_that_returns_too_few_translations_fails_the_request(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    class Forgetful(Fake):
        def translate_segments(
            self,
            segments: Sequence[str],
            *,
            target_prefix: str | None = None,
            exact_lengths: Sequence[int] | None = None,
            deadline: Any = None,
        ) -> list[str]:
            return super().translate_segments(segments, target_prefix=target_prefix)[:-1]

    def load(path: Path, settings: GenerationSettings, **_: Any) -> tuple[Fake, int]:
        return Forgetful([], 1, 510), 1

    monkeypatch.setitem(backends._LOADERS, "transformers", load)
    (outcome,) = engine({"fr-en": model(tmp_path, "m")}, tmp_path).translate([request("a", "Oui. Non.")])
    assert outcome.translation is None and outcome.error is not None


def test_routes_name_their_languages_and_fallbacks_their_backend() -> None:
    config = TranslationConfig.model_validate(
        {
            "backend": "transformers",
            "models": {"fr-en": "Helsinki-NLP/opus-mt-fr-en", "en-de": "Helsinki-NLP/opus-mt-en-de"},
            "fallback": {"model": "/models/mul-en", "backend": "ctranslate2"},
        }
    )
    for source, target, pairs in (
        ("fr", "fr", []),
        ("fr", "en", ["fr-en"]),
        ("fr", "de", ["fr-en", "en-de"]),
    ):
        found = route(config, source, target)
        assert (found.source, found.target, [hop.pair for hop in found.hops]) == (source, target, pairs)
    (fallback,) = route(config, "sw", "en").hops
    assert (fallback.fallback, fallback.backend) == (True, "ctranslate2")
    plain = TranslationConfig.model_validate(
        {"backend": "ctranslate2", "fallback": "Helsinki-NLP/opus-mt-mul-en"}
    )
    (fallback,) = route(plain, "sw", "en").hops
    assert (fallback.fallback, fallback.backend) == (True, "ctranslate2")
