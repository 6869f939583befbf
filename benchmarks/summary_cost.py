"""What one summary costs at the distilbart-cnn-12-6 shape with CTranslate2: the encoder pass, then decoding.

Times ``translate_batch`` on one English input of ``--tokens`` tokens (the pipeline benchmark's words) for
one decoding step (about the encoder pass alone) and for the short (40) and long (130) summary lengths,
greedy and beam 4, per compute type. The CTranslate2 backend runs the encoder once per summary kind (its
API takes tokens, never an encoder output), so an article's two summaries cost two encoder passes plus
both decodes; this sets the floor of the summarize stage per article on a machine.

    HF_HUB_OFFLINE=1 PYTHONPATH=. python benchmarks/summary_cost.py --threads 2
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from benchmarks.pipeline import DEFAULT_WORK, TokenCounter, _word_pools, build_models


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tokens", type=int, default=947, help="input tokens (BART's count)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--compute-types", default="int8,float32")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK)
    args = parser.parse_args()

    from pipelines.models.ct2 import convert_model, import_ctranslate2

    ctranslate2 = import_ctranslate2()
    models = build_models(args.work, "real")
    converted = convert_model(models["summary"], None)
    tokens = TokenCounter(models)
    words = tokens.single_token_words(_word_pools()["en"])
    rng = random.Random(0)
    text = " ".join(rng.choice(words) for _ in range(args.tokens))
    ids = tokens.bart(text, truncation=True, max_length=args.tokens)["input_ids"]
    source = [list(tokens.bart.convert_ids_to_tokens(ids))]
    print(f"one input of {len(ids)} tokens, {args.threads} threads", flush=True)
    print(f"{'compute type':>13} {'steps':>6} {'beam':>5} {'seconds':>8}")
    for compute_type in args.compute_types.split(","):
        translator = ctranslate2.Translator(
            str(converted), device="cpu", compute_type=compute_type, intra_threads=args.threads
        )
        translator.translate_batch(source, max_decoding_length=1, beam_size=1)
        for steps, beam in ((1, 1), (41, 1), (131, 1), (41, 4), (131, 4)):
            started = time.perf_counter()
            translator.translate_batch(
                source,
                max_decoding_length=steps,
                min_decoding_length=steps,
                beam_size=beam,
                max_input_length=0,
            )
            seconds = time.perf_counter() - started
            print(f"{compute_type:>13} {steps:>6} {beam:>5} {seconds:>8.2f}", flush=True)
        del translator


if __name__ == "__main__":
    main()
