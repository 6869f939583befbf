"""Store maintenance commands of ``newsdigest``: ``failures ls``, ``failures replay`` and ``prune``.

They are registered on the main app by :mod:`flows.cli`; helpers from there are imported inside the
commands (that module imports this one).
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from pipelines import Config, FailureFilter, Record

failures_app = typer.Typer(
    help="List and replay the inputs that failed or were skipped.", no_args_is_help=True
)

StoreOption = Annotated[str, typer.Option(help="Store URL: a folder or s3://bucket/prefix.")]
ConfigOption = Annotated[
    Path | None, typer.Option("--config", "-c", help="YAML config (store settings; for replay, the run's).")
]
SinceOption = Annotated[
    str | None, typer.Option(help="Only failures first seen at or after this day (YYYY-MM-DD) or time.")
]
ReasonOption = Annotated[str | None, typer.Option(help="Only failures whose reason contains this text.")]


def _store_settings(config: Path | None, store: str) -> Config:
    from flows.cli import _settings

    return _settings(config, {"store.url": store})


def _selection(since: str | None, reason: str | None, include_resolved: bool) -> FailureFilter:
    from flows.cli import EXIT_USAGE, _fail
    from pipelines import ConfigError, FailureFilter, parse_since

    try:
        start = parse_since(since) if since else None
    except ConfigError as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    return FailureFilter(since=start, reason=reason, include_resolved=include_resolved)


def _failures(settings: Config, selection: FailureFilter) -> list[Record]:
    from flows.cli import EXIT_INCOMPLETE, _fail
    from pipelines import NewsdigestError, list_failures, open_store

    try:
        return list_failures(open_store(settings.store), selection)
    except NewsdigestError as exc:
        raise _fail(str(exc), EXIT_INCOMPLETE) from None


@failures_app.command("ls")
def list_command(
    store: StoreOption,
    since: SinceOption = None,
    reason: ReasonOption = None,
    include_resolved: Annotated[
        bool, typer.Option("--all", help="Also failures whose article was published since.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """List stored failures, oldest first, as tab-separated lines: first failed, status, article id,
    input, reason."""
    selection = _selection(since, reason, include_resolved)
    failures = _failures(_store_settings(config, store), selection)
    lines = ["failed_at\tstatus\tarticle_id\tinput\treason"]
    for failure in failures:
        when = failure.processed_at.isoformat(timespec="seconds") if failure.processed_at else ""
        cells = (when, failure.status, failure.article.id, failure.article.origin, failure.reason or "")
        lines.append("\t".join(" ".join(cell.split()) for cell in cells))
    sys.stdout.write("\n".join(lines) + "\n")


@failures_app.command("replay")
def replay_command(
    store: StoreOption,
    since: SinceOption = None,
    reason: ReasonOption = None,
    config: ConfigOption = None,
    target: Annotated[str | None, typer.Option(help="Target language (overrides the config).")] = None,
) -> None:
    """Run the stored articles of the matching failures again, as ``newsdigest run`` would (same ids).

    Inputs that could not be read are listed and left alone: fix them and run their origin again.
    """
    from flows.cli import EXIT_OK, console, run
    from pipelines import is_replayable, to_jsonl

    failures = _failures(_store_settings(config, store), _selection(since, reason, include_resolved=False))
    replayable = [failure for failure in failures if is_replayable(failure)]
    for failure in failures:
        if not is_replayable(failure):
            console.print(
                f"not replayed: {failure.article.origin} could not be read ({failure.reason}); "
                "fix it and run it again",
                highlight=False,
                markup=False,
            )
    if not replayable:
        console.print("nothing to replay", highlight=False)
        raise typer.Exit(EXIT_OK)
    with tempfile.TemporaryDirectory(prefix="newsdigest-replay-") as folder:
        inputs = Path(folder, "failures.jsonl")
        inputs.write_text(to_jsonl(replayable), encoding="utf-8")
        console.print(f"replaying {len(replayable)} article(s)", highlight=False)
        run(inputs=[str(inputs)], config=config, store=store, target=target)


class PrunedFolder(StrEnum):
    runs = "runs"
    failures = "failures"


def prune(
    store: StoreOption,
    older_than: Annotated[
        int, typer.Option(min=1, help="Delete run manifests and failures older than DAYS.")
    ],
    only: Annotated[
        PrunedFolder | None, typer.Option(help="Only this folder (default: runs and failures).")
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Only print what would be deleted.")] = False,
    config: ConfigOption = None,
) -> None:
    """Delete run manifests (runs/) and failures (failures/) older than DAYS from a folder store.

    Records and summaries are never deleted. For an s3:// store use the bucket's lifecycle rules
    (infra/bucket/lifecycle.json), which do the same on the server.
    """
    from flows.cli import EXIT_INCOMPLETE, EXIT_USAGE, _fail
    from pipelines import PRUNED_PREFIXES, LocalStore, NewsdigestError, open_store, prune_folder

    settings = _store_settings(config, store)
    try:
        opened = open_store(settings.store)
    except NewsdigestError as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    if not isinstance(opened, LocalStore):
        raise _fail(
            f"{opened.url}: prune works on folder stores; for S3 apply the lifecycle rules of "
            "infra/bucket/lifecycle.json (infra/bucket/setup.sh does)",
            EXIT_USAGE,
        )
    prefixes = (f"{only.value}/",) if only else PRUNED_PREFIXES
    try:
        pruned = prune_folder(
            opened.root, timedelta(days=older_than), datetime.now(UTC), prefixes=prefixes, dry_run=dry_run
        )
    except NewsdigestError as exc:
        raise _fail(str(exc), EXIT_INCOMPLETE) from None
    for key in pruned.deleted:
        sys.stdout.write(f"{'would delete' if dry_run else 'deleted'}\t{key}\n")
    verb = "would delete" if dry_run else "deleted"
    sys.stderr.write(f"{verb} {len(pruned.deleted)}, kept {pruned.kept} ({' and '.join(prefixes)})\n")
