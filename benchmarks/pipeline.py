"""The whole pipeline's articles per hour: ingest -> detect -> translate -> both summaries -> publish.

Random-weight models at real architecture size: one opus-mt-size Marian model per source language
(``build_marian_like``, 75M parameters each) and the distilbart-cnn-12-6 shape for both summaries
(``build_bart_like``, 306M). The workload is ``--articles`` generated articles, ``--english`` of them in
English and the rest spread over the source languages, log-normal lengths around 600 words, written as
``.txt`` files and read back by the ingest stage; records are published to a folder store.

Lengths are counted in model tokens, at :data:`TOKENS_PER_WORD`: the benchmark's tokenizers are trained on a
small corpus and split words far more than a real model's (about 3 Marian pieces per French word against
the ~1.3 assumed here), so an article measured in words would cost two to three times what a real one
would. An article of N words is therefore written until its source model reads N x 4/3 tokens: the Marian
tokenizer for the languages translated, the BART tokenizer for English.

Random weights never stop on their own, so real output lengths are emulated as in
``benchmarks/translate.py``: every translation batch decodes as many steps as its longest source and each
sentence keeps as many tokens as its source; each output token then becomes one English word that the BART
tokenizer reads as one token (a translation of N tokens is read as N tokens); summaries decode exactly ~40
(short) and ~130 (long) tokens (``min_length = max_length``), about what CNN/DailyMail-trained models write.

Each path runs in its own process (so its peak RSS is its own), on the same files, one after the other:

  (a) today's default   transformers for translation and summaries, beam 4, no shared work
  (b) new default       ``backend: auto`` (CTranslate2 int8 on CPU) with the default options
  (c) (b) + opt-ins     ``summary.shared_map`` and ``summary.batch_tokens`` (these change outputs)
  (d) (c) + greedy      ``num_beams: 1`` for translation and both summaries (changes outputs)

CTranslate2 conversions are made once, on disk, in a process of their own; each path then loads its
models before the clock starts, so the timed part is what an hourly run in a warm worker does.
``--size tiny`` swaps in tiny models for a smoke test.

    HF_HUB_OFFLINE=1 PYTHONPATH=. python benchmarks/pipeline.py --threads 2 --json run1.json
    HF_HUB_OFFLINE=1 PYTHONPATH=. python benchmarks/pipeline.py --size tiny --articles 4   # smoke test
    python benchmarks/pipeline_medians.py run1.json run2.json run3.json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks.translate import peak_rss

LANGUAGES = ("fr", "de", "es", "ru", "zh", "ar")
TOKENS_PER_WORD = 4 / 3
"""Model tokens per word of news text: the usual rule of thumb for BPE and SentencePiece vocabularies of
30-60k pieces (about three quarters of a word per token)."""
DEFAULT_WORK = Path("~/.cache/newsdigest/bench/pipeline").expanduser()
PATHS: dict[str, tuple[str, dict[str, Any]]] = {
    "a": ("(a) today's default", {"translation.backend": "transformers", "summary.backend": "transformers"}),
    "b": ("(b) new default", {}),
    "c": (
        "(c) new default + shared_map + batch_tokens",
        {"summary.shared_map": True, "summary.batch_tokens": 8192},
    ),
    "d": (
        "(d) (c) + greedy decoding everywhere",
        {
            "summary.shared_map": True,
            "summary.batch_tokens": 8192,
            "translation.num_beams": 1,
            "summary.short.num_beams": 1,
            "summary.long.num_beams": 1,
        },
    ),
}
STAGES = ("ingest", "detect", "translate", "summarize", "publish")
# The stage each whole-run step of pipelines.run counts towards.
STEP_STAGE = {"ingest_articles": "ingest", "check_models": "detect", "write_run_manifest": "publish"}


def build_models(work: Path, size: str) -> dict[str, Path]:
    """One Marian directory per source language (copies of one build) and the summary model."""
    from tests.support import build_marian_like, build_tiny_marian

    root = work / size
    marian = root / "marian-base"
    if not (marian / "model.safetensors").is_file():
        print(f"building the {size} Marian model in {marian} ...", flush=True)
        (build_marian_like if size == "real" else build_tiny_marian)(marian)
    models = {}
    for language in LANGUAGES:
        target = root / f"opus-mt-{language}-en"
        if not (target / "model.safetensors").is_file():
            shutil.copytree(marian, target, dirs_exist_ok=True)
        models[language] = target
    models["summary"] = summary_model(root / "bart", size)
    return models


def summary_model(bart: Path, size: str) -> Path:
    """The summary model at ``bart``, built there once: the distilbart-cnn-12-6 shape, or a tiny BART."""
    from tests.support import build_bart_like, build_tiny_bart

    if not (bart / "model.safetensors").is_file():
        print(f"building the {size} BART model in {bart} ...", flush=True)
        if size == "real":
            build_bart_like(bart)
        else:
            build_tiny_bart(bart, max_position_embeddings=1024)
    return bart


def _word_pools() -> dict[str, list[str]]:
    """Words of each language from the built-in corpus, grouped by what langdetect says a line is."""
    from langdetect import DetectorFactory, detect

    from tests.support import default_corpus

    DetectorFactory.seed = 0
    pools: dict[str, list[str]] = {}
    for line in default_corpus():
        language = detect(line).split("-")[0]
        words = list(line.replace("。", "").replace("，", "")) if language == "zh" else line.split()
        pools.setdefault(language, []).extend(w.strip(".,;:!?()\"'«»") for w in words)
    return {language: sorted(set(words) - {""}) for language, words in pools.items()}


class TokenCounter:
    """Tokens a text costs its source model: the Marian tokenizer's, or the BART tokenizer's for English."""

    def __init__(self, models: dict[str, Path]) -> None:
        from transformers import AutoTokenizer

        self.marian = AutoTokenizer.from_pretrained(str(models[LANGUAGES[0]]))
        self.bart = AutoTokenizer.from_pretrained(str(models["summary"]))
        for tokenizer in (self.marian, self.bart):
            tokenizer.model_max_length = 10**9  # whole articles are counted, never fed to a model

    def __call__(self, language: str, text: str) -> int:
        tokenizer = self.bart if language == "en" else self.marian
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    def single_token_words(self, words: list[str]) -> list[str]:
        """The words BART reads as one token after a space (what :func:`english_words` writes)."""
        encoded = self.bart([" " + word for word in words], add_special_tokens=False)["input_ids"]
        return [word for word, ids in zip(words, encoded, strict=True) if len(ids) == 1]


def write_articles(
    folder: Path, articles: int, english: float, seed: int, tokens: TokenCounter
) -> dict[str, int]:
    """``articles`` .txt files (title line, blank line, body); returns the count per language.

    Each article gets a log-normal length in words and is written until its source model reads that many
    words' worth of tokens (:data:`TOKENS_PER_WORD`)."""
    pools = _word_pools()
    rng = random.Random(seed)
    sigma = 0.5
    mu = math.log(600) - sigma**2 / 2
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for number in range(articles):
        language = "en" if rng.random() < english else LANGUAGES[number % len(LANGUAGES)]
        counts[language] = counts.get(language, 0) + 1
        words = pools[language]
        target = round(max(80, rng.lognormvariate(mu, sigma)) * TOKENS_PER_WORD)
        sentences, total = [], 0
        while total < target:
            chosen = [rng.choice(words) for _ in range(rng.randint(8, 25))]
            sentence = "".join(chosen) + "。" if language == "zh" else " ".join(chosen).capitalize() + "."
            sentences.append(sentence)
            total += tokens(language, sentence)
        body = ("" if language == "zh" else " ").join(sentences)
        (folder / f"{number:04d}-{language}.txt").write_text(
            f"Article {number}\n\n{body}\n", encoding="utf-8"
        )
    return counts


