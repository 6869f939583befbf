"""Extractive summarizers: ``lead`` (the first sentences) and ``textrank`` (a sentence graph ranker).

Both work for any language pysbd (or the English rules) can split, and need no model, so they are also
the fallback when a seq2seq model cannot be loaded. On news the lead is a strong baseline, because news
is written with the main facts first (see docs/benchmarks.md).

The ranker is a small TextRank/LexRank implementation rather than sumy's: sumy tokenizes with NLTK punkt,
whose data cannot be downloaded here, and stems with per-language stemmers that do not exist for Chinese
or Japanese. Sentences are nodes, edges are TF-IDF cosine similarities, scores come from PageRank.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Sequence
from typing import Any

from pipelines.records import Summary
from pipelines.summarize.config import SummaryKind, SummarySpec
from pipelines.summarize.fit import FLAG_SHORTER_SENTENCE, shorter_sentence
from pipelines.summarize.text import join_sentences, sentences, words

_DAMPING = 0.85
_ITERATIONS = 100
_TOLERANCE = 1e-6


class ExtractiveSummarizer(ABC):
    """Shared shell of the extractive methods: split into sentences, keep some, join them back.

    Subclasses name their ``method`` and choose the sentences in ``select``.
    """

    method: str

    @abstractmethod
    def select(self, candidates: Sequence[str], count: int) -> list[str]:
        """At most ``count`` of ``candidates``, in document order."""

    def summarize(
        self, texts: Sequence[str], spec: SummarySpec, language: str, *, kind: SummaryKind = "long"
    ) -> list[Summary]:
        summaries = []
        for text in texts:
            candidates = sentences(text, language)
            chosen = self.select(candidates, spec.sentences)
            flags: list[str] = []
            if len(chosen) == 1:
                # One sentence over budget that compression cannot fit: a shorter one with the same story.
                substitute = shorter_sentence(chosen[0], candidates, spec.max_words, language)
                if substitute is not None:
                    chosen, flags = [substitute], [FLAG_SHORTER_SENTENCE]
            summaries.append(
                Summary(
                    kind=kind,
                    language=language,
                    text=join_sentences(chosen, language),
                    method=self.method,
                    flags=flags,
                )
            )
        return summaries


class LeadSummarizer(ExtractiveSummarizer):
    """The first ``spec.sentences`` sentences (LEAD-N)."""

    method = "lead"

    def select(self, candidates: Sequence[str], count: int) -> list[str]:
        return list(candidates[:count])


class TextRankSummarizer(ExtractiveSummarizer):
    """The ``spec.sentences`` highest-ranked sentences, in document order."""

    method = "textrank"

    def select(self, candidates: Sequence[str], count: int) -> list[str]:
        return rank_sentences(candidates, count)


def rank_sentences(candidates: Sequence[str], count: int) -> list[str]:
    """The ``count`` best-connected sentences of ``candidates``, in their original order.

    Ties (including a graph with no edges) go to the earlier sentence, so an article whose sentences
    share no words degrades to its lead rather than to an arbitrary pick.
    """
    if len(candidates) <= count:
        return list(candidates)
    scores = pagerank(similarity_matrix(candidates))
    best = sorted(range(len(candidates)), key=lambda i: (-round(scores[i], 9), i))[:count]
    return [candidates[i] for i in sorted(best)]


def similarity_matrix(candidates: Sequence[str]) -> Any:
    """Cosine similarity (numpy array) of the sentences' TF-IDF vectors, IDF over the sentences themselves."""
    import numpy as np

    bags = [Counter(token.lower() for token in words(sentence)) for sentence in candidates]
    vocabulary = {token: index for index, token in enumerate(sorted({t for bag in bags for t in bag}))}
    counts = np.zeros((len(bags), len(vocabulary)), dtype=np.float32)
    for row, bag in enumerate(bags):
        for token, frequency in bag.items():
            counts[row, vocabulary[token]] = frequency
    document_frequency = (counts > 0).sum(axis=0)
    weighted = counts * np.log((1 + len(bags)) / (1 + document_frequency))
    norms = np.linalg.norm(weighted, axis=1, keepdims=True)
    unit = np.divide(weighted, norms, out=np.zeros_like(weighted), where=norms > 0)
    matrix = unit @ unit.T
    np.fill_diagonal(matrix, 0.0)
    return matrix


def pagerank(matrix: Any) -> list[float]:
    """PageRank over a weighted undirected graph; a node without edges keeps only the teleport score."""
    import numpy as np

    size = matrix.shape[0]
    if size == 0:
        return []
    out_weight = matrix.sum(axis=1)
    column = out_weight[:, None]
    transition = np.divide(matrix, column, out=np.zeros_like(matrix), where=column > 0)
    scores = np.full(size, 1.0 / size)
    for _ in range(_ITERATIONS):
        updated = (1 - _DAMPING) / size + _DAMPING * (transition.T @ scores)
        converged = float(np.abs(updated - scores).max()) < _TOLERANCE
        scores = updated
        if converged:
            break
    return [float(score) for score in scores]
