"""Dependencies declared as used: every third-party module pipelines/ and flows/ import is a declared
runtime dependency (or an optional extra's), and packages only the tests use are in the test extra."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib

from tests.conftest import REPO

RUNTIME_EXTRAS = ("ctranslate2", "dask")


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9_.-]+", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def _declared() -> tuple[set[str], set[str], set[str]]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    runtime = {_name(r) for r in project["dependencies"]}
    optional = {_name(r) for extra in RUNTIME_EXTRAS for r in extras[extra]}
    return runtime, optional, {_name(r) for r in extras["test"]}


def _imported(*folders: str) -> set[str]:
    """Top-level modules imported anywhere in ``folders`` (at module level or inside functions)."""
    modules: set[str] = set()
    for folder in folders:
        for path in (REPO / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    modules.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    modules.add(node.module.split(".")[0])
    local = {"pipelines", "flows", "tests", "benchmarks", "devtools"}
    return {m for m in modules if m not in sys.stdlib_module_names and m not in local}


def _distributions(modules: set[str]) -> dict[str, set[str]]:
    by_module = importlib.metadata.packages_distributions()
    return {module: {_name(d) for d in by_module.get(module, [module])} for module in modules}


def test_every_runtime_import_is_declared() -> None:
    runtime, optional, _test = _declared()
    undeclared = {
        module: names
        for module, names in _distributions(_imported("pipelines", "flows")).items()
        if not names & (runtime | optional)
    }
    assert undeclared == {}, "imported by pipelines/ or flows/ but not declared in pyproject.toml"
    assert {"httpx", "numpy", "huggingface-hub", "botocore"} <= runtime


def test_test_only_packages_are_in_the_test_extra() -> None:
    runtime, optional, test = _declared()
    assert "jsonschema" in test
    assert not runtime & {"jsonschema", "referencing", "pytest", "hypothesis", "moto"}
    undeclared = {
        module: names
        for module, names in _distributions(_imported("tests")).items()
        if not names & (runtime | optional | test)
    }
    # distributed comes with prefect-dask (the dask extra the test extra lists)
    assert set(undeclared) <= {"distributed"}, undeclared