_FILLER = re.compile(r"<filler_(\d+)>")


def english_words(translation: Any, words: list[str]) -> None:
    """Random Marian weights emit ``<filler_N>`` pieces, which the BART tokenizer reads as ~11 tokens
    each; give each piece one English word instead, so the summaries read as many tokens as a real
    translation would hold. With ``words`` from :meth:`TokenCounter.single_token_words`, an output of N
    tokens is read as N tokens."""
    if translation is None:
        return

    def swap(match: re.Match[str]) -> str:
        return f" {words[int(match.group(1)) % len(words)]} "

    translation.text = " ".join(_FILLER.sub(swap, translation.text).split())
    translation.title = " ".join(_FILLER.sub(swap, translation.title).split())


def config_for(models: dict[str, Path], work: Path, overrides: dict[str, Any], size: str) -> Any:
    from pipelines import load_config

    # Output lengths as a CNN/DailyMail model writes them; max_length counts the decoder start token and
    # the forced </s>, so 42 gives 40 tokens of text.
    lengths = {"short": 42, "long": 132} if size == "real" else {"short": 12, "long": 24}
    summary = {"model": str(models["summary"])}
    return load_config(
        None,
        {
            "translation.models": {f"{language}-en": str(models[language]) for language in LANGUAGES},
            "summary.short": {**summary, "min_length": lengths["short"], "max_length": lengths["short"]},
            "summary.long": {**summary, "min_length": lengths["long"], "max_length": lengths["long"]},
            "store.url": str(work / "store"),
            "models.cache_dir": str(work / "cache"),
            "models.max_loaded": len(LANGUAGES) + 1,
            "models.device": "cpu",
            **overrides,
        },
    )


class _TimedExecutor:
    """Runs :func:`pipelines.run` in this process like its default executor, adding each step's time to
    its stage and giving translations English words before they are summarised (see
    :func:`english_words`)."""

    def __init__(self, services: Any, english: list[str]) -> None:
        self.services = services
        self.english = english
        self.seconds = dict.fromkeys(STAGES, 0.0)

    def step(self, name: str, work: Any, *args: Any) -> Any:
        started = time.perf_counter()
        try:
            return work(*args)
        finally:
            stage = STEP_STAGE.get(name, "publish")
            self.seconds[stage] += time.perf_counter() - started

    def map_batches(
        self, stage_names: Any, batches: Any, context: Any, finished: Any = None
    ) -> Iterator[Any]:
        from pipelines import run_stage

        for batch in batches:
            for stage in stage_names:
                started = time.perf_counter()
                batch = run_stage(stage, batch, self.services, context)
                if stage == "translate":
                    for record in batch.records:
                        english_words(record.translation, self.english)
                self.seconds[stage] += time.perf_counter() - started
                if finished is not None:
                    finished(stage, len(batch.records))
            yield batch


