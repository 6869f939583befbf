"""Big articles never hold small ones (issue 14, item 6): an article over ``big_article_chars`` runs in a
batch of its own after every smaller one, and an article over ``article_time_budget_s`` fails with the
reason while the run goes on. Real tiny models throughout; the one simulated thing is the clock of the
slow-article test, which advances one second per sentence translated.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from pipelines import deadline as deadline_module
from pipelines.config import Config, load_config
from pipelines.deadline import Deadline
from pipelines.errors import TimeBudgetExceeded
from pipelines.records import Article, Record, content_hash
from pipelines.runner import _batches, read_inputs, run
from pipelines.services import build_services
from pipelines.stages import detect, summarize, translate
from pipelines.summarize.config import SummarySpec
from pipelines.summarize.seq2seq import load_seq2seq
from pipelines.translate.base import GenerationSettings
from pipelines.translate.marian import MarianTranslator
from tests.conftest import EXAMPLES

SMALL = ("fr-fete-vendanges.txt", "de-stadtrat-radwege.txt", "en-tram-line.txt")
BIG = "fr-big.txt"
BIG_SENTENCES = 120
THRESHOLD = 3_000


def _big_text() -> str:
    """~9,000 characters of distinct French sentences (the engine translates a repeated sentence once)."""
    sentences = [
        f"Le conseil municipal a examiné la proposition numéro {n} pendant la séance de mardi soir."
        for n in range(BIG_SENTENCES)
    ]
    return "Le grand dossier du conseil\n\n" + " ".join(sentences) + "\n"


def _inputs(tmp_path: Path) -> Path:
    """The big article first, so input order alone would put it in the small ones' batch."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / BIG).write_text(_big_text(), encoding="utf-8")
    for name in SMALL:
        (folder / name).write_bytes((EXAMPLES / name).read_bytes())
    return folder


def _config(tiny_overrides: dict[str, Any], tmp_path: Path, **extra: Any) -> Config:
    return load_config(
        None,
        {
            **tiny_overrides,
            "store.url": str(tmp_path / "store"),
            "models.cache_dir": str(tmp_path / "cache"),
            "big_article_chars": THRESHOLD,
            **extra,
        },
    )


def _name(record: Record) -> str:
    return Path(record.article.origin).name


def _record(name: str, chars: int, status: str | None = None) -> Record:
    text = "x" * chars
    article = Article(id=name, text=text, origin=name, content_hash=content_hash(text, name))
    record = Record(run_id="run", article=article)
    if status is not None:
        record.finish(status, "already final")  # type: ignore[arg-type]
    return record


# ------------------------------------------------------------------------------------------------ batches


def test_big_articles_get_a_batch_each_after_the_small_ones_which_keep_input_order() -> None:
    records = [
        _record("big-1", 5_001),
        _record("s1", 10),
        _record("s2", 5_000),  # at the threshold: small
        _record("big-2", 9_000),
        _record("s3", 10),
        _record("huge-but-failed", 9_000, status="failed"),  # no work left: stays with the small ones
        _record("s4", 10),
    ]
    batches = [[record.article.id for record in batch.records] for batch in _batches(records, 2, 5_000)]
    assert batches == [["s1", "s2"], ["s3", "huge-but-failed"], ["s4"], ["big-1"], ["big-2"]]


def test_without_a_threshold_batches_follow_input_order() -> None:
    records = [_record("big", 50_000), _record("s1", 10), _record("s2", 10)]
    batches = [[record.article.id for record in batch.records] for batch in _batches(records, 2, None)]
    assert batches == [["big", "s1"], ["s2"]]


def test_a_big_article_is_published_after_the_small_ones(
    tiny_overrides: dict[str, Any], tmp_path: Path
) -> None:
    services = build_services(_config(tiny_overrides, tmp_path))
    outcome = run([_inputs(tmp_path)], services)

    by_name = {_name(record): record for record in outcome.records}
    assert {name: record.status for name, record in by_name.items()} == dict.fromkeys(
        (BIG, *SMALL), "published"
    )
    big_at = by_name[BIG].processed_at
    assert big_at is not None
    assert all((by_name[name].processed_at or big_at) < big_at for name in SMALL)
    # The manifest lists every input, in the order they were published: the small ones in input (folder)
    # order, the big one, first of the folder, last.
    assert [Path(entry.origin).name for entry in outcome.manifest.entries] == [*sorted(SMALL), BIG]


# ------------------------------------------------------------------------------------------- time budget


class _SimulatedClock:
    """A clock for deadlines that moves only when the test moves it."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_an_article_over_the_time_budget_fails_and_the_small_ones_publish(
    tiny_overrides: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Budget 40 s per article on a clock where a sentence takes a second to translate: the big article
    (120 sentences) runs out in its first batch of sentences; the batch of the three small ones (27
    sentences to translate, the English one has none; 120 s of budget between them) does not."""
    clock = _SimulatedClock()
    original = MarianTranslator.translate_segments

    def slow(self: MarianTranslator, segments: Sequence[str], *args: Any, **options: Any) -> list[str]:
        clock.now += len(segments)
        return original(self, segments, *args, **options)

    monkeypatch.setattr(deadline_module, "monotonic", clock)
    monkeypatch.setattr(MarianTranslator, "translate_segments", slow)
    # The slow model is the transformers one, so that is the backend here.
    config = _config(
        tiny_overrides, tmp_path, **{"article_time_budget_s": 40, "translation.backend": "transformers"}
    )
    outcome = run([_inputs(tmp_path)], build_services(config))

    entries = {Path(entry.origin).name: entry for entry in outcome.manifest.entries}
    big = entries[BIG]
    assert big.status == "failed"
    assert big.reason == (
        "translation: article took longer than 40 s to translate; "
        "raise article_time_budget_s or lower ingest.max_article_chars"
    )
    assert big.key is not None and big.key.startswith("failures/")
    for name in SMALL:
        assert entries[name].status == "published", entries[name]


