"""The stored story and edition objects (schemas in docs/schema/story.schema.json, edition.schema.json)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from pipelines.records import SCHEMA_VERSION, StoredData


class StoryArticle(StoredData):
    """One article of a story, as a newsletter links it."""

    article_id: str
    title: str = Field(description="in the edition's language, markup stripped")
    source: str | None = Field(description="the source as ingested (e.g. a slug)")
    source_name: str = Field(description="the name readers see (newsletter.source_names, else readable)")
    url: str | None
    language: str | None = Field(description="the language the article was written in")
    published_at: datetime | None
    summary_key: str = Field(description="the summary object this entry was taken from")


class Story(StoredData):
    """One story of a day and language: stored at stories/<YYYY-MM-DD>/<lang>/<story_id>.json.

    ``id`` is the id of the article that founded the story; later runs add members and never change it.
    """

    schema_version: int = SCHEMA_VERSION
    id: str
    date: date
    language: str = Field(description="the edition's language")
    representative_id: str = Field(description="the member most similar to the others")
    articles: list[StoryArticle] = Field(description="members, earliest first")
    sources: list[str] = Field(description="source names, in order of first appearance")
    languages: list[str] = Field(description="original languages of the members, sorted")
    first_at: datetime | None = Field(description="earliest publication time among the members")
    last_at: datetime | None = Field(description="latest publication time among the members")


class EditionStory(StoredData):
    """A story as an edition lists it: the representative's headline and summaries, every source."""

    id: str
    story_key: str
    headline: str
    short: str | None
    long: str | None
    representative_id: str
    articles: list[StoryArticle]
    sources: list[str]
    languages: list[str]
    translated_from: list[str] = Field(
        description="original languages other than the edition's, for a 'translated from' note"
    )
    first_at: datetime | None
    last_at: datetime | None


class Edition(StoredData):
    """A day's newsletter in one language: stored at editions/<YYYY-MM-DD>/<lang>.json (one GET)."""

    schema_version: int = SCHEMA_VERSION
    date: date
    language: str
    window_hours: float
    article_count: int
    languages: list[str] = Field(description="original languages of all articles, sorted")
    stories: list[EditionStory] = Field(description="most-reported first")
