"""Building a day's edition from the store: group new summaries into stories, write stories, then the edition.

Reads ``summaries/<day>/<lang>/`` (and earlier days within the window), the records they point at (for the
full text in the edition's language) and the day's stored stories; writes changed stories and, last, the
edition, so a reader that sees an edition can read every story it lists.

Re-building is idempotent: unchanged objects are not rewritten, a story keeps its id (its founding
article's id) and new articles join existing stories before new stories are formed. A new story is created
with a conditional write (``if_absent``); when a concurrent build created it first, the two member lists are
merged. Updates to an existing story are plain overwrites (the store has no compare-and-swap), so two builds
of the same day should not run at the same moment; the runs' schedule already serialises them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pipelines.errors import NothingPublished, ObjectNotFound
from pipelines.headlines import headline_from_text
from pipelines.newsletter.text import plain_text, source_name
from pipelines.records import Record, StoredData
from pipelines.store import layout
from pipelines.store.base import ObjectStore, put_if_changed
from pipelines.store.publish import SummaryObject
from pipelines.store.reader import epoch_seconds, load_object
from pipelines.stories.config import NewsletterConfig, StoriesConfig
from pipelines.stories.grouping import StoryText, assign, central
from pipelines.stories.models import Edition, EditionStory, Story, StoryArticle


@dataclass(frozen=True)
class BuildResult:
    """The edition and the keys this build wrote (none when nothing changed)."""

    edition: Edition
    written: list[str]


def window_summaries(
    store: ObjectStore, day: date, language: str, window_hours: float, timezone: str = "UTC"
) -> list[SummaryObject]:
    """The summaries an edition of ``day`` holds: all filed under ``day``, plus those of earlier days
    published within ``window_hours`` before ``day`` ends in ``timezone`` (undated ones stay on their day)."""
    end = datetime.combine(day + timedelta(days=1), time(0), ZoneInfo(timezone))
    start = epoch_seconds(end - timedelta(hours=window_hours))
    found: list[SummaryObject] = []
    for back in range(math.ceil(window_hours / 24) + 1):
        partition = day - timedelta(days=back)
        for key in store.list(layout.summaries_prefix(partition, language)):
            summary = load_object(store, key, SummaryObject)
            if back == 0 or (
                summary.published_at is not None and epoch_seconds(summary.published_at) >= start
            ):
                found.append(summary)
    return found


def read_edition(store: ObjectStore, day: date, language: str) -> Edition:
    """The stored edition of ``day`` in ``language`` (one GET); NothingPublished when there is none."""
    key = layout.edition_key(day, language)
    try:
        return load_object(store, key, Edition)
    except ObjectNotFound:
        raise NothingPublished(
            f"{store.url} has no edition {key}: build it with `newsdigest edition` (without --read-only), "
            "or check --store, --date and --lang"
        ) from None


def build_edition(
    store: ObjectStore,
    day: date,
    language: str,
    stories_config: StoriesConfig | None = None,
    newsletter_config: NewsletterConfig | None = None,
) -> BuildResult:
    """Group the window's summaries into the day's stories (adding to stored ones) and write the edition."""
    settings = stories_config or StoriesConfig()
    presentation = newsletter_config or NewsletterConfig()
    summaries = {
        s.article_id: s
        for s in window_summaries(store, day, language, settings.window_hours, presentation.timezone)
    }
    stored = {
        story.id: story
        for story in (
            load_object(store, key, Story) for key in store.list(layout.stories_prefix(day, language))
        )
    }
    if not summaries and not stored:
        raise NothingPublished(
            f"{store.url} holds no summaries for {day.isoformat()} in {language!r} (looked under "
            f"{layout.summaries_prefix(day, language)}): check --store, --date and --lang, or run "
            "`newsdigest run` first"
        )
    members = {story_id: [a.article_id for a in story.articles] for story_id, story in stored.items()}
    ids = sorted(set(summaries) | {m for group in members.values() for m in group})
    items = [_story_text(store, summaries.get(article_id), article_id, language) for article_id in ids]
    placement = assign(items, members, settings.threshold, language)
    for story_id, joined in placement.joins.items():
        members[story_id] = members[story_id] + joined
    for group in placement.new_groups:
        founder = min(group, key=lambda article_id: (_time(summaries.get(article_id)), article_id))
        members[founder] = group

    row = {item.id: index for index, item in enumerate(items)}
    written: list[str] = []
    stories: list[Story] = []
    for story_id, member_ids in members.items():
        old = {a.article_id: a for a in stored[story_id].articles} if story_id in stored else {}
        entries = [
            _entry(summaries[m], presentation) if m in summaries else old[m]
            for m in dict.fromkeys(member_ids)
        ]
        entries.sort(key=lambda a: (epoch_seconds(a.published_at), a.article_id))
        rows = [row[a.article_id] for a in entries if a.article_id in row]
        representative = items[central(placement.similarity, rows)].id if rows else entries[0].article_id
        story = _story(story_id, day, language, representative, entries)
        if _write_story(store, story, story_id in stored, written):
            story = load_object(store, layout.story_key(day, language, story_id), Story)
        stories.append(story)

    edition = _edition(day, language, settings.window_hours, stories, summaries)
    if put_if_changed(store, layout.edition_key(day, language), _encode(edition)):
        written.append(layout.edition_key(day, language))
    return BuildResult(edition=edition, written=written)


def _time(summary: SummaryObject | None) -> float:
    return epoch_seconds(summary.published_at) if summary else float("inf")


def _story_text(
    store: ObjectStore, summary: SummaryObject | None, article_id: str, language: str
) -> StoryText:
    """Title and full text in the edition's language: the translation when there is one, else the original."""
    if summary is None:
        return StoryText(article_id, "", "")
    title = plain_text(summary.title)
    try:
        record = load_object(store, summary.record_key, Record)
    except ObjectNotFound:
        return StoryText(article_id, title, plain_text(summary.long or summary.short), summary.published_at)
    translation = record.translation
    if translation is not None and translation.target_language == language:
        text = translation.text
    else:
        text = record.article.text
    return StoryText(article_id, title, text, summary.published_at)


