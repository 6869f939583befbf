"""Test and benchmark helpers that build real, tiny models offline.

See :mod:`tests.support.tiny_models`. Importing this package is cheap: the
heavy libraries are imported only when a model is built.
"""

from __future__ import annotations

from tests.support.fixed_length import fixed_decode_lengths
from tests.support.tiny_models import (
    build_bart_like,
    build_marian_like,
    build_tiny_bart,
    build_tiny_marian,
    build_tiny_t5,
    default_corpus,
    train_sentencepiece,
)

__all__ = [
    "build_bart_like",
    "build_marian_like",
    "build_tiny_bart",
    "build_tiny_marian",
    "build_tiny_t5",
    "default_corpus",
    "fixed_decode_lengths",
    "train_sentencepiece",
]
