"""What a newsletter shows, independent of the output format: built from an edition or from a day's
summaries, then rendered by the templates of :mod:`pipelines.newsletter.render`.

Every string here is plain text (markup stripped by :func:`~pipelines.newsletter.text.plain_text`);
escaping is the templates' job. Links are only http(s) URLs (:func:`~pipelines.newsletter.text.safe_url`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date

from pipelines.newsletter.text import plain_text, safe_url, source_name
from pipelines.store.publish import SummaryObject
from pipelines.stories.config import NewsletterConfig
from pipelines.stories.models import Edition

RTL = frozenset({"ar", "fa", "he", "ur", "yi", "ps", "sd", "ug", "dv"})
PREHEADER_CHARS = 140


@dataclass(frozen=True)
class Labels:
    """The newsletter's own words in one language (the templates can also be edited directly)."""

    story: tuple[str, str]
    article: tuple[str, str]
    language: tuple[str, str]
    counts: str
    counts_digest: str
    more: str
    more_heading: str
    back: str
    translated: str
    sources: str
    empty: str


LABELS = {
    "en": Labels(
        story=("story", "stories"),
        article=("article", "articles"),
        language=("language", "languages"),
        counts="{stories} from {articles} in {languages}",
        counts_digest="{articles} in {languages}",
        more="More",
        more_heading="More on these stories",
        back="Back",
        translated="Headline and summary translated from {language}",
        sources="Sources",
        empty="Nothing was published for this day.",
    ),
    "fr": Labels(
        story=("sujet", "sujets"),
        article=("article", "articles"),
        language=("langue", "langues"),
        counts="{stories} à partir de {articles} en {languages}",
        counts_digest="{articles} en {languages}",
        more="Plus",
        more_heading="Plus sur ces sujets",
        back="Retour",
        translated="Titre et résumé traduits ({language})",
        sources="Sources",
        empty="Rien n'a été publié ce jour-là.",
    ),
    "de": Labels(
        story=("Thema", "Themen"),
        article=("Artikel", "Artikeln"),
        language=("Sprache", "Sprachen"),
        counts="{stories} aus {articles} in {languages}",
        counts_digest="{articles} in {languages}",
        more="Mehr",
        more_heading="Mehr zu diesen Themen",
        back="Zurück",
        translated="Titel und Zusammenfassung übersetzt ({language})",
        sources="Quellen",
        empty="An diesem Tag wurde nichts veröffentlicht.",
    ),
    "es": Labels(
        story=("noticia", "noticias"),
        article=("artículo", "artículos"),
        language=("idioma", "idiomas"),
        counts="{stories} de {articles} en {languages}",
        counts_digest="{articles} en {languages}",
        more="Más",
        more_heading="Más sobre estas noticias",
        back="Volver",
        translated="Titular y resumen traducidos del {language}",
        sources="Fuentes",
        empty="No se publicó nada este día.",
    ),
}


def labels_for(language: str) -> Labels:
    """The labels of ``language``; English for a language without its own."""
    return LABELS.get(language, LABELS["en"])


@dataclass(frozen=True)
class SourceLink:
    name: str
    title: str
    url: str | None
    when: str
    language: str
    """The source's language by name when it differs from the newsletter's, else empty."""


@dataclass(frozen=True)
class Item:
    anchor: str
    headline: str
    url: str | None
    short: str
    long: str
    sources: list[SourceLink]
    translated_from: str
    """The headline's and summaries' original language by name when they were translated, e.g. "French"."""


@dataclass(frozen=True)
class Newsletter:
    language: str
    direction: str
    heading: str
    preheader: str
    counts: str
    items: list[Item]
    kind: str
    """"edition" (one item per story) or "digest" (one item per article)."""
    labels: Labels
    translated_notes: dict[str, str]
    """Item anchor -> the "translated from" sentence, for the items whose headline was translated."""


def _locale(language: str) -> Locale:
    try:
        return Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def heading(day: date, language: str) -> str:
    """The day as readers say it: "Tuesday 24 November 2026", "mardi 24 novembre 2026"."""
    return format_date(day, "EEEE d MMMM y", locale=_locale(language))


def language_name(code: str, language: str) -> str:
    """``code``'s name in ``language`` (French for "fr" in English), else the code itself."""
    name = _locale(language).languages.get(code)
    return name or code


