"""Render the example edition (the team's story set) as its email and as its web page, and screenshot both.

Run from the repository root (needs Debian's ``chromium``):  PYTHONPATH=. python docs/make_edition_png.py
Writes docs/edition-example.html and docs/edition-example.png (the email's HTML part, the picture in the
README) and docs/edition-web.png (the web edition, editions/<date>/<lang>.html).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.stories import DAY, load, publish
from pipelines.newsletter.message import edition_message
from pipelines.newsletter.web import web_edition
from pipelines.store.local import LocalStore
from pipelines.stories.config import NewsletterConfig
from pipelines.stories.edition import build_edition

DOCS = Path(__file__).resolve().parent
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
)


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def screenshot(page: Path, png: Path, width: int = 680, height: int = 1200) -> None:
    """A headless Chromium screenshot of the local file ``page`` (fresh profile, no network services)."""
    browser = chromium()
    if browser is None:
        raise SystemExit("chromium is not installed: apt-get install -y chromium")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                browser,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                f"--screenshot={png}",
                page.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        store = LocalStore(folder)
        publish(store, load(), "example")
        edition = build_edition(store, DAY, "en").edition
    settings = NewsletterConfig.model_validate(
        {
            "timezone": "Europe/Paris",
            "masthead": {"name": "The Riverside Post"},
            "footer": {"address": "1 Quay Street, Riverton", "copy": "You subscribed at riverside.example."},
            "unsubscribe_url": "*|UNSUB|*",
            "web_url": "https://news.example.org/editions/{date}/{lang}.html",
        }
    )
    html = edition_message(edition, settings, to="desk@example.org").get_body(preferencelist=("html",))
    assert html is not None
    page = DOCS / "edition-example.html"
    page.write_text(html.get_content(), encoding="utf-8")
    png = DOCS / "edition-example.png"
    screenshot(page, png)
    with tempfile.TemporaryDirectory() as folder:
        web = Path(folder) / "web.html"
        web.write_text(web_edition(edition, settings), encoding="utf-8")
        screenshot(web, DOCS / "edition-web.png")
    sys.stdout.write(f"wrote {page}\nwrote {png}\nwrote {DOCS / 'edition-web.png'}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
