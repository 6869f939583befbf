"""The validated configuration: one root model composed of one section per concern.

``Config()`` is the embedded default (what ``newsdigest run`` uses without ``--config``);
``configs/default.yaml`` spells the same values out. :func:`load_config` reads a YAML file over those
defaults and turns every validation problem into a :class:`~pipelines.errors.ConfigError` that names the
file, the key, the bad value and what is allowed.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError, field_validator

from pipelines.config_base import LanguageCode, StrictModel
from pipelines.errors import ConfigError
from pipelines.store.config import StoreConfig
from pipelines.summarize.config import SummaryConfig
from pipelines.translate.config import TranslationConfig, TranslationModel

Device = Literal["auto", "cpu", "cuda"]


class IngestConfig(StrictModel):
    """How input files are read."""

    boilerplate: dict[str, list[str]] = Field(
        default_factory=dict,
        description="source name (or '*' for every source) -> regexes; matching lines are removed",
    )
    max_article_chars: int = Field(default=2_000_000, ge=1_000)
    oversize: Literal["truncate", "refuse"] = Field(
        default="truncate", description="longer articles are cut on a sentence boundary, or refused"
    )

    @field_validator("boilerplate")
    @classmethod
    def _check_patterns(cls, rules: dict[str, list[str]]) -> dict[str, list[str]]:
        for source, patterns in rules.items():
            for pattern in patterns:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise ValueError(f"source '{source}': pattern {pattern!r} is not a regex: {exc}") from exc
        return rules


def _default_aliases() -> dict[str, str]:
    return {"zh-cn": "zh", "zh-tw": "zh", "zh-hk": "zh", "iw": "he", "in": "id", "jw": "jv", "nb": "no"}


class DetectionConfig(StrictModel):
    """Language identification (langdetect, seeded so results repeat)."""

    seed: int = 0
    min_confidence: float = Field(default=0.70, ge=0.0, le=1.0)
    min_letters: int = Field(default=20, ge=1, description="fewer letters than this is 'und'")
    sample_chars: int = Field(default=5_000, ge=100, description="characters of the text inspected")
    aliases: dict[str, str] = Field(default_factory=_default_aliases)


class ModelsConfig(StrictModel):
    """Where models are cached, how long resolution may take, and how many stay loaded."""

    cache_dir: Path = Field(default=Path("~/.cache/newsdigest/models"))
    resolve_timeout_s: float = Field(default=15.0, gt=0, description="per model, checked before the run")
    device: Device = "auto"
    max_loaded: int = Field(default=4, ge=1, description="models kept in memory per process")
    max_bytes: int = Field(
        default=6 * 1024**3, ge=1, description="bytes of weights kept in memory per process"
    )
    threads: int | None = Field(default=None, ge=1, description="torch/CTranslate2 threads; default: cores")


TaskRunnerKind = Literal["threads", "dask"]


class FlowConfig(StrictModel):
    """How the Prefect flow runs its batch tasks (read by ``flows/``; the stages never look at it)."""

    task_runner: TaskRunnerKind = Field(
        default="threads", description="threads: in the flow's process; dask: on a Dask cluster"
    )
    max_workers: int = Field(default=2, ge=1, description="threads of the thread-pool task runner")
    dask_address: str | None = Field(
        default=None, description="scheduler address (tcp://host:8786); none starts a LocalCluster"
    )
    dask_workers: int = Field(default=2, ge=1, description="LocalCluster worker processes")
    dask_threads_per_worker: int = Field(default=1, ge=1)


class SourcesConfig(StrictModel):
    """Feeds and pages fetched over HTTP, and ``s3://`` inbox prefixes."""

    contact_url: str | None = Field(
        default=None, description="put in the User-Agent so site owners can reach you; set it for feeds"
    )
    timeout_s: float = Field(default=20.0, gt=0, description="per HTTP request (feed or page)")
    per_host_interval_s: float = Field(default=1.0, ge=0, description="minimum seconds between requests")
    max_items_per_feed: int = Field(default=50, ge=1)
    max_page_bytes: int = Field(default=5_000_000, ge=1_000, description="a larger response is refused")
    allow_private_addresses: bool = Field(
        default=False, description="fetch from private, loopback and link-local addresses (trusted intranets)"
    )
    max_inbox_objects: int = Field(default=1_000, ge=1, description="objects taken from an inbox per run")
    refetch_published: bool = Field(
        default=False,
        description="fetch every feed item's page, even one published since the feed last changed it",
    )
    feeds_auth: dict[str, str] = Field(
        default_factory=dict,
        description="host -> name of an environment variable holding user:password for basic auth",
    )


class Config(StrictModel):
    """Everything a run needs. Unknown keys are rejected at every level."""

    target_language: LanguageCode = "en"
    batch_size: int = Field(default=16, ge=1, le=10_000, description="articles per batch (one task run each)")
    ingest: IngestConfig = Field(default_factory=IngestConfig)
    detection: DetectionConfig = Field(default_factory=DetectionConfig)
    translation: TranslationConfig = Field(
        default_factory=lambda: TranslationConfig(**_default_translation())
    )
    summary: SummaryConfig = Field(default_factory=SummaryConfig)
    models: ModelsConfig = Field(default_factory=ModelsConfig)
    store: StoreConfig = Field(default_factory=StoreConfig)
    flow: FlowConfig = Field(default_factory=FlowConfig)
    sources: SourcesConfig = Field(default_factory=SourcesConfig)

    def fingerprint(self) -> str:
        """A short hash of the effective configuration, carried in every record's signature."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


_OPUS = "Helsinki-NLP/opus-mt-{}-en"
_DIRECT_PAIRS = ("fr", "de", "es", "it", "ru", "uk", "zh", "ja", "ar", "nl", "pl", "tr")


def _default_translation() -> dict[str, Any]:
    models: dict[str, Any] = {f"{lang}-en": _OPUS.format(lang) for lang in _DIRECT_PAIRS}
    # There is no opus-mt-pt-en: Portuguese goes through the Romance model.
    models["pt-en"] = "Helsinki-NLP/opus-mt-ROMANCE-en"
    return {"models": models, "fallback": TranslationModel(model="Helsinki-NLP/opus-mt-mul-en")}


def load_config(path: Path | str | None = None, overrides: dict[str, Any] | None = None) -> Config:
    """Read a YAML config over the embedded defaults; ``None`` gives the defaults.

    ``overrides`` are applied on top (dotted keys such as ``{"store.url": "s3://b/p"}``), as the CLI does
    for ``--store``.
    """
    source = str(path) if path is not None else "<defaults>"
    data: dict[str, Any] = {}
    if path is not None:
        data = _read_yaml(Path(path))
    for dotted, value in (overrides or {}).items():
        _set_dotted(data, dotted, value)
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(source, exc)) from None


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of keys, got {type(data).__name__}")
    return data


def _set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = data
    for key in parents:
        child = node.setdefault(key, {})
        if not isinstance(child, dict):
            raise ConfigError(f"cannot set '{dotted}': '{key}' is not a section")
        node = child
    node[leaf] = value


def _describe(source: str, exc: ValidationError) -> str:
    lines = [f"{source}: {exc.error_count()} invalid setting(s)"]
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "<top level>"
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "unknown key (check the spelling; see configs/default.yaml for every key)"
        elif error["type"] == "literal_error":
            message = f"not allowed; {message.lower()}"
        lines.append(f"  {key}: {message} (got {error.get('input')!r})")
    return "\n".join(lines)
