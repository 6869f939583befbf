"""Hub ids where the hub cannot be reached: fail fast, once, with the cause, and never hang the run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, free_port

_SCRIPT = """
import json, time
from pipelines.models import ModelResolver
from pipelines.errors import ModelUnavailable
resolver = ModelResolver(timeout_s=20)
outcome = []
started = time.monotonic()
for spec in ("Helsinki-NLP/opus-mt-fr-en", "Helsinki-NLP/opus-mt-de-en", "Helsinki-NLP/opus-mt-fr-en"):
    try:
        resolver.resolve(spec)
        outcome.append([type(None).__name__, ""])
    except ModelUnavailable as exc:
        outcome.append([type(exc).__name__, str(exc)])
print(json.dumps({"outcome": outcome, "seconds": time.monotonic() - started}))
"""


def test_unreachable_hub_fails_fast_once_and_names_the_cause(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "0",
        "HF_ENDPOINT": f"http://127.0.0.1:{free_port()}",
        "HF_HOME": str(tmp_path / "hf"),
    }
    result = subprocess.run(
        [sys.executable, "-c", _SCRIPT], capture_output=True, text=True, cwd=REPO, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    (first_type, first), (second_type, second), (third_type, third) = report["outcome"]
    assert first_type == "HubUnreachable"
    assert "opus-mt-fr-en" in first and "cannot be reached" in first
    assert second_type == "ModelUnavailable" and "not tried" in second and "opus-mt-de-en" in second
    assert (third_type, third) == (first_type, first), "a failed resolution is remembered, not retried"
    assert report["seconds"] < 30
