"""The edition as an email (``newsdigest edition --format eml``): one multipart/alternative message that
parses back, with every story in both parts, and the example inputs' edition sent as is."""

from __future__ import annotations

import email
import re
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
from markupsafe import escape
from typer.testing import CliRunner

from benchmarks.stories import DAY, load, publish
from flows.cli import EXIT_OK, EXIT_USAGE, app
from pipelines import Config, build_services, run
from pipelines.newsletter.message import edition_message
from pipelines.newsletter.view import from_edition
from pipelines.store.local import LocalStore
from pipelines.stories.config import NewsletterConfig
from pipelines.stories.edition import build_edition
from pipelines.stories.models import Edition
from tests.conftest import EXAMPLES

STORIES = ("ferry-strike", "riverton-budget", "ferry-newbuilds")


@pytest.fixture(scope="module")
def edition(tmp_path_factory: pytest.TempPathFactory) -> Edition:
    store = LocalStore(tmp_path_factory.mktemp("store"))
    publish(store, [row for row in load() if row["story"] in STORIES], "run-1")
    return build_edition(store, DAY, "en").edition


def parts(raw: bytes) -> tuple[EmailMessage, str, str]:
    """The message parsed back as a mail client would, and its text and HTML parts."""
    parsed = email.message_from_bytes(raw, policy=default)
    assert isinstance(parsed, EmailMessage)
    assert parsed.get_content_type() == "multipart/alternative"
    text, html = (parsed.get_body(preferencelist=(kind,)) for kind in ("plain", "html"))
    assert text is not None and html is not None
    return parsed, text.get_content(), html.get_content()


def test_the_message_parses_back_with_every_story_in_both_parts(edition: Edition) -> None:
    settings = NewsletterConfig.model_validate(
        {
            "masthead": {"name": "The Riverside Post"},
            "unsubscribe_url": "*|UNSUB|*",
            "sender": "Riverside Post <news@riverside.example>",
        }
    )
    message = edition_message(
        edition,
        settings,
        to="Ana <ana@example.org>, ben@example.org",
        now=datetime(2026, 11, 24, 6, tzinfo=UTC),
    )

    parsed, text, html = parts(message.as_bytes())

    assert parsed["Subject"] == "The Riverside Post · Tuesday 24 November 2026"
    assert parsed["From"] == "Riverside Post <news@riverside.example>"
    assert parsed["To"] == "Ana <ana@example.org>, ben@example.org"
    assert parsed["List-Unsubscribe"] == "<*|UNSUB|*>"
    assert parsed["Date"] == "Tue, 24 Nov 2026 06:00:00 +0000"
    assert parsed["Message-ID"].endswith("@riverside.example>")
    view = from_edition(edition, settings)
    assert len(view.items) == len(STORIES)
    for item in view.items:
        assert item.headline in text
        assert str(escape(item.headline)) in html
    assert "<html" in html and "<html" not in text
    assert b"\r\n" in message.as_bytes()  # RFC 5322 line ends


def test_the_subject_template_fills_its_fields_and_keeps_other_braces(edition: Edition) -> None:
    message = edition_message(edition, subject="{stories} stories on {date} ({lang}): {lead} {other}")

    lead = from_edition(edition).items[0].headline
    assert message["Subject"] == f"3 stories on 2026-11-24 (en): {lead} {{other}}"


@pytest.mark.parametrize(
    ("option", "value"), [("--to", "not an address"), ("--from", "a@example.org, b@example.org")]
)
def test_a_bad_address_is_a_usage_error_before_any_work(tmp_path: Path, option: str, value: str) -> None:
    result = CliRunner().invoke(
        app,
        ["edition", "--store", str(tmp_path / "s"), "--date", "2026-11-24", "--format", "eml", option, value],
    )

    assert result.exit_code == EXIT_USAGE and "email address" in result.output
    assert not (tmp_path / "s").exists()


def test_address_options_need_the_eml_format(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["edition", "--store", str(tmp_path), "--date", "2026-11-24", "--to", "ana@example.org"]
    )

    assert result.exit_code == EXIT_USAGE and "--format eml" in result.output


def test_the_example_inputs_make_an_email_an_editor_sends_as_is(tiny_config: Config) -> None:
    """The examples have no sources, and some titles carry markup: every story shows a real headline, and
    no part shows None, an empty bullet, a dangling separator or an article id."""
    manifest = run([EXAMPLES], build_services(tiny_config)).manifest
    published = [entry for entry in manifest.entries if entry.status == "published"]
    assert published
    day = date.today().isoformat()  # the examples carry no date: they are filed under the run's day
    result = CliRunner().invoke(
        app,
        [
            "edition",
            "--store",
            tiny_config.store.url,
            "--date",
            day,
            "--format",
            "eml",
            "--to",
            "desk@example.org",
        ],
    )
    assert result.exit_code == EXIT_OK, result.output

    parsed, text, html = parts(result.stdout_bytes)

    stored = build_edition(LocalStore(Path(tiny_config.store.url)), date.fromisoformat(day), "en").edition
    view = from_edition(stored)
    assert view.items and parsed["To"] == "desk@example.org"
    for item in view.items:
        assert item.headline and item.headline in text
    ids = {entry.article_id for entry in published}
    for body in (text, html):
        assert "None" not in body and not re.search(r"^\s*[-•·]\s*$", body, re.MULTILINE)
        assert not any(article_id in body for article_id in ids)
    assert "· \n" not in text and "&middot; \n" not in html and "(German) ·" not in text
