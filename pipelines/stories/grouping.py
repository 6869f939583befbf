"""Grouping articles into stories: which articles of a day report the same event.

The similarity of two articles combines four cues computed on the text in the *target* language (so a
translated article compares with the originals):

- TF-IDF cosine over words (unigrams and bigrams) of title and text;
- TF-IDF cosine over character 3-5-grams (robust to inflection and to imperfect translation);
- TF-IDF cosine over names and figures: capitalised words and numbers, which survive translation
  ("Gdańsk", "Baltic", "2400", "4.75") and separate a story from another one on the same topic;
- TF-IDF cosine over the titles alone.

Groups are formed by average-linkage agglomerative clustering, cut where the average similarity falls
below a threshold chosen on ``benchmarks/data/stories``. Incremental runs first attach each new article
to an existing story (same average-linkage rule), then cluster the rest, so stories keep their ids.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer

WEIGHTS = {"words": 0.35, "chars": 0.2, "names": 0.3, "title": 0.15}

_SENTENCE_END = re.compile(r"[.!?…:;»\"“”]\s+|\n+")
_TOKEN = re.compile(r"\d+(?:[.,'’]\d+)*|[^\W\d_][\w'’-]*", re.UNICODE)
_THOUSANDS = re.compile(r"^\d{1,3}(?:[.,'’ ]\d{3})+$")

Matrix = NDArray[np.float64]


@dataclass(frozen=True)
class StoryText:
    """What grouping looks at for one article: its id, title and text in the target language."""

    id: str
    title: str
    text: str
    time: datetime | None = None


def _fold(token: str) -> str:
    """Lower case without accents, so 'Gdańsk' and 'Gdansk' meet."""
    decomposed = unicodedata.normalize("NFKD", token.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _number(token: str) -> str | None:
    """A figure in one spelling: '2,400' and '2.400' -> '2400'; '4,75' -> '4.75'; single digits dropped."""
    if _THOUSANDS.match(token):
        return re.sub(r"\D", "", token)
    value = token.replace(",", ".").replace("’", ".").replace("'", ".")
    return value if len(value.replace(".", "")) >= 2 else None


def names_and_figures(text: str) -> list[str]:
    """Capitalised words that are not merely sentence-initial, and numbers of two or more digits."""
    found: list[str] = []
    inside: set[str] = set()
    initial: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        for position, token in enumerate(_TOKEN.findall(sentence)):
            if token[0].isdigit():
                figure = _number(token)
                if figure:
                    found.append(figure)
            elif token[0].isupper() and len(token) > 1:
                (initial if position == 0 else found).append(_fold(token))
                if position:
                    inside.add(_fold(token))
    found.extend(name for name in initial if name in inside)
    return found


def _cosine(documents: Sequence[str], vectorizer: TfidfVectorizer) -> Matrix:
    if not any(document.strip() for document in documents):
        return np.zeros((len(documents), len(documents)))
    try:
        vectors = vectorizer.fit_transform(documents)
    except ValueError:  # empty vocabulary: nothing to compare
        return np.zeros((len(documents), len(documents)))
    # TfidfVectorizer L2-normalises rows, so the product is the cosine.
    return np.asarray((vectors @ vectors.T).toarray(), dtype=np.float64)


def similarity(items: Sequence[StoryText], language: str = "en") -> Matrix:
    """The symmetric matrix of pairwise similarities in [0, 1] (1 on the diagonal)."""
    bodies = [f"{item.title}\n{item.text}" for item in items]
    stop_words = "english" if language == "en" else None
    parts = {
        "words": _cosine(
            bodies,
            TfidfVectorizer(
                ngram_range=(1, 2), sublinear_tf=True, strip_accents="unicode", stop_words=stop_words
            ),
        ),
        "chars": _cosine(
            bodies, TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, lowercase=True)
        ),
        "names": _cosine(
            [" ".join(names_and_figures(body)) for body in bodies],
            TfidfVectorizer(analyzer=str.split, sublinear_tf=True),
        ),
        "title": _cosine(
            [item.title for item in items],
            TfidfVectorizer(sublinear_tf=True, strip_accents="unicode", stop_words=stop_words),
        ),
    }
    combined = sum(WEIGHTS[name] * matrix for name, matrix in parts.items())
    result = np.clip(np.asarray(combined, dtype=np.float64), 0.0, 1.0)
    np.fill_diagonal(result, 1.0)
    return result


def cluster(sim: Matrix, threshold: float, members: Sequence[int] | None = None) -> list[list[int]]:
    """Average-linkage groups of the rows ``members`` (all rows by default): merged while the average
    similarity between two groups is at least ``threshold``. Each group is sorted; groups by first row."""
    rows = list(range(len(sim))) if members is None else sorted(members)
    if len(rows) < 2:
        return [rows] if rows else []
    distance = 1.0 - sim[np.ix_(rows, rows)]
    labels = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average", distance_threshold=1.0 - threshold + 1e-9
    ).fit_predict(distance)
    groups: dict[int, list[int]] = {}
    for row, label in zip(rows, labels, strict=True):
        groups.setdefault(int(label), []).append(row)
    return sorted(groups.values(), key=lambda group: group[0])


def central(sim: Matrix, group: Sequence[int]) -> int:
    """The member most similar on average to the others (the first one on a tie)."""
    if len(group) == 1:
        return group[0]
    block = sim[np.ix_(group, group)]
    scores = (block.sum(axis=1) - 1.0) / (len(group) - 1)
    return group[int(np.argmax(scores))]


@dataclass(frozen=True)
class Assignment:
    """Where the new articles of a run go: ids joining existing stories, and new groups of ids."""

    joins: dict[str, list[str]]
    new_groups: list[list[str]]
    similarity: Matrix
    """The pairwise similarities of the items, in their order (for :func:`central`)."""


def assign(
    items: Sequence[StoryText],
    existing: Mapping[str, Sequence[str]],
    threshold: float,
    language: str = "en",
) -> Assignment:
    """Place every item that is in no existing story.

    ``existing`` maps story id -> member ids (members must be among ``items``). Each new item joins the
    existing story with the highest average similarity when that reaches ``threshold``; the others are
    clustered among themselves. Existing stories never split or merge, so their ids stay valid.
    """
    index = {item.id: row for row, item in enumerate(items)}
    placed = {member for members in existing.values() for member in members}
    sim = similarity(items, language)
    joins: dict[str, list[str]] = {}
    leftover: list[int] = []
    for row, item in enumerate(items):
        if item.id in placed:
            continue
        best_story, best_score = None, threshold
        for story_id, members in existing.items():
            rows = [index[member] for member in members if member in index]
            if not rows:
                continue
            score = float(sim[row, rows].mean())
            if score >= best_score:
                best_story, best_score = story_id, score
        if best_story is None:
            leftover.append(row)
        else:
            joins.setdefault(best_story, []).append(item.id)
    groups = [[items[row].id for row in group] for group in cluster(sim, threshold, leftover)]
    return Assignment(joins=joins, new_groups=groups, similarity=sim)


def group_all(items: Sequence[StoryText], threshold: float, language: str = "en") -> list[list[str]]:
    """Every item in exactly one group (a run with no existing stories)."""
    return assign(items, {}, threshold, language).new_groups
