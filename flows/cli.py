"""The ``newsdigest`` command line.

Heavy modules (Prefect, torch, transformers) are imported inside the commands, so ``--help`` stays fast.
``run`` runs in this process unless Prefect is configured or asked for (:func:`runs_as_flow`).
Exit codes: 0 done (``run``: every input published, unchanged or duplicate, or only a tolerated share
failed; failed and skipped inputs are listed), 1 the run failed by the flow's rule (every input or more
than ``flow.fail_above`` of them failed; with ``--strict``, any failed or was skipped), could not
finish, or (other commands) found nothing to do; 2 a usage or configuration error; 130 and 143 a run
stopped by SIGINT and SIGTERM.
"""

from __future__ import annotations

import logging
import os
import sys
import tomllib
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import Progress, ProgressColumn, Task, TaskID
from rich.text import Text

from flows.cli_store import failures_app, prune

if TYPE_CHECKING:
    from pipelines import Config, RunManifest

EXIT_OK, EXIT_INCOMPLETE, EXIT_USAGE = 0, 1, 2

# Prefect phones home unless told not to; the hub client retries for minutes where it cannot connect.
# These are defaults: a variable the user already set wins.
ENVIRONMENT_DEFAULTS = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "TOKENIZERS_PARALLELISM": "false",
    # transformers' "Loading weights" bars (and the hub's download bars) are noise in logs and on stderr.
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
}

app = typer.Typer(
    help="Detect, translate, summarise and publish news articles.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
models_app = typer.Typer(help="Prepare translation and summary models.", no_args_is_help=True)
app.add_typer(models_app, name="models")
app.add_typer(failures_app, name="failures")
console = Console(stderr=True)
out = Console()


def _print_version(requested: bool) -> None:
    if not requested:
        return
    from pipelines import code_version, library_versions

    libraries = " ".join(f"{name}/{version}" for name, version in library_versions().items())
    sys.stdout.write(f"newsdigest {code_version()}\n{libraries}\n")
    raise typer.Exit(EXIT_OK)


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the version and the versions of the libraries records are signed with.",
        ),
    ] = False,
) -> None:
    """Detect, translate, summarise and publish news articles."""


class DigestFormat(StrEnum):
    md = "md"
    html = "html"
    json = "json"
    text = "text"


class EditionFormat(StrEnum):
    md = "md"
    html = "html"
    json = "json"
    text = "text"
    eml = "eml"


def _fail(message: str, code: int) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def _settings(config: Path | None, overrides: dict[str, str] | None = None) -> Config:
    """The validated config; a bad one ends the command with exit code 2 and the validation message."""
    from flows.settings import flow_settings
    from pipelines import ConfigError, load_config

    try:
        settings = load_config(config, overrides)
        flow_settings(settings)
        return settings
    except ConfigError as exc:
        raise _fail(str(exc), EXIT_USAGE) from None


@app.command()
def run(
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="Files or folders of .txt .md .html .json .jsonl articles, http(s):// RSS/Atom feed URLs "
            "and s3://bucket/prefix/ inboxes.",
            metavar="INPUTS...",
        ),
    ],
    config: Annotated[Path | None, typer.Option("--config", "-c", help="YAML config file.")] = None,
    store: Annotated[str | None, typer.Option(help="Store URL: a folder or s3://bucket/prefix.")] = None,
    target: Annotated[str | None, typer.Option(help="Target language (overrides the config).")] = None,
    prefect: Annotated[
        bool | None,
        typer.Option(
            "--prefect/--no-prefect",
            help="Run as a Prefect flow run / in this process. Default: a flow run when PREFECT_API_URL is "
            "set (environment or active Prefect profile) or the config says flow.task_runner: dask.",
            show_default=False,
        ),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 when any input failed or was skipped.")
    ] = False,
) -> None:
    """Run the pipeline on INPUTS and publish the results to the store.

    Runs in this process, unless a Prefect API is configured (PREFECT_API_URL in the environment or in
    the active Prefect profile), the config asks for flow.task_runner: dask, or --prefect is given: then
    it is a run of the news-digests flow. Exit codes: 0 done (failed and skipped inputs are listed),
    1 every input or more than flow.fail_above of them failed (with --strict: any failed or was skipped),
    or the run could not finish; 2 a usage or configuration error; 130/143 stopped by SIGINT/SIGTERM.
    """
    from flows.settings import flow_settings
    from flows.stops import Stopped, stop_on_signals
    from pipelines import NewsdigestError, RunFailed, failed_share_exceeded, redact_url

    rows = _StageRows()
    try:
        with stop_on_signals():
            overrides = {"store.url": store} if store else {}
            if target:
                overrides["target_language"] = target
            settings = _settings(config, overrides)
            _check_local_inputs(inputs)
            # Entries become flow-run parameters, which Prefect stores: a URL's user-info never goes
            # there (feed credentials come from sources.feeds_auth).
            entries = [redact_url(entry) for entry in inputs]
            as_flow = runs_as_flow(prefect, settings, os.environ)
            try:
                manifest = _run_with_progress(
                    entries, settings, str(config) if config else None, as_flow, rows
                )
            except RunFailed as failed:
                manifest = failed.manifest
            except NewsdigestError as exc:
                raise _fail(f"the run did not finish: {exc}", EXIT_INCOMPLETE) from None
    except Stopped as stop:
        console.print(rows.stopped_line(stop.signal_name), highlight=False, soft_wrap=True)
        raise typer.Exit(stop.exit_code) from None
    _print_report(manifest)
    failed = failed_share_exceeded(manifest, flow_settings(settings).fail_above)
    if failed is not None:
        raise _fail(str(failed), EXIT_INCOMPLETE)
    problems = sum(1 for entry in manifest.entries if entry.status in ("failed", "skipped"))
    if strict and problems:
        raise _fail(
            f"--strict: {problems} of {len(manifest.entries)} inputs failed or were skipped", EXIT_INCOMPLETE
        )
    raise typer.Exit(EXIT_OK)


