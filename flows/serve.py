"""Serve the two deployments of ``infra/prefect.yaml`` from this process, with no work pool.

    python -m flows.serve --config configs/prod.yaml --paths s3://newsroom-inbox/incoming/

``infra/prefect.yaml`` is the one definition of the deployments: ``news-digests/hourly`` and
``news-digests/manual`` are served with its schedules (cron and timezone), concurrency limits, parameters,
tags and descriptions, whether they are served here or run by workers of its work pool. ``--config``,
``--paths``, ``--store`` and ``--cron`` override the file's values for this process only. A triggered run
may pass other parameters::

    prefect deployment run 'news-digests/manual' --param 'paths=["/data/articles"]'

The hourly schedule starts only when ``--paths`` names what it reads: without it the deployment is
registered paused, with the file's ``paths`` as its default (resume it in the UI, or pass ``--paths``), so
serving the file as shipped never starts hourly runs on its placeholder inbox. The process polls the
Prefect API named by ``PREFECT_API_URL`` every ``PREFECT_RUNNER_POLL_FREQUENCY`` seconds and runs each
flow run in a subprocess (in this process's working directory, which relative ``config_file`` values
are read from: start it from the repository root); stop it with Ctrl-C or SIGTERM (the schedules are
paused on shutdown).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipelines import ConfigError

FLOW_NAME = "news-digests"
HOURLY = "hourly"
MANUAL = "manual"
PREFECT_YAML = Path(__file__).resolve().parent.parent / "infra" / "prefect.yaml"


@dataclass(frozen=True)
class DeploymentSpec:
    """What ``infra/prefect.yaml`` says about one deployment (the part that does not depend on a pool)."""

    name: str
    description: str = ""
    tags: list[str] = field(default_factory=list)
    cron: str | None = None
    timezone: str | None = None
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
    """The deployments of :func:`flows.digest_flow.news_digests` as ``infra/prefect.yaml`` defines them,
    with the given values (when not None) in place of the file's. Scheduled deployments are registered
    paused when ``paused`` is set or when their ``paths`` are empty."""
    from prefect.schedules import Cron

    from flows.digest_flow import news_digests

    overrides: dict[str, Any] = {"config_file": config_file, "store_url": store_url}
    runner_deployments = []
    for spec in (specs or deployment_specs()).values():
        parameters = {**spec.parameters, **{k: v for k, v in overrides.items() if v is not None}}
        if paths is not None and "paths" in spec.parameters:
            parameters["paths"] = paths
        schedule_cron = cron if cron is not None and spec.cron else spec.cron
        runner_deployments.append(
            news_digests.to_deployment(
                name=spec.name,
                schedules=[Cron(schedule_cron, timezone=spec.timezone)] if schedule_cron else None,
                paused=bool(schedule_cron)
                and (paused or ("paths" in parameters and not parameters["paths"])),
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


def main(argv: list[str] | None = None) -> None:
    from flows.cli import apply_environment_defaults

    apply_environment_defaults(skip={"PREFECT_LOGGING_LEVEL"})
    args = _arguments(argv)
    config_file = str(args.config.resolve()) if args.config else None
    if config_file:
        from flows.digest_flow import resolve_config

        resolve_config(config_file, args.store, None)
    from prefect import serve

    serve(
        *deployments(
            config_file, args.paths, cron=args.cron, store_url=args.store, paused=args.paths is None
        ),
        limit=args.limit,
    )


if __name__ == "__main__":
    main()
