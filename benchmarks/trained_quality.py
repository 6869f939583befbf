"""How right the pipeline's outputs are with the trained test models, per backend and beam width.

Runs ``newsdigest run`` (in process) with configs/trained-local.yaml on the held-out synthetic articles
of :mod:`devtools.quality` for transformers, CTranslate2 float32 and CTranslate2 int8, each at beam 1 and
beam 4, and prints per setup: sentences exactly right, chrF, summaries exactly the lead, Spanish
summaries (summary.output_languages) exactly right; then how often two setups wrote the same sentence:
int8 against float32, and beam 1 against beam 4; then what ``summary.shared_map`` and
``summary.batch_tokens`` do to exact match.

    HF_HUB_OFFLINE=1 PYTHONPATH=. python benchmarks/trained_quality.py
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from itertools import zip_longest
from pathlib import Path

from devtools.quality import SETUPS, Judged, run_trained, spanish_summaries_right

# The summary options that may change what is written (shared_map changes the short
# summary of inputs longer than the model reads; batch_tokens changes batch composition, hence padding).
OPTIONS: dict[str, dict[str, object]] = {
    "shared_map: true": {"shared_map": True},
    "batch_tokens: 256": {"batch_tokens": 256},
}


def agreement(a: Sequence[str], b: Sequence[str]) -> float:
    """Share of outputs both runs wrote the same (right or wrong), position by position."""
    same = sum(x == y for x, y in zip_longest(a, b))
    return same / max(len(a), len(b))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--beams", default="1,4", help="beam widths, comma-separated")
    args = parser.parse_args()
    beams = [int(b) for b in args.beams.split(",")]
    judged: dict[tuple[str, int], Judged] = {}
    rows = [
        "| setup | beam | sentences right | chrF | summaries right | Spanish summaries right |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for setup, settings in SETUPS.items():
            for beam in beams:
                work = Path(tmp) / f"{setup}-{beam}"
                work.mkdir()
                result, records = run_trained(work, settings, beam)
                judged[setup, beam] = result
                print(f"{setup} beam {beam}: {result.sentence_share:.1%} of sentences right", file=sys.stderr)
                right, total = spanish_summaries_right(records)
                rows.append(
                    f"| {setup} | {beam} | {result.sentences_right}/{result.sentences} "
                    f"({result.sentence_share:.1%}) | {result.chrf():.1f} | "
                    f"{result.summaries_right}/{result.summaries} ({result.summary_share:.1%}) | "
                    f"{right}/{total} |"
                )
    rows += [
        "",
        "| agreement (same output written) | beam | translated sentences | summaries |",
        "|---|---:|---:|---:|",
    ]

    def compare(label: str, a: Judged, b: Judged, beam: int | str) -> None:
        rows.append(
            f"| {label} | {beam} | {agreement(a.hypotheses, b.hypotheses):.1%} | "
            f"{agreement(a.summary_texts, b.summary_texts):.1%} |"
        )

    for beam in beams:
        compare("ct2 int8 vs ct2 float32", judged["ct2-int8", beam], judged["ct2-float32", beam], beam)
        compare(
            "ct2 float32 vs transformers", judged["ct2-float32", beam], judged["transformers", beam], beam
        )
    if len(beams) > 1:
        for setup in SETUPS:
            first, last = judged[setup, beams[0]], judged[setup, beams[-1]]
            compare(f"{setup}: beam {beams[0]} vs beam {beams[-1]}", first, last, "")
    rows += [
        "",
        "| output-changing option (beam 4) | setup | sentences right | summaries right | "
        "summaries as without it |",
        "|---|---|---:|---:|---:|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for label, options in OPTIONS.items():
            for setup in ("transformers", "ct2-int8"):
                work = Path(tmp) / f"{label}-{setup}"
                work.mkdir()
                result, _ = run_trained(work, SETUPS[setup], 4, options)
                base = judged.get((setup, 4))
                same = f"{agreement(result.summary_texts, base.summary_texts):.1%}" if base else "n/a"
                shares = f"{result.sentence_share:.1%} | {result.summary_share:.1%}"
                rows.append(f"| `{label}` | {setup} | {shares} | {same} |")
                print(f"{label} {setup}: {result.summary_share:.1%} of summaries right", file=sys.stderr)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
