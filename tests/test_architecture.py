"""The layering the project promises: pipelines/ is plain Python, heavy imports are lazy."""

from __future__ import annotations

import ast
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_pipelines_never_imports_prefect() -> None:
    offenders = [
        str(path.relative_to(REPO))
        for path in (REPO / "pipelines").rglob("*.py")
        if any(name == "prefect" or name.startswith("prefect.") for name in _imports(path))
    ]
    assert offenders == []


def test_importing_pipelines_loads_no_heavy_library() -> None:
    code = (
        "import sys, pipelines, pipelines.config, pipelines.stages, pipelines.records, pipelines.store; "
        "heavy = [m for m in ('torch', 'transformers', 'prefect', 'boto3', 'ctranslate2', 'trafilatura') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert result.stdout.strip() == ""


def test_cli_help_is_fast() -> None:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", "from flows.cli import main; main()", "--help"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    assert "run" in result.stdout and "detect" in result.stdout
    assert elapsed < 1.0, f"newsdigest --help took {elapsed:.2f}s"
