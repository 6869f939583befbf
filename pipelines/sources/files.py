"""The local-file source: folders walked into files, and files read into articles or failures.

Nothing here raises for a bad input: a file that is missing, unreadable, of an unsupported type or too
large ends as an :class:`~pipelines.sources.formats.common.IngestFailure` with the reason, so a run records
every input it was given. Which suffixes are read, and how each format is parsed, is up to
:mod:`pipelines.sources.formats`. A file's origin is its path (records in a JSON file add their number,
see :mod:`pipelines.sources.formats.json`).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from pipelines.records import Article
from pipelines.sources.config import IngestConfig
from pipelines.sources.formats.common import IngestFailure, read_limit, read_limit_rule, unexpected_error
from pipelines.sources.formats.registry import kind_of, parse_text, supported_suffixes


def discover(paths: Sequence[Path | str]) -> list[Path]:
    """Expand files and folders into the files to read, in a stable order, each once.

    Folders are searched recursively (hidden files and folders are left out). Every other entry that is
    not a folder is returned, also an unsupported type or a broken symbolic link, and so is a path given
    explicitly, even one that does not exist: :func:`read_file` records each as skipped or failed, with
    the reason, instead of dropping it silently.
    """
    found: list[Path] = []
    seen: set[Path] = set()

    def add(path: Path) -> None:
        try:
            key = path.resolve()  # one file reached twice (a symlink, a folder and a file in it) is read once
        except (OSError, RuntimeError):  # RuntimeError: a symlink loop
            key = path
        if key not in seen:
            seen.add(key)
            found.append(path)

    for given in paths:
        path = Path(given)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                relative = child.relative_to(path).parts
                if any(part.startswith(".") for part in relative):
                    continue
                if not child.is_dir():
                    add(child)
        else:
            add(path)
    return found


def read_inputs(paths: Sequence[Path | str], config: IngestConfig) -> list[Article | IngestFailure]:
    """Read every file under ``paths``; one entry per article or failure, in a stable order."""
    results: list[Article | IngestFailure] = []
    for path in discover(paths):
        try:
            results.extend(read_file(path, config))
        except Exception as exc:  # noqa: BLE001 - one input's fault is that input's failure, not the run's
            results.append(IngestFailure(str(path), unexpected_error("reading", exc)))
    return results


def read_file(path: Path, config: IngestConfig) -> list[Article | IngestFailure]:
    """Read one file by its suffix; problems become :class:`IngestFailure` entries, never exceptions."""
    origin = str(path)
    kind = kind_of(path.suffix)
    if kind is None:
        reason = f"unsupported file type '{path.suffix or path.name}' (supported: {supported_suffixes()})"
        return [IngestFailure(origin, reason, status="skipped")]
    try:
        if path.is_symlink() and not path.exists():
            return [IngestFailure(origin, _broken_link_reason(path), status="skipped")]
        if not path.exists():
            return [IngestFailure(origin, "file does not exist")]
        if not path.is_file():
            return [IngestFailure(origin, "not a regular file")]
        size = path.stat().st_size
        if size > read_limit(config):
            reason = f"file has {size} bytes, over the read limit of {read_limit_rule(config)}"
            return [IngestFailure(origin, reason)]
        raw = path.read_bytes()
    except OSError as exc:
        return [IngestFailure(origin, f"cannot read file: {exc.strerror or exc}", status="skipped")]
    return parse_text(raw, origin=origin, kind=kind, config=config)


def read_single_input(path: str, config: IngestConfig, stdin: BinaryIO) -> Article | IngestFailure:
    """One input for a command that reads a single text (``newsdigest detect``), with a run's limits,
    decoding and cleaning; ``-`` is standard input. A path without a known suffix is read as plain text.

    The read stops one byte past the limit, so a device or pipe without end (``/dev/zero``) cannot
    exhaust memory.
    """
    limit = read_limit(config)
    origin = "<stdin>" if path == "-" else path
    kind = "txt" if path == "-" else kind_of(Path(path).suffix) or "txt"
    try:
        if path == "-":
            raw = stdin.read(limit + 1)
        else:
            with open(path, "rb") as handle:
                raw = handle.read(limit + 1)
    except OSError as exc:
        return IngestFailure(origin, f"cannot read file: {exc.strerror or exc}")
    if len(raw) > limit:
        return IngestFailure(origin, f"input is over the read limit of {read_limit_rule(config)}")
    return parse_text(raw, origin=origin, kind=kind, config=config)[0]


def _broken_link_reason(path: Path) -> str:
    try:
        path.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop: the link points back at itself"
    return f"broken symbolic link: its target {os.readlink(path)!r} does not exist"
