"""Digest rendering: article text is untrusted, so every format escapes it."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

import pytest

from pipelines.newsletter.render import md_escape, render_digest
from pipelines.newsletter.text import plain_text, safe_url
from pipelines.store.publish import SummaryObject

DAY = date(2026, 11, 25)
EVIL = "<script>alert(1)</script>"


def summary(
    article_id: str, title: str, *, url: str | None = "https://example.org/a?x=1&y=2", **extra: str
) -> SummaryObject:
    return SummaryObject(
        article_id=article_id,
        content_hash="0123456789abcdef0123456789abcdef",
        record_key=f"records/{article_id}/0123456789abcdef0123456789abcdef.json",
        run_id="run-1",
        date=DAY,
        language="en",
        source_language="fr",
        title=title,
        url=url,
        source=extra.get("source", "Harbour <b>Gazette</b>"),
        published_at=datetime(2026, 11, 25, 9, 30, tzinfo=UTC),
        short=extra.get(
            "short", "A <img src=x onerror=alert(2)> short **summary** [link](javascript:alert(3))."
        ),
    )


ITEMS = [
    summary("a1", EVIL),
    summary("b2", "Fête des *vendanges* & [more]", url="javascript:alert(4)"),
    summary("c3", "Quotes \" and ' in titles", url='https://example.org/x" onmouseover="alert(5)'),
]


def test_html_strips_markup_and_escapes_what_is_left() -> None:
    out = render_digest(ITEMS, day=DAY, language="en", fmt="html")
    assert "<script" not in out.lower() and "alert(1)" not in out  # script content is dropped, not shown
    assert "&lt;script" not in out and "&lt;b&gt;" not in out  # markup stripped, never shown as tags
    assert "<img" not in out and "<b>" not in out and ">Harbour Gazette</a>" in out
    assert 'href="javascript' not in out and "javascript:alert(4)" not in out
    assert 'onmouseover="' not in out
    assert 'href="https://example.org/a?x=1&amp;y=2"' in out
    assert "Fête des *vendanges* &amp; [more]" in out  # shown as text, not linked (no http(s) URL)
    # Email-safe: inline styles only, nothing external, no scripts or style sheets.
    assert "<style" not in out and "<link" not in out and "<script" not in out
    tags = set(re.findall(r"<([a-z0-9]+)", out))
    assert tags <= {
        "html",
        "head",
        "meta",
        "title",
        "body",
        "div",
        "table",
        "tr",
        "td",
        "h1",
        "h2",
        "h3",
        "p",
        "a",
        "span",
    }
    assert out.startswith("<!DOCTYPE html>") and '<html lang="en" dir="ltr">' in out
    assert "Wednesday 25 November 2026" in out and "3 articles in 1 language" in out
    assert "translated from French" in out and "09:30 UTC" in out


def test_markdown_escapes_and_never_emits_raw_html() -> None:
    out = render_digest(ITEMS, day=DAY, language="en", fmt="md")
    assert "<script>" not in out and "alert(1)" not in out
    # The only '<' not escaped by a backslash opens a link target the renderer built.
    assert re.findall(r"(?<!\\)<(?!https://)", out) == []
    assert re.findall(r"(?<!\\)\]\(javascript", out) == [] and "javascript:alert(4)" not in out
    assert r"## Fête des \*vendanges\* \& \[more\]" in out  # no URL: a plain, escaped heading
    assert "(<https://example.org/a?x=1&y=2>)" in out
    assert "%22%20onmouseover=%22alert%285%29" in out  # the hostile URL cannot break out of the link
    assert r"\*\*summary\*\*" in out


def test_plain_text_strips_markup_but_keeps_text_that_only_looks_like_it() -> None:
    assert plain_text("Council <b>approves</b> budget") == "Council approves budget"
    assert plain_text("<script>alert(1)</script>Hi <!-- c --> &amp; bye") == "Hi & bye"
    assert plain_text("5 < 6 and 7 > 3") == "5 < 6 and 7 > 3"


def test_markdown_escape_covers_markup_characters() -> None:
    assert md_escape("# *a* _b_ `c` [d](e) <f> | ! \\") == r"\# \*a\* \_b\_ \`c\` \[d\](e) \<f\> \| \! \\"
    assert md_escape("line\n\n# heading") == r"line \# heading"
    assert md_escape("- item") == r"\- item" and md_escape("+ x") == r"\+ x" and md_escape("= x") == r"\= x"
    assert md_escape("2026. A year") == r"2026\. A year" and md_escape("3) three") == r"3\) three"
    assert md_escape("U.S. 3-2 win: 10.5%") == "U.S. 3-2 win: 10.5%"  # plain text stays readable


def test_json_digest_is_valid_and_complete() -> None:
    out = json.loads(render_digest(ITEMS, day=DAY, language="en", fmt="json"))
    assert out["date"] == "2026-11-25" and out["language"] == "en" and out["count"] == 3
    assert (
        out["items"][0]["title"] == EVIL
    )  # JSON carries data as is: escaping is the consumer's format's job
    assert [SummaryObject.model_validate(item) for item in out["items"]] == ITEMS


def test_empty_digest_and_rtl_language() -> None:
    assert "Nothing was published" in render_digest([], day=DAY, language="ar", fmt="md")
    arabic = render_digest([], day=DAY, language="ar", fmt="html")
    assert '<html lang="ar" dir="rtl">' in arabic and "الأربعاء" in arabic  # the day in Arabic
    with pytest.raises(ValueError, match="unknown newsletter format"):
        render_digest([], day=DAY, language="en", fmt="pdf")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/a b", "https://example.org/a%20b"),
        ("HTTP://example.org/", "HTTP://example.org/"),
        ("javascript:alert(1)", None),
        ("data:text/html,<script>", None),
        ("//example.org/x", None),
        ("https://", None),
        (None, None),
    ],
)
def test_safe_url(url: str | None, expected: str | None) -> None:
    assert safe_url(url) == expected
