"""What is left of article text after markup is stripped is still escaped in every field of a digest,
summary text included: an ``&`` left raw turns "AT&amp;T" into "AT&T" or a named entity, a quote breaks
out of an attribute, a lone ``<`` starts a tag. Expected strings are written out by hand."""

from __future__ import annotations

from datetime import date

from pipelines.newsletter.render import md_escape, render_digest
from pipelines.newsletter.text import safe_url
from pipelines.records import SCHEMA_VERSION
from pipelines.store.publish import SummaryObject

DAY = date(2026, 11, 25)
# A tag (stripped), and characters that are not markup: &, a lone < and >, both quotes.
TEXT = 'Profits at R&D firm rose 5% > forecast, 3 < 4; CEO said "it\'s ours" <b>today</b>.'
# Tags removed, then & first and < > " ' escaped (markupsafe writes quotes as numeric references).
TEXT_HTML = "Profits at R&amp;D firm rose 5% &gt; forecast, 3 &lt; 4; CEO said &#34;it&#39;s ours&#34; today."
TEXT_MD = r"Profits at R\&D firm rose 5% \> forecast, 3 \< 4; CEO said " + '"it\'s ours" today.'


def item(**fields: object) -> SummaryObject:
    values: dict[str, object] = {
        "article_id": "a1",
        "content_hash": "0123456789abcdef0123456789abcdef",
        "record_key": "records/a1/0123456789abcdef0123456789abcdef.json",
        "run_id": "run-1",
        "date": DAY,
        "language": "en",
        "source_language": "en",
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
    assert f">{TEXT_HTML}</p>" in out
    assert "<b>" not in out and "R&D" not in out and "&lt;b&gt;" not in out


def test_html_escapes_title_source_and_the_long_summary() -> None:
    long = "Q&A: 1 < 2 and 'x' > \"y\" <i>here</i>"
    out = render_digest(
        [item(title='AT&T <em>says</em> "no"', short=None, long=long, source="Tom & Jerry's")],
        day=DAY,
        language="en",
        fmt="html",
    )
    assert "AT&amp;T says &#34;no&#34;" in out
    assert ">Q&amp;A: 1 &lt; 2 and &#39;x&#39; &gt; &#34;y&#34; here</p>" in out
    assert "Tom &amp; Jerry&#39;s</p>" in out.splitlines()
    assert "<i>" not in out and "<em>" not in out


def test_markdown_escapes_summary_text_title_and_source() -> None:
    out = render_digest(
        [item(title="A&B <i>*News*</i>", source="Tom & Jerry's")], day=DAY, language="en", fmt="md"
    )
    lines = out.splitlines()
    assert TEXT_MD in lines
    assert r"## A\&B \*News\*" in lines
    assert "- Tom \\& Jerry's" in lines
    assert md_escape("a & b > c < d") == r"a \& b \> c \< d"


def test_markdown_links_are_safe_urls_not_escaped_text() -> None:
    out = render_digest(
        [item(title="T", url="https://example.org/it's a (test)")], day=DAY, language="en", fmt="md"
    )
    assert "## [T](<https://example.org/it%27s%20a%20%28test%29>)" in out.splitlines()


def test_json_digest_keeps_the_text_as_given() -> None:
    out = render_digest([item(title="Fête à Paris")], day=DAY, language="en", fmt="json")
    lines = out.splitlines()
    assert lines[:5] == [
        "{",
        f'  "schema_version": {SCHEMA_VERSION},',
        '  "date": "2026-11-25",',
        '  "language": "en",',
        '  "count": 1,',
    ]
    assert '      "title": "Fête à Paris",' in lines
    assert out.endswith("}\n")


def test_apostrophes_and_other_schemes_in_urls() -> None:
    assert safe_url("https://example.org/it's") == "https://example.org/it%27s"
    assert safe_url('https://example.org/"x"<y>') == "https://example.org/%22x%22%3Cy%3E"
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("//example.org/a") is None