def _check_local_inputs(inputs: Collection[str]) -> None:
    """Local inputs that do not exist end the command at once with exit code 2, before Prefect starts and
    before anything is written to the store."""
    missing = [entry for entry in inputs if "://" not in entry and not Path(entry).exists()]
    if missing:
        raise _fail(f"input path(s) not found: {', '.join(missing)}", EXIT_USAGE)


def runs_as_flow(requested: bool | None, settings: Config, environ: Mapping[str, str]) -> bool:
    """Whether ``newsdigest run`` is a Prefect flow run rather than a plain run in this process.

    ``--prefect`` / ``--no-prefect`` decide when given. Otherwise a flow run when a Prefect API is
    configured (there is a server to report to) or when ``flow.task_runner: dask`` asks for Prefect's
    Dask task runner; a plain run needs neither Prefect's temporary server nor its start-up time.
    """
    from flows.settings import flow_settings

    if requested is not None:
        return requested
    return prefect_api_configured(environ) or flow_settings(settings).task_runner == "dask"


def prefect_api_configured(environ: Mapping[str, str]) -> bool:
    """PREFECT_API_URL is set in ``environ`` or in the active profile of Prefect's profiles file
    (what ``prefect config set PREFECT_API_URL=...`` writes), read without importing Prefect (seconds)."""
    if "PREFECT_API_URL" in environ:
        return bool(environ["PREFECT_API_URL"])
    home = Path(environ.get("PREFECT_HOME") or "~/.prefect").expanduser()
    profiles_file = Path(environ.get("PREFECT_PROFILES_PATH") or home / "profiles.toml").expanduser()
    try:
        profiles = tomllib.loads(profiles_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    active = environ.get("PREFECT_PROFILE") or profiles.get("active") or "ephemeral"
    profile = profiles.get("profiles", {}).get(active, {})
    return isinstance(profile, dict) and bool(profile.get("PREFECT_API_URL"))


class _StageRows:
    """The progress display: one row per stage with its counts (``translate 40/200``), and what a stop
    says about how far the run got."""

    def __init__(self) -> None:
        self.store_url = ""
        self.published = 0
        self.total: int | None = None
        self.progress: Progress | None = None
        self.rows: dict[str, TaskID] = {}

    def start(self, progress: Progress, store_url: str) -> None:
        self.progress = progress
        self.store_url = store_url
        self.rows["read"] = progress.add_task("reading inputs", total=None)

    def __call__(self, stage: str, done: int, total: int) -> None:
        self.total = total
        if stage == "publish":
            self.published = done
        if self.progress is None:
            return
        row = self.rows.get(stage)
        if row is None:
            label = f"publish to {self.store_url}" if stage == "publish" else stage
            row = self.rows[stage] = self.progress.add_task(label, total=total, completed=done)
        self.progress.update(row, description=stage if stage == "read" else None, completed=done, total=total)

    def stopped_line(self, signal_name: str) -> str:
        where = (
            "while reading inputs"
            if self.total is None
            else f"after {self.published} of {self.total} articles"
        )
        return f"stopped by {signal_name} {where}; what was published stays published, run again to finish"


def _run_with_progress(
    inputs: list[str], settings: Config, config_file: str | None, as_flow: bool, rows: _StageRows
) -> RunManifest:
    """The run, as a flow run or in this process, under the progress display; raises what the run raised
    (RunFailed from the flow, NewsdigestError, Stopped)."""
    from rich.progress import BarColumn, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), _Counts(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        rows.start(progress, settings.store.url)
        if as_flow:
            from flows.digest_flow import flow_for
            from flows.local_api import prefect_api
            from flows.stops import quiet_stop_crashes

            with prefect_api(), quiet_stop_crashes():
                return flow_for(settings, on_progress=rows, config_file=config_file)(inputs)
        from pipelines import build_services
        from pipelines import run as run_pipeline

        with _warnings_on(console):
            return run_pipeline(inputs, build_services(settings), on_progress=rows).manifest


class _Counts(ProgressColumn):
    """``done/total``, or nothing while the total is unknown (never ``0/?``)."""

    def render(self, task: Task) -> Text:
        if task.total is None:
            return Text("")
        return Text(f"{int(task.completed)}/{int(task.total)}", style="progress.download")


@contextmanager
def _warnings_on(stream: Console) -> Iterator[None]:
    """The pipeline's warnings (each failed or skipped article, unavailable models) on ``stream`` during
    a plain run, as the flow's run logger shows them during a flow run."""
    from rich.logging import RichHandler

    handler = RichHandler(console=stream, show_time=False, show_path=False, level=logging.WARNING)
    logger = logging.getLogger("pipelines")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


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
    """Detect the language of one text, read as `run` reads an input (decoding, limits).

    Prints language, probability and what decided, then why 'und' and the detectors' opinions when they
    disagree (tab-separated)."""
    from pipelines import IngestFailure, detect_language, read_single_input

    settings = _settings(config)
    item = read_single_input(file, settings.ingest, sys.stdin.buffer)
    if isinstance(item, IngestFailure):
        raise _fail(f"{item.origin}: {item.reason}", EXIT_INCOMPLETE)
    detection = detect_language(f"{item.title}\n{item.text}", settings.detection)
    line = f"{detection.language}\t{detection.probability:.3f}\t{detection.method}"
    if detection.reason:
        line += f"\t{detection.reason}"
    if detection.opinions:
        line += "\t" + ", ".join(f"{o.method}={o.language} ({o.probability:.2f})" for o in detection.opinions)
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
    """Render the stored summaries of one day and language, one item per article."""
    from pipelines import NewsdigestError, NothingPublished, list_summaries, open_store, render_digest

    when = _day(day)
    settings = _settings(config, {"store.url": store})
    try:
        summaries = list_summaries(open_store(settings.store), when, lang)
        if not summaries:
            raise NothingPublished(
                f"{settings.store.url} holds no summaries for {when.isoformat()} in {lang!r}: "
                "check --store, --date and --lang, or run `newsdigest run` first"
            )
        text = render_digest(summaries, day=when, language=lang, fmt=fmt.value, settings=settings.newsletter)
    except NewsdigestError as exc:
        raise _fail(str(exc), EXIT_INCOMPLETE) from None
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


@app.command()
def edition(
    store: Annotated[str, typer.Option(help="Store URL: a folder or s3://bucket/prefix.")],
    day: Annotated[str, typer.Option("--date", help="Edition day, YYYY-MM-DD.")],
    lang: Annotated[str, typer.Option(help="Language of the edition.")] = "en",
    fmt: Annotated[
        EditionFormat,
        typer.Option(
            "--format", help="json, md, html, text, or eml (an email: text and HTML parts in one message)."
        ),
    ] = EditionFormat.md,
    read_only: Annotated[
        bool, typer.Option("--read-only", help="Print the stored edition; do not group new articles.")
    ] = False,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="YAML config (store, stories, newsletter).")
    ] = None,
    to: Annotated[
        str | None, typer.Option("--to", help="eml: the To addresses (comma-separated); default none.")
    ] = None,
    sender: Annotated[
        str | None, typer.Option("--from", help="eml: the From address; default newsletter.sender.")
    ] = None,
    subject: Annotated[
        str | None,
        typer.Option(
            help="eml: the subject; {masthead}, {heading}, {date}, {lang}, {stories} and {lead} are filled "
            "in. Default newsletter.subject."
        ),
    ] = None,
    send: Annotated[
        str | None,
        typer.Option(
            help="Send the email to --to through smtp://HOST:PORT (STARTTLS) or smtps://HOST:PORT; the login "
            "comes from NEWSDIGEST_SMTP_USERNAME and NEWSDIGEST_SMTP_PASSWORD.",
            show_default=False,
        ),
    ] = None,
    resend: Annotated[
        bool, typer.Option("--resend", help="Send again an edition that was sent before.")
    ] = False,
) -> None:
    """Group the day's articles into stories, store the edition with its feeds (RSS, JSON Feed) and web
    page, and print it (one item per story), write it as an email (--format eml) or send it (--send)."""
    from pipelines import (
        ConfigError,
        NewsdigestError,
        SmtpTarget,
        edition_message,
        email_addresses,
        open_store,
        publish_edition,
        read_edition,
        render_edition,
        send_edition,
        smtp_login,
    )

    when = _day(day)
    settings = _settings(config, {"store.url": store})
    emailing = fmt is EditionFormat.eml or send is not None
    if not emailing and (to or sender or subject is not None):
        raise _fail("--to, --from and --subject are for --format eml or --send", EXIT_USAGE)
    if resend and send is None:
        raise _fail("--resend goes with --send", EXIT_USAGE)
    if send is not None and not to:
        raise _fail("--send needs --to ADDR[,ADDR...]: the addresses to send the edition to", EXIT_USAGE)
    try:
        for value, what, single in ((to, "--to", False), (sender, "--from", True)):
            if value is not None:
                email_addresses(value, what, single=single)
        target = SmtpTarget.parse(send) if send is not None else None
        login = smtp_login() if send is not None else None
    except (ValueError, ConfigError) as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    try:
        objects = open_store(settings.store)
        if read_only:
            stored = read_edition(objects, when, lang)
        else:
            stored = publish_edition(objects, when, lang, settings.stories, settings.newsletter).edition
        if target is not None:
            message = edition_message(stored, settings.newsletter, to=to, sender=sender, subject=subject)
            receipt = send_edition(objects, stored, message, target, resend=resend, login=login)
            sys.stdout.write(
                f"sent the {when.isoformat()} {lang} edition ({len(stored.stories)} stories) to "
                f"{receipt.recipients} recipient(s) via {receipt.via}, {receipt.message_id}\n"
            )
            return
        if fmt is EditionFormat.eml:
            message = edition_message(stored, settings.newsletter, to=to, sender=sender, subject=subject)
            sys.stdout.flush()
            sys.stdout.buffer.write(message.as_bytes())
            sys.stdout.buffer.flush()
            return
        text = render_edition(stored, fmt.value, settings.newsletter)
    except NewsdigestError as exc:
        raise _fail(str(exc), EXIT_INCOMPLETE) from None
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise _fail(f"--date {value!r}: expected YYYY-MM-DD ({exc})", EXIT_USAGE) from None


