"""Medians over several ``benchmarks/pipeline.py --json`` files, as a Markdown table.

As in ``translate_medians.py``, each path's speed-up over the first path is taken within its run (same
inputs, one run after the other) before the median is taken.

    python benchmarks/pipeline_medians.py run1.json run2.json run3.json
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

from benchmarks.translate_medians import result_named

STAGES = ("ingest", "detect", "translate", "summarize", "publish")


def load_runs(paths: list[Path]) -> list[dict[str, Any]]:
    runs = [json.loads(path.read_text()) for path in paths]
    shapes = {(run["articles"], run["threads"], run["size"], json.dumps(run["languages"])) for run in runs}
    if len(shapes) != 1:
        raise SystemExit(f"the runs measured different workloads {sorted(shapes)}: compare like with like")
    return runs


def table(runs: list[dict[str, Any]]) -> str:
    names = [result["name"] for result in runs[0]["results"]]
    lines = [
        "| | articles/h (median) | × first path: median (runs) | "
        + " | ".join(f"{stage} share" for stage in STAGES)
        + " | peak RSS (max) |",
        "|---|---:|---|" + "---:|" * len(STAGES) + "---:|",
    ]
    for name in names:
        rows = [result_named(run, name) for run in runs]
        ratios = [
            row["articles_per_hour"] / result_named(run, names[0])["articles_per_hour"]
            for run, row in zip(runs, rows, strict=True)
        ]
        ratio = f"**{statistics.median(ratios):.2f}** ({', '.join(f'{r:.2f}' for r in ratios)})"
        shares = " | ".join(
            f"{100 * statistics.median(row['stage_share'][stage] for row in rows):.0f}%" for stage in STAGES
        )
        lines.append(
            f"| {name} | {statistics.median(r['articles_per_hour'] for r in rows):,.0f} "
            f"| {'1.00' if name == names[0] else ratio} | {shares} "
            f"| {max(r['peak_rss_mb'] for r in rows):,.0f} MB |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("runs", nargs="+", type=Path, help="JSON files written by pipeline.py --json")
    runs = load_runs(parser.parse_args().runs)
    first = runs[0]
    print(
        f"{len(runs)} runs of {first['articles']} articles ({first['size']} size, {first['threads']} threads)"
    )
    print(table(runs))


if __name__ == "__main__":
    main()
