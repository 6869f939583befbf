"""Stories: the articles of a day that report the same event, grouped across sources and languages.

``grouping`` (scikit-learn) is imported only by what groups, so loading the config stays light.
"""

from __future__ import annotations

from pipelines.stories.config import NewsletterConfig, StoriesConfig

__all__ = ["NewsletterConfig", "StoriesConfig"]
