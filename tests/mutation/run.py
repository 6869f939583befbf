"""Mutation testing of the modules that can lose, duplicate or corrupt data, or leak (mutmut 3).

    python tests/mutation/run.py                 # every group in tests/mutation/modules.toml
    python tests/mutation/run.py records digest  # some groups
    python tests/mutation/run.py --list          # the groups, their modules and tests

Each group runs in its own copy of the repository (``.mutation/<group>/``, ignored by git) with a
``[tool.mutmut]`` table written for it: only the group's modules are mutated and only the group's tests
run (mutmut then runs, for each mutant, just the tests that reach the mutated function). The score per
module is printed at the end, and the surviving mutants are listed so they can be killed by a new test
or documented as equivalent in docs/testing.md. ``mutmut show NAME`` in the group's folder prints one.

Not part of CI: it takes minutes per group on two cores. Run it under ``nice``; ``--jobs`` sets how
many mutants are tested at once (default 1).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("modules.toml")
WORK = REPO / ".mutation"

KILLED = {1, 3}
TIMEOUT = {36, -24, 24, 152, 255}
NO_TESTS = {5, 33}
SURVIVED = {0}


@dataclass(frozen=True)
class Group:
    name: str
    about: str
    modules: list[str]
    tests: list[str]
    functions: list[str]


@dataclass
class Score:
    module: str
    killed: int = 0
    timeout: int = 0
    survived: int = 0
    no_tests: int = 0
    other: int = 0

    @property
    def total(self) -> int:
        return self.killed + self.timeout + self.survived + self.no_tests + self.other

    @property
    def percent(self) -> float:
        return 100.0 * (self.killed + self.timeout) / self.total if self.total else 0.0


def load_groups(path: Path = CONFIG) -> dict[str, Group]:
    data = tomllib.loads(path.read_text())
    return {
        name: Group(
            name=name,
            about=str(spec.get("about", "")),
            modules=list(spec["modules"]),
            tests=list(spec["tests"]),
            functions=list(spec.get("functions", [])),
        )
        for name, spec in data["groups"].items()
    }


def repository_files() -> list[str]:
    """Tracked files and new files git does not ignore: what a checkout of this working tree holds."""
    listing = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO,
        check=True,
        capture_output=True,
    ).stdout.decode()
    return [name for name in listing.split("\0") if name and (REPO / name).is_file()]


def mutmut_table(group: Group, debug: bool = False) -> str:
    """The ``[tool.mutmut]`` table for one group (JSON strings and lists are valid TOML)."""
    settings = {
        "source_paths": ["pipelines"],
        "only_mutate": group.modules,
        "pytest_add_cli_args_test_selection": group.tests,
        "pytest_add_cli_args": ["-p", "no:cacheprovider", "-W", "ignore"],
        # mutmut runs the tests from its own copy, which holds only the source and tests/ by default;
        # some tests import benchmarks/ (tests/test_newsletter.py: benchmarks.stories and its data).
        "also_copy": ["benchmarks"],
        # torch and Prefect are not fork-safe once initialised: fork workers from a clean server.
        "process_isolation": "forkserver",
        "use_git_change_detection": False,
        "use_setproctitle": False,
        "debug": debug,
    }
    lines = ["", "[tool.mutmut]"]
    for key, value in settings.items():
        lines.append(f"{key} = {json.dumps(value)}")
    return "\n".join(lines) + "\n"


def prepare(group: Group, debug: bool = False) -> Path:
    """A fresh copy of the working tree for ``group``, with its mutmut settings."""
    folder = WORK / group.name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name in repository_files():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target)
    pyproject = (REPO / "pyproject.toml").read_text()
    if "[tool.mutmut]" in pyproject:
        raise SystemExit("pyproject.toml has its own [tool.mutmut]; the groups live in tests/mutation/")
    (folder / "pyproject.toml").write_text(pyproject + mutmut_table(group, debug))
    # It must exist before Python starts: a path missing then is never searched later.
    (folder / "mutants").mkdir()
    return folder


def run_group(group: Group, jobs: int, debug: bool = False) -> int:
    folder = prepare(group, debug)
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    # Subprocesses the tests start (CLI runs) must import the mutated code too.
    env.update(
        PYTHONPATH=str(folder / "mutants"),
        HF_HUB_OFFLINE="1",
        DO_NOT_TRACK="1",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
    )
    command = [sys.executable, "-m", "mutmut", "run", "--max-children", str(jobs), *group.functions]
    print(f"== {group.name}: {group.about}\n   mutating {', '.join(group.modules)}", flush=True)
    return subprocess.run(command, cwd=folder, env=env, check=False).returncode


def scores(group: Group) -> tuple[list[Score], list[str]]:
    """Per-module scores and the names of the mutants that were not killed."""
    folder = WORK / group.name
    results: list[Score] = []
    alive: list[str] = []
    for module in group.modules:
        score = Score(module)
        meta_path = folder / "mutants" / f"{module}.meta"
        exit_codes: dict[str, int | None] = (
            json.loads(meta_path.read_text())["exit_code_by_key"] if meta_path.exists() else {}
        )
        for name, code in sorted(exit_codes.items()):
            if group.functions and not any(fnmatch.fnmatch(name, pattern) for pattern in group.functions):
                continue
            if code in KILLED:
                score.killed += 1
                continue
            if code in TIMEOUT:
                score.timeout += 1
                continue
            if code in SURVIVED:
                score.survived += 1
            elif code in NO_TESTS:
                score.no_tests += 1
            else:
                score.other += 1
            alive.append(f"{name} ({'survived' if code in SURVIVED else f'exit {code}'})")
        results.append(score)
    return results, alive


def report(groups: list[Group]) -> None:
    print("\n| group | module | mutants | killed | timeout | survived | no tests | other | score |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    every_alive: list[str] = []
    for group in groups:
        module_scores, alive = scores(group)
        every_alive += alive
        for s in module_scores:
            print(
                f"| {group.name} | {s.module} | {s.total} | {s.killed} | {s.timeout} | {s.survived} "
                f"| {s.no_tests} | {s.other} | {s.percent:.1f}% |"
            )
    if every_alive:
        print("\nNot killed (see `mutmut show NAME` in .mutation/<group>/):")
        for name in every_alive:
            print(f"  {name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("groups", nargs="*", help="groups from tests/mutation/modules.toml (default: all)")
    parser.add_argument("--jobs", type=int, default=1, help="mutants tested at once (default 1)")
    parser.add_argument("--list", action="store_true", help="list the groups and exit")
    parser.add_argument("--debug", action="store_true", help="let mutmut print every pytest run")
    parser.add_argument("--report", action="store_true", help="print the scores of the last run only")
    args = parser.parse_args(argv)
    known = load_groups()
    unknown = [name for name in args.groups if name not in known]
    if unknown:
        parser.error(f"unknown group(s) {', '.join(unknown)}; known: {', '.join(known)}")
    chosen = [known[name] for name in args.groups] if args.groups else list(known.values())
    if args.list:
        for group in chosen:
            print(f"{group.name}: {group.about}\n  modules: {' '.join(group.modules)}")
            print(f"  tests: {' '.join(group.tests)}")
        return 0
    failed: list[str] = []
    if not args.report:
        for group in chosen:
            if run_group(group, args.jobs, args.debug) != 0:
                failed.append(group.name)
    report(chosen)
    if failed:
        print(f"\nmutmut did not finish for: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
