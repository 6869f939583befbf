"""Broken models and huge articles (issue 7, item 2): a corrupt or incomplete model directory fails only
the articles that need it, with the model named; one huge article is cut or refused by the size guard
while the rest of its batch publishes.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from pipelines.config import Config, load_config
from pipelines.runner import read_inputs, run
from pipelines.services import build_services
from tests.conftest import EXAMPLES

FRENCH = "fr-fete-vendanges.txt"
GERMAN = ("de-stadtrat-radwege.txt", "de-hochwasserschutz.html")


def _break(marian: Path, target: Path, how: str) -> Path:
    shutil.copytree(marian, target)
    if how == "garbage-weights":
        (target / "model.safetensors").write_bytes(b"\x00garbage, not a safetensors file" * 100)
    elif how == "truncated-weights":
        data = (marian / "model.safetensors").read_bytes()
        (target / "model.safetensors").write_bytes(data[: len(data) // 3])
    elif how == "no-tokenizer":
        (target / "source.spm").unlink()
    elif how == "no-vocab":
        (target / "vocab.json").unlink()
    elif how == "bad-config":
        (target / "config.json").write_text("{not json")
    return target


def _config(tiny_overrides: dict[str, Any], tmp_path: Path, **extra: Any) -> Config:
    return load_config(
        None,
        {
            **tiny_overrides,
            "store.url": str(tmp_path / "store"),
            "models.cache_dir": str(tmp_path / "cache"),
            **extra,
        },
    )


def _stored(root: Path) -> Counter[str]:
    return Counter(path.relative_to(root).parts[0] for path in root.rglob("*.json"))


@pytest.mark.parametrize(
    "how", ["garbage-weights", "truncated-weights", "no-tokenizer", "no-vocab", "bad-config"]
)
def test_a_broken_model_fails_its_articles_with_the_model_named(
    tiny_overrides: dict[str, Any], tiny_marian_dir: Path, tmp_path: Path, how: str
) -> None:
    broken = _break(tiny_marian_dir, tmp_path / f"broken-{how}", how)
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in (FRENCH, *GERMAN, "en-tram-line.txt"):
        (inputs / name).write_bytes((EXAMPLES / name).read_bytes())
    pairs = {"fr-en": str(tiny_marian_dir), "de-en": str(broken)}
    config = _config(tiny_overrides, tmp_path, **{"translation.models": pairs})

    manifest = run([inputs], build_services(config)).manifest
    by_name = {Path(entry.origin).name: entry for entry in manifest.entries}
    assert by_name[FRENCH].status == "published" and by_name["en-tram-line.txt"].status == "published"
    for name in GERMAN:
        entry = by_name[name]
        assert entry.status == "failed", entry
        assert str(broken) in (entry.reason or ""), entry.reason
        assert entry.reason and entry.reason.startswith("translation"), entry.reason
    counts = _stored(tmp_path / "store")
    assert counts == {"records": 2, "summaries": 2, "failures": 2, "runs": 1, "index": 2}


def test_a_broken_summary_model_falls_back_with_the_model_named(
    tiny_overrides: dict[str, Any], tiny_bart_dir: Path, tmp_path: Path
) -> None:
    """Summaries have an extractive fallback: articles still publish, each summary saying why."""
    broken = _break(tiny_bart_dir, tmp_path / "broken-bart", "garbage-weights")
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in (FRENCH, "en-tram-line.txt"):
        (inputs / name).write_bytes((EXAMPLES / name).read_bytes())
    summary = {"model": str(broken), "num_beams": 1, "min_length": 2}
    config = _config(
        tiny_overrides,
        tmp_path,
        **{"summary.short": {**summary, "max_length": 16}, "summary.long": {**summary, "max_length": 32}},
    )
    manifest = run([inputs], build_services(config)).manifest
    assert manifest.counts == {"published": 2}
    for path in (tmp_path / "store" / "records").rglob("*.json"):
        for summary_entry in json.loads(path.read_text())["summaries"]:
            assert summary_entry["method"] == "lead"
            assert (
                str(broken) in summary_entry["fallback_reason"]
                and "SafetensorError" in summary_entry["fallback_reason"]
            )


def test_out_of_memory_on_one_article_fails_only_that_article(
    tiny_overrides: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """torch raises OutOfMemoryError (a RuntimeError) while generating for one article of a pooled batch:
    the engine retries the pool's articles one by one, so only that article fails, with the reason."""
    import torch

    from pipelines.translate.marian import MarianTranslator

    original = MarianTranslator.translate_segments

    def exploding(self: MarianTranslator, segments: Any, *args: Any, **options: Any) -> list[str]:
        if any("vendanges" in segment.lower() for segment in segments):
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")
        return original(self, segments, *args, **options)

    monkeypatch.setattr(MarianTranslator, "translate_segments", exploding)
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / FRENCH).write_bytes((EXAMPLES / FRENCH).read_bytes())
    (inputs / "fr-other.txt").write_text(
        "Le marché couvert rouvre\nLe marché couvert de la ville rouvre ses portes samedi après deux ans "
        "de travaux. Les commerçants sont soulagés et les habitants impatients de revenir.\n"
    )
    for name in GERMAN:
        (inputs / name).write_bytes((EXAMPLES / name).read_bytes())
    # The fault is injected into the transformers backend, so that is the backend here.
    config = _config(tiny_overrides, tmp_path, **{"translation.backend": "transformers"})
    manifest = run([inputs], build_services(config)).manifest  # one model serves every pair
    by_name = {Path(entry.origin).name: entry for entry in manifest.entries}
    assert by_name[FRENCH].status == "failed"
    assert "OutOfMemoryError: CUDA out of memory" in (by_name[FRENCH].reason or "")
    for name in ("fr-other.txt", *GERMAN):
        assert by_name[name].status == "published", by_name[name]
    assert _stored(tmp_path / "store") == {"records": 3, "summaries": 3, "failures": 1, "runs": 1, "index": 3}


