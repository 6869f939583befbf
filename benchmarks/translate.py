"""Translation throughput: a naive per-article transformers loop against the engine's backends.

Builds a randomly initialised MarianMT with the architecture of opus-mt-fr-en (d_model 512, 6+6 layers,
8 heads, FFN 2048, ~59.5k vocabulary, 75M parameters) and a workload of synthetic articles of 5-40
sentences whose token lengths follow a log-normal spread (mean ~25, tail past 100). Then, in one process
and on the same inputs, it times:

  (a) naive      one greedy ``generate`` call per article over its sentences
  (b) engine/tf  TranslationEngine, transformers backend
  (c) engine/ct2 TranslationEngine, CTranslate2 float32
  (d) engine/ct2 TranslationEngine, CTranslate2 int8

Random weights never emit end-of-sentence, so a real model is emulated honestly: every batch decodes
exactly as many steps as its longest source sentence (a real batch runs until its longest member ends)
and each sentence keeps as many output tokens as it has source tokens. Throughput counts useful tokens,
the sum of the source lengths. Greedy outputs of (b), (c) and (d) are compared sentence by sentence with
(a).

    HF_HUB_OFFLINE=1 PYTHONPATH=. python benchmarks/translate.py            # 200 articles, as in issue 3
    HF_HUB_OFFLINE=1 PYTHONPATH=. python benchmarks/translate.py --articles 30   # a quick run
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from pipelines.config import ModelsConfig
from pipelines.models import ModelCache, ModelResolver
from pipelines.segment import segment_text
from pipelines.translate.base import TranslationRequest
from pipelines.translate.config import TranslationConfig
from pipelines.translate.engine import TranslationEngine
from tests.support import build_marian_like, default_corpus, fixed_decode_lengths

DEFAULT_MODEL_DIR = Path("~/.cache/newsdigest/bench/opus-mt-fr-en-like").expanduser()


@dataclass
class Result:
    name: str
    seconds: float
    useful_tokens: int
    articles: int
    peak_rss_mb: float
    identical_to_naive: float | None = None

    @property
    def tokens_per_s(self) -> float:
        return self.useful_tokens / self.seconds

    @property
    def ms_per_article(self) -> float:
        return 1000 * self.seconds / self.articles


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@contextmanager
def peak_rss(samples: list[float], interval_s: float = 0.02) -> Iterator[None]:
    """Sample this process's RSS while the block runs (ru_maxrss only knows the lifetime peak)."""
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append(_rss_mb())
            done.wait(interval_s)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        samples.append(_rss_mb())


def build_workload(model_dir: Path, articles: int, seed: int) -> tuple[list[TranslationRequest], list[int]]:
    """Synthetic French articles; sentence lengths (in tokens, </s> included) drawn log-normally.

    Returns the requests and the target length of every sentence (for the report).
    """
    import sentencepiece as spm

    processor = spm.SentencePieceProcessor(model_file=str(model_dir / "source.spm"))
    words = sorted(
        {w.strip(".,;:!?()\"'«»").lower() for line in default_corpus() for w in line.split() if w.isascii()}
        - {""}
    )
    cost = {word: len(processor.encode(" " + word)) for word in words}
    rng = random.Random(seed)
    # Log-normal with mean exp(mu + sigma^2 / 2) = 25 tokens; ~0.5% of sentences run past 100.
    sigma = 0.6
    mu = math.log(25) - sigma**2 / 2
    requests: list[TranslationRequest] = []
    lengths: list[int] = []
    for number in range(articles):
        sentences = []
        for _ in range(rng.randint(5, 40)):
            target = min(200, max(4, round(rng.lognormvariate(mu, sigma))))
            lengths.append(target)
            chosen: list[str] = []
            tokens = 2  # the final "." and </s>
            while tokens < target:
                word = rng.choice(words)
                chosen.append(word)
                tokens += cost[word]
            sentences.append(" ".join(chosen).capitalize() + ".")
        # One sentence per line (as many news sites print them): the engine's reassembled output then
        # splits back into per-sentence outputs for the comparison with (a).
        requests.append(
            TranslationRequest(
                key=f"a{number}",
                text="\n".join(sentences),
                title="",
                source_language="fr",
                target_language="en",
            )
        )
    return requests, lengths


def naive_loop(
    model_dir: Path, requests: list[TranslationRequest]
) -> tuple[dict[str, list[str]], Callable[[], None]]:
    """(a): a plain transformers loop, one generate() per article, exactly as many steps as its longest."""
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    model = AutoModelForSeq2SeqLM.from_pretrained(str(model_dir), use_safetensors=True).eval()
    outputs: dict[str, list[str]] = {}

    def run() -> None:
        for request in requests:
            sentences = segment_text(request.text, request.source_language).sentences
            batch = tokenizer(sentences, return_tensors="pt", padding=True)
            lengths = batch["attention_mask"].sum(dim=1).tolist()
            steps = int(batch["input_ids"].shape[1])
            with torch.inference_mode():
                generated = model.generate(
                    **batch,
                    num_beams=1,
                    do_sample=False,
                    min_new_tokens=steps,
                    max_new_tokens=steps,
                    max_length=None,
                    forced_eos_token_id=None,
                )
            rows = [row[1 : 1 + n].tolist() for row, n in zip(generated, lengths, strict=True)]
            outputs[request.key] = tokenizer.batch_decode(rows, skip_special_tokens=True)

    return outputs, run


