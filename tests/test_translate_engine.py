"""The translation engine on tiny real models and on a recording fake backend."""

from __future__ import annotations

import random
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from pipelines.deadline import Deadline
from pipelines.models import ModelCache, ModelResolver
from pipelines.models.config import ModelsConfig
from pipelines.models.locations import weights_fingerprint
from pipelines.repetition import is_repetitive
from pipelines.translate import backends
from pipelines.translate.base import GenerationSettings, TranslationOutcome, TranslationRequest
from pipelines.translate.config import TranslationConfig
from pipelines.translate.engine import TranslationEngine
from tests.support import fixed_decode_lengths

FRENCH = (
    "Le gouvernement a annoncé mardi une réforme des retraites. Les syndicats appellent à une grève.\n\n"
    "Selon les prévisions, les températures resteront élevées jusqu'à la fin du mois d'août."
)
RUSSIAN = "Правительство объявило о новых мерах поддержки. В Москве прошёл крупный кинофестиваль."


def make_engine(
    models: dict[str, Any],
    tmp_path: Path,
    *,
    cache: ModelCache | None = None,
    **settings: Any,
) -> TranslationEngine:
    config = TranslationConfig.model_validate(
        # The fake backend below replaces the transformers loader, so that is the default here.
        {"models": models, "num_beams": 1, "backend": "transformers", **settings},
    )
    return TranslationEngine(
        config,
        # One thread: tiny models gain nothing from more, and oversubscribed CI cores make torch crawl.
        ModelsConfig(cache_dir=tmp_path / "models-cache", threads=1),
        ModelResolver(),
        cache if cache is not None else ModelCache(),
    )


def request(key: str, text: str, source: str, target: str = "en", title: str = "") -> TranslationRequest:
    return TranslationRequest(key=key, text=text, title=title, source_language=source, target_language=target)


def ok(outcome: TranslationOutcome) -> Any:
    assert outcome.error is None, outcome.error
    assert outcome.translation is not None
    return outcome.translation


class FakeTranslator:
    """Upper-cases each segment inside brackets; records every batch it is given."""

    backend = "transformers"
    max_source_tokens = 510

    def __init__(
        self, batches: list[list[str]], expand: int = 1, deadlines: list[Deadline | None] | None = None
    ) -> None:
        self.batches = batches
        self.expand = expand
        self.deadlines = deadlines if deadlines is not None else []

    def count_tokens(self, segments: Sequence[str]) -> list[int]:
        return [len(segment.split()) + 1 for segment in segments]

    def translate_segments(
        self,
        segments: Sequence[str],
        *,
        target_prefix: str | None = None,
        exact_lengths: Sequence[int] | None = None,
        deadline: Deadline | None = None,
    ) -> list[str]:
        self.batches.append(list(segments))
        self.deadlines.append(deadline)
        return [" ".join([f"[{segment.upper()}]"] * self.expand) for segment in segments]