def _other(code: str | None, language: str) -> str:
    return language_name(code, language) if code and code != language else ""


def _when(moment: datetime | None, day: date, zone: ZoneInfo) -> str:
    """Local time in the newsletter's zone: "09:30 CET", with the date when it is not the edition's day."""
    if moment is None:
        return ""
    local = (moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("UTC"))).astimezone(zone)
    label = local.strftime("%H:%M %Z")
    return label if local.date() == day else f"{local.strftime('%d %b')} {label}"


def _plural(count: int, forms: tuple[str, str]) -> str:
    return f"{count} {forms[0] if count == 1 else forms[1]}"


def _counts(labels: Labels, stories: int | None, articles: int, languages: int) -> str:
    words = {
        "articles": _plural(articles, labels.article),
        "languages": _plural(languages, labels.language),
    }
    if stories is None:
        return labels.counts_digest.format(**words)
    return labels.counts.format(stories=_plural(stories, labels.story), **words)


def _newsletter(language: str, day: date, counts: str, items: list[Item], kind: str) -> Newsletter:
    labels = labels_for(language)
    return Newsletter(
        language=language,
        direction="rtl" if language in RTL else "ltr",
        heading=heading(day, language),
        preheader=_preheader(counts, items),
        counts=counts,
        items=items,
        kind=kind,
        labels=labels,
        translated_notes={
            item.anchor: labels.translated.format(language=item.translated_from)
            for item in items
            if item.translated_from
        },
    )


def _preheader(counts: str, items: Sequence[Item]) -> str:
    lead = "; ".join(item.headline for item in items[:3])
    text = f"{counts}: {lead}" if lead else counts
    return text if len(text) <= PREHEADER_CHARS else text[: PREHEADER_CHARS - 1].rstrip() + "…"


def from_edition(edition: Edition, settings: NewsletterConfig | None = None) -> Newsletter:
    """One item per story: the representative's headline and summaries, every source as a named link."""
    settings = settings or NewsletterConfig()
    zone = ZoneInfo(settings.timezone)
    language = edition.language
    items: list[Item] = []
    for number, story in enumerate(edition.stories, start=1):
        lead = next((a for a in story.articles if a.article_id == story.representative_id), story.articles[0])
        sources = [
            SourceLink(
                name=source_name(a.source, a.url, settings.source_names) or a.source_name,
                title=plain_text(a.title),
                url=safe_url(a.url),
                when=_when(a.published_at, edition.date, zone),
                language=_other(a.language, language),
            )
            for a in story.articles
        ]
        items.append(
            Item(
                anchor=f"story-{number}",
                headline=plain_text(story.headline) or story.id,
                url=safe_url(lead.url),
                short=plain_text(story.short),
                long=plain_text(story.long),
                sources=sources,
                translated_from=_other(lead.language, language),
            )
        )
    counts = _counts(
        labels_for(language), len(edition.stories), edition.article_count, len(edition.languages)
    )
    return _newsletter(language, edition.date, counts, items, "edition")


def from_summaries(
    summaries: Sequence[SummaryObject], day: date, language: str, settings: NewsletterConfig | None = None
) -> Newsletter:
    """One item per article (the per-article digest)."""
    settings = settings or NewsletterConfig()
    zone = ZoneInfo(settings.timezone)
    items: list[Item] = []
    for number, summary in enumerate(summaries, start=1):
        translated = _other(summary.source_language, language)
        title = plain_text(summary.title) or summary.article_id
        items.append(
            Item(
                anchor=f"article-{number}",
                headline=title,
                url=safe_url(summary.url),
                short=plain_text(summary.short or summary.long),
                long=plain_text(summary.long),
                sources=[
                    SourceLink(
                        name=source_name(summary.source, summary.url, settings.source_names),
                        title=title,
                        url=safe_url(summary.url),
                        when=_when(summary.published_at, day, zone),
                        language=translated,
                    )
                ],
                translated_from=translated,
            )
        )
    languages = {s.source_language for s in summaries if s.source_language}
    counts = _counts(labels_for(language), None, len(summaries), len(languages))
    return _newsletter(language, day, counts, items, "digest")
