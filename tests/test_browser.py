"""The HTML edition in a real browser: headless Chromium (Debian's ``chromium``; .ci/run installs it), as
``--format html``, as the email's HTML part and as the web edition.

A test copy of the page gets a measuring script first in <head> (the newsletter itself has none): it
records script errors and, after load, every element that sticks out of the 600px column; Chromium's
``--dump-dom`` returns the result. No network is used: the page is a local file with no external resources.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pipelines.newsletter.message import edition_message
from pipelines.newsletter.render import render_edition
from pipelines.newsletter.web import web_edition
from pipelines.stories.models import Edition, EditionStory, StoryArticle

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    BROWSER is None, reason="chromium is not installed (apt-get install chromium)"
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=800,1200",
]
HOSTILE = [
    '<script>document.title="pwned"</script>Council <b>approves</b> budget',
    "<img src=x onerror=\"document.title='pwned'\">Harbour reopens",
    "<a href=\"javascript:alert(1)\">Click</a> <iframe src='javascript:alert(2)'></iframe>",
    "Ü" * 3 + "Donaudampfschifffahrtsgesellschaftskapitänswitwe" * 8,
]
MEASURE = """<script>
window.__errors = [];
window.addEventListener("error", function (e) { window.__errors.push(String(e.message)); });
window.addEventListener("load", function () {
  var column = document.getElementById("column").getBoundingClientRect();
  var out = [];
  document.querySelectorAll("#column *").forEach(function (el) {
    var r = el.getBoundingClientRect();
    if (r.width && (r.left < column.left - 0.5 || r.right > column.right + 0.5)) {
      out.push(el.tagName + ":" + Math.round(r.left) + "-" + Math.round(r.right));
    }
  });
  var result = {errors: window.__errors, overflow: out, columnWidth: column.width,
                pageWidth: document.documentElement.scrollWidth, title: document.title};
  var node = document.createElement("pre");
  node.id = "measured";
  node.textContent = JSON.stringify(result);
  document.body.appendChild(node);
});
</script>"""


def hostile_edition() -> Edition:
    stories = []
    for number, text in enumerate(HOSTILE, start=1):
        articles = [
            StoryArticle(
                article_id=f"a{number}-{outlet}",
                title=text,
                source=f"outlet-{outlet}" if outlet else "<b>Le</b> Courrier",
                source_name="",
                url="javascript:alert(3)" if outlet == 1 else f"https://example.org/{'x' * 300}?q={number}",
                language="fr" if outlet == 2 else "en",
                published_at=datetime(2026, 11, 24, 8 + outlet, 0, tzinfo=UTC),
                summary_key=f"summaries/2026-11-24/en/a{number}-{outlet}.json",
            )
            for outlet in range(6)
        ]
        stories.append(
            EditionStory(
                id=f"a{number}-0",
                story_key=f"stories/2026-11-24/en/a{number}-0.json",
                headline=text,
                short=text + " " + "word " * 40,
                long=(text + " ") * 20,
                representative_id=f"a{number}-2",
                articles=articles,
                sources=["x"],
                languages=["en", "fr"],
                translated_from=["fr"],
                first_at=articles[0].published_at,
                last_at=articles[-1].published_at,
            )
        )
    return Edition(
        date=date(2026, 11, 24),
        language="en",
        window_hours=36,
        article_count=24,
        languages=["en", "fr"],
        stories=stories,
    )


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert BROWSER is not None
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    return subprocess.run(
        [BROWSER, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def email_html(edition: Edition) -> str:
    """The HTML part of the edition's email (newsdigest edition --format eml), decoded."""
    html = edition_message(edition, to="desk@example.org").get_body(preferencelist=("html",))
    assert html is not None
    return str(html.get_content())


PAGES = {
    "html": lambda edition: render_edition(edition, "html"),
    "email": email_html,
    "web": web_edition,
}


@pytest.mark.parametrize("kind", list(PAGES))
def test_hostile_long_edition_renders_in_the_column_without_scripts(tmp_path: Path, kind: str) -> None:
    page = PAGES[kind](hostile_edition())
    assert "<script" not in page.lower() and "javascript:" not in page.lower()
    assert "<iframe" not in page.lower() and "onerror" not in page.lower()
    assert "&lt;b&gt;" not in page and "Council approves budget" in page

    measured_page = tmp_path / "measured.html"
    measured_page.write_text(page.replace("<head>", "<head>" + MEASURE, 1), encoding="utf-8")
    dom = chromium(tmp_path, "--dump-dom", measured_page.as_uri()).stdout
    found = re.search(r'<pre id="measured">(.*?)</pre>', dom, re.DOTALL)
    assert found, dom[-2000:]
    result = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert result["errors"] == []
    assert result["title"] == "Tuesday 24 November 2026"  # no injected script changed it
    assert 560 <= result["columnWidth"] <= 600
    assert result["overflow"] == [], result["overflow"][:10]
    assert result["pageWidth"] <= 800

    plain = tmp_path / "edition.html"
    plain.write_text(page, encoding="utf-8")
    png = tmp_path / "edition.png"
    chromium(tmp_path, f"--screenshot={png}", plain.as_uri())
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
