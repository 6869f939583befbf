"""The web edition: ``editions/<date>/<lang>.html`` and the archive's ``editions/index.html``.

The page is the email's HTML (the same template and view) without the "view in browser" link, stored as
``text/html; charset=utf-8`` so a bucket with static website hosting (or any HTTP server in front of the
store folder) serves it as it is. The index lists every stored edition, newest day first, and is rebuilt
from the stored editions each time, like the rolling feeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pipelines.newsletter.render import render, render_page
from pipelines.newsletter.view import from_edition, heading, language_name
from pipelines.store import layout
from pipelines.store.base import ObjectStore, put_if_changed
from pipelines.stories.config import NewsletterConfig
from pipelines.stories.models import Edition

HTML_TYPE = "text/html; charset=utf-8"


@dataclass(frozen=True)
class ArchiveLink:
    href: str
    language: str
    label: str


@dataclass(frozen=True)
class ArchiveDay:
    heading: str
    editions: list[ArchiveLink]


def web_edition(edition: Edition, settings: NewsletterConfig | None = None) -> str:
    """The edition as a web page (the email's HTML, no link to itself)."""
    return render(from_edition(edition, settings, web=True), "html")


def stored_editions(store: ObjectStore) -> list[tuple[date, str]]:
    """(day, language) of every stored edition object, newest day first, languages sorted."""
    found = []
    for key in store.list(layout.EDITIONS):
        parts = key.split("/")
        if len(parts) != 3 or not parts[2].endswith(".json") or parts[2].count(".") != 1:
            continue  # feeds (.feed.json), receipts (.sent.json), pages
        try:
            day = date.fromisoformat(parts[1])
        except ValueError:
            continue
        found.append((day, parts[2].removesuffix(".json")))
    return sorted(found, key=lambda item: (-item[0].toordinal(), item[1]))


def archive_index(editions: list[tuple[date, str]], settings: NewsletterConfig | None = None) -> str:
    """The archive's index page: one line per day, one link per language (relative links)."""
    settings = settings or NewsletterConfig()
    days: dict[date, list[ArchiveLink]] = {}
    for day, language in editions:
        link = ArchiveLink(f"{day.isoformat()}/{language}.html", language, language_name(language, language))
        days.setdefault(day, []).append(link)
    view = [ArchiveDay(heading(day, "en"), links) for day, links in days.items()]
    title = settings.masthead.name or "Newsdigest"
    return render_page("archive.html.j2", title=f"{title}: editions", days=view)


def write_web_edition(
    store: ObjectStore, edition: Edition, settings: NewsletterConfig | None = None
) -> list[str]:
    """Write the edition's page and the archive index; returns the keys whose content changed."""
    page_key = layout.web_edition_key(edition.date, edition.language)
    written = []
    if put_if_changed(store, page_key, web_edition(edition, settings).encode(), content_type=HTML_TYPE):
        written.append(page_key)
    index = archive_index(stored_editions(store), settings).encode()
    if put_if_changed(store, layout.ARCHIVE_INDEX, index, content_type=HTML_TYPE):
        written.append(layout.ARCHIVE_INDEX)
    return written
