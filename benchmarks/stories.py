"""Story grouping on the team's story set: B-cubed and pairwise scores against two baselines.

    PYTHONPATH=. python benchmarks/stories.py [--threshold T] [--sweep] [--trained]

The set (benchmarks/data/stories/articles.jsonl) holds English articles plus French, German and Spanish
versions of four stories, each with a gold English translation written by the team. Three settings:

- same-language: the English articles only (the target);
- all, gold translations: every article, other languages through their gold translation (what grouping
  sees when translation works);
- all, untranslated: every article in its original language (what grouping sees when the translation is
  useless, e.g. the tiny random test models: only names and figures can connect them);
- two-language stories only: the same two views restricted to the four stories told in two languages;
- with ``--trained``, also "translated by the pipeline": the French, German and Spanish articles go
  through ``newsdigest run`` with the models this repo trains (configs/trained-local.yaml, transformers,
  4 beams) and grouping sees the translation the pipeline published.

"incremental" runs the grouping twice, first on the earlier half of the day, then adding the later half
to the stories of the first run, as the day's runs do.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from itertools import combinations
from pathlib import Path
from typing import Any

from pipelines.records import Article, Detection, Record, Signature, Summary, Translation, content_hash
from pipelines.store.base import ObjectStore
from pipelines.store.publish import Publisher
from pipelines.stories.config import DEFAULT_THRESHOLD
from pipelines.stories.grouping import StoryText, assign, group_all

DATA = Path(__file__).resolve().parent / "data" / "stories" / "articles.jsonl"
Grouper = Callable[[Sequence[StoryText]], list[list[str]]]
DAY = date(2026, 11, 24)
SIGNATURE = Signature(code_version="example", config_hash="0" * 16)


def load(path: Path = DATA) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def record_for(row: dict[str, Any], run_id: str = "run-1") -> Record:
    """A finished record of one article of the story set (non-English ones carry their gold translation)."""
    translated = row["language"] != "en"
    title = row.get("title_en", row["title"])
    text = row.get("text_en", row["text"])
    lead = text.split(". ")[0] + "."
    return Record(
        run_id=run_id,
        article=Article(
            id=row["id"],
            title=row["title"],
            text=row["text"],
            url=row["url"],
            source=row["source"],
            published_at=datetime.fromisoformat(row["published_at"]),
            origin=f"stories.jsonl:{row['id']}",
            content_hash=content_hash(row["text"], row["title"]),
        ),
        detection=Detection(language=row["language"], probability=0.99),
        translation=Translation(text=text, title=title, source_language=row["language"], target_language="en")
        if translated
        else None,
        summaries=[
            Summary(kind="short", language="en", text=lead, method="lead"),
            Summary(kind="long", language="en", text=text, method="lead"),
        ],
        signature=SIGNATURE,
        processed_at=datetime(2026, 11, 25, 1, 0, tzinfo=UTC),
    )


def publish(store: ObjectStore, rows: list[dict[str, Any]], run_id: str, day: date = DAY) -> None:
    """Publish the rows' records as a pipeline run would (used by the tests and docs/make_edition_png.py)."""
    publisher = Publisher(store)
    for row in rows:
        publisher.publish(record_for(row, run_id), day)


def pipeline_translations(rows: Sequence[dict[str, str]]) -> dict[str, dict[str, str]]:
    """The non-English rows translated by ``newsdigest run`` with the trained test models:
    ``{id: {"title_en": ..., "text_en": ...}}`` as the pipeline published them."""
    import tempfile

    from typer.testing import CliRunner

    from devtools.quality import trained_config
    from flows.cli import EXIT_OK, app

    foreign = [row for row in rows if row["language"] != "en"]
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        inputs = tmp / "articles"
        inputs.mkdir()
        for row in foreign:
            (inputs / f"{row['id']}.txt").write_text(f"{row['title']}\n\n{row['text']}\n", encoding="utf-8")
        config = trained_config(tmp, {"backend": "transformers"}, beams=4)
        result = CliRunner().invoke(
            app, ["run", str(inputs), "--config", str(config), "--store", str(tmp / "s")]
        )
        if result.exit_code != EXIT_OK:
            raise RuntimeError(f"newsdigest run exited {result.exit_code}:\n{result.output}")
        found = {}
        for path in (tmp / "s" / "records").rglob("*.json"):
            record = json.loads(path.read_text(encoding="utf-8"))
            row_id = Path(record["article"]["origin"]).stem
            translation = record.get("translation") or {}
            found[row_id] = {
                "title_en": translation.get("title", ""),
                "text_en": translation.get("text", ""),
                "flags": ", ".join(translation.get("flags", [])) or "none",
            }
    missing = sorted({row["id"] for row in foreign} - set(found))
    if missing:
        raise RuntimeError(f"no published translation for {missing}")
    return found


def texts(
    rows: Sequence[dict[str, str]], *, translated: bool, translations: dict[str, dict[str, str]] | None = None
) -> list[StoryText]:
    """The rows as grouping sees them: in their own language, through their gold English translation, or
    (``translations``) through the given ones."""

    def pick(row: dict[str, str], field: str) -> str:
        if translations is not None and row["id"] in translations:
            return translations[row["id"]][f"{field}_en"]
        return row.get(f"{field}_en", row[field]) if translated else row[field]

    return [
        StoryText(
            row["id"], pick(row, "title"), pick(row, "text"), datetime.fromisoformat(row["published_at"])
        )
        for row in rows
    ]


