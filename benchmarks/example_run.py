"""Time `newsdigest run examples/articles` as a newcomer runs it: a fresh process, Prefect home and store.

Two configurations: the embedded defaults (real hub models; where the hub cannot be reached, the run must
still finish quickly, record every article and exit 1 with the reasons), and tiny local models built by
`python -m tests.support` (every article published). Prints one line per run and, with --json, writes
the figures.

    python benchmarks/example_run.py [--runs 3] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run_once(extra: list[str], workdir: Path) -> dict[str, object]:
    workdir.mkdir(parents=True)
    env = {**os.environ, "PREFECT_HOME": str(workdir / "prefect"), "DO_NOT_TRACK": "1"}
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    env.pop("HF_HUB_OFFLINE", None)
    store = workdir / "store"
    command = [sys.executable, "-m", "flows.cli", "run", "examples/articles", "--store", str(store), *extra]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    seconds = time.perf_counter() - started
    manifests = sorted((store / "runs").rglob("*.json"))
    if not manifests:
        raise SystemExit(f"the run left no manifest (exit {result.returncode}):\n{result.stderr[-2000:]}")
    counts = json.loads(manifests[-1].read_text())["counts"]
    return {"seconds": round(seconds, 1), "exit_code": result.returncode, "counts": counts}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="newsdigest-example-run-"))
    subprocess.run([sys.executable, "-m", "tests.support", str(REPO / ".tiny-models")], cwd=REPO, check=True)
    setups = {"defaults (hub unreachable)": [], "tiny local models": ["--config", "configs/tiny-local.yaml"]}
    report: dict[str, list[dict[str, object]]] = {}
    for name, extra in setups.items():
        for attempt in range(args.runs):
            outcome = run_once(extra, scratch / f"{len(report)}-{attempt}")
            report.setdefault(name, []).append(outcome)
            print(f"{name:28} run {attempt + 1}: {outcome}")
        seconds = [float(str(o["seconds"])) for o in report[name]]
        print(f"{name:28} median {statistics.median(seconds):.1f}s over {len(seconds)} runs")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
