"""Every character with a meaning in HTML or Markdown is escaped in every field of a digest, summary
text included: an ``&`` left raw turns "AT&amp;T" into "AT&T" or a named entity, a quote breaks out of
an attribute."""

from __future__ import annotations

import html
import re
import time
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from pipelines.digest import md_escape, render_digest, safe_url
from pipelines.store.publish import SummaryObject

DAY = date(2026, 11, 25)
TEXT = 'Profits at R&D firm rose 5% > forecast; CEO said "it\'s &copy; ours" <b>today</b>.'
# Escaped by hand: & first, then < > " ' (the HTML spec's five).
TEXT_HTML = (
    "Profits at R&amp;D firm rose 5% &gt; forecast; CEO said &quot;it&#x27;s &amp;copy; ours&quot; "
    "&lt;b&gt;today&lt;/b&gt;."
)
TEXT_MD = (
    r"Profits at R\&D firm rose 5% \> forecast; CEO said " + '"it\'s \\&copy; ours" ' + r"\<b\>today\</b\>."
)


def item(**fields: object) -> SummaryObject:
    values: dict[str, object] = {
        "article_id": "a1",
        "content_hash": "0123456789abcdef0123456789abcdef",
        "record_key": "records/a1/0123456789abcdef0123456789abcdef.json",
        "run_id": "run-1",
        "date": DAY,
        "language": "en",
        "source_language": "fr",
        "title": "Plain title",
        "url": None,
        "source": None,
        "published_at": None,
        "short": TEXT,
    }
    values.update(fields)
    return SummaryObject.model_validate(values)


def test_html_escapes_ampersands_quotes_and_brackets_in_summary_text() -> None:
    out = render_digest([item()], day=DAY, language="en", fmt="html")
    assert TEXT_HTML in out
    assert html.unescape(TEXT_HTML) == TEXT
    assert "<b>" not in out and "R&D" not in out and "&copy;" not in out.replace("&amp;copy;", "")


def test_html_escapes_source_and_falls_back_to_the_long_summary() -> None:
    out = render_digest(
        [item(short=None, long="Q&A <i>", source="Tom & Jerry's", published_at=datetime(2026, 1, 2, 3, 4))],
        day=DAY,
        language="en",
        fmt="html",
    )
    assert ">Q&amp;A &lt;i&gt;</p>" in out
    assert ">Tom &amp; Jerry&#x27;s · 2026-01-02 03:04</p>" in out


def test_markdown_escapes_summary_text_and_bylines() -> None:
    out = render_digest(
        [item(source="A&B *News*", published_at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC))],
        day=DAY,
        language="en",
        fmt="md",
    )
    assert TEXT_MD in out.splitlines()
    assert r"*A\&B \*News\* · 2026-01-02 03:04 UTC*" in out.splitlines()
    assert md_escape("a & b > c") == r"a \& b \> c"


def test_headings_and_layout_of_each_format() -> None:
    items = [item(title="  Two \n words  ", url="https://example.org/a"), item(article_id="b2", title=" ")]
    md = render_digest(items, day=DAY, language="en", fmt="md")
    assert md.splitlines()[:3] == [
        "# News digest 2026-11-25 (en)",
        "",
        "## [Two words](<https://example.org/a>)",
    ]
    assert "## b2" in md.splitlines()  # an empty title shows the article id
    out = render_digest(items, day=DAY, language="fr", fmt="html")
    assert "<title>News digest 2026-11-25 (fr)</title>" in out and '<html lang="fr" dir="ltr">' in out
    assert re.search(
        r'<h2 style="[^"]+"><a href="https://example.org/a" style="[^"]+">Two words</a></h2>', out
    )
    assert len(re.findall(r"<div style=", out)) == 1 + len(items)
    assert "No articles" not in out


def test_markdown_document_layout() -> None:
    """Blank lines separate blocks (a missing one merges a byline into a heading's paragraph)."""
    one = item(
        title="Fête & co",
        url="https://example.org/a",
        source="Gazette",
        published_at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
        short="Short text.",
    )
    assert render_digest([one], day=DAY, language="en", fmt="md") == (
        "# News digest 2026-11-25 (en)\n\n"
        "## [Fête \\& co](<https://example.org/a>)\n\n"
        "*Gazette · 2026-01-02 03:04 UTC*\n\n"
        "Short text.\n"
    )
    assert render_digest([], day=DAY, language="en", fmt="md") == (
        "# News digest 2026-11-25 (en)\n\n_No articles._\n"
    )
    bare = item(title="T", short=None, long=None)
    assert (
        render_digest([bare], day=DAY, language="en", fmt="md") == "# News digest 2026-11-25 (en)\n\n## T\n"
    )


def test_html_document_layout() -> None:
    one = item(title="T", source="S", published_at=datetime(2026, 1, 2, 3, 4), short="Body.")
    out = render_digest([one], day=DAY, language="en", fmt="html")
    assert out.startswith(
        '<!DOCTYPE html>\n<html lang="en" dir="ltr">\n<head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>News digest 2026-11-25 (en)</title></head>\n"
        '<body style="margin:0;padding:0;background-color:#ffffff">\n'
        '<div style="max-width:640px;margin:0 auto;padding:16px">\n<h1 style="'
    )
    assert out.endswith("</div>\n</div>\n</body>\n</html>\n")
    block = out[out.index('<div style="margin:0 0 24px') :]
    lines = block.splitlines()
    assert lines[0] == '<div style="margin:0 0 24px 0;padding:0 0 16px 0;border-bottom:1px solid #dddddd">'
    assert [re.sub(r"<(\w+)[^>]*>", r"<\1>", line) for line in lines[1:5]] == [
        "<h2>T</h2>",
        "<p>S · 2026-01-02 03:04</p>",
        "<p>Body.</p>",
        "</div>",
    ]
    empty = render_digest([], day=DAY, language="en", fmt="html")
    assert re.search(r'<p style="[^"]*">No articles\.</p>\n</div>\n</body>', empty)
    two = render_digest([one, item(article_id="b2", title="U")], day=DAY, language="en", fmt="html")
    assert '</div>\n<div style="margin:0 0 24px' in two


def test_json_digest_keeps_unicode_and_indents() -> None:
    out = render_digest([item(title="Fête à Paris")], day=DAY, language="en", fmt="json")
    lines = out.splitlines()
    assert lines[:5] == [
        "{",
        '  "schema_version": 1,',
        '  "date": "2026-11-25",',
        '  "language": "en",',
        '  "count": 1,',
    ]
    assert '      "title": "Fête à Paris",' in lines
    assert out.endswith("}\n")


def test_apostrophes_in_urls_are_percent_encoded() -> None:
    assert safe_url("https://example.org/it's") == "https://example.org/it%27s"


def test_bylines_show_utc_whatever_the_machine_time_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        moment = datetime(2026, 1, 2, 3, 4, tzinfo=timezone(timedelta(hours=2)))
        out = render_digest([item(source="S", published_at=moment)], day=DAY, language="en", fmt="md")
    finally:
        monkeypatch.undo()
        time.tzset()
    assert "*S · 2026-01-02 01:04 UTC*" in out.splitlines()
