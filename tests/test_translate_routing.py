"""Routing: direct pairs, the fallback model, pivoting through English, prefixes and unknown pairs."""

from __future__ import annotations

import pytest

from pipelines.errors import UnsupportedPair
from pipelines.translate.config import TranslationConfig
from pipelines.translate.routing import route


def _config() -> TranslationConfig:
    return TranslationConfig.model_validate(
        {
            "backend": "transformers",
            "models": {
                "fr-en": "Helsinki-NLP/opus-mt-fr-en",
                "de-en": {"model": "/models/de-en", "backend": "ctranslate2"},
                "en-fr": {"model": "Helsinki-NLP/opus-mt-en-ROMANCE", "target_prefix": ">>fra<<"},
                "en-de": "Helsinki-NLP/opus-mt-en-de",
            },
            "fallback": "Helsinki-NLP/opus-mt-mul-en",
        }
    )


def test_direct_pair_with_backend_override() -> None:
    config = _config()
    (hop,) = route(config, "fr", "en").hops
    assert (hop.model.model, hop.backend, hop.role, hop.fallback) == (
        "Helsinki-NLP/opus-mt-fr-en",
        "transformers",
        "translation:fr-en",
        False,
    )
    (hop,) = route(config, "de", "en").hops
    assert hop.backend == "ctranslate2"


def test_fallback_for_unmapped_source() -> None:
    (hop,) = route(_config(), "sw", "en").hops
    assert hop.fallback and hop.model.model == "Helsinki-NLP/opus-mt-mul-en"
    assert hop.role == "translation:sw-en"


def test_pivot_through_english_with_prefix() -> None:
    hops = route(_config(), "de", "fr").hops
    assert [hop.pair for hop in hops] == ["de-en", "en-fr"]
    assert hops[1].target_prefix == ">>fra<<"
    # An unmapped source pivots through the fallback.
    assert [hop.pair for hop in route(_config(), "sw", "de").hops] == ["sw-en", "en-de"]


def test_same_language_needs_no_model() -> None:
    assert route(_config(), "fr", "fr").hops == ()


@pytest.mark.parametrize(
    ("source", "target", "hint"),
    [
        ("fr", "es", "add translation.models.fr-es (or en-es to pivot through 'en')"),
        ("en", "es", "add translation.models.en-es"),
    ],
)
def test_unknown_pair_names_the_config_key(source: str, target: str, hint: str) -> None:
    with pytest.raises(UnsupportedPair) as caught:
        route(_config(), source, target)
    assert hint in str(caught.value)
    assert (caught.value.source, caught.value.target) == (source, target)


def test_no_fallback_hint() -> None:
    config = TranslationConfig(models={})
    with pytest.raises(UnsupportedPair, match=r"add translation.models.fr-en \(or set translation.fallback"):
        route(config, "fr", "en")
    with pytest.raises(UnsupportedPair, match="fr-en and en-de to pivot"):
        route(config, "fr", "de")
