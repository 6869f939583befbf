"""Digest rendering: article text is untrusted, so every format escapes it."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, date, datetime

import pytest

from pipelines.digest import md_escape, render_digest, safe_url
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


def test_html_escapes_every_piece_of_article_text() -> None:
    out = render_digest(ITEMS, day=DAY, language="en", fmt="html")
    assert EVIL not in out and html.escape(EVIL) in out
    assert "<script" not in out.lower() and "<img" not in out and "<b>" not in out
    assert 'href="javascript' not in out and "javascript:alert(4)" not in out
    assert 'onmouseover="' not in out
    assert 'href="https://example.org/a?x=1&amp;y=2"' in out
    assert "Fête des *vendanges* &amp; [more]" in out  # shown as text, not linked (no http(s) URL)
    # Email-safe: inline styles only, nothing external, no scripts or style sheets.
    assert "<style" not in out and "<link" not in out and "<script" not in out
    tags = set(re.findall(r"<([a-z0-9]+)", out))
    assert tags <= {"html", "head", "meta", "title", "body", "div", "h1", "h2", "p", "a"}
    assert out.startswith("<!DOCTYPE html>") and '<html lang="en" dir="ltr">' in out


def test_markdown_escapes_and_never_emits_raw_html() -> None:
    out = render_digest(ITEMS, day=DAY, language="en", fmt="md")
    assert EVIL not in out and "<script>" not in out
    assert r"\<script\>alert(1)\</script\>" in out
    # The only '<' not escaped by a backslash opens a link target this module built.
    assert re.findall(r"(?<!\\)<(?!https://)", out) == []
    assert re.findall(r"(?<!\\)\]\(javascript", out) == [] and "javascript:alert(4)" not in out
    assert r"## Fête des \*vendanges\* \& \[more\]" in out  # no URL: a plain, escaped heading
    assert "(<https://example.org/a?x=1&y=2>)" in out
    assert "%22%20onmouseover=%22alert%285%29" in out  # the hostile URL cannot break out of the link
    assert r"\*\*summary\*\*" in out


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
    assert "No articles" in render_digest([], day=DAY, language="ar", fmt="md")
    assert '<html lang="ar" dir="rtl">' in render_digest([], day=DAY, language="ar", fmt="html")
    with pytest.raises(ValueError, match="unknown digest format"):
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