def bcubed(groups: Sequence[Sequence[str]], gold: dict[str, str]) -> tuple[float, float, float]:
    predicted = {member: set(group) for group in groups for member in group}
    truth: dict[str, set[str]] = {}
    for member, label in gold.items():
        truth.setdefault(label, set()).add(member)
    precision = recall = 0.0
    for member, label in gold.items():
        overlap = len(predicted[member] & truth[label])
        precision += overlap / len(predicted[member])
        recall += overlap / len(truth[label])
    precision, recall = precision / len(gold), recall / len(gold)
    return precision, recall, _f1(precision, recall)


def pairwise(groups: Sequence[Sequence[str]], gold: dict[str, str]) -> tuple[float, float, float]:
    predicted = {frozenset(pair) for group in groups for pair in combinations(group, 2)}
    truth = {frozenset((a, b)) for a, b in combinations(gold, 2) if gold[a] == gold[b]}
    hits = len(predicted & truth)
    precision = hits / len(predicted) if predicted else 1.0
    recall = hits / len(truth) if truth else 1.0
    return precision, recall, _f1(precision, recall)


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def no_grouping(items: Sequence[StoryText]) -> list[list[str]]:
    return [[item.id] for item in items]


def exact_title(items: Sequence[StoryText]) -> list[list[str]]:
    groups: dict[str, list[str]] = {}
    for item in items:
        groups.setdefault(re.sub(r"\W+", " ", item.title.lower()).strip(), []).append(item.id)
    return list(groups.values())


def incremental(threshold: float) -> Grouper:
    def run(items: Sequence[StoryText]) -> list[list[str]]:
        ordered = sorted(items, key=lambda item: (item.time or datetime.min, item.id))
        first = ordered[: len(ordered) // 2]
        stories = {group[0]: group for group in group_all(first, threshold)}
        later = assign(ordered, stories, threshold)
        for story_id, joined in later.joins.items():
            stories[story_id] = stories[story_id] + joined
        return list(stories.values()) + later.new_groups

    return run


def table(threshold: float, translations: dict[str, dict[str, str]] | None = None) -> list[str]:
    rows = load()
    multilingual = {row["story"] for row in rows if row["language"] != "en"}
    bilingual = [row for row in rows if row["story"] in multilingual]
    settings: dict[str, tuple[list[dict[str, str]], bool, dict[str, dict[str, str]] | None]] = {
        "same-language (en)": ([row for row in rows if row["language"] == "en"], True, None),
        "all, gold translations": (rows, True, None),
        "all, untranslated": (rows, False, None),
        "two-language stories only, gold translations": (bilingual, True, None),
        "two-language stories only, untranslated": (bilingual, False, None),
    }
    if translations is not None:
        settings["all, translated by the pipeline (trained test models)"] = (rows, True, translations)
        settings["two-language stories only, translated by the pipeline (trained test models)"] = (
            bilingual,
            True,
            translations,
        )
    methods: dict[str, Grouper] = {
        "no grouping": no_grouping,
        "exact title": exact_title,
        f"newsdigest (threshold {threshold:.2f})": lambda items: group_all(items, threshold),
        "newsdigest, incremental (2 runs)": incremental(threshold),
    }
    lines = [
        "| setting | articles | stories | method | B³ P | B³ R | B³ F1 | pairwise F1 |",
        "|---|---:|---:|---|---:|---:|---:|---:|",
    ]
    for setting, (subset, translated, given) in settings.items():
        gold = {row["id"]: row["story"] for row in subset}
        items = texts(subset, translated=translated, translations=given)
        for name, method in methods.items():
            groups = method(items)
            assert sorted(m for g in groups for m in g) == sorted(gold), "every article in exactly one story"
            p, r, f = bcubed(groups, gold)
            pair_f = pairwise(groups, gold)[2]
            lines.append(
                f"| {setting} | {len(subset)} | {len(set(gold.values()))} | {name} | {p:.3f} | {r:.3f} "
                f"| {f:.3f} | {pair_f:.3f} |"
            )
    return lines


def sweep() -> list[str]:
    rows = load()
    english = [row for row in rows if row["language"] == "en"]
    lines = [
        "| threshold | same-language B³ F1 | gold-translated B³ F1 | untranslated B³ F1 |",
        "|---:|---:|---:|---:|",
    ]
    for step in range(10, 52, 2):
        threshold = step / 100
        scores = [
            bcubed(
                group_all(texts(subset, translated=translated), threshold),
                {r["id"]: r["story"] for r in subset},
            )[2]
            for subset, translated in ((english, True), (rows, True), (rows, False))
        ]
        lines.append(f"| {threshold:.2f} | " + " | ".join(f"{score:.3f}" for score in scores) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--sweep", action="store_true", help="also print B³ F1 over thresholds 0.10-0.50")
    parser.add_argument(
        "--trained",
        action="store_true",
        help="add rows where the pipeline translates the non-English articles with the trained test models",
    )
    args = parser.parse_args()
    translations = pipeline_translations(load()) if args.trained else None
    print("\n".join(table(args.threshold, translations)))
    if translations:
        print()
        for row_id, translation in sorted(translations.items()):
            flags, title, text = translation["flags"], translation["title_en"], translation["text_en"]
            print(f"{row_id} (flags: {flags}): {title} | {text[:200]}")
    if args.sweep:
        print()
        print("\n".join(sweep()))


if __name__ == "__main__":
    main()
