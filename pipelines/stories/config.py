"""Settings of story grouping and of the newsletter editions built from it."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import Field, field_validator

from pipelines.config_base import StrictModel

DEFAULT_THRESHOLD = 0.26
"""Chosen on benchmarks/data/stories (see docs/benchmarks.md, "Story grouping")."""


class StoriesConfig(StrictModel):
    """How a day's articles are grouped into stories."""

    window_hours: float = Field(
        default=36.0,
        gt=0,
        le=24 * 7,
        description="an edition holds the articles filed under its day plus earlier ones published "
        "(else processed) within this many hours before the day ends",
    )
    threshold: float = Field(
        default=DEFAULT_THRESHOLD,
        gt=0,
        lt=1,
        description="two groups of articles are one story when their average similarity reaches this",
    )


class NewsletterConfig(StrictModel):
    """How editions and digests are presented."""

    timezone: str = Field(default="UTC", description="IANA zone the newsletter shows times and days in")
    source_names: dict[str, str] = Field(
        default_factory=dict,
        description="article source (as ingested, e.g. a slug) -> the name readers see",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            close = sorted(zone for zone in available_timezones() if name.lower() in zone.lower())[:3]
            hint = f" (did you mean {', '.join(close)}?)" if close else " such as 'Europe/Paris'"
            raise ValueError(f"unknown timezone {name!r}: use an IANA name{hint}") from None
        return name