def run_path(key: str, inputs: Path, models: dict[str, Path], threads: int, size: str, out: Path) -> None:
    """One path in this process: warm up (load and convert every model), then time the whole run."""
    import torch

    from pipelines import build_services, run
    from pipelines.summarize.base import SummaryRequest
    from pipelines.translate.base import TranslationRequest
    from tests.support import fixed_decode_lengths

    torch.set_num_threads(threads)
    name, overrides = PATHS[key]
    with tempfile.TemporaryDirectory(prefix=f"bench-{key}-") as tmp, fixed_decode_lengths():
        work = Path(tmp)
        config = config_for(models, work, {**overrides, "models.threads": threads}, size)
        services = build_services(config)
        services.translation.translate(
            [TranslationRequest(f"warm-{lang}", "Bonjour.", "", lang, "en") for lang in LANGUAGES]
        )
        services.summary.summarize([SummaryRequest("warm", "A short warm-up text.", "", "en")])
        executor = _TimedExecutor(services, TokenCounter(models).single_token_words(_word_pools()["en"]))
        samples: list[float] = []
        with peak_rss(samples):
            started = time.perf_counter()
            outcome = run([inputs], services, executor=executor)
            wall = time.perf_counter() - started
        records = outcome.records
        seconds = executor.seconds
        backends = sorted(
            {
                f"{ref.role.split(':')[0]}={ref.backend}/{ref.compute_type or 'float32'}"
                for record in records
                for ref in [
                    *(record.translation.models if record.translation else []),
                    *(s.model for s in record.summaries if s.model),
                ]
            }
        )
        result = {
            "name": name,
            "key": key,
            "articles": len(records),
            "statuses": dict(outcome.manifest.counts),
            "seconds": wall,
            "articles_per_hour": 3600 * len(records) / wall,
            "stage_seconds": seconds,
            "stage_share": {stage: value / wall for stage, value in seconds.items()},
            "peak_rss_mb": max(samples),
            "backends": backends,
        }
    out.write_text(json.dumps(result, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--english", type=float, default=0.3, help="share of English articles (<= 0.4)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--size", choices=("real", "tiny"), default="real")
    parser.add_argument("--paths", default="a,b", help="comma-separated subset of a,b,c,d")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK)
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument("--run-path", help=argparse.SUPPRESS)
    parser.add_argument("--inputs", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    models = build_models(args.work, args.size)
    if args.run_path == "convert":
        from pipelines.models.ct2 import convert_model

        for directory in models.values():
            convert_model(directory, None)
        return
    if args.run_path:
        run_path(args.run_path, args.inputs, models, args.threads, args.size, args.out)
        return
    # Conversions happen once, in a process of their own, so that no path's RSS carries a conversion.
    subprocess.run(
        [sys.executable, __file__, "--run-path", "convert", "--size", args.size, "--work", str(args.work)],
        check=True,
    )
    if args.english > 0.4:
        raise SystemExit("--english must be <= 0.4: at least 60% of the articles are not in English")
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
        inputs = Path(tmp) / "inputs"
        tokens = TokenCounter(models)
        counts = write_articles(inputs, args.articles, args.english, args.seed, tokens)
        source_tokens = sum(
            tokens(path.stem.split("-")[1], path.read_text(encoding="utf-8")) for path in inputs.iterdir()
        )
        print(
            f"{args.articles} articles by language: {dict(sorted(counts.items()))}, {source_tokens} source "
            f"tokens; {args.threads} threads",
            flush=True,
        )
        for key in [k for k in args.paths.split(",") if k in PATHS]:
            out = Path(tmp) / f"{key}.json"
            command = [
                sys.executable,
                __file__,
                "--run-path",
                key,
                "--inputs",
                str(inputs),
                "--out",
                str(out),
                "--threads",
                str(args.threads),
                "--size",
                args.size,
                "--work",
                str(args.work),
            ]
            subprocess.run(command, check=True)
            result = json.loads(out.read_text())
            results.append(result)
            shares = ", ".join(
                f"{stage} {100 * share:.0f}%" for stage, share in result["stage_share"].items()
            )
            ratio = result["articles_per_hour"] / results[0]["articles_per_hour"]
            print(
                f"{result['name']:45s} {result['articles_per_hour']:8.0f} articles/h  x{ratio:.2f} vs first  "
                f"peak RSS {result['peak_rss_mb']:6.0f} MB  [{shares}]  {result['statuses']}  "
                + " ".join(result["backends"]),
                flush=True,
            )
    if args.json:
        payload = {
            "articles": args.articles,
            "threads": args.threads,
            "size": args.size,
            "languages": counts,
            "source_tokens": source_tokens,
            "results": results,
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    main()
