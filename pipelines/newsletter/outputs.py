"""Publishing an edition: the stored edition and every way it leaves the system but email.

:func:`publish_edition` builds the day's edition (:func:`~pipelines.stories.edition.build_edition`), then
writes its feeds (:mod:`pipelines.newsletter.feeds`) and its web page and the archive index
(:mod:`pipelines.newsletter.web`). The email is sent separately (:mod:`pipelines.newsletter.send`), so a
rebuild never mails anyone.
"""

from __future__ import annotations

from datetime import date

from pipelines.newsletter.feeds import write_feeds
from pipelines.newsletter.web import write_web_edition
from pipelines.store.base import ObjectStore
from pipelines.stories.config import NewsletterConfig, StoriesConfig
from pipelines.stories.edition import BuildResult, build_edition


def publish_edition(
    store: ObjectStore,
    day: date,
    language: str,
    stories_config: StoriesConfig | None = None,
    newsletter_config: NewsletterConfig | None = None,
) -> BuildResult:
    """Build the edition, then write its feeds, its web page and the archive index; the keys that changed
    are in the result's ``written``."""
    settings = newsletter_config or NewsletterConfig()
    result = build_edition(store, day, language, stories_config, settings)
    result.written.extend(write_feeds(store, result.edition, settings))
    result.written.extend(write_web_edition(store, result.edition, settings))
    return result
