"""The newsletter renderer's exact answers: the JSON edition a consumer parses, the names readers see for
sources, what is left of marked-up text, which URLs are linked, and the errors for an unknown format."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from pipelines.newsletter.render import render, render_digest, render_edition
from pipelines.newsletter.text import plain_text, safe_url, source_name
from pipelines.newsletter.view import from_summaries
from pipelines.store.publish import SummaryObject
from pipelines.stories.config import NewsletterConfig
from pipelines.stories.models import Edition, EditionStory, StoryArticle

DAY = date(2026, 11, 24)


def edition() -> Edition:
    article = StoryArticle(
        article_id="a1",
        title="Fähre fährt wieder",
        source="harbour-times",
        source_name="Harbour Times",
        url="https://example.org/ferry",
        language="de",
        published_at=datetime(2026, 11, 24, 6, 10, tzinfo=UTC),
        summary_key="summaries/2026-11-24/en/a1.json",
    )
    story = EditionStory(
        id="story-1",
        story_key="stories/2026-11-24/en/story-1.json",
        headline="Ferry runs again",
        short="The ferry is back.",
        long="The ferry is back after the strike ended.",
        representative_id="a1",
        articles=[article],
        sources=["Harbour Times"],
        languages=["de"],
        translated_from=["de"],
        first_at=None,
        last_at=None,
    )
    return Edition(
        date=DAY, language="en", window_hours=24, article_count=1, languages=["de"], stories=[story]
    )


def test_the_json_edition_is_exactly_the_documented_document() -> None:
    out = render_edition(edition(), "json")
    expected = {
        "schema_version": edition().schema_version,
        "date": "2026-11-24",
        "language": "en",
        "stories": [
            {
                "id": "story-1",
                "headline": "Ferry runs again",
                "short": "The ferry is back.",
                "long": "The ferry is back after the strike ended.",
                "translated_from": ["de"],
                "articles": [
                    {
                        "id": "a1",
                        "title": "Fähre fährt wieder",
                        "source": "Harbour Times",
                        "url": "https://example.org/ferry",
                        "language": "de",
                    }
                ],
            }
        ],
    }
    assert out == json.dumps(expected, ensure_ascii=False, indent=2) + "\n"


@pytest.mark.parametrize("fmt", ["pdf", "HTML", ""])
def test_an_unknown_format_is_refused_with_the_formats_to_use(fmt: str) -> None:
    with pytest.raises(ValueError) as caught:
        render_edition(edition(), fmt)
    assert str(caught.value) == f"unknown newsletter format {fmt!r}: use html, md, text, json"
    with pytest.raises(ValueError) as caught:
        render_digest([], day=DAY, language="en", fmt=fmt)
    assert str(caught.value) == f"unknown newsletter format {fmt!r}: use html, md, text, json"
    view = from_summaries([], DAY, "en", None)
    with pytest.raises(ValueError) as caught:
        render(view, fmt)  # type: ignore[arg-type]
    assert str(caught.value) == f"unknown newsletter format {fmt!r}: use html, md or text"


@pytest.mark.parametrize("fmt", ["html", "md", "text"])
def test_each_format_renders_its_own_template(fmt: str) -> None:
    out = render_edition(edition(), fmt)
    assert "Ferry runs again" in out
    assert out.lstrip().startswith("<!DOCTYPE html>") == (fmt == "html")
    assert out.startswith("# ") == (fmt == "md")


@pytest.mark.parametrize(
    ("source", "url", "names", "expected"),
    [
        ("harbour-times", None, {"harbour-times": "The <b>Harbour</b> Times"}, "The Harbour Times"),
        ("harbour-times", None, {"other": "Other"}, "Harbour Times"),
        ("harbour_times", None, None, "Harbour Times"),
        ("reuters", None, None, "Reuters"),
        ("Le Monde (Paris)", None, None, "Le Monde (Paris)"),
        ("harbour--times", None, None, "harbour--times"),  # not a slug: shown as given
        ("<b></b>", "https://www.example.org/a", None, "example.org"),  # nothing left: the link's host
        (None, "https://news.example.org/a", None, "news.example.org"),
        (None, None, None, ""),
        ("", "not a url", None, ""),
    ],
)
def test_the_name_readers_see_for_a_source(
    source: str | None, url: str | None, names: dict[str, str] | None, expected: str
) -> None:
    assert source_name(source, url, names) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("", ""),
        ("one<br>two", "one two"),
        ("<p>one</p><p>two</p>", "one two"),
        ("<div>one</div><div>two</div><ul><li>three</li><li>four</li></ul>", "one two three four"),
        ("<span>one</span><span>two</span>", "onetwo"),  # inline tags join what they separate
        ("<svg><script>x</script>hidden</svg>shown", "shown"),  # nested invisible content
        ("</script>shown<style>p{}</style> too", "shown too"),  # a stray end tag hides nothing
        ("a &amp; b &lt;c&gt;", "a & b <c>"),
        ("  spaced \n\t out  ", "spaced out"),
    ],
)
def test_what_is_left_of_marked_up_text(value: str | None, expected: str) -> None:
    assert plain_text(value) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("  https://example.org/a  ", "https://example.org/a"),
        (
            "https://u@example.org:8443/p;x?a=1&b=2,3+4*5$6!7~8%20#frag-._:",
            "https://u@example.org:8443/p;x?a=1&b=2,3+4*5$6!7~8%20#frag-._:",
        ),
        ("https://example.org/<a>'\"(b) [c]", "https://example.org/%3Ca%3E%27%22%28b%29%20%5Bc%5D"),
        ("http://[::1", None),
        ("ftp://example.org/a", None),
        ("https:///no-host", None),
        ("", None),
    ],
)
def test_which_urls_are_linked_and_how_they_are_encoded(url: str, expected: str | None) -> None:
    assert safe_url(url) == expected


def test_the_digest_uses_the_configured_source_names_and_zone() -> None:
    summary = SummaryObject(
        article_id="a1",
        content_hash="0123456789abcdef0123456789abcdef",
        record_key="records/a1/0123456789abcdef0123456789abcdef.json",
        run_id="run-1",
        date=DAY,
        language="en",
        source_language="en",
        title="Ferry runs again",
        url="https://example.org/ferry",
        source="harbour-times",
        published_at=datetime(2026, 11, 24, 6, 10, tzinfo=UTC),
        short="The ferry is back.",
    )
    settings = NewsletterConfig(timezone="Europe/Paris", source_names={"harbour-times": "The Harbour Times"})
    out = render_digest([summary], day=DAY, language="en", fmt="text", settings=settings)
    assert "The Harbour Times" in out and "07:10 CET" in out
    plain = render_digest([summary], day=DAY, language="en", fmt="text")
    assert "Harbour Times" in plain and "The Harbour Times" not in plain and "06:10 UTC" in plain
