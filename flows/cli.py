"""The ``newsdigest`` command line.

Heavy modules (Prefect, torch, transformers) are imported inside the commands, so ``--help`` stays fast.
Exit codes: 0 every article published (or unchanged), 1 some failed or were skipped (or the run could
not finish), 2 a usage or configuration error.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Collection
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from pipelines.config import Config
    from pipelines.records import RunManifest

EXIT_OK, EXIT_INCOMPLETE, EXIT_USAGE = 0, 1, 2

# Prefect phones home unless told not to; the hub client retries for minutes where it cannot connect.
# These are defaults: a variable the user already set wins.
ENVIRONMENT_DEFAULTS = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "TOKENIZERS_PARALLELISM": "false",
}

app = typer.Typer(
    help="Detect, translate, summarise and publish news articles.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
models_app = typer.Typer(help="Prepare translation and summary models.", no_args_is_help=True)
app.add_typer(models_app, name="models")
console = Console(stderr=True)
out = Console()


class DigestFormat(StrEnum):
    md = "md"
    html = "html"
    json = "json"


def _fail(message: str, code: int) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def _settings(config: Path | None, overrides: dict[str, str] | None = None) -> Config:
    """The validated config; a bad one ends the command with exit code 2 and the validation message."""
    from pipelines.config import load_config
    from pipelines.errors import ConfigError

    try:
        return load_config(config, overrides)
    except ConfigError as exc:
        raise _fail(str(exc), EXIT_USAGE) from None


@app.command()
def run(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="Files or folders of .txt .md .html .json .jsonl articles, feed URLs, s3:// inboxes."
        ),
    ],
    config: Annotated[Path | None, typer.Option("--config", "-c", help="YAML config file.")] = None,
    store: Annotated[str | None, typer.Option(help="Store URL: a folder or s3://bucket/prefix.")] = None,
    target: Annotated[str | None, typer.Option(help="Target language (overrides the config).")] = None,
) -> None:
    """Run the pipeline on PATHS and publish the results to the store."""
    from pipelines.errors import ConfigError, NewsdigestError

    try:
        from flows.digest_flow import resolve_config

        resolved = resolve_config(str(config) if config else None, store, target)
    except ConfigError as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    from pipelines.redact import redact_url

    # Entries become flow-run parameters, which Prefect stores: a URL's user-info never goes there (feed
    # credentials come from sources.feeds_auth), and a feed URL stays a URL (a Path would mangle '//').
    entries = [redact_url(path) for path in paths]
    manifest = _run_with_progress(entries, config, store, target, resolved.store.url)
    if isinstance(manifest, NewsdigestError):
        raise _fail(f"the run did not finish: {manifest}", EXIT_INCOMPLETE)
    _print_report(manifest)
    incomplete = any(entry.status in ("failed", "skipped") for entry in manifest.entries)
    raise typer.Exit(EXIT_INCOMPLETE if incomplete else EXIT_OK)


def _run_with_progress(
    paths: list[str], config: Path | None, store: str | None, target: str | None, store_url: str
) -> RunManifest | Exception:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from flows.digest_flow import add_progress_listener, news_digests
    from pipelines.errors import NewsdigestError

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        bar = progress.add_task(f"publishing to {store_url}", total=None)
        remove = add_progress_listener(lambda done, total: progress.update(bar, completed=done, total=total))
        try:
            return news_digests(
                paths=paths,
                config_file=str(config) if config else None,
                store_url=store,
                target_language=target,
            )
        except NewsdigestError as exc:
            return exc
        finally:
            remove()


def _print_report(manifest: RunManifest) -> None:
    from rich.table import Table

    counts = manifest.counts
    summary = Table(title=f"run {manifest.run_id}", show_header=True)
    for status in ("published", "unchanged", "duplicate", "skipped", "failed"):
        summary.add_column(status, justify="right")
    summary.add_row(
        *(
            str(counts.get(status, 0))
            for status in ("published", "unchanged", "duplicate", "skipped", "failed")
        )
    )
    out.print(summary)
    problems = [entry for entry in manifest.entries if entry.status in ("failed", "skipped")]
    if problems:
        table = Table(title="not published", show_lines=False)
        table.add_column("input", overflow="fold")
        table.add_column("status")
        table.add_column("reason", overflow="fold")
        for entry in problems:
            table.add_row(entry.origin, entry.status, entry.reason or "")
        out.print(table)


@app.command()
def detect(
    file: Annotated[str, typer.Argument(help="A text file, or '-' for standard input.")],
    config: Annotated[Path | None, typer.Option("--config", "-c", help="YAML config file.")] = None,
) -> None:
    """Detect the language of one text."""
    from pipelines.detect import detect_language
    from pipelines.ingest import IngestFailure, read_single_input

    settings = _settings(config)
    item = read_single_input(
        file, settings.ingest, sys.stdin.buffer
    )  # the reader, limits and decoding of run
    if isinstance(item, IngestFailure):
        raise _fail(f"{item.origin}: {item.reason}", EXIT_INCOMPLETE)
    detection = detect_language(f"{item.title}\n{item.text}", settings.detection)
    line = f"{detection.language}\t{detection.probability:.3f}"
    if detection.reason:
        line += f"\t{detection.reason}"
    sys.stdout.write(line + "\n")
    raise typer.Exit(EXIT_INCOMPLETE if detection.language == "und" else EXIT_OK)


@app.command()
def digest(
    store: Annotated[str, typer.Option(help="Store URL: a folder or s3://bucket/prefix.")],
    day: Annotated[str, typer.Option("--date", help="Publication day, YYYY-MM-DD.")],
    lang: Annotated[str, typer.Option(help="Output language of the summaries.")] = "en",
    fmt: Annotated[DigestFormat, typer.Option("--format", help="md, html or json.")] = DigestFormat.md,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="YAML config (store settings).")
    ] = None,
) -> None:
    """Render the stored summaries of one day and language as a newsletter digest."""
    from pipelines.digest import render_digest
    from pipelines.errors import NewsdigestError
    from pipelines.store import open_store
    from pipelines.store.reader import list_summaries

    try:
        when = date.fromisoformat(day)
    except ValueError as exc:
        raise _fail(f"--date {day!r}: expected YYYY-MM-DD ({exc})", EXIT_USAGE) from None
    settings = _settings(config, {"store.url": store})
    try:
        summaries = list_summaries(open_store(settings.store), when, lang)
        text = render_digest(summaries, day=when, language=lang, fmt=fmt.value)
    except NewsdigestError as exc:
        raise _fail(str(exc), EXIT_INCOMPLETE) from None
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


@models_app.command("convert")
def convert(
    model: Annotated[str, typer.Argument(help="Hub id, local directory or s3:// prefix of a Marian model.")],
    quantization: Annotated[
        str, typer.Option(help="CTranslate2 quantization: int8, float16, float32.")
    ] = "int8",
    config: Annotated[Path | None, typer.Option("--config", "-c", help="YAML config (model cache).")] = None,
) -> None:
    """Convert a translation model for the CTranslate2 backend (cached next to the source model)."""
    from pipelines.errors import NewsdigestError
    from pipelines.runtime import model_resolver
    from pipelines.translate.ct2 import convert_model

    settings = _settings(config)
    try:
        resolved = model_resolver(settings).resolve(model)
        output = convert_model(resolved.path, quantization, cache_dir=settings.models.cache_dir.expanduser())
    except NewsdigestError as exc:
        raise _fail(str(exc), EXIT_INCOMPLETE) from None
    sys.stdout.write(f"{output}\n")


def apply_environment_defaults(*, skip: Collection[str] = ()) -> None:
    """Set each of ENVIRONMENT_DEFAULTS the user has not set (except those in ``skip``); create PREFECT_HOME.

    Prefect's temporary server cannot create its database in a PREFECT_HOME whose parent folder is
    missing, and then waits out its whole start-up timeout instead of saying why.
    """
    for name, value in ENVIRONMENT_DEFAULTS.items():
        if name not in skip:
            os.environ.setdefault(name, value)
    home = os.environ.get("PREFECT_HOME")
    if home:
        Path(home).expanduser().mkdir(parents=True, exist_ok=True)


def main() -> None:
    apply_environment_defaults()
    app()


if __name__ == "__main__":
    main()
