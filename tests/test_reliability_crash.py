"""The process killed in the middle of a run (issue 7, item 2): kill -9 after some records are written,
run again, and the second run publishes exactly the remainder; no article is lost or stored twice.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from pipelines.config import load_config
from pipelines.records import Record
from pipelines.runner import run
from pipelines.services import build_services
from pipelines.store import LocalStore
from pipelines.store.publish import SummaryObject
from tests.conftest import EXAMPLES, REPO

_RUN = """
import json, sys
from pipelines.config import load_config
from pipelines.runner import run
from pipelines.services import build_services
run(sys.argv[2:], build_services(load_config(None, json.loads(sys.argv[1]))))
"""


def _articles(folder: Path) -> int:
    """Variants of the example .txt articles: distinct content, several languages."""
    folder.mkdir()
    count = 0
    for source in sorted(EXAMPLES.glob("*.txt")):
        title, _, body = source.read_text(encoding="utf-8").partition("\n")
        for edition in range(2):
            (folder / f"{source.stem}-{edition}.txt").write_text(
                f"{title} ({edition})\n{body.strip()}\n\n{edition + 1}.\n", encoding="utf-8"
            )
            count += 1
    return count


def _records(root: Path) -> list[Path]:
    return sorted(root.glob("records/*/*.json"))


def test_kill_9_mid_run_then_rerun_publishes_the_rest_once(
    tiny_overrides: dict[str, Any], tmp_path: Path
) -> None:
    total = _articles(tmp_path / "in")
    root = tmp_path / "store"
    overrides = {
        **tiny_overrides,
        "store.url": str(root),
        "models.cache_dir": str(tmp_path / "cache"),
        "batch_size": 2,
        # The variants differ by a short closing line that page-structure cleaning would move out of the text.
        "ingest.structure": {"*": False},
    }
    process = subprocess.Popen(
        [sys.executable, "-c", _RUN, json.dumps(overrides), str(tmp_path / "in")],
        cwd=REPO,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while len(_records(root)) < 4 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL  # killed, not finished
    before = _records(root)
    assert 4 <= len(before) < total
    assert not list(root.glob("runs/**/*.json"))  # the killed run wrote no manifest

    store = LocalStore(root)
    for key in store.list(""):  # whatever is listed is complete (writes are atomic)
        json.loads(store.get(key))

    manifest = run([tmp_path / "in"], build_services(load_config(None, overrides))).manifest
    assert manifest.counts == {"unchanged": len(before), "published": total - len(before)}

    records = [Record.model_validate_json(path.read_text()) for path in _records(root)]
    ids = Counter(record.article.id for record in records)
    assert len(ids) == total and set(ids.values()) == {1}  # every article once
    summaries = sorted(root.glob("summaries/*/en/*.json"))
    assert Counter(SummaryObject.model_validate_json(p.read_text()).article_id for p in summaries) == ids
    assert len(list(root.glob("runs/**/*.json"))) == 1
