"""The layering the project promises: pipelines/ is plain Python, heavy imports are lazy, imports run
down the layers only, and flows/ uses the library through its public surface."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    return _imports_of(ast.parse(path.read_text(encoding="utf-8")))


def _imports_of(tree: ast.AST) -> set[str]:
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


def _modules(folder: str) -> dict[str, set[str]]:
    return {
        str(path.relative_to(REPO)): _imports(path)
        for path in (REPO / folder).rglob("*.py")
        if "__pycache__" not in path.parts
    }


# The edge of the library: the only modules that see the whole configuration or assemble a run.
_EDGE = {"pipelines/__init__.py", "pipelines/config.py", "pipelines/services.py", "pipelines/runner.py"}
_UPPER = ("pipelines.config", "pipelines.services", "pipelines.runner")


def test_lower_layers_never_import_upward() -> None:
    """Stages, engines, store, sources and models get their own settings section and services; none of
    them reaches back up into the root config, the services factory, the runner or the flow layer."""
    offenders = [
        f"{module} imports {name}"
        for module, names in _modules("pipelines").items()
        for name in sorted(names)
        if (module not in _EDGE and name in _UPPER) or name == "flows" or name.startswith("flows.")
    ]
    assert offenders == []


def test_flows_import_only_the_public_surface() -> None:
    offenders = []
    for path in (REPO / "flows").rglob("*.py"):
        module = str(path.relative_to(REPO))
        offenders += [
            f"{module} imports {name}"
            for name in sorted(_imports_of(ast.parse(path.read_text(encoding="utf-8"))))
            if name.startswith("pipelines.")
        ]
    assert offenders == []


def test_the_public_surface_resolves_every_name() -> None:
    import pipelines

    assert pipelines.__all__ and all(getattr(pipelines, name) is not None for name in pipelines.__all__)


def test_the_check_catches_an_upward_import(tmp_path: Path) -> None:
    """The walker sees imports anywhere in a module, TYPE_CHECKING blocks and functions included."""
    module = tmp_path / "engine.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from pipelines.config import ModelsConfig\n"
        "def load():\n    from flows.digest_flow import news_digests\n"
    )
    assert {"pipelines.config", "flows.digest_flow"} <= _imports(module)


def test_importing_pipelines_loads_no_heavy_library() -> None:
    code = (
        "import sys, pipelines, pipelines.config, pipelines.stages, pipelines.records, pipelines.store, "
        "pipelines.runner, pipelines.services; "
        "heavy = [m for m in ('torch', 'transformers', 'prefect', 'boto3', 'ctranslate2', 'trafilatura') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert result.stdout.strip() == ""


def test_cli_help_loads_no_heavy_library() -> None:
    """``newsdigest --help`` stays fast by importing none of the heavy libraries; checked by what it
    imports rather than by a wall-clock bound, which a loaded CI machine breaks."""
    code = (
        "import sys\n"
        "from flows.cli import main\n"
        "status = 0\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as stop:\n"
        "    status = stop.code or 0\n"
        "heavy = [m for m in ('torch', 'transformers', 'prefect', 'boto3', 'ctranslate2', 'trafilatura') "
        "if m in sys.modules]\n"
        "print('HEAVY:' + ','.join(heavy), file=sys.stderr)\n"
        "sys.exit(status)\n"
    )
    result = subprocess.run([sys.executable, "-c", code, "--help"], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert "run" in result.stdout and "detect" in result.stdout, result.stderr
    assert "HEAVY:\n" in result.stderr, result.stderr