# --------------------------------------------------------------------------------------------- huge article


def test_one_huge_article_is_cut_or_refused_and_the_batch_goes_on(
    tiny_overrides: dict[str, Any], tmp_path: Path
) -> None:
    """The memory guard: ingest refuses files over 16 bytes per allowed character before reading them,
    and cuts (or refuses) articles over ingest.max_article_chars, so no single article can make the
    translation or summary steps hold more than a bounded amount of text."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    sentence = "The flood barrier held through the night while the river kept rising. "
    (inputs / "a-huge-file.txt").write_text("Huge\n" + sentence * 40_000)  # ~2.8 MB on disk
    (inputs / "b-long-line.txt").write_text("Long\n" + "x" * 30_000)  # one 30 KB "word", no sentence end
    (inputs / "c-long.txt").write_text("Long\n" + sentence * 100)  # ~7 KB of text
    for name in (FRENCH, "en-tram-line.txt"):
        (inputs / name).write_bytes((EXAMPLES / name).read_bytes())
    config = _config(tiny_overrides, tmp_path, **{"ingest.max_article_chars": 3_000, "batch_size": 16})

    services = build_services(config)
    records = read_inputs([str(inputs)], services, "run-huge")[0]
    assert max(len(r.article.text) for r in records if r.pending) <= 3_000
    manifest = run([inputs], services).manifest
    by_name = {Path(entry.origin).name: entry for entry in manifest.entries}
    huge = by_name["a-huge-file.txt"]
    assert huge.status == "failed" and "over the read limit of 48000 bytes" in (huge.reason or "")
    for name in ("b-long-line.txt", "c-long.txt", FRENCH, "en-tram-line.txt"):
        assert by_name[name].status == "published", by_name[name]
    root = tmp_path / "store"
    for name in ("b-long-line.txt", "c-long.txt"):
        stored = json.loads((root / (by_name[name].key or "")).read_text())
        assert any(flag.startswith("truncated:") for flag in stored["article"]["flags"]), stored["article"]
        assert len(stored["article"]["text"]) <= 3_000
    failure = json.loads((root / (huge.key or "")).read_text())
    assert failure["status"] == "failed" and failure["reason"] == huge.reason
    assert _stored(root) == {"records": 4, "summaries": 4, "failures": 1, "runs": 1, "index": 4}
