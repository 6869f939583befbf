"""Judge what ``newsdigest run`` writes with the models trained in this repo (devtools/models,
configs/trained-local.yaml) on held-out articles of the synthetic grammar, whose right answers are known.

Used by tests/test_quality_trained.py (the targets) and benchmarks/trained_quality.py (the figures).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from devtools import synthetic_news
from flows.cli import EXIT_OK, app
from pipelines.segment import split_sentences

REPO = Path(__file__).resolve().parent.parent
TRAINED_CONFIG = REPO / "configs" / "trained-local.yaml"
ARTICLES_PER_LANGUAGE = 4
FIRST_ARTICLE = 100  # held-out articles 100-103 of each language (never trained on)
LONG_ARTICLE = synthetic_news.HELD_OUT_RESERVED  # and one of 8-9 paragraphs: longer than the summarizer reads
SETUPS = {
    "transformers": {"backend": "transformers"},
    "ct2-float32": {"backend": "ctranslate2", "compute_type": "float32"},
    "ct2-int8": {"backend": "ctranslate2", "compute_type": "int8"},
}


def held_out_articles() -> list[synthetic_news.Article]:
    found = []
    for language in synthetic_news.SOURCE_LANGUAGES:
        found += synthetic_news.articles(language, ARTICLES_PER_LANGUAGE, start=FIRST_ARTICLE)
        found += synthetic_news.articles(language, 1, start=LONG_ARTICLE, paragraphs=(8, 9))
    return found


def trained_config(
    tmp: Path, setup: dict[str, str], beams: int, summary_options: dict[str, Any] | None = None
) -> Path:
    """configs/trained-local.yaml with absolute model paths, one backend and one beam width, and
    ``summary_options`` (e.g. ``shared_map``, ``batch_tokens``) set in its summary section."""
    data: dict[str, Any] = yaml.safe_load(TRAINED_CONFIG.read_text(encoding="utf-8"))
    models = data["translation"]["models"]
    for pair, where in models.items():
        models[pair] = str((REPO / where).resolve())
    data["translation"].update(setup, num_beams=beams)
    summary = data["summary"]
    for kind in ("short", "long"):
        if summary[kind].get("model"):
            summary[kind].update(model=str((REPO / summary[kind]["model"]).resolve()), num_beams=beams)
            summary.update(setup)
    summary.update(summary_options or {})
    data["models"] = {**data.get("models", {}), "cache_dir": str(tmp / "model-cache")}
    path = tmp / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@dataclass
class Judged:
    """Sentence-level and summary-level agreement of one run with the right answers."""

    sentences: int = 0
    sentences_right: int = 0
    summaries: int = 0
    summaries_right: int = 0
    false_alarms: tuple[str, ...] = ()  # faithfulness flags on outputs that are exactly right
    hypotheses: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    summary_texts: tuple[str, ...] = ()  # English short and long summaries, article by article
    wrong: tuple[str, ...] = ()

    @property
    def sentence_share(self) -> float:
        return self.sentences_right / self.sentences

    @property
    def summary_share(self) -> float:
        return self.summaries_right / self.summaries

    def chrf(self) -> float:
        import sacrebleu

        return float(sacrebleu.corpus_chrf(list(self.hypotheses), [list(self.references)]).score)


def output_sentences(text: str) -> list[list[str]]:
    return [split_sentences(paragraph, "en") for paragraph in text.split("\n\n")]


def judge(articles: list[synthetic_news.Article], records: dict[str, dict[str, Any]]) -> Judged:
    """Compare each record with its article's English side, sentence by sentence, paragraph by paragraph."""
    judged = Judged()
    hypotheses: list[str] = []
    references: list[str] = []
    wrong: list[str] = []
    false_alarms: list[str] = []
    summary_texts: list[str] = []
    for item in articles:
        record = records[item.title.english]
        translation = record["translation"]
        before = len(wrong)
        pairs = [(translation["title"], item.title.english)]
        produced = output_sentences(translation["text"])
        for paragraph, expected in zip_longest(produced, item.paragraphs, fillvalue=()):
            pairs += list(zip_longest(paragraph, [pair.english for pair in expected], fillvalue=""))
        for hypothesis, reference in pairs:
            judged.sentences += 1
            judged.sentences_right += hypothesis == reference
            hypotheses.append(hypothesis)
            references.append(reference)
            if hypothesis != reference:
                wrong.append(f"{hypothesis!r} != {reference!r}")
        if len(wrong) == before:
            false_alarms += [f for f in translation["flags"] if f.startswith("unsupported-")]
        english = {s["kind"]: s for s in record["summaries"] if s["language"] == "en"}
        for kind, count in (("short", 1), ("long", 3)):
            summary = english[kind]
            judged.summaries += 1
            right = summary["text"] == item.lead(count)
            summary_texts.append(summary["text"])
            judged.summaries_right += right
            if right:
                false_alarms += [f for f in summary["flags"] if f.startswith("unsupported-")]
            else:
                wrong.append(f"{kind}: {summary['text']!r} != {item.lead(count)!r}")
    judged.hypotheses, judged.references = tuple(hypotheses), tuple(references)
    judged.wrong, judged.false_alarms = tuple(wrong), tuple(false_alarms)
    judged.summary_texts = tuple(summary_texts)
    return judged


def run_trained(
    tmp: Path, setup: dict[str, str], beams: int, summary_options: dict[str, Any] | None = None
) -> tuple[Judged, list[dict[str, Any]]]:
    articles = held_out_articles()
    inputs = tmp / "articles"
    inputs.mkdir()
    for number, item in enumerate(articles):
        (inputs / f"{item.language}-{number}.txt").write_text(item.file_text(), encoding="utf-8")
    store = tmp / "store"
    result = CliRunner().invoke(
        app,
        [
            "run",
            str(inputs),
            "--config",
            str(trained_config(tmp, setup, beams, summary_options)),
            "--store",
            str(store),
        ],
    )
    if result.exit_code != EXIT_OK:
        raise RuntimeError(f"newsdigest run exited {result.exit_code}:\n{result.output}")
    records = [json.loads(path.read_text(encoding="utf-8")) for path in (store / "records").rglob("*.json")]
    published = [r for r in records if r["status"] == "published"]
    if len(published) != len(articles):
        raise RuntimeError(f"{len(published)} of {len(articles)} articles published:\n{result.output}")
    by_title = {r["translation"]["title"]: r for r in records}
    # A record whose title came out wrong is matched by its origin instead.
    for number, item in enumerate(articles):
        if item.title.english not in by_title:
            origin = f"{item.language}-{number}.txt"
            by_title[item.title.english] = next(r for r in records if r["article"]["origin"].endswith(origin))
    return judge(articles, by_title), records


def spanish_summaries_right(records: list[dict[str, Any]]) -> tuple[int, int]:
    """``summary.output_languages: [es]`` through the English->Spanish model: for a Spanish article its
    Spanish summaries are its own lead sentences again. (right, judged) over the Spanish articles."""
    articles = {item.title.english: item for item in held_out_articles()}
    right = total = 0
    for record in records:
        spanish = {s["kind"]: s["text"] for s in record["summaries"] if s["language"] == "es"}
        item = articles.get(record["translation"]["title"])
        if item is None or item.language != "es":
            continue
        for kind, count in (("short", 1), ("long", 3)):
            total += 1
            right += spanish.get(kind) == " ".join(pair.source for pair in item.sentences[:count])
    return right, total
