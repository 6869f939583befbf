"""The edition as an editor would send it: heading, counts, More, named sources, translated-from, times."""

from __future__ import annotations

import json
import re

import pytest
from markupsafe import escape

from benchmarks.stories import DAY, load, publish
from pipelines.newsletter.render import render_edition
from pipelines.newsletter.view import from_edition, heading
from pipelines.store.local import LocalStore
from pipelines.stories.config import NewsletterConfig
from pipelines.stories.edition import build_edition
from pipelines.stories.models import Edition


@pytest.fixture(scope="module")
def edition(tmp_path_factory: pytest.TempPathFactory) -> Edition:
    store = LocalStore(tmp_path_factory.mktemp("store"))
    rows = [row for row in load() if row["story"] in ("ferry-strike", "riverton-budget", "ferry-newbuilds")]
    publish(store, rows, "run-1")
    return build_edition(store, DAY, "en").edition


def test_html_edition_reads_like_a_newsletter(edition: Edition) -> None:
    settings = NewsletterConfig(
        timezone="Europe/Paris", source_names={"continental-wire": "Continental Wire"}
    )
    out = render_edition(edition, "html", settings)
    assert "<h1" in out and "Tuesday 24 November 2026</h1>" in out
    assert "3 stories from 8 articles in 2 languages" in out
    # The council story's title carried <b> markup: stripped, not shown as escaped tags.
    assert "Council approves budget" in out and "&lt;b&gt;" not in out
    # Every source a named link; slugs made readable; the French original named.
    assert ">Harbour Times</a>" in out and ">Riverton Courier</a>" in out and "(French)" in out
    ferry = next(story for story in edition.stories if len(story.articles) == 4)
    lead = next(a for a in ferry.articles if a.article_id == ferry.representative_id)
    assert ("Headline and summary translated from French" in out) == (lead.language == "fr")
    # No in-page anchors (email apps follow them poorly): what the long summary adds is inline.
    assert 'href="#' not in out
    for item in from_edition(edition).items:
        assert not item.long or str(escape(item.long)) in out
    # A time published at 06:10+01:00 is shown in the configured zone, not as UTC.
    assert "06:10 CET" in out
    # A -05:00 evening article falls on the next day in Paris: the date is shown.
    assert "25 Nov 02:30 CET" in out
    # The preheader is the first thing in the body, hidden.
    assert re.search(r'<body[^>]*>\s*<div style="display:none[^"]*">3 stories from 8 articles', out)


def test_markdown_and_text_carry_the_same_content(edition: Edition) -> None:
    markdown = render_edition(edition, "md")
    text = render_edition(edition, "text")
    view = from_edition(edition)
    for item in view.items:
        assert item.short.split(" ")[0] in markdown and item.short in text
        for source in item.sources:
            assert source.name in markdown and source.name in text
    assert markdown.startswith("# Tuesday 24 November 2026") and text.startswith("Tuesday 24 November 2026")
    assert "<b>" not in markdown and "<b>" not in text


def test_heading_is_in_the_editions_language() -> None:
    assert heading(DAY, "en") == "Tuesday 24 November 2026"
    assert heading(DAY, "fr") == "mardi 24 novembre 2026"
    assert heading(DAY, "xx") == "Tuesday 24 November 2026"  # unknown language: English


def test_json_edition_has_the_documented_shape(edition: Edition) -> None:
    stories = json.loads(render_edition(edition, "json"))["stories"]
    assert [len(story["articles"]) for story in stories] == [4, 3, 1]
    assert set(stories[0]) >= {"id", "headline", "articles"}
    assert {"id", "title", "source", "url", "language"} == set(stories[0]["articles"][0])
    assert {article["language"] for article in stories[0]["articles"]} == {"en", "fr"}


def test_a_french_edition_speaks_french(edition: Edition) -> None:
    french = edition.model_copy(update={"language": "fr"})
    out = render_edition(french, "html")
    assert "mardi 24 novembre 2026" in out and "3 sujets à partir de 8 articles en 2 langues" in out
    assert '<html lang="fr"' in out


def _untitled(edition: Edition) -> Edition:
    """The edition as stored before ingest made headlines: titles empty or the article id, no sources."""
    stories = []
    for story in edition.stories:
        articles = [
            a.model_copy(update={"title": a.article_id, "source": None, "source_name": "", "url": None})
            for a in story.articles
        ]
        stories.append(story.model_copy(update={"headline": story.id, "articles": articles}))
    return edition.model_copy(update={"stories": stories})


@pytest.mark.parametrize("fmt", ["html", "md", "text", "json"])
def test_no_format_shows_an_id_as_headline_or_an_empty_source(edition: Edition, fmt: str) -> None:
    untitled = _untitled(edition)
    out = render_edition(untitled, fmt)
    for story in untitled.stories:
        for article in story.articles:
            assert article.article_id not in out.replace(f'"id": "{article.article_id}"', "")
    assert "None" not in out and "- \n" not in out and "- (" not in out
    assert "&middot; \n</p>" not in out and "(French) &middot;" not in out
    assert "Sources:" not in out  # no source has a name: no sources line at all
    view = from_edition(untitled)
    assert all(item.headline and not item.sources for item in view.items)
    if fmt == "json":
        document = json.loads(out)
        assert all(a["source"] is None for s in document["stories"] for a in s["articles"])


def test_a_long_summary_starting_with_the_short_one_is_not_repeated(edition: Edition) -> None:
    story = edition.stories[0]
    short = "The ferry crews walked out at dawn."
    long = short + " Talks resume on Friday, the union said."
    changed = edition.model_copy(
        update={"stories": [story.model_copy(update={"short": short, "long": long}), *edition.stories[1:]]}
    )
    for fmt in ("html", "md", "text"):
        out = render_edition(changed, fmt)
        assert out.count("The ferry crews walked out at dawn") == 1 and "Talks resume on Friday" in out


def test_masthead_footer_and_placeholders(edition: Edition) -> None:
    settings = NewsletterConfig.model_validate(
        {
            "masthead": {"name": "The Riverside Post", "logo_url": "https://news.example.org/logo.png"},
            "footer": {"address": "1 Quay Street, Riverton", "copy": "You subscribed at riverside.example."},
            "unsubscribe_url": "*|UNSUB|*",
            "web_url": "https://news.example.org/editions/{date}/{lang}.html",
        }
    )
    html = render_edition(edition, "html", settings)
    assert 'src="https://news.example.org/logo.png"' in html and "1 Quay Street, Riverton" in html
    assert 'href="*|UNSUB|*"' in html and "You subscribed at riverside.example." in html
    assert 'href="https://news.example.org/editions/2026-11-24/en.html"' in html and "View in browser" in html
    text = render_edition(edition, "text", settings)
    assert text.startswith("The Riverside Post\n") and "Unsubscribe: *|UNSUB|*" in text
    with pytest.raises(ValueError, match="unsubscribe_url"):
        NewsletterConfig(unsubscribe_url="javascript:alert(1)")
