"""Newsletter-ready digests of a day's summary objects, as Markdown, email-safe HTML or JSON.

Article titles, texts, sources and URLs are untrusted input. Every piece of it is escaped for the output
format: HTML-escaped in HTML, backslash-escaped in Markdown (so no article text can become markup or raw
HTML there), and links are only emitted for http(s) URLs.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Literal
from urllib.parse import quote, urlsplit

from pipelines.records import SCHEMA_VERSION
from pipelines.store.publish import SummaryObject

DigestFormat = Literal["md", "html", "json"]

_RTL = frozenset({"ar", "fa", "he", "ur", "yi", "ps", "sd", "ug", "dv"})
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#!|~&$])")
_MD_LINE_START = re.compile(r"^([+\-=]|\d+(?=[.)]))")
_URL_SAFE = "/:?#@!$&'*+,;=%~-._"
_FONT = "font-family:Arial,Helvetica,sans-serif"
_H1 = f"{_FONT};font-size:24px;line-height:30px;margin:0 0 24px 0;color:#111111"
_H2 = f"{_FONT};font-size:18px;line-height:24px;margin:0 0 4px 0;color:#111111"


def render_digest(summaries: Sequence[SummaryObject], *, day: date, language: str, fmt: DigestFormat) -> str:
    """The digest of ``summaries`` (as :func:`pipelines.store.reader.list_summaries` returns them)."""
    if fmt == "md":
        return _markdown(summaries, day, language)
    if fmt == "html":
        return _html(summaries, day, language)
    if fmt == "json":
        return _json(summaries, day, language)
    raise ValueError(f"unknown digest format {fmt!r}: use md, html or json")


def safe_url(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL with a host, percent-encoding anything unusual; else None.

    Percent-encoding spaces, quotes, brackets and parentheses means the result cannot break out of an
    HTML attribute or a Markdown link target.
    """
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(url, safe=_URL_SAFE.replace("'", ""))


def _title(summary: SummaryObject) -> str:
    return " ".join(summary.title.split()) or summary.article_id


def _text(summary: SummaryObject) -> str:
    return " ".join((summary.short or summary.long or "").split())


def _byline(summary: SummaryObject) -> str:
    parts = [" ".join(summary.source.split())] if summary.source else []
    if summary.published_at is not None:
        parts.append(_when(summary.published_at))
    return " · ".join(parts)


def _when(moment: datetime) -> str:
    if moment.utcoffset() is None:
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _heading(day: date, language: str) -> str:
    return f"News digest {day.isoformat()} ({language})"


# -- Markdown ------------------------------------------------------------------------------------------------


def md_escape(text: str) -> str:
    """Backslash-escape what Markdown (CommonMark/GFM) could read as markup, so the text renders literally
    and can never become raw HTML: inline markup characters (``<`` and ``>`` included) everywhere, and
    list/heading/quote markers at the start. Newlines are collapsed, so no other line can start a block."""
    escaped = _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))
    return _MD_LINE_START.sub(_escape_marker, escaped)


def _escape_marker(match: re.Match[str]) -> str:
    """``- x`` -> ``\\- x``; ``1. x`` -> ``1\\. x`` (the dot after the number is what makes a list)."""
    marker = match.group(1)
    return f"{marker}\\" if marker[0].isdigit() else f"\\{marker}"


def _markdown(summaries: Sequence[SummaryObject], day: date, language: str) -> str:
    lines = [f"# News digest {day.isoformat()} ({md_escape(language)})", ""]
    if not summaries:
        lines += ["_No articles._", ""]
    for summary in summaries:
        title = md_escape(_title(summary))
        url = safe_url(summary.url)
        lines.append(f"## [{title}](<{url}>)" if url else f"## {title}")
        byline = _byline(summary)
        if byline:
            lines += ["", f"*{md_escape(byline)}*"]
        text = _text(summary)
        if text:
            lines += ["", md_escape(text)]
        lines.append("")
    return "\n".join(lines)


# -- HTML ----------------------------------------------------------------------------------------------------


def _html(summaries: Sequence[SummaryObject], day: date, language: str) -> str:
    """A complete HTML document for email: inline styles only, no scripts, no external resources."""
    esc = html.escape
    lang = esc(language)
    direction = "rtl" if language in _RTL else "ltr"
    heading = esc(_heading(day, language))
    items: list[str] = []
    for summary in summaries:
        title = esc(_title(summary))
        url = safe_url(summary.url)
        if url:
            title = f'<a href="{esc(url)}" style="color:#1a4f8b;text-decoration:none">{title}</a>'
        block = [
            '<div style="margin:0 0 24px 0;padding:0 0 16px 0;border-bottom:1px solid #dddddd">',
            f'<h2 style="{_H2}">{title}</h2>',
        ]
        byline = _byline(summary)
        if byline:
            block.append(
                f'<p style="{_FONT};font-size:12px;color:#666666;margin:0 0 8px 0">{esc(byline)}</p>'
            )
        text = _text(summary)
        if text:
            block.append(
                f'<p style="{_FONT};font-size:15px;line-height:22px;margin:0;color:#222222">{esc(text)}</p>'
            )
        block.append("</div>")
        items.append("\n".join(block))
    if not items:
        items.append(f'<p style="{_FONT};font-size:15px;color:#666666">No articles.</p>')
    body = "\n".join(items)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang}" dir="{direction}">\n'
        '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{heading}</title></head>\n"
        '<body style="margin:0;padding:0;background-color:#ffffff">\n'
        '<div style="max-width:640px;margin:0 auto;padding:16px">\n'
        f'<h1 style="{_H1}">{heading}</h1>\n'
        f"{body}\n"
        "</div>\n</body>\n</html>\n"
    )


# -- JSON ----------------------------------------------------------------------------------------------------


def _json(summaries: Sequence[SummaryObject], day: date, language: str) -> str:
    document = {
        "schema_version": SCHEMA_VERSION,
        "date": day.isoformat(),
        "language": language,
        "count": len(summaries),
        "items": [summary.model_dump(mode="json") for summary in summaries],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
