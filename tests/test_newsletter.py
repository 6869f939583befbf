"""The edition as an editor would send it: heading, counts, More, named sources, translated-from, times."""

from __future__ import annotations

import json
import re

import pytest

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
    # The long summary is reachable from its story ("More") and shown in the More section.
    anchors = re.findall(r'href="#more-(story-\d+)"', out)
    assert anchors and all(f'id="more-{anchor}"' in out for anchor in anchors)
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
    assert "Plus sur ces sujets" in out and '<html lang="fr"' in out