@models_app.command("convert")
def convert(
    model: Annotated[str, typer.Argument(help="Hub id, local directory or s3:// prefix of a Marian model.")],
    quantization: Annotated[
        str, typer.Option(help="CTranslate2 quantization: int8, float16, float32.")
    ] = "int8",
    config: Annotated[Path | None, typer.Option("--config", "-c", help="YAML config (model cache).")] = None,
) -> None:
    """Convert a translation model for the CTranslate2 backend (cached next to the source model)."""
    from pipelines import NewsdigestError, convert_model, model_resolver

    settings = _settings(config)
    try:
        resolved = model_resolver(settings).resolve(model)
        output = convert_model(resolved.path, quantization, cache_dir=settings.models.cache_dir.expanduser())
    except NewsdigestError as exc:
        raise _fail(str(exc), EXIT_INCOMPLETE) from None
    sys.stdout.write(f"{output}\n")


app.command()(prune)


@app.command()
def serve(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help="What the hourly deployment reads (folders, feed URLs, s3:// inboxes). Without any, the "
            "hourly schedule is registered paused.",
            show_default=False,
        ),
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="YAML config of both deployments.")
    ] = None,
    store: Annotated[str | None, typer.Option(help="store_url of both deployments.")] = None,
    cron: Annotated[str | None, typer.Option(help="The hourly deployment's schedule.")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Flow runs executed at once.")] = None,
) -> None:
    """Serve the news-digests/hourly and news-digests/manual deployments from this process until stopped.

    The definitions ship with the package (flows/prefect.yaml): schedule, timezone, concurrency limit,
    parameters. Needs PREFECT_API_URL (a running `prefect server start`). Trigger a run with
    `prefect deployment run news-digests/manual --param 'paths=["DIR"]'`.
    """
    from flows.serve import serve_deployments
    from pipelines import ConfigError

    _settings(config, {"store.url": store} if store else None)
    try:
        serve_deployments(config, paths or None, store_url=store, cron=cron, limit=limit)
    except ConfigError as exc:
        raise _fail(str(exc), EXIT_USAGE) from None


@app.command()
def defaults() -> None:
    """Print the embedded default configuration as YAML: every key and its default value.

    Copy it, change what you need and pass it with --config; unknown keys are rejected.
    """
    import yaml

    from flows.settings import FlowConfig
    from pipelines import Config

    values = Config().model_dump(mode="json")
    values["flow"] = FlowConfig().model_dump(mode="json")
    header = "# newsdigest: the embedded defaults (`newsdigest run` without --config uses these values).\n"
    sys.stdout.write(header + yaml.safe_dump(values, sort_keys=False, allow_unicode=True, width=110))


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
