"""Score summarizers with ROUGE-1/2/L against the team's hand-written references; LEAD-3 always beside them.

    HF_HUB_OFFLINE=1 PYTHONPATH=. python benchmarks/summaries.py --methods lead,textrank
    HF_HUB_OFFLINE=1 PYTHONPATH=. python benchmarks/summaries.py --methods seq2seq --model DIR_OR_HUB_ID
    HF_HUB_OFFLINE=1 PYTHONPATH=. python benchmarks/summaries.py --methods configured --config configs/x.yaml

Each method runs through :class:`~pipelines.summarize.engine.SummaryEngine` with the configured short
and long specs (so word budgets and guards apply, as in production); ``configured`` uses the whole
``summary`` section of ``--config`` (per-language overrides, fallback included). LEAD-3 is the first
three sentences, untrimmed, scored against both references. Scores are ROUGE F1 × 100, averaged over
articles, from the ``rouge-score`` package with its Porter stemmer on.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.config import ModelsConfig, load_config
from pipelines.models import ModelCache, ModelResolver
from pipelines.summarize.base import SummaryRequest
from pipelines.summarize.config import SummaryConfig, SummaryKind
from pipelines.summarize.engine import SummaryEngine
from pipelines.summarize.text import join_sentences, sentences, word_count

DATA = Path(__file__).resolve().parent / "data" / "summaries" / "eval.jsonl"
KINDS: tuple[SummaryKind, ...] = ("short", "long")
METRICS = ("rouge1", "rouge2", "rougeL")


@dataclass(frozen=True)
class Row:
    method: str
    kind: str
    scores: dict[str, float]
    words: float
    seconds_per_article: float
    notes: str = ""


def load_set(path: Path) -> list[dict[str, str]]:
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for item in items:
        missing = {"id", "text", "short_reference", "long_reference"} - item.keys()
        if missing:
            raise SystemExit(f"{path}: item {item.get('id', '?')} lacks {sorted(missing)}")
    return items


def score(predictions: list[str], references: list[str]) -> dict[str, float]:
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    per_item = [scorer.score(ref, pred) for pred, ref in zip(predictions, references, strict=True)]
    return {metric: 100 * statistics.fmean(s[metric].fmeasure for s in per_item) for metric in METRICS}


def lead3_rows(items: list[dict[str, str]]) -> list[Row]:
    started = time.perf_counter()
    leads = [join_sentences(sentences(item["text"], "en")[:3], "en") for item in items]
    seconds = (time.perf_counter() - started) / len(items)
    words = statistics.fmean(word_count(lead) for lead in leads)
    return [
        Row("LEAD-3", kind, score(leads, [item[f"{kind}_reference"] for item in items]), words, seconds)
        for kind in KINDS
    ]


def config_for(method: str, args: argparse.Namespace) -> tuple[SummaryConfig, ModelsConfig]:
    if method == "configured":
        if args.config is None:
            raise SystemExit("--methods configured needs --config FILE")
        full = load_config(args.config)
        return full.summary, full.models
    base = SummaryConfig()
    updates: dict[str, Any] = {"method": method}
    if method == "seq2seq":
        if not args.model:
            raise SystemExit("--methods seq2seq needs --model (a local directory or hub id)")
        updates |= {"model": args.model, "prefix": args.prefix, "num_beams": args.beams}
    return (
        base.model_copy(
            update={
                "short": base.short.model_copy(update=updates),
                "long": base.long.model_copy(update=updates),
                "fallback_method": "none",
            }
        ),
        ModelsConfig(device="cpu"),
    )


def method_rows(method: str, items: list[dict[str, str]], args: argparse.Namespace) -> list[Row]:
    summary_config, models = config_for(method, args)
    engine = SummaryEngine(
        summary_config, models, ModelResolver(timeout_s=models.resolve_timeout_s), ModelCache()
    )
    requests = [SummaryRequest(item["id"], item["text"], item.get("title", ""), "en") for item in items]
    started = time.perf_counter()
    outcomes = engine.summarize(requests)
    seconds = (time.perf_counter() - started) / len(items)
    failed = [outcome for outcome in outcomes if outcome.error is not None]
    if failed:
        raise SystemExit(f"{method}: {len(failed)} article(s) failed, first: {failed[0].error}")
    rows: list[Row] = []
    for kind in KINDS:
        chosen = [next(s for s in o.summaries if s.kind == kind and s.language == "en") for o in outcomes]
        flags = sorted({flag for summary in chosen for flag in summary.flags})
        fallbacks = sum(summary.fallback_reason is not None for summary in chosen)
        notes = ", ".join(
            [*(f"{flag} ×{sum(flag in s.flags for s in chosen)}" for flag in flags)]
            + ([f"fallback ×{fallbacks}"] if fallbacks else [])
        )
        rows.append(
            Row(
                method,
                kind,
                score([s.text for s in chosen], [item[f"{kind}_reference"] for item in items]),
                statistics.fmean(word_count(s.text) for s in chosen),
                seconds,
                notes,
            )
        )
    return rows


def render(rows: list[Row], items: list[dict[str, str]]) -> str:
    reference_words = {
        kind: statistics.fmean(word_count(item[f"{kind}_reference"]) for item in items) for kind in KINDS
    }
    header = ("kind", "method", "ROUGE-1", "ROUGE-2", "ROUGE-L", "words", "s/article")
    lines = ["{:<6} {:<12} {:>7} {:>7} {:>7} {:>6} {:>9}  notes".format(*header)]
    for kind in KINDS:
        lines.append(f"{kind:<6} {'(reference)':<12} {'':>7} {'':>7} {'':>7} {reference_words[kind]:>6.1f}")
        for row in (r for r in rows if r.kind == kind):
            s = row.scores
            lines.append(
                f"{kind:<6} {row.method:<12} {s['rouge1']:>7.1f} {s['rouge2']:>7.1f} {s['rougeL']:>7.1f} "
                f"{row.words:>6.1f} {row.seconds_per_article:>9.4f}  {row.notes}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DATA, help="JSONL evaluation set")
    parser.add_argument(
        "--methods", default="lead,textrank", help="comma-separated: lead, textrank, seq2seq, configured"
    )
    parser.add_argument("--model", help="model for seq2seq: local directory, s3:// prefix or hub id")
    parser.add_argument("--prefix", default="", help="task prefix for seq2seq, e.g. 'summarize: ' for T5")
    parser.add_argument("--beams", type=int, default=4, help="beams for seq2seq")
    parser.add_argument("--config", type=Path, help="config file for the 'configured' method")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args(argv)

    items = load_set(args.data)
    rows = lead3_rows(items)
    for method in [m.strip() for m in args.methods.split(",") if m.strip()]:
        if method not in ("lead", "textrank", "seq2seq", "configured"):
            parser.error(f"unknown method {method!r}")
        rows.extend(method_rows(method, items, args))
    print(f"{len(items)} articles from {args.data}; ROUGE F1 x 100 (rouge-score, stemmer on)")
    print(render(rows, items))
    if args.json:
        args.json.write_text(json.dumps([row.__dict__ for row in rows], indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