def test_a_budget_already_spent_fails_translation_and_summaries_with_a_real_model(
    tiny_overrides: dict[str, Any], tmp_path: Path
) -> None:
    """Budget 1 ns: the check before the first generate call fails the article, in either stage."""
    services = build_services(_config(tiny_overrides, tmp_path))
    big = str(_inputs(tmp_path) / BIG)
    records = read_inputs([big], services, "run-budget")[0]
    detect(records, services.config.detection)
    [translated] = translate(records, services.translation, "en", budget_s=1e-9)
    assert translated.status == "failed"
    assert translated.reason == (
        "translation: article took longer than 1e-09 s to translate; "
        "raise article_time_budget_s or lower ingest.max_article_chars"
    )
    records = read_inputs([big], services, "run-budget")[0]
    [summarised] = summarize(records, services.summary, "en", budget_s=1e-9)
    assert summarised.status == "failed"
    assert summarised.reason == (
        "summary: article took longer than 1e-09 s to summarise; "
        "raise article_time_budget_s or lower ingest.max_article_chars"
    )


def test_without_a_budget_nothing_changes(tiny_overrides: dict[str, Any], tmp_path: Path) -> None:
    """No budget (null, or 0) and a budget never reached give the same records: the deadline checks and
    generate's max_time change nothing until the time is up."""
    outputs = []
    for number, budget in enumerate((None, 0, 1e6)):
        folder = tmp_path / str(number)
        folder.mkdir()
        config = _config(
            tiny_overrides,
            folder,
            article_time_budget_s=budget,
            **{"translation.backend": "transformers", "summary.backend": "transformers"},
        )
        outcome = run([_inputs(folder)], build_services(config))
        assert outcome.manifest.counts == {"published": 4}
        outputs.append(
            {
                _name(record): (
                    record.translation.text if record.translation else None,
                    [summary.text for summary in record.summaries],
                )
                for record in outcome.records
            }
        )
    assert outputs[0] == outputs[1] == outputs[2]


def test_deadline_off_when_the_budget_is_null_or_zero() -> None:
    assert Deadline.start(None, 3, "translate") is None
    assert Deadline.start(0, 3, "translate") is None
    started = Deadline.start(10, 3, "translate")
    assert started is not None and 29 < started.remaining() <= 30


def test_a_pooled_batch_gets_the_budget_per_article_and_says_so() -> None:
    clock = _SimulatedClock()
    deadline = Deadline(10, 3, "summarise", clock=clock)
    clock.now = 29.5
    deadline.check()  # 30 s for three articles
    clock.now = 30
    with pytest.raises(TimeBudgetExceeded) as raised:
        deadline.check()
    assert str(raised.value) == (
        "a batch of 3 articles took longer than 10 s per article to summarise; raise article_time_budget_s "
        "or lower ingest.max_article_chars, or lower big_article_chars so long articles run alone"
    )


# --------------------------------------------------------------------------- max_time cuts are failures


def test_a_translation_cut_short_by_max_time_is_a_failure_not_a_short_output(tiny_marian_dir: Path) -> None:
    """generate stops at max_time and returns what it has; the backend must raise instead."""
    translator, _ = MarianTranslator.load(tiny_marian_dir, GenerationSettings(num_beams=1), "cpu", 1)
    segments = ["Le conseil municipal a voté la mesure."] * 4
    steps = [400] * len(segments)  # ~0.1 s or more of decoding with the tiny model
    full = translator.translate_segments(segments, exact_lengths=steps, deadline=Deadline(60, 1, "translate"))
    assert full  # a budget that is not reached changes nothing
    with pytest.raises(TimeBudgetExceeded, match="to translate"):
        translator.translate_segments(segments, exact_lengths=steps, deadline=Deadline(0.005, 1, "translate"))


def test_summaries_cut_short_by_max_time_are_a_failure_not_short_summaries(tiny_bart_dir: Path) -> None:
    from pipelines.models import ModelResolver

    loaded, _ = load_seq2seq(ModelResolver(timeout_s=5).resolve(str(tiny_bart_dir), None), "cpu", 1)
    spec = SummarySpec(model=str(tiny_bart_dir), min_length=600, max_length=600, num_beams=1)
    texts = ["The harbour reopened on Monday after the storm damaged two piers."] * 2
    started = time.monotonic()
    [full] = loaded.generate(texts, [spec])
    assert time.monotonic() - started > 0.02, "the test needs decoding slower than its budget"
    assert all(full)
    with pytest.raises(TimeBudgetExceeded, match="to summarise"):
        loaded.generate(texts, [spec], deadline=Deadline(0.005, 1, "summarise"))
