"""The data that flows through the pipeline and lands in the store.

A :class:`Record` is created for every input (also for inputs that cannot be read) with status
``pending``; each stage fills its part or sets a final status with a reason. Stages only touch pending
records, so a failure at any point keeps what was already known and never loses the article.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 2
"""2: ``detection.method`` and ``detection.opinions``, ``article.removed``, ``ManifestEntry.still_failing``,
the ``duplicate`` status and ``Record.duplicate_of``; failures keyed by content."""

Status = Literal["pending", "published", "unchanged", "duplicate", "skipped", "failed"]
"""published: written; unchanged: same content already stored; duplicate: the same text is published
under another article id (``Record.duplicate_of`` names its record); skipped: deliberately not processed
(e.g. undetermined language), with a reason; failed: an error, with a reason."""

FINAL_STATUSES: tuple[Status, ...] = ("published", "unchanged", "duplicate", "skipped", "failed")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def is_valid_id(value: str) -> bool:
    """Whether ``value`` may be used verbatim as an article id (and so inside object keys).

    It may not end with '.': ``<id>.json`` would then hold '..'."""
    return bool(_ID.fullmatch(value)) and ".." not in value and not value.endswith(".")


def normalise_text(text: str) -> str:
    """NFC, collapsed whitespace, trimmed: two copies of an article that differ only there hash alike."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def content_hash(text: str, title: str = "") -> str:
    """SHA-256 (hex, 32 chars) of the normalised title and text: what decides whether work is needed."""
    digest = hashlib.sha256(f"{normalise_text(title)}\n{normalise_text(text)}".encode())
    return digest.hexdigest()[:32]


def article_id_for(url: str | None, text: str) -> str:
    """Stable id: a hash of the URL when there is one, else of the normalised text."""
    basis = f"url:{url.strip()}" if url and url.strip() else f"text:{normalise_text(text)}"
    return hashlib.sha256(basis.encode()).hexdigest()[:20]


class StoredData(BaseModel):
    """The base of everything newsdigest writes to the store: unknown fields are refused on reading."""

    model_config = ConfigDict(extra="forbid")


ParagraphClass = Literal[
    "navigation", "headline", "standfirst", "byline", "caption", "body", "related", "share", "footer"
]
"""What a paragraph of a page is (see :mod:`pipelines.structure`)."""


class RemovedLine(StoredData):
    """A paragraph of the input left out of the article's text, and what it was taken for."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)

    cls: ParagraphClass = Field(alias="class", description="navigation, byline, caption, related, share, ...")
    text: str


class Article(StoredData):
    """One input article as read, after boilerplate removal."""

    id: str
    title: str = ""
    text: str
    url: str | None = None
    source: str | None = None
    published_at: datetime | None = None
    origin: str = Field(description="where it was read from: path, path:line, or URL")
    content_hash: str
    flags: list[str] = Field(default_factory=list, description="e.g. invalid-utf8-replaced, truncated")
    removed: list[RemovedLine] = Field(
        default_factory=list, description="paragraphs of the input that are not the article, with their class"
    )


class DetectorOpinion(StoredData):
    """What one detector (or the script evidence) said about a text."""

    method: str = Field(description="langdetect, script or fasttext-lite")
    language: str = Field(description="normalised code, or 'und'")
    probability: float = Field(ge=0.0, le=1.0)


class Detection(StoredData):
    language: str = Field(description="normalised code, or 'und'")
    probability: float = Field(ge=0.0, le=1.0)
    raw: str | None = Field(default=None, description="the detector's own code before normalisation")
    reason: str | None = Field(default=None, description="why the language is 'und'")
    method: str = Field(
        default="langdetect",
        description="what decided: langdetect (ordinary text), script or fasttext-lite (short text)",
    )
    opinions: list[DetectorOpinion] = Field(
        default_factory=list, description="every opinion on a short text, kept when they disagree"
    )


class ModelRef(StoredData):
    """Which model produced an output: enough to reproduce it."""

    role: str = Field(description="e.g. translation:fr-en, summary:short")
    source: str = Field(description="hub id, s3:// prefix or local directory as configured")
    revision: str | None = Field(default=None, description="hub commit or a hash of the weights file")
    backend: str = Field(description="what ran the model: transformers or ctranslate2")
    compute_type: str | None = Field(
        default=None, description="CTranslate2's compute type (int8, float16, float32); none for transformers"
    )


class Translation(StoredData):
    text: str
    title: str = ""
    source_language: str
    target_language: str
    models: list[ModelRef] = Field(default_factory=list, description="two entries for a pivot route")
    segments: int = Field(default=0, description="sentence segments translated")
    flags: list[str] = Field(default_factory=list, description="e.g. repetition, length-ratio")


class Summary(StoredData):
    kind: Literal["short", "long"]
    language: str
    text: str
    method: str = Field(description="seq2seq, lead, textrank, or translated")
    model: ModelRef | None = None
    chunks: int = Field(default=1, description="chunks summarised (map-reduce)")
    levels: int = Field(default=1, description="map-reduce levels")
    flags: list[str] = Field(default_factory=list, description="e.g. empty, longer-than-source, repetition")
    fallback_reason: str | None = None


class Signature(StoredData):
    """What produced a record: code version, config hash and the libraries that matter."""

    code_version: str
    config_hash: str
    libraries: dict[str, str] = Field(default_factory=dict)


class Record(StoredData):
    schema_version: int = SCHEMA_VERSION
    run_id: str
    status: Status = "pending"
    reason: str | None = None
    article: Article
    detection: Detection | None = None
    translation: Translation | None = None
    summaries: list[Summary] = Field(default_factory=list)
    timings: dict[str, float] = Field(default_factory=dict, description="seconds per step")
    signature: Signature | None = None
    processed_at: datetime | None = None
    duplicate_of: str | None = Field(
        default=None, description="for a duplicate: the record key of the article published with this text"
    )

    @property
    def pending(self) -> bool:
        return self.status == "pending"

    def finish(self, status: Status, reason: str | None = None) -> None:
        self.status = status
        self.reason = reason

    def add_timing(self, step: str, seconds: float) -> None:
        self.timings[step] = round(self.timings.get(step, 0.0) + seconds, 4)


class ManifestEntry(StoredData):
    article_id: str
    origin: str
    status: Status
    reason: str | None = None
    language: str | None = None
    key: str | None = Field(default=None, description="the record or failure object written")
    still_failing: bool = Field(
        default=False,
        description="failed or skipped before with the same content and reason; its failure object is "
        "the one an earlier run wrote",
    )


class RunManifest(StoredData):
    """Written last: a reader that sees it knows every object it lists exists."""

    schema_version: int = SCHEMA_VERSION
    run_id: str
    started_at: datetime
    finished_at: datetime
    signature: Signature
    counts: dict[str, int]
    entries: list[ManifestEntry]
