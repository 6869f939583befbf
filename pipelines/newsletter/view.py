"""What a newsletter shows, independent of the output format: built from an edition or from a day's
summaries, then rendered by the templates of :mod:`pipelines.newsletter.render`.

Every string here is plain text (markup stripped by :func:`~pipelines.newsletter.text.plain_text`);
escaping is the templates' job. Links are only http(s) URLs (:func:`~pipelines.newsletter.text.safe_url`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date

from pipelines.headlines import first_sentence, headline_from_text
from pipelines.newsletter.text import plain_text, safe_url, source_name
from pipelines.store.publish import SummaryObject
from pipelines.stories.config import PLACEHOLDER, NewsletterConfig
from pipelines.stories.models import Edition, EditionStory

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
    untitled: str
    view_in_browser: str
    unsubscribe: str


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
        untitled="Untitled story",
        view_in_browser="View in browser",
        unsubscribe="Unsubscribe",
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
        untitled="Sujet sans titre",
        view_in_browser="Voir dans le navigateur",
        unsubscribe="Se désabonner",
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
        untitled="Thema ohne Titel",
        view_in_browser="Im Browser ansehen",
        unsubscribe="Abbestellen",
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
        untitled="Noticia sin título",
        view_in_browser="Ver en el navegador",
        unsubscribe="Darse de baja",
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
class Masthead:
    name: str
    logo_url: str | None


@dataclass(frozen=True)
class Footer:
    address: str
    copy: str
    unsubscribe_url: str | None
    """An http(s) URL or a sending service's merge tag (``*|UNSUB|*``), emitted as given."""
    web_url: str | None
    """The "view in browser" link: the web edition's address or a merge tag; None in the web edition."""


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
    masthead: Masthead
    footer: Footer
    date: str
    """The day, ISO 8601."""


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


def _link_or_tag(value: str) -> str | None:
    """An http(s) URL made safe, or a sending service's merge tag as it is (validated by the config)."""
    if not value:
        return None
    return value if PLACEHOLDER.fullmatch(value) else safe_url(value)


def _newsletter(
    language: str,
    day: date,
    counts: str,
    items: list[Item],
    kind: str,
    settings: NewsletterConfig,
    web: bool,
) -> Newsletter:
    labels = labels_for(language)
    web_url = "" if web else settings.web_edition_url(day.isoformat(), language)
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
        masthead=Masthead(
            name=plain_text(settings.masthead.name), logo_url=safe_url(settings.masthead.logo_url)
        ),
        footer=Footer(
            address=plain_text(settings.footer.address),
            copy=plain_text(settings.footer.copy_text),
            unsubscribe_url=_link_or_tag(settings.unsubscribe_url),
            web_url=_link_or_tag(web_url),
        ),
        date=day.isoformat(),
    )


def _named(sources: list[SourceLink]) -> list[SourceLink]:
    """The sources that have something to show: a missing source renders as nothing (no "None", no empty
    bullet, no dangling separator, no bare "(German)")."""
    return [source for source in sources if source.name]


def _headline(title: str | None, ids: set[str], *texts: str | None) -> str:
    """The headline readers see: the title, else one made from the first text that has a sentence, never
    an article or story id (objects stored before titles were made at ingest carry the id)."""
    cleaned = plain_text(title)
    if cleaned and cleaned not in ids:
        return cleaned
    for text in texts:
        made = headline_from_text(plain_text(text))
        if made:
            return made
    return ""


def article_links(story: EditionStory, settings: NewsletterConfig | None = None) -> list[SourceLink]:
    """Each article of ``story`` as readers see it: its source's name (empty when it has none) and a
    headline that is never an id; times and languages are left to the caller."""
    settings = settings or NewsletterConfig()
    ids = {story.id, *(a.article_id for a in story.articles)}
    return [
        SourceLink(
            name=source_name(a.source, a.url, settings.source_names) or plain_text(a.source_name),
            title=_headline(a.title, ids),
            url=safe_url(a.url),
            when="",
            language="",
        )
        for a in story.articles
    ]


def without_repeated_lead(short: str, long: str) -> str:
    """What ``long`` adds to ``short``: without the first sentence when both start with it (lead summaries
    do), without the whole short summary when ``long`` starts with it; empty when nothing is left."""
    if not long or long == short:
        return ""
    if short and long.startswith(short):
        return long[len(short) :].lstrip(" ,;")
    lead = first_sentence(short)
    if lead and long.startswith(lead) and first_sentence(long) == lead:
        return long[len(lead) :].lstrip()
    return long


def _preheader(counts: str, items: Sequence[Item]) -> str:
    lead = "; ".join(item.headline for item in items[:3])
    text = f"{counts}: {lead}" if lead else counts
    return text if len(text) <= PREHEADER_CHARS else text[: PREHEADER_CHARS - 1].rstrip() + "…"


def from_edition(
    edition: Edition, settings: NewsletterConfig | None = None, *, web: bool = False
) -> Newsletter:
    """One item per story: the representative's headline and summaries, every source as a named link.

    ``web``: for the web edition (no "view in browser" link to itself)."""
    settings = settings or NewsletterConfig()
    zone = ZoneInfo(settings.timezone)
    language = edition.language
    items: list[Item] = []
    for number, story in enumerate(edition.stories, start=1):
        lead = next((a for a in story.articles if a.article_id == story.representative_id), story.articles[0])
        ids = {story.id, *(a.article_id for a in story.articles)}
        sources = [
            replace(
                link, when=_when(a.published_at, edition.date, zone), language=_other(a.language, language)
            )
            for a, link in zip(story.articles, article_links(story, settings), strict=True)
        ]
        short = plain_text(story.short)
        items.append(
            Item(
                anchor=f"story-{number}",
                headline=_headline(story.headline, ids, story.short, story.long)
                or labels_for(language).untitled,
                url=safe_url(lead.url),
                short=short,
                long=without_repeated_lead(short, plain_text(story.long)),
                sources=_named(sources),
                translated_from=_other(lead.language, language),
            )
        )
    counts = _counts(
        labels_for(language), len(edition.stories), edition.article_count, len(edition.languages)
    )
    return _newsletter(language, edition.date, counts, items, "edition", settings, web)


def from_summaries(
    summaries: Sequence[SummaryObject], day: date, language: str, settings: NewsletterConfig | None = None
) -> Newsletter:
    """One item per article (the per-article digest)."""
    settings = settings or NewsletterConfig()
    zone = ZoneInfo(settings.timezone)
    items: list[Item] = []
    for number, summary in enumerate(summaries, start=1):
        translated = _other(summary.source_language, language)
        title = (
            _headline(summary.title, {summary.article_id}, summary.short, summary.long)
            or labels_for(language).untitled
        )
        short = plain_text(summary.short or summary.long)
        items.append(
            Item(
                anchor=f"article-{number}",
                headline=title,
                url=safe_url(summary.url),
                short=short,
                long=without_repeated_lead(short, plain_text(summary.long)),
                sources=_named(
                    [
                        SourceLink(
                            name=source_name(summary.source, summary.url, settings.source_names),
                            title=title,
                            url=safe_url(summary.url),
                            when=_when(summary.published_at, day, zone),
                            language=translated,
                        )
                    ]
                ),
                translated_from=translated,
            )
        )
    languages = {s.source_language for s in summaries if s.source_language}
    counts = _counts(labels_for(language), None, len(summaries), len(languages))
    return _newsletter(language, day, counts, items, "digest", settings, web=False)
