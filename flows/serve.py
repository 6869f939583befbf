"""Serve the two deployments of ``flows/prefect.yaml`` from this process, with no work pool.

    newsdigest serve --config configs/prod.yaml s3://newsroom-inbox/incoming/
    python -m flows.serve --config configs/prod.yaml --paths s3://newsroom-inbox/incoming/

``flows/prefect.yaml`` (package data: a plain ``pip install`` has it) is the one definition of the
deployments: ``news-digests/hourly`` and ``news-digests/manual`` are served with its schedules (cron and
timezone), concurrency limits, parameters, tags and descriptions, whether they are served here or run by
workers of its work pool. ``--config``, ``--paths``, ``--store`` and ``--cron`` override the file's values
for this process only. A triggered run may pass other parameters::

    prefect deployment run 'news-digests/manual' --param 'paths=["/data/articles"]'

The hourly schedule starts only when ``--paths`` names what it reads: without it the deployment is
registered paused, with the file's ``paths`` as its default (resume it in the UI, or pass ``--paths``), so
serving the file as shipped never starts hourly runs on its placeholder inbox. The file marks that
schedule ``active: false`` for the same reason, so ``prefect deploy --all`` registers it inactive too.
The process polls the Prefect API named by ``PREFECT_API_URL`` every ``PREFECT_RUNNER_POLL_FREQUENCY``
seconds and runs each flow run in a subprocess (in this process's working directory, which relative
``config_file`` values are read from; the file's ``config_file`` is null: the embedded defaults); stop it
with Ctrl-C or SIGTERM (the schedules are paused on shutdown).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipelines import ConfigError

FLOW_NAME = "news-digests"
HOURLY = "hourly"
MANUAL = "manual"
PREFECT_YAML = Path(__file__).resolve().parent / "prefect.yaml"
"""Shipped in the package (``tool.setuptools.package-data``), so serving needs no checkout."""


@dataclass(frozen=True)
class DeploymentSpec:
    """What ``flows/prefect.yaml`` says about one deployment (the part that does not depend on a pool)."""

    name: str
    description: str = ""
    tags: list[str] = field(default_factory=list)
    cron: str | None = None
    timezone: str | None = None
    active: bool = True
    """The file's ``active`` of the schedule: false for a placeholder that must not run as shipped."""
    concurrency_limit: int | None = None
    parameters: dict[str, Any] = field(default_factory=dict)


def deployment_specs(path: Path = PREFECT_YAML) -> dict[str, DeploymentSpec]:
    """The deployments of a ``prefect.yaml``, by name; at most one cron schedule each."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the deployments: {exc}") from None
    specs: dict[str, DeploymentSpec] = {}
    for entry in document.get("deployments") or []:
        schedules = entry.get("schedules") or []
        if len(schedules) > 1 or any("cron" not in schedule for schedule in schedules):
            raise ConfigError(f"{path}: deployment {entry['name']!r}: serve supports one cron schedule")
        schedule = schedules[0] if schedules else {}
        specs[entry["name"]] = DeploymentSpec(
            name=entry["name"],
            description=entry.get("description") or "",
            tags=list(entry.get("tags") or []),
            cron=schedule.get("cron"),
            timezone=schedule.get("timezone"),
            active=bool(schedule.get("active", True)),
            concurrency_limit=entry.get("concurrency_limit"),
            parameters=dict(entry.get("parameters") or {}),
        )
    return specs


def deployments(
    config_file: str | None = None,
    paths: list[str] | None = None,
    *,
    cron: str | None = None,
    store_url: str | None = None,
    specs: dict[str, DeploymentSpec] | None = None,
    paused: bool = False,
) -> list[Any]:
    """The deployments of :func:`flows.digest_flow.news_digests` as ``flows/prefect.yaml`` defines them,
    with the given values (when not None) in place of the file's. Scheduled deployments are registered
    paused when ``paused`` is set, when their ``paths`` are empty, or when the file marks the schedule
    inactive and no ``paths`` replace the file's (its placeholder inbox never runs live)."""
    from prefect.schedules import Cron

    from flows.digest_flow import news_digests

    overrides: dict[str, Any] = {"config_file": config_file, "store_url": store_url}
    runner_deployments = []
    for spec in (specs or deployment_specs()).values():
        parameters = {**spec.parameters, **{k: v for k, v in overrides.items() if v is not None}}
        if paths is not None and "paths" in spec.parameters:
            parameters["paths"] = paths
        schedule_cron = cron if cron is not None and spec.cron else spec.cron
        placeholder = not spec.active and paths is None
        runner_deployments.append(
            news_digests.to_deployment(
                name=spec.name,
                schedules=[Cron(schedule_cron, timezone=spec.timezone)] if schedule_cron else None,
                paused=bool(schedule_cron)
                and (paused or placeholder or ("paths" in parameters and not parameters["paths"])),
                concurrency_limit=spec.concurrency_limit,
                parameters=parameters,
                tags=spec.tags,
                description=spec.description,
            )
        )
    return runner_deployments


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m flows.serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, help="config_file of both deployments (default: the file's)")
    parser.add_argument(
        "--paths", nargs="*", help="what the hourly run reads: folders, feed URLs, s3:// inboxes"
    )
    parser.add_argument("--store", help="store_url of both deployments (overrides the config's store.url)")
    parser.add_argument("--cron", help="the hourly deployment's schedule (default: the file's)")
    parser.add_argument("--limit", type=int, help="flow runs executed at once by this process")
    return parser.parse_args(argv)


def serve_deployments(
    config_file: Path | None,
    paths: list[str] | None,
    *,
    store_url: str | None = None,
    cron: str | None = None,
    limit: int | None = None,
) -> None:
    """Check the config, then serve both deployments until stopped (what ``newsdigest serve`` and
    ``python -m flows.serve`` do); a bad config or store URL is a :class:`ConfigError` before anything
    is registered."""
    from flows.digest_flow import resolve_config

    resolved = str(config_file.resolve()) if config_file else None
    resolve_config(resolved, store_url, None)
    from prefect import serve

    serve(
        *deployments(resolved, paths, cron=cron, store_url=store_url, paused=paths is None),
        limit=limit,
    )


def main(argv: list[str] | None = None) -> None:
    from flows.cli import apply_environment_defaults

    apply_environment_defaults(skip={"PREFECT_LOGGING_LEVEL"})
    args = _arguments(argv)
    try:
        serve_deployments(args.config, args.paths, store_url=args.store, cron=args.cron, limit=args.limit)
    except ConfigError as exc:
        sys.stderr.write(f"error: {exc}\n")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