@pytest.fixture
def fake_backend(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    batches: list[list[str]] = []

    def load(path: Path, settings: GenerationSettings, **_: Any) -> tuple[FakeTranslator, int]:
        return FakeTranslator(batches, expand=3 if "long" in str(path) else 1), 1000

    monkeypatch.setitem(backends._LOADERS, "transformers", load)
    return batches


def fake_model(tmp_path: Path, name: str) -> str:
    directory = tmp_path / name
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text("{}")
    (directory / "model.safetensors").write_bytes(b"weights-" + name.encode())
    return str(directory)


def test_translates_with_model_refs_and_flags(tiny_marian_dir: Path, tmp_path: Path) -> None:
    engine = make_engine({"fr-en": str(tiny_marian_dir)}, tmp_path)
    (outcome,) = engine.translate([request("a", FRENCH, "fr", title="Titre du jour")])
    translation = ok(outcome)
    assert translation.segments == 4
    assert translation.title and translation.text.count("\n\n") == 1
    (ref,) = translation.models
    assert ref.role == "translation:fr-en"
    assert ref.source == str(tiny_marian_dir)
    assert ref.revision == weights_fingerprint(tiny_marian_dir)
    assert ref.backend == "transformers"
    # Random weights loop: the guard flags it.
    assert "repetition" in translation.flags


def test_backends_agree_under_greedy_decoding(tiny_marian_dir: Path, tmp_path: Path) -> None:
    requests = [request("fr", FRENCH, "fr", title="Titre"), request("ru", RUSSIAN, "ru")]
    models = {"fr-en": str(tiny_marian_dir), "ru-en": str(tiny_marian_dir)}
    outputs = {}
    for backend in ("transformers", "ctranslate2"):
        engine = make_engine(models, tmp_path, backend=backend, compute_type="float32")
        outputs[backend] = [ok(outcome) for outcome in engine.translate(requests)]
        assert {ref.backend for t in outputs[backend] for ref in t.models} == {backend}
    for left, right in zip(outputs["transformers"], outputs["ctranslate2"], strict=True):
        assert (left.title, left.text) == (right.title, right.text)


def test_pooling_gives_the_same_output_as_one_article_at_a_time(
    tiny_marian_dir: Path, tmp_path: Path
) -> None:
    # Random weights never stop, so each output's length would depend on its batch: the fixed-length
    # emulation cuts every output where a real model would stop, making pooled and lone runs comparable.
    models = {"fr-en": str(tiny_marian_dir), "ru-en": str(tiny_marian_dir)}
    requests = [request("1", FRENCH, "fr"), request("2", RUSSIAN, "ru"), request("3", FRENCH[:60], "fr")]
    with fixed_decode_lengths():
        engine = make_engine(models, tmp_path)
        pooled = [ok(outcome).text for outcome in engine.translate(requests)]
        alone = [ok(engine.translate([r])[0]).text for r in requests]
    assert pooled == alone


def test_cross_article_batches_are_pooled_sorted_and_scattered_back(
    fake_backend: list[list[str]], tmp_path: Path
) -> None:
    rng = random.Random(3)
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
    requests = []
    for n in range(12):
        paragraphs = [
            " ".join(f"{' '.join(rng.choices(words, k=rng.randint(1, 30)))} {n}x{p}x{s}." for s in range(5))
            for p in range(2)
        ]
        requests.append(request(f"r{n}", "\n\n".join(paragraphs), "fr", title=f"title {n}"))
    engine = make_engine(
        {"fr-en": fake_model(tmp_path, "m")}, tmp_path, batch_tokens=200, max_batch_sentences=16
    )
    outcomes = engine.translate(requests)
    assert [outcome.key for outcome in outcomes] == [r.key for r in requests]
    for req, outcome in zip(requests, outcomes, strict=True):
        translation = ok(outcome)
        expected = "\n\n".join(
            " ".join(
                f"[{s.upper()}]" for s in paragraph.split(". ") for s in [s if s.endswith(".") else s + "."]
            )
            for paragraph in req.text.split("\n\n")
        )
        assert translation.text == expected
        assert translation.title == f"[{req.title.upper()}]"
    # 12 articles x 11 sentences, pooled into few full batches, longest first, within the budget.
    assert sum(len(batch) for batch in fake_backend) == 12 * 11
    lengths = [len(s.split()) + 1 for batch in fake_backend for s in batch]
    assert lengths == sorted(lengths, reverse=True)
    for batch in fake_backend:
        assert len(batch) <= 16 and len(batch) * (len(batch[0].split()) + 1) <= 200
    assert any(len({s.split()[-1].split("x")[0] for s in batch}) > 1 for batch in fake_backend)


def test_length_ratio_flag(fake_backend: list[list[str]], tmp_path: Path) -> None:
    engine = make_engine({"fr-en": fake_model(tmp_path, "long")}, tmp_path, length_ratio_flag=2.0)
    (outcome,) = engine.translate([request("a", "un deux trois quatre cinq six sept huit.", "fr")])
    assert ok(outcome).flags == ["length-ratio"]


def test_failures_stay_with_their_request(fake_backend: list[list[str]], tmp_path: Path) -> None:
    engine = make_engine(
        {"fr-en": fake_model(tmp_path, "m"), "de-en": str(tmp_path / "missing-model")}, tmp_path
    )
    outcomes = engine.translate(
        [
            request("fr", "Bonjour.", "fr"),
            request("de", "Guten Tag.", "de"),
            request("es", "Hola.", "es", "de"),
            request("en", "  Hello.\n\nThere. ", "en"),
        ]
    )
    assert ok(outcomes[0]).text == "[BONJOUR.]"
    assert outcomes[1].error is not None and "missing-model" in outcomes[1].error
    assert outcomes[2].error is not None and "translation.models.es-de" in outcomes[2].error
    unchanged = ok(outcomes[3])
    assert (unchanged.text, unchanged.models, unchanged.segments) == ("  Hello.\n\nThere. ", [], 0)
    problems = engine.preflight([("fr", "en"), ("de", "en"), ("es", "de"), ("en", "en")])
    assert set(problems) == {("de", "en"), ("es", "de")}
    assert "missing-model" in problems[("de", "en")]


def test_pivot_and_target_prefix(fake_backend: list[list[str]], tmp_path: Path) -> None:
    models = {
        "de-en": fake_model(tmp_path, "de-en"),
        "en-fr": {"model": fake_model(tmp_path, "en-fr"), "target_prefix": ">>fra<<"},
    }
    engine = make_engine(models, tmp_path)
    (outcome,) = engine.translate([request("a", "Guten Tag.", "de", "fr")])
    translation = ok(outcome)
    assert translation.text == "[[GUTEN TAG.]]"
    assert [ref.role for ref in translation.models] == ["translation:de-en", "translation:en-fr"]


def test_every_hop_hands_the_batch_deadline_to_its_backend(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The backends stop a long ``generate`` with the deadline (``max_time``), so each call of each hop of
    a pivot route must receive the deadline the engine was given, not a fresh or missing one."""
    batches: list[list[str]] = []
    deadlines: list[Deadline | None] = []

    def load(path: Path, settings: GenerationSettings, **_: Any) -> tuple[FakeTranslator, int]:
        return FakeTranslator(batches, deadlines=deadlines), 1000

    monkeypatch.setitem(backends._LOADERS, "transformers", load)
    models = {"de-en": fake_model(tmp_path, "de-en"), "en-fr": fake_model(tmp_path, "en-fr")}
    engine = make_engine(models, tmp_path, max_batch_sentences=1)
    deadline = Deadline(3600, 2, "translate")
    text = "Guten Tag. Wie geht es Ihnen heute? Das Wetter ist schön."
    outcomes = engine.translate(
        [request("a", text, "de", "fr"), request("b", "Hallo Welt.", "de", "fr")], deadline=deadline
    )
    assert all(outcome.error is None for outcome in outcomes)
    # Two hops, one call per distinct sentence (one sentence per batch): at least four calls each.
    assert len(deadlines) >= 8
    assert all(given is deadline for given in deadlines)


def test_a_passed_deadline_fails_the_pool_before_any_backend_call(
    fake_backend: list[list[str]], tmp_path: Path
) -> None:
    clock_now = [0.0]
    deadline = Deadline(10, 1, "translate", clock=lambda: clock_now[0])
    clock_now[0] = 11.0
    engine = make_engine({"fr-en": fake_model(tmp_path, "m")}, tmp_path)
    (outcome,) = engine.translate([request("a", "Bonjour.", "fr")], deadline=deadline)
    assert outcome.translation is None
    assert outcome.error == deadline.reason()
    assert fake_backend == []


def test_fifty_thousand_word_article_is_translated_completely(
    tiny_marian_dir: Path, fake_backend: list[list[str]], tmp_path: Path
) -> None:
    rng = random.Random(0)
    vocabulary = ["le", "la", "les", "de", "du", "un", "une", "gouvernement", "grève", "retraites"]
    paragraphs = []
    words = 0
    while words < 50_000:
        sentences = [
            " ".join(rng.choices(vocabulary, k=rng.randint(4, 40))).capitalize() + "." for _ in range(8)
        ]
        paragraphs.append(" ".join(sentences))
        words += sum(len(s.split()) for s in sentences)
    # One "sentence" far past the 512 positions, with no punctuation to split on.
    paragraphs.append(" ".join(rng.choices(vocabulary, k=3_000)))
    text = "\n\n".join(paragraphs)
    sentence_count = 8 * (len(paragraphs) - 1) + 1

    # The echoing fake proves completeness and order: every sentence comes back, in its place.
    engine = make_engine({"fr-en": fake_model(tmp_path, "m")}, tmp_path, max_sentence_tokens=256)
    translation = ok(engine.translate([request("big", text, "fr")])[0])
    assert translation.segments == sentence_count
    assert translation.text.replace("[", "").replace("]", "") == text.upper()

    # The real tiny model: no position-limit error, one output per segment, paragraphs kept.
    engine = make_engine(
        {"fr-en": str(tiny_marian_dir)},
        tmp_path,
        batch_tokens=32_768,
        max_batch_sentences=1024,
        max_new_tokens_ratio=0.1,
    )
    translation = ok(engine.translate([request("big", text, "fr")])[0])
    assert translation.segments == sentence_count
    output_paragraphs = translation.text.split("\n\n")
    assert len(output_paragraphs) == len(paragraphs)
    assert all(paragraph.strip() for paragraph in output_paragraphs)


def test_three_models_each_loaded_once(tiny_marian_dir: Path, tmp_path: Path) -> None:
    dirs = {}
    for pair in ("fr-en", "ru-en", "de-en"):
        dirs[pair] = str(shutil.copytree(tiny_marian_dir, tmp_path / pair))
    cache = ModelCache(max_items=3)
    engine = make_engine(dirs, tmp_path, cache=cache, max_new_tokens_ratio=0.2)
    batch = [
        request("fr", FRENCH, "fr"),
        request("ru", RUSSIAN, "ru"),
        request("de", "Die Bundesregierung will den Ausbau beschleunigen.", "de"),
    ]
    for _ in range(3):
        assert all(outcome.error is None for outcome in engine.translate(batch))
    assert len(cache.loads) == 3
    assert set(cache.loads.values()) == {1}
    assert len(cache) == 3 and cache.total_bytes > 0


def test_repetition_guard() -> None:
    assert is_repetitive("the the the the cat")
    assert is_repetitive("a b a b a b a b")
    assert is_repetitive("球球球球球球")
    assert is_repetitive("sanememememememem")
    assert not is_repetitive("The council approved the budget on Tuesday after a long debate.")
    assert not is_repetitive("It cost 1000000 dollars.")


def test_missing_ctranslate2_is_reported(
    tiny_marian_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(__import__("sys").modules, "ctranslate2", None)
    engine = make_engine({"fr-en": str(tiny_marian_dir)}, tmp_path, backend="ctranslate2")
    problems = engine.preflight([("fr", "en")])
    assert "pip install 'newsdigest[ctranslate2]'" in problems[("fr", "en")]
    (outcome,) = engine.translate([request("a", "Bonjour.", "fr")])
    assert outcome.error is not None and "ctranslate2" in outcome.error


def test_byte_bound_keeps_resident_models_within_budget(tiny_marian_dir: Path, tmp_path: Path) -> None:
    dirs = {
        pair: str(shutil.copytree(tiny_marian_dir, tmp_path / pair)) for pair in ("fr-en", "ru-en", "de-en")
    }
    probe = ModelCache()
    make_engine({"fr-en": dirs["fr-en"]}, tmp_path, cache=probe).translate([request("p", "Bonjour.", "fr")])
    one_model = probe.total_bytes
    cache = ModelCache(max_items=10, max_bytes=2 * one_model + one_model // 2)
    engine = make_engine(dirs, tmp_path, cache=cache, max_new_tokens_ratio=0.2)
    batch = [request("fr", FRENCH, "fr"), request("ru", RUSSIAN, "ru"), request("de", "Guten Tag.", "de")]
    assert all(outcome.error is None for outcome in engine.translate(batch))
    assert len(cache) == 2 and cache.total_bytes <= cache.max_bytes
    assert sum(cache.loads.values()) == 3