def engine_run(
    model_dir: Path,
    requests: list[TranslationRequest],
    backend: str,
    compute_type: str,
    threads: int,
    work: Path,
) -> tuple[dict[str, list[str]], Callable[[], None]]:
    """(b)-(d): the engine; the model is loaded (and converted) before timing starts."""
    config = TranslationConfig.model_validate(
        {
            "backend": backend,
            "models": {"fr-en": str(model_dir)},
            "num_beams": 1,
            "compute_type": compute_type,
        }
    )
    engine = TranslationEngine(
        config,
        ModelsConfig(cache_dir=work, threads=threads, device="cpu"),
        ModelResolver(),
        ModelCache(),
    )
    # The model is loaded (wrapped to decode to its sources' lengths) here and stays in the engine's cache.
    with fixed_decode_lengths((backend,)):
        engine.translate([TranslationRequest("warm-up", "Bonjour.", "", "fr", "en")])
    outputs: dict[str, list[str]] = {}

    def run() -> None:
        for outcome in engine.translate(requests):
            if outcome.translation is None:
                raise RuntimeError(f"{backend}: {outcome.error}")
            outputs[outcome.key] = outcome.translation.text.split("\n")

    return outputs, run


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument(
        "--only", default="a,b,c,d", help="comma-separated subset of a,b,c,d (a is always run for the check)"
    )
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    if not (args.model_dir / "model.safetensors").is_file():
        print(f"building the opus-mt-fr-en-like model in {args.model_dir} ...", flush=True)
        build_marian_like(args.model_dir)
    requests, _ = build_workload(args.model_dir, args.articles, args.seed)
    sentence_lists = [segment_text(r.text, r.source_language).sentences for r in requests]
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(args.model_dir))
    source_lengths = [len(ids) for s in sentence_lists for ids in tokenizer(s)["input_ids"]]
    useful = sum(source_lengths)
    ordered = sorted(source_lengths)
    print(
        f"{len(requests)} articles, {len(source_lengths)} sentences, {useful} useful tokens; "
        "sentence tokens: "
        f"mean {useful / len(source_lengths):.1f}, median {ordered[len(ordered) // 2]}, "
        f"p99 {ordered[int(len(ordered) * 0.99)]}, max {ordered[-1]}; {args.threads} threads",
        flush=True,
    )

    work = args.model_dir.parent / "work"
    plans = {
        "a": ("(a) naive per-article loop", lambda: naive_loop(args.model_dir, requests)),
        "b": (
            "(b) engine transformers",
            lambda: engine_run(args.model_dir, requests, "transformers", "auto", args.threads, work),
        ),
        "c": (
            "(c) engine ct2 float32",
            lambda: engine_run(args.model_dir, requests, "ctranslate2", "float32", args.threads, work),
        ),
        "d": (
            "(d) engine ct2 int8",
            lambda: engine_run(args.model_dir, requests, "ctranslate2", "int8", args.threads, work),
        ),
    }
    selected = ["a", *[k for k in args.only.split(",") if k in plans and k != "a"]]
    results: list[Result] = []
    reference: list[str] = []
    for key in selected:
        name, prepare = plans[key]
        outputs, run = prepare()
        samples: list[float] = []
        with peak_rss(samples):
            start = time.perf_counter()
            run()
            seconds = time.perf_counter() - start
        result = Result(name, seconds, useful, len(requests), max(samples))
        flat = [sentence for r in requests for sentence in outputs[r.key]]
        if key == "a":
            reference = flat
        else:
            if len(flat) != len(reference):
                raise RuntimeError(f"{name}: {len(flat)} output sentences for {len(reference)} inputs")
            result.identical_to_naive = sum(a == b for a, b in zip(flat, reference, strict=True)) / len(flat)
        results.append(result)
        print(
            f"{name:30s} {result.tokens_per_s:8.0f} useful tok/s {result.ms_per_article:8.1f} ms/article "
            f"peak RSS {result.peak_rss_mb:7.0f} MB"
            + (f"  x{result.tokens_per_s / results[0].tokens_per_s:.2f} vs (a)" if key != "a" else "")
            + (f"  identical to (a): {100 * result.identical_to_naive:.1f}%" if key != "a" else ""),
            flush=True,
        )
        del outputs, run
    print(f"process peak RSS (ru_maxrss): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    if args.json:
        payload = {
            "articles": len(requests),
            "sentences": len(source_lengths),
            "useful_tokens": useful,
            "threads": args.threads,
            "results": [
                {**asdict(r), "tokens_per_s": r.tokens_per_s, "ms_per_article": r.ms_per_article}
                for r in results
            ],
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    main()
