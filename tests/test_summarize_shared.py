"""Work shared between the short and the long summary, counted at the model boundary of a tiny BART."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipelines.models import ModelResolver
from pipelines.summarize.config import SummarySpec
from pipelines.summarize.seq2seq import LoadedSeq2Seq, Seq2SeqSummarizer, load_seq2seq
from tests.support import default_corpus


@pytest.fixture(autouse=True)
def _restore_torch_threads() -> Iterator[None]:
    import torch

    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


class EncoderCount:
    """Rows the model's encoder has encoded (a forward hook: the real model runs unchanged)."""

    def __init__(self, loaded: LoadedSeq2Seq) -> None:
        self.rows = 0
        loaded.model.get_encoder().register_forward_hook(self._hook)

    def _hook(self, module: Any, inputs: Any, output: Any) -> None:
        self.rows += int(output[0].shape[0])

    def take(self) -> int:
        rows, self.rows = self.rows, 0
        return rows


def spec(model: Path, max_length: int) -> SummarySpec:
    return SummarySpec(
        model=str(model),
        min_length=2,
        max_length=max_length,
        num_beams=1,
        no_repeat_ngram_size=3,
        max_words=500,
    )


def test_map_stage_once_and_one_encoder_pass_for_both_kinds(tiny_bart_dir: Path) -> None:
    resolved = ModelResolver().resolve(str(tiny_bart_dir))
    loaded, _ = load_seq2seq(resolved, "cpu", threads=1)
    count = EncoderCount(loaded)
    corpus = [line for line in default_corpus() if line.isascii()]
    long_text = " ".join(corpus[index % len(corpus)] for index in range(30))
    texts = [corpus[0], corpus[3] + " " + corpus[4], long_text]
    specs = {"short": spec(tiny_bart_dir, 12), "long": spec(tiny_bart_dir, 24)}

    def summarizer(shared_map: bool = False) -> Seq2SeqSummarizer:
        return Seq2SeqSummarizer(
            loaded, resolved, batch_size=4, overlap_sentences=1, max_levels=6, shared_map=shared_map
        )

    alone = {kind: summarizer().summarize(texts, spec, "en", kind=kind) for kind, spec in specs.items()}  # type: ignore[arg-type]
    rows_alone = count.take()
    chunks = alone["long"][2].chunks
    assert alone["long"][2].levels == alone["short"][2].levels == 2 and chunks > 1, (
        "one map level, then the final pass"
    )
    assert alone["short"][2].chunks == chunks
    assert rows_alone == 2 * (chunks + len(texts))

    paired = summarizer().summarize_kinds(texts, specs, "en")  # type: ignore[arg-type]
    rows_paired = count.take()
    assert paired == alone, "pairing the kinds changes no output"
    # The two texts that fit are encoded once for both kinds; the long one's two final inputs differ.
    assert rows_paired == rows_alone - 2

    shared = summarizer(shared_map=True).summarize_kinds(texts, specs, "en")  # type: ignore[arg-type]
    rows_shared = count.take()
    # The map stage runs once (the long spec's chunks) and both kinds' final passes read its result.
    assert rows_shared == chunks + len(texts)
    assert shared["long"] == alone["long"]
    assert shared["short"][:2] == alone["short"][:2], "texts that fit the model are summarised as before"
    assert (shared["short"][2].chunks, shared["short"][2].levels) == (chunks, 2)


def test_token_budget_batches_by_length(tiny_bart_dir: Path) -> None:
    from pipelines.summarize.seq2seq import _BoundModel

    resolved = ModelResolver().resolve(str(tiny_bart_dir))
    loaded, _ = load_seq2seq(resolved, "cpu", threads=1)
    corpus = default_corpus()
    texts = [" ".join(corpus[: 1 + index % 5]) for index in range(12)]
    model = _BoundModel(loaded, spec(tiny_bart_dir, 12), batch_size=8, batch_tokens=300)
    tokens = model.count_tokens(texts)
    batches = model.batches(texts)
    assert sorted(i for batch in batches for i in batch) == list(range(len(texts)))
    order = [i for batch in batches for i in batch]
    assert [tokens[i] for i in order] == sorted(tokens, reverse=True), "longest first"
    for batch in batches:
        assert len(batch) <= 8
        assert len(batch) == 1 or len(batch) * max(tokens[i] for i in batch) <= 300
    assert len(batches) > 2, "the budget, not batch_size, cuts these batches"
