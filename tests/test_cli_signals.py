"""Clean stops of `newsdigest run`, the way a user or a supervisor stops it: a real CLI process on tiny
models, SIGTERM to the process or to its whole process group (what `timeout` and supervisors send),
SIGINT (Ctrl-C); and `kill -9`, after which no process the CLI started may remain.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipelines.config import load_config
from pipelines.records import Record
from pipelines.runner import run
from pipelines.services import build_services
from pipelines.store import LocalStore
from tests.conftest import REPO
from tests.test_reliability_crash import _articles, _records

STOP_LINE = re.compile(
    r"stopped by (SIGTERM|SIGINT) after (\d+) of (\d+) articles; "
    r"what was published stays published, run again to finish"
)


def _overrides(tiny_overrides: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    return {
        **tiny_overrides,
        "store.url": str(tmp_path / "store"),
        "models.cache_dir": str(tmp_path / "cache"),
        "batch_size": 2,
        # The variants differ by a short closing line that page-structure cleaning would move out of the text.
        "ingest.structure": {"*": False},
    }


def _start_cli(overrides: dict[str, Any], tmp_path: Path, *flags: str) -> subprocess.Popen[str]:
    """`newsdigest run` in a new session (its own process group), as a user's shell would start it."""
    config = load_config(None, overrides)
    config_file = tmp_path / "config.yaml"
    config_file.write_text(yaml.safe_dump(config.model_dump(mode="json"), allow_unicode=True))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PYTHONPATH"] = str(REPO)
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    return subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "run", str(tmp_path / "in"), "-c", str(config_file), *flags],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _wait_for_records(process: subprocess.Popen[str], root: Path, count: int) -> None:
    deadline = time.monotonic() + 180
    while len(_records(root)) < count and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert process.poll() is None, "the run ended before it could be stopped"
    assert len(_records(root)) >= count, "no records within 180 s"


def _session_processes(session: int) -> list[str]:
    """``pid command`` of every live process in ``session`` (from /proc; zombies are not alive)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = _stat(entry)
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[3]) == session:
            found.append(f"{entry.name} {command}")
    return found


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and _stat(entry)[1] == str(pid):
                found.add(int(entry.name))
        except OSError:
            continue
    return found


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            if _stat(Path(f"/proc/{pid}"))[0] != "Z":
                alive.add(pid)
        except OSError:
            continue
    return alive


def _stat(entry: Path) -> list[str]:
    """The fields of /proc/PID/stat after ``pid (comm)``: state, ppid, pgrp, session, ..."""
    return (entry / "stat").read_text().rsplit(")", 1)[1].split()


@pytest.mark.parametrize(
    ("signum", "to_group", "flags", "code"),
    [
        (signal.SIGTERM, False, (), 143),
        (signal.SIGTERM, True, (), 143),
        (signal.SIGINT, False, (), 130),
        # Prefect's temporary server used to die first and the flow run to retry it for minutes.
        pytest.param(signal.SIGTERM, True, ("--prefect",), 143, marks=pytest.mark.slow),
    ],
    ids=["sigterm-process", "sigterm-group", "sigint-process", "sigterm-group-prefect"],
)
def test_a_signal_stops_the_run_cleanly_and_a_rerun_finishes(
    signum: signal.Signals,
    to_group: bool,
    flags: tuple[str, ...],
    code: int,
    tiny_overrides: dict[str, Any],
    tmp_path: Path,
) -> None:
    total = _articles(tmp_path / "in")
    overrides = _overrides(tiny_overrides, tmp_path)
    root = tmp_path / "store"
    process = _start_cli(overrides, tmp_path, *flags)
    try:
        _wait_for_records(process, root, 2)
        children = _children(process.pid)
        sent = time.monotonic()
        if to_group:
            os.killpg(process.pid, signum)
        else:
            process.send_signal(signum)
        _stdout, stderr = process.communicate(timeout=60)
        took = time.monotonic() - sent
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == code, stderr
    assert took < 20, f"the stop took {took:.1f} s"
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    stop = STOP_LINE.fullmatch(lines[0])
    assert stop is not None, lines[0]
    assert stop.group(1) == signum.name and int(stop.group(3)) == total
    assert _session_processes(process.pid) == [] and _alive(children) == set()

    stored = _records(root)
    assert 2 <= len(stored) < total
    assert int(stop.group(2)) <= len(stored)  # what the line counts as published is stored
    assert not list(root.glob("runs/**/*.json"))  # a stopped run writes no manifest
    store = LocalStore(root)
    for key in store.list(""):  # whatever is listed is complete (writes are atomic)
        json.loads(store.get(key))

    manifest = run([tmp_path / "in"], build_services(load_config(None, overrides))).manifest
    assert manifest.counts == {"unchanged": len(stored), "published": total - len(stored)}
    ids = Counter(Record.model_validate_json(path.read_text()).article.id for path in _records(root))
    assert len(ids) == total and set(ids.values()) == {1}


@pytest.mark.parametrize(
    "flags", [(), pytest.param(("--prefect",), marks=pytest.mark.slow)], ids=["plain", "prefect"]
)
def test_kill_9_leaves_no_process_behind(
    flags: tuple[str, ...], tiny_overrides: dict[str, Any], tmp_path: Path
) -> None:
    """Plain runs start no process; with --prefect (and no API) the CLI's temporary server must die too."""
    _articles(tmp_path / "in")
    root = tmp_path / "store"
    process = _start_cli(_overrides(tiny_overrides, tmp_path), tmp_path, *flags)
    try:
        _wait_for_records(process, root, 2)
        children = _children(process.pid)
        process.kill()
    finally:
        process.wait(timeout=30)
    assert bool(children) == bool(flags), children  # the temporary server, only with --prefect
    deadline = time.monotonic() + 15
    while (_alive(children) or _session_processes(process.pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _alive(children) == set()
    assert _session_processes(process.pid) == []
