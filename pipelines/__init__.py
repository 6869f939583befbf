"""newsdigest: detect, translate, summarise and publish news articles, in plain Python.

What a Python user of the library needs is importable from here; everything else is internal and may
change. A run in a few lines::

    from pipelines import build_services, load_config, run

    services = build_services(load_config("configs/default.yaml"))
    outcome = run(["examples/articles", "https://news.example/feed.xml"], services)
    print(outcome.manifest.counts)

Names are imported on first use, so ``import pipelines`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipelines.config import Config, load_config
    from pipelines.config_base import StrictModel
    from pipelines.detect import detect_language
    from pipelines.errors import (
        AlreadySent,
        ConfigError,
        DeliveryError,
        FetchFailed,
        InputError,
        MissingDependency,
        ModelError,
        ModelUnavailable,
        NewsdigestError,
        NothingPublished,
        ObjectNotFound,
        RunFailed,
        StoreError,
        StoreUnavailable,
        TimeBudgetExceeded,
        UnsafeURL,
        UnsupportedPair,
        failed_share_exceeded,
    )
    from pipelines.models.ct2 import convert_model
    from pipelines.newsletter.message import edition_message
    from pipelines.newsletter.outputs import publish_edition
    from pipelines.newsletter.render import render_digest, render_edition
    from pipelines.newsletter.send import SentReceipt, SmtpTarget, send_edition, smtp_login
    from pipelines.records import (
        FINAL_STATUSES,
        Article,
        ManifestEntry,
        Record,
        RunManifest,
        Summary,
        Translation,
    )
    from pipelines.redact import redact_url
    from pipelines.runner import (
        BATCH_STAGES,
        Batch,
        Executor,
        InProcess,
        Progress,
        RunContext,
        RunOutcome,
        Stage,
        StageFinished,
        run,
        run_stage,
    )
    from pipelines.services import Services, build_services, model_resolver, services_for
    from pipelines.sources.files import read_single_input
    from pipelines.sources.formats.common import IngestFailure
    from pipelines.store import LocalStore, ObjectStore, open_store
    from pipelines.store.failures import FailureFilter, is_replayable, list_failures, parse_since, to_jsonl
    from pipelines.store.publish import SummaryObject
    from pipelines.store.reader import get_record, list_runs, list_summaries
    from pipelines.store.retention import PRUNED_PREFIXES, prune_folder
    from pipelines.stories.config import email_addresses
    from pipelines.stories.edition import build_edition, read_edition
    from pipelines.version import code_version, library_versions

_EXPORTS: dict[str, str] = {
    **dict.fromkeys(("Config", "load_config"), "pipelines.config"),
    "StrictModel": "pipelines.config_base",
    "detect_language": "pipelines.detect",
    **dict.fromkeys(
        (
            "AlreadySent",
            "ConfigError",
            "DeliveryError",
            "FetchFailed",
            "InputError",
            "MissingDependency",
            "ModelError",
            "ModelUnavailable",
            "NewsdigestError",
            "NothingPublished",
            "ObjectNotFound",
            "RunFailed",
            "StoreError",
            "StoreUnavailable",
            "TimeBudgetExceeded",
            "UnsafeURL",
            "UnsupportedPair",
        ),
        "pipelines.errors",
    ),
    "failed_share_exceeded": "pipelines.errors",
    **dict.fromkeys(
        ("FINAL_STATUSES", "Article", "ManifestEntry", "Record", "RunManifest", "Summary", "Translation"),
        "pipelines.records",
    ),
    **dict.fromkeys(
        (
            "BATCH_STAGES",
            "Batch",
            "Executor",
            "InProcess",
            "IngestFailure",
            "Progress",
            "RunContext",
            "RunOutcome",
            "Stage",
            "StageFinished",
            "run",
            "run_stage",
        ),
        "pipelines.runner",
    ),
    **dict.fromkeys(("Services", "build_services", "model_resolver", "services_for"), "pipelines.services"),
    **dict.fromkeys(("LocalStore", "ObjectStore", "open_store"), "pipelines.store"),
    "SummaryObject": "pipelines.store.publish",
    **dict.fromkeys(("get_record", "list_runs", "list_summaries"), "pipelines.store.reader"),
    "convert_model": "pipelines.models.ct2",
    "redact_url": "pipelines.redact",
    "IngestFailure": "pipelines.sources.formats.common",
    "read_single_input": "pipelines.sources.files",
    **dict.fromkeys(
        ("FailureFilter", "is_replayable", "list_failures", "parse_since", "to_jsonl"),
        "pipelines.store.failures",
    ),
    **dict.fromkeys(("PRUNED_PREFIXES", "prune_folder"), "pipelines.store.retention"),
    **dict.fromkeys(("code_version", "library_versions"), "pipelines.version"),
    **dict.fromkeys(("render_digest", "render_edition"), "pipelines.newsletter.render"),
    "edition_message": "pipelines.newsletter.message",
    "publish_edition": "pipelines.newsletter.outputs",
    **dict.fromkeys(("SentReceipt", "SmtpTarget", "send_edition", "smtp_login"), "pipelines.newsletter.send"),
    "email_addresses": "pipelines.stories.config",
    **dict.fromkeys(("build_edition", "read_edition"), "pipelines.stories.edition"),
}

__all__ = [
    "BATCH_STAGES",
    "FINAL_STATUSES",
    "PRUNED_PREFIXES",
    "AlreadySent",
    "Article",
    "Batch",
    "Config",
    "ConfigError",
    "DeliveryError",
    "Executor",
    "FailureFilter",
    "FetchFailed",
    "InProcess",
    "IngestFailure",
    "InputError",
    "LocalStore",
    "ManifestEntry",
    "MissingDependency",
    "ModelError",
    "ModelUnavailable",
    "NewsdigestError",
    "NothingPublished",
    "ObjectNotFound",
    "ObjectStore",
    "Progress",
    "Record",
    "RunContext",
    "RunFailed",
    "RunManifest",
    "RunOutcome",
    "SentReceipt",
    "Services",
    "SmtpTarget",
    "Stage",
    "StageFinished",
    "StoreError",
    "StoreUnavailable",
    "StrictModel",
    "Summary",
    "SummaryObject",
    "TimeBudgetExceeded",
    "Translation",
    "UnsafeURL",
    "UnsupportedPair",
    "build_edition",
    "build_services",
    "code_version",
    "convert_model",
    "detect_language",
    "edition_message",
    "email_addresses",
    "failed_share_exceeded",
    "get_record",
    "is_replayable",
    "library_versions",
    "list_failures",
    "list_runs",
    "list_summaries",
    "load_config",
    "model_resolver",
    "open_store",
    "parse_since",
    "prune_folder",
    "publish_edition",
    "read_edition",
    "read_single_input",
    "redact_url",
    "render_digest",
    "render_edition",
    "run",
    "run_stage",
    "send_edition",
    "services_for",
    "smtp_login",
    "to_jsonl",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pipelines' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
