"""Retention for folder stores: what the bucket's lifecycle rules do for S3 (infra/bucket/lifecycle.json).

Run manifests (``runs/``) and failures (``failures/``) older than a number of days are deleted; records
and summaries, the contract newsletters read, are never touched. Age counts from the object's last write,
as an S3 lifecycle rule counts from the object's creation, so a failure that is still failing after the
cut-off is written again by the next run that meets it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from pipelines.errors import StoreError
from pipelines.store import layout

PRUNED_PREFIXES = (layout.RUNS, layout.FAILURES)


@dataclass
class Pruned:
    deleted: list[str] = field(default_factory=list)
    kept: int = 0


def prune_folder(
    root: Path,
    older_than: timedelta,
    now: datetime,
    *,
    prefixes: tuple[str, ...] = PRUNED_PREFIXES,
    dry_run: bool = False,
) -> Pruned:
    """Delete files under ``prefixes`` (``runs/`` and ``failures/``) of the folder store at ``root`` last
    written before ``now - older_than``; folders left empty go too. Returns the keys deleted (or, dry, to be
    deleted)."""
    if not set(prefixes) <= set(PRUNED_PREFIXES):
        raise StoreError(f"prune only deletes under {', '.join(PRUNED_PREFIXES)}, not {prefixes}")
    cutoff = (now - older_than).timestamp()
    result = Pruned()
    for prefix in prefixes:
        top = root / prefix.rstrip("/")
        if not top.is_dir():
            continue
        for dirpath, _dirnames, filenames in os.walk(top, topdown=False):
            for name in sorted(filenames):
                path = Path(dirpath, name)
                if path.stat().st_mtime >= cutoff:
                    result.kept += 1
                    continue
                result.deleted.append(path.relative_to(root).as_posix())
                if not dry_run:
                    _remove(path.unlink, path)
            folder = Path(dirpath)
            if not dry_run and folder != top and not any(folder.iterdir()):
                _remove(folder.rmdir, folder)
    result.deleted.sort()
    return result


def _remove(action: Callable[[], None], path: Path) -> None:
    try:
        action()
    except OSError as exc:
        raise StoreError(f"cannot delete {path}: {exc.strerror or exc}") from exc
