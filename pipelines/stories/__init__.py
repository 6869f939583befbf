"""Stories: the articles of a day that report the same event, grouped across sources and languages."""

from __future__ import annotations

from pipelines.stories.config import NewsletterConfig, StoriesConfig
from pipelines.stories.grouping import StoryText, assign, group_all, similarity

__all__ = ["NewsletterConfig", "StoriesConfig", "StoryText", "assign", "group_all", "similarity"]
