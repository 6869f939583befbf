"""Medians over several ``benchmarks/translate.py --json`` files, as a Markdown table.

Each run's ratio to (a) is taken within that run (same process, same inputs) before the median is taken,
so a run slowed down as a whole moves the ratios less than the absolute figures.

    python benchmarks/translate_medians.py run1.json run2.json run3.json
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any


def load_runs(paths: list[Path]) -> list[dict[str, Any]]:
    runs = [json.loads(path.read_text()) for path in paths]
    shapes = {(run["articles"], run["sentences"], run["useful_tokens"]) for run in runs}
    if len(shapes) != 1:
        raise SystemExit(f"the runs measured different workloads {sorted(shapes)}: compare like with like")
    return runs


def table(runs: list[dict[str, Any]]) -> str:
    names = [result["name"] for result in runs[0]["results"]]
    lines = [
        "| | useful tok/s (median) | ms/article (median) | ratio to (a): median (runs) "
        "| identical to (a) (runs) | peak RSS in phase (max) |",
        "|---|---:|---:|---|---:|---:|",
    ]
    for name in names:
        rows = [result_named(run, name) for run in runs]
        ratios = [
            row["tokens_per_s"] / result_named(run, names[0])["tokens_per_s"]
            for run, row in zip(runs, rows, strict=True)
        ]
        shares = [row["identical_to_naive"] for row in rows]
        ratio = f"**{statistics.median(ratios):.2f}** ({', '.join(f'{r:.2f}' for r in ratios)})"
        identical = "—" if None in shares else ", ".join(f"{100 * s:.1f}%" for s in shares)
        lines.append(
            f"| {name} | {statistics.median(r['tokens_per_s'] for r in rows):,.0f} "
            f"| {statistics.median(r['ms_per_article'] for r in rows):,.0f} "
            f"| {'1.00' if name == names[0] else ratio} | {identical} "
            f"| {max(r['peak_rss_mb'] for r in rows):,.0f} MB |"
        )
    return "\n".join(lines)


def result_named(run: dict[str, Any], name: str) -> dict[str, Any]:
    """The result called ``name`` in one run's JSON (``results`` list); every run must have it."""
    matches = [result for result in run["results"] if result["name"] == name]
    if not matches:
        raise SystemExit(f"a run has no result named {name!r}")
    return matches[0]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("runs", nargs="+", type=Path, help="JSON files written by translate.py --json")
    runs = load_runs(parser.parse_args().runs)
    print(f"{len(runs)} runs of {runs[0]['articles']} articles ({runs[0]['useful_tokens']:,} useful tokens)")
    print(table(runs))


if __name__ == "__main__":
    main()
