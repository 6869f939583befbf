"""How long one article takes to translate and summarise, by its length: what ``ingest.max_article_chars``
and ``article_time_budget_s`` are chosen from.

For each size in ``--sizes`` (characters) one French article of that length is generated from the built-in
corpus words and run alone, as a big article runs (a batch of its own), through the translation engine and
then the summary engine with the default backends (``auto``: CTranslate2 int8 on CPU) at real architecture
size with random weights: the opus-mt-fr-en shape (``build_marian_like``, 75M parameters) and the
distilbart-cnn-12-6 shape for both summaries (``build_bart_like``, 306M). Output lengths are emulated as in
``benchmarks/pipeline.py``: translations as long as their source (``fixed_decode_lengths``), every filler
piece of the translation swapped for one English word before the summaries, summaries exactly 40 (short)
and 130 (long) tokens. Models are loaded (and converted, once, on disk) by a warm-up before the clock
starts. It prints each size's seconds, a least-squares line ``seconds = a + b × characters`` through the
totals, and that line's extrapolation to longer articles.

    HF_HUB_OFFLINE=1 PYTHONPATH=. python benchmarks/article_size.py --threads 2 --sizes 5000,20000,50000
    HF_HUB_OFFLINE=1 PYTHONPATH=. python benchmarks/article_size.py --size tiny --sizes 2000,8000   # smoke
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from pathlib import Path
from typing import Any

from benchmarks.pipeline import LANGUAGES, _word_pools, config_for, english_words, summary_model
from benchmarks.translate import DEFAULT_MODEL_DIR

DEFAULT_WORK = Path("~/.cache/newsdigest/bench/article_size").expanduser()
EXTRAPOLATE_TO = (100_000, 200_000, 500_000, 2_000_000)


def build_models(work: Path, size: str) -> dict[str, Path]:
    """The Marian model (shared with ``benchmarks/translate.py`` at real size) for every source language of
    the pipeline benchmark's config, and the summary model; built once."""
    from tests.support import build_marian_like, build_tiny_marian

    marian = DEFAULT_MODEL_DIR if size == "real" else work / "tiny" / "marian"
    if not (marian / "model.safetensors").is_file():
        print(f"building the {size} Marian model in {marian} ...", flush=True)
        (build_marian_like if size == "real" else build_tiny_marian)(marian)
    return {**dict.fromkeys(LANGUAGES, marian), "summary": summary_model(work / size / "bart", size)}


def french_article(characters: int, words: list[str], seed: int) -> str:
    """Sentences of 8-25 corpus words until the text holds ``characters`` characters."""
    rng = random.Random(seed)
    sentences: list[str] = []
    length = 0
    while length < characters:
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(8, 25))).capitalize() + "."
        sentences.append(sentence)
        length += len(sentence) + 1
    return " ".join(sentences)[:characters]


def measure(services: Any, text: str, english: list[str]) -> dict[str, Any]:
    """Translate then summarise ``text`` alone; seconds of each step."""
    from pipelines.summarize.base import SummaryRequest
    from pipelines.translate.base import TranslationRequest

    started = time.perf_counter()
    [translated] = services.translation.translate([TranslationRequest("big", text, "Titre", "fr", "en")])
    translate_s = time.perf_counter() - started
    if translated.translation is None:
        raise RuntimeError(f"translation failed: {translated.error}")
    english_words(translated.translation, english)
    request = SummaryRequest("big", translated.translation.text, translated.translation.title, "en")
    started = time.perf_counter()
    [summarised] = services.summary.summarize([request])
    summarize_s = time.perf_counter() - started
    if summarised.error is not None:
        raise RuntimeError(f"summaries failed: {summarised.error}")
    return {
        "characters": len(text),
        "words": len(text.split()),
        "sentences": translated.translation.segments,
        "translate_s": translate_s,
        "summarize_s": summarize_s,
        "total_s": translate_s + summarize_s,
        "chunks": max(summary.chunks for summary in summarised.summaries),
        "levels": max(summary.levels for summary in summarised.summaries),
        "backends": sorted(
            {
                f"{ref.role.split(':')[0]}={ref.backend}/{ref.compute_type or 'float32'}"
                for ref in [
                    *translated.translation.models,
                    *(summary.model for summary in summarised.summaries if summary.model),
                ]
            }
        ),
    }


def linear_fit(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Least-squares ``(a, b)`` of ``y = a + b·x``; through the origin for a single point."""
    if len(points) == 1:
        x, y = points[0]
        return 0.0, y / x
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / sum((x - mean_x) ** 2 for x, _ in points)
    return mean_y - slope * mean_x, slope


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="5000,20000,50000,100000", help="comma-separated characters")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--size", choices=("real", "tiny"), default="real")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK)
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    import torch

    from pipelines import build_services
    from pipelines.summarize.base import SummaryRequest
    from pipelines.translate.base import TranslationRequest
    from tests.support import fixed_decode_lengths

    torch.set_num_threads(args.threads)
    models = build_models(args.work, args.size)
    pools = _word_pools()
    with fixed_decode_lengths():
        config = config_for(models, args.work / "run", {"models.threads": args.threads}, args.size)
        services = build_services(config)
        print("loading (and converting, the first time) the models ...", flush=True)
        services.translation.translate([TranslationRequest("warm", "Bonjour.", "", "fr", "en")])
        services.summary.summarize([SummaryRequest("warm", "A short warm-up text.", "", "en")])
        print(f"{args.size} models, {args.threads} threads", flush=True)
        print(
            f"{'chars':>9} {'words':>7} {'sent.':>6} {'translate s':>12} {'summaries s':>12} {'total s':>9}"
        )
        rows = []
        for number, characters in enumerate(sizes):
            row = measure(services, french_article(characters, pools["fr"], args.seed + number), pools["en"])
            rows.append(row)
            print(
                f"{row['characters']:>9} {row['words']:>7} {row['sentences']:>6} {row['translate_s']:>12.1f} "
                f"{row['summarize_s']:>12.1f} {row['total_s']:>9.1f}  "
                f"chunks {row['chunks']} levels {row['levels']}  " + " ".join(row["backends"]),
                flush=True,
            )
    intercept, slope = linear_fit([(row["characters"], row["total_s"]) for row in rows])
    print(f"fit: total seconds = {intercept:.1f} + {1000 * slope:.3f} × (characters / 1000)")
    projections = {characters: intercept + slope * characters for characters in EXTRAPOLATE_TO}
    for characters, seconds in projections.items():
        print(f"  {characters:>9} characters -> ~{seconds:,.0f} s")
    if args.json:
        payload = {
            "size": args.size,
            "threads": args.threads,
            "rows": rows,
            "fit": {"intercept_s": intercept, "seconds_per_char": slope},
            "projections": projections,
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    main()