def _entry(summary: SummaryObject, presentation: NewsletterConfig) -> StoryArticle:
    return StoryArticle(
        article_id=summary.article_id,
        title=plain_text(summary.title) or headline_from_text(plain_text(summary.short or summary.long)),
        source=summary.source,
        source_name=source_name(summary.source, summary.url, presentation.source_names),
        url=summary.url,
        language=summary.source_language,
        published_at=summary.published_at,
        summary_key=layout.summary_key(summary.date, summary.language, summary.article_id),
    )


def _story(
    story_id: str, day: date, language: str, representative: str, entries: list[StoryArticle]
) -> Story:
    times = [a.published_at for a in entries if a.published_at is not None]
    return Story(
        id=story_id,
        date=day,
        language=language,
        representative_id=representative,
        articles=entries,
        sources=list(dict.fromkeys(a.source_name for a in entries if a.source_name)),
        languages=sorted({a.language for a in entries if a.language}),
        first_at=min(times, key=epoch_seconds) if times else None,
        last_at=max(times, key=epoch_seconds) if times else None,
    )


def _write_story(store: ObjectStore, story: Story, known: bool, written: list[str]) -> bool:
    """Write ``story``; returns True when a concurrent build had created it and the members were merged."""
    key = layout.story_key(story.date, story.language, story.id)
    data = _encode(story)
    if known:
        if put_if_changed(store, key, data):
            written.append(key)
        return False
    if store.put(key, data, if_absent=True):
        written.append(key)
        return False
    if store.get(key) == data:
        return False
    theirs = load_object(store, key, Story)
    ours = {a.article_id for a in story.articles}
    merged = story.articles + [a for a in theirs.articles if a.article_id not in ours]
    merged.sort(key=lambda a: (epoch_seconds(a.published_at), a.article_id))
    merged_story = _story(story.id, story.date, story.language, story.representative_id, merged)
    store.put(key, _encode(merged_story))
    written.append(key)
    return True


def _edition(
    day: date,
    language: str,
    window_hours: float,
    stories: Sequence[Story],
    summaries: dict[str, SummaryObject],
) -> Edition:
    ordered = sorted(
        stories, key=lambda s: (-len(s.articles), -len(s.sources), -epoch_seconds(s.last_at), s.id)
    )
    listed: list[EditionStory] = []
    for story in ordered:
        lead = summaries.get(story.representative_id)
        headline = next(a.title for a in story.articles if a.article_id == story.representative_id)
        listed.append(
            EditionStory(
                id=story.id,
                story_key=layout.story_key(day, language, story.id),
                headline=headline,
                short=plain_text(lead.short) or None if lead else None,
                long=plain_text(lead.long) or None if lead else None,
                representative_id=story.representative_id,
                articles=story.articles,
                sources=story.sources,
                languages=story.languages,
                translated_from=[code for code in story.languages if code != language],
                first_at=story.first_at,
                last_at=story.last_at,
            )
        )
    all_languages: Iterable[str] = (a.language for s in stories for a in s.articles if a.language)
    return Edition(
        date=day,
        language=language,
        window_hours=window_hours,
        article_count=sum(len(s.articles) for s in stories),
        languages=sorted(set(all_languages)),
        stories=listed,
    )


def _encode(obj: StoredData) -> bytes:
    return obj.model_dump_json(indent=2).encode()
