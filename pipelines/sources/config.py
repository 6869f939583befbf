"""Configuration of the sources: how input files are read, feeds fetched and inboxes taken."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from pipelines.config_base import StrictModel


class IngestConfig(StrictModel):
    """How input files are read."""

    boilerplate: dict[str, list[str]] = Field(
        default_factory=dict,
        description="source name (or '*' for every source) -> regexes; matching lines are removed",
    )
    structure: dict[str, bool] = Field(
        default_factory=lambda: {"*": True},
        description="source name (or '*') -> whether a page's navigation, bylines, captions, related links "
        "and footer are moved out of the text into article.removed (pipelines.structure)",
    )
    max_article_chars: int = Field(
        default=150_000,
        ge=1_000,
        description="longer articles are cut or refused (ingest.oversize); 150,000 holds the longest "
        "long-form pieces (10-20k words), and one takes ~2 h on a busy 2-core worker (docs/benchmarks.md)",
    )
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


class FeedSettings(StrictModel):
    """Settings of one feed, keyed by its URL in ``sources.feeds``."""

    source: str | None = Field(
        default=None,
        min_length=1,
        description="source name of its articles (default: the feed's title); boilerplate rules use it",
    )


class SourcesConfig(StrictModel):
    """Feeds and pages fetched over HTTP, and ``s3://`` inbox prefixes."""

    feeds: dict[str, FeedSettings] = Field(
        default_factory=dict,
        description="feed URL (as given in paths) -> its settings, e.g. {source: Le Monde}",
    )

    contact_url: str | None = Field(
        default=None, description="put in the User-Agent so site owners can reach you; set it for feeds"
    )
    timeout_s: float = Field(default=20.0, gt=0, description="connect and per-read timeout of each request")
    deadline_s: float = Field(
        default=60.0, gt=0, description="for the whole fetch of a feed or page, redirects and body included"
    )
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

    @field_validator("feeds_auth")
    @classmethod
    def _check_auth_variables(cls, names: dict[str, str]) -> dict[str, str]:
        """Values are environment variable *names*; credentials written here would reach logs, failures
        and manifests, so they are refused without being echoed."""
        for host, name in names.items():
            if not _ENV_NAME.fullmatch(name):
                raise ValueError(
                    f"the value for host '{host}' must be the name of an environment variable (such as "
                    "NEWS_FEED_AUTH) that holds user:password, not the credentials themselves; the value "
                    "given is not shown"
                )
        return names


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
