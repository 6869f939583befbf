"""The validated configuration: one root model composed of one section per concern.

``Config()`` is the embedded default (what ``newsdigest run`` uses without ``--config``);
``configs/default.yaml`` spells the same values out. :func:`load_config` reads a YAML file over those
defaults and turns every validation problem into a :class:`~pipelines.errors.ConfigError` that names the
file, the key, the bad value and what is allowed.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel, Field, ValidationError

from pipelines.config_base import LanguageCode, StrictModel
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
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key (check the spelling; see configs/default.yaml for every key)"
            close = difflib.get_close_matches(str(error["loc"][-1]), _keys_beside(error["loc"]), n=1)
            if close:
                message = f"unknown key; did you mean '{close[0]}'? (configs/default.yaml has every key)"
        elif error["type"] == "literal_error":
            message = f"not allowed; {message.lower()}"
        lines.append(f"  {key}: {message} (got {error.get('input')!r})")
    return "\n".join(lines)


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
