"""The validated configuration: one root model composed of one section per concern.

``Config()`` is the embedded default (what ``newsdigest run`` uses without ``--config``);
``configs/default.yaml`` spells the same values out. :func:`load_config` reads a YAML file over those
defaults and turns every validation problem into a :class:`~pipelines.errors.ConfigError` that names the
file, the key, what is allowed and what was given (cut short, and withheld for secret-looking keys and
whole mappings: :func:`~pipelines.config_base.describe_invalid`). The file is read within limits (size,
nesting, aliases expanded), so no config can hang, exhaust or crash the CLI.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel, Field, ValidationError

from pipelines.config_base import LanguageCode, StrictModel, describe_invalid, truncated
from pipelines.detect import DetectionConfig
from pipelines.errors import ConfigError
from pipelines.models.config import ModelsConfig
from pipelines.sources.config import IngestConfig, SourcesConfig
from pipelines.store.config import StoreConfig
from pipelines.stories.config import NewsletterConfig, StoriesConfig
from pipelines.summarize.config import SummaryConfig
from pipelines.translate.config import TranslationConfig, TranslationModel

__all__ = [
    "Config",
    "DetectionConfig",
    "IngestConfig",
    "ModelsConfig",
    "SourcesConfig",
    "StoreConfig",
    "SummaryConfig",
    "TranslationConfig",
    "load_config",
]


class Config(StrictModel):
    """Everything a run needs. Unknown keys are rejected at every level."""

    target_language: LanguageCode = "en"
    batch_size: int = Field(default=16, ge=1, le=10_000, description="articles per batch (one task run each)")
    big_article_chars: int | None = Field(
        default=20_000,
        ge=1,
        description="an article with more characters runs in a batch of its own, after every smaller one, "
        "so it never holds them up (docs/reliability.md); null pools every article by input order",
    )
    article_time_budget_s: float | None = Field(
        default=7_200.0,
        ge=0,
        description="seconds an article may take to translate, and again to summarise, before it is "
        "recorded failed (a pooled batch gets this per article); null or 0 turns the budget off",
    )
    ingest: IngestConfig = Field(default_factory=IngestConfig)
    detection: DetectionConfig = Field(default_factory=DetectionConfig)
    translation: TranslationConfig = Field(
        default_factory=lambda: TranslationConfig(**_default_translation())
    )
    summary: SummaryConfig = Field(default_factory=SummaryConfig)
    models: ModelsConfig = Field(default_factory=ModelsConfig)
    store: StoreConfig = Field(default_factory=StoreConfig)
    flow: dict[str, Any] = Field(
        default_factory=dict,
        description="how the Prefect flow runs its tasks: validated and read by flows/ (flows/settings.py)",
    )
    sources: SourcesConfig = Field(default_factory=SourcesConfig)
    stories: StoriesConfig = Field(default_factory=StoriesConfig)
    newsletter: NewsletterConfig = Field(default_factory=NewsletterConfig)

    def fingerprint(self) -> str:
        """A short hash of the effective configuration, carried in every record's signature.

        The ``flow`` section (where tasks run) and the ``newsletter`` section (how editions look: a new
        masthead must not make every article be processed again) change no record and are left out.
        """
        settings = self.model_dump(mode="json", exclude={"flow", "newsletter"})
        canonical = json.dumps(settings, sort_keys=True, separators=(",", ":"))
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
        raise ConfigError(describe_invalid(source, exc, suggest=_keys_beside)) from None


MAX_CONFIG_BYTES = 1_000_000
"""The largest config file read; a real one is a few kilobytes."""
MAX_CONFIG_DEPTH = 64
"""The deepest nesting of mappings and lists a config may have."""
MAX_CONFIG_NODES = 100_000
"""The most values a config may hold once its aliases (``*name``) are expanded (an alias bomb's 400 bytes
expand to billions)."""


class _ConfigTooComplex(Exception):
    """A config document over one of the limits above (raised while composing, before anything is built)."""


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, with limits checked while the document is composed: nesting deeper than
    :data:`MAX_CONFIG_DEPTH` (the composer recurses, so a 50k-deep list would raise RecursionError) and
    more than :data:`MAX_CONFIG_NODES` values counting every alias as the copy it stands for."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._expanded: dict[int, int] = {}

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_CONFIG_DEPTH:
                raise _ConfigTooComplex(f"nested more than {MAX_CONFIG_DEPTH} levels deep")
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if node is not None and id(node) not in self._expanded:
            self._expanded[id(node)] = 1 + sum(self._expanded.get(id(child), 1) for child in _children(node))
        if node is not None and self._expanded[id(node)] > MAX_CONFIG_NODES:
            raise _ConfigTooComplex(
                f"holds more than {MAX_CONFIG_NODES:,} values once its aliases (*name) are expanded"
            )
        return node


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _read_yaml(path: Path) -> dict[str, Any]:
    """The mapping a config file holds, read within the limits above: a regular file only (a device, a
    FIFO or a folder would block or never end), at most :data:`MAX_CONFIG_BYTES`, and a document within
    :data:`MAX_CONFIG_DEPTH` and :data:`MAX_CONFIG_NODES`. Every problem is a :class:`ConfigError`."""
    text = _read_config_text(path)
    try:
        loader = _BoundedLoader(text)
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
    except _ConfigTooComplex as exc:
        raise ConfigError(
            f"config file {path} is too complex: it {exc}; write the settings out plainly"
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {truncated(str(exc), 500)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of keys, got {type(data).__name__}")
    return data


def _read_config_text(path: Path) -> str:
    try:
        # O_NONBLOCK: opening a FIFO waits for a writer otherwise; its kind is checked right after.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except OSError as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc.strerror or exc}") from None
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise ConfigError(
                f"config file {path} is not a regular file (a device, FIFO or folder); give a YAML file"
            )
        try:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
        except OSError as exc:
            raise ConfigError(f"config file {path} cannot be read: {exc.strerror or exc}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"config file {path} is over {MAX_CONFIG_BYTES:,} bytes; a config is a few kilobytes"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config file {path} is not UTF-8 text: {exc.reason} at byte {exc.start}") from None


def _set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = data
    for key in parents:
        child = node.setdefault(key, {})
        if not isinstance(child, dict):
            raise ConfigError(f"cannot set '{dotted}': '{key}' is not a section")
        node = child
    node[leaf] = value


def _keys_beside(loc: Sequence[int | str]) -> list[str]:
    """The keys the config allows where the unknown key at ``loc`` was found (none when it cannot tell)."""
    annotation: Any = Config
    for part in loc[:-1]:
        model = _model_in(annotation)
        if model is not None and part in model.model_fields:
            annotation = model.model_fields[str(part)].annotation
        elif get_origin(annotation) is dict:
            annotation = get_args(annotation)[1]
        elif model is None or part != model.__name__:  # a union member's name is part of the location
            return []
    model = _model_in(annotation)
    return list(model.model_fields) if model is not None else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The config model an annotation holds: the model itself, or the model inside ``X | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) is dict:
        return None
    for argument in get_args(annotation):
        found = _model_in(argument)
        if found is not None:
            return found
    return None
