"""Serve the two deployments of the ``news-digests`` flow from this process, with no work pool.

    python -m flows.serve --config configs/prod.yaml --paths s3://newsroom-inbox/incoming/

``news-digests/hourly`` runs at the top of every hour (``--cron``) on ``--paths``; ``news-digests/manual``
runs only when triggered, with parameters::

    prefect deployment run 'news-digests/manual' --param 'paths=["/data/articles"]'

Both use ``--config`` as their default ``config_file`` (a triggered run may pass another). Without
``--paths`` the hourly deployment is created paused. The process polls the Prefect API named by
``PREFECT_API_URL`` every ``PREFECT_RUNNER_POLL_FREQUENCY`` seconds and runs each flow run in a
subprocess; stop it with Ctrl-C or SIGTERM (the hourly schedule is paused on shutdown). For a work pool
and workers instead, see ``infra/prefect.yaml``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

FLOW_NAME = "news-digests"
HOURLY = "hourly"
MANUAL = "manual"
HOURLY_CRON = "0 * * * *"


def deployments(
    config_file: str | None,
    paths: list[str],
    *,
    cron: str = HOURLY_CRON,
    store_url: str | None = None,
) -> list[Any]:
    """The hourly and manual deployments of :func:`flows.digest_flow.news_digests`."""
    from flows.digest_flow import news_digests

    defaults: dict[str, Any] = {"config_file": config_file, "store_url": store_url}
    hourly = news_digests.to_deployment(
        name=HOURLY,
        cron=cron,
        paused=not paths,
        parameters={**defaults, "paths": paths},
        tags=["newsdigest", "scheduled"],
        description="Every hour: new articles from the configured feeds, inboxes and folders.",
    )
    manual = news_digests.to_deployment(
        name=MANUAL,
        parameters=defaults,
        tags=["newsdigest", "manual"],
        description="On demand: pass paths (and optionally config_file, store_url, target_language).",
    )
    return [hourly, manual]


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m flows.serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, help="default config_file of both deployments")
    parser.add_argument(
        "--paths", nargs="*", default=[], help="what the hourly run reads: folders, feed URLs, s3:// inboxes"
    )
    parser.add_argument("--store", help="default store_url (overrides the config's store.url)")
    parser.add_argument("--cron", default=HOURLY_CRON, help=f"hourly schedule (default {HOURLY_CRON!r})")
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
        *deployments(config_file, list(args.paths), cron=args.cron, store_url=args.store),
        limit=args.limit,
    )


if __name__ == "__main__":
    main()
