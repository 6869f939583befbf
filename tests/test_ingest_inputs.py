"""Odd inputs: front matter, what a folder holds besides articles, invisible characters, encodings, and the
detect command reading the way a run reads."""

from __future__ import annotations

import gzip
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import EXIT_INCOMPLETE, EXIT_OK, app
from pipelines.config import Config
from pipelines.detect import detect_language
from pipelines.records import Article
from pipelines.sources.files import read_inputs
from pipelines.sources.formats.common import IngestFailure
from pipelines.sources.formats.registry import parse_text
from pipelines.stages import to_records

CONFIG = Config().ingest
FRENCH = (
    "La fête des vendanges a attiré des milliers de visiteurs ce week-end dans le village. Les vignerons "
    "ont présenté leurs meilleurs vins et les enfants ont défilé dans les rues avec des lanternes."
)


def only(items: list[Article | IngestFailure]) -> Article | IngestFailure:
    assert len(items) == 1
    return items[0]


def test_front_matter_gives_metadata_and_is_never_text() -> None:
    raw = (
        "---\ntitle: Tram line approved\ndate: 2026-11-25T08:30:00+01:00\nurl: https://news.example/tram\n"
        "source: Harbour Gazette\ntags: [city]\n---\n\nThe council approved the **tram** line on Monday.\n"
    )
    item = only(parse_text(raw, origin="tram.md", kind="md", config=CONFIG))
    assert isinstance(item, Article)
    assert item.title == "Tram line approved" and item.text == "The council approved the tram line on Monday."
    assert item.url == "https://news.example/tram" and item.source == "Harbour Gazette"
    assert item.published_at == datetime(2026, 11, 25, 7, 30, tzinfo=UTC)
    assert "---" not in item.text and "tags" not in item.text


def test_a_plain_yaml_date_and_no_title_in_front_matter() -> None:
    raw = "---\ndate: 2026-11-25\n---\n# Harvest festival\n\nFarmers sold apples and cider.\n"
    item = only(parse_text(raw, origin="h.md", kind="md", config=CONFIG))
    assert isinstance(item, Article)
    assert item.title == "Harvest festival" and item.text == "Farmers sold apples and cider."
    assert item.published_at is not None and item.published_at.date().isoformat() == "2026-11-25"


def test_a_markdown_file_that_is_only_front_matter_is_not_an_article() -> None:
    item = only(parse_text("---\ntitle: Nothing here\n---\n", origin="e.md", kind="md", config=CONFIG))
    assert isinstance(item, IngestFailure) and item.reason == "empty: only YAML front matter, no text"


def test_what_a_folder_holds_besides_articles_is_skipped_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / "story.txt").write_text("Title\n\nThe council approved the tram line.")
    (tmp_path / "paper.pdf").write_bytes(b"%PDF-1.7")
    (tmp_path / "letter.docx").write_bytes(b"PK\x03\x04")
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    (tmp_path / "self.txt").symlink_to(tmp_path / "self.txt")
    locked = tmp_path / "locked.txt"
    locked.write_text("secret")
    locked.chmod(0)

    results = to_records(read_inputs([tmp_path], CONFIG), "run-1")

    by_name = {Path(record.article.origin).name: record for record in results}
    assert by_name["story.txt"].status == "pending"
    reasons = {name: (r.status, r.reason or "") for name, r in by_name.items() if name != "story.txt"}
    assert reasons["paper.pdf"][0] == "skipped" and "unsupported file type '.pdf'" in reasons["paper.pdf"][1]
    assert reasons["letter.docx"][0] == "skipped" and "'.docx'" in reasons["letter.docx"][1]
    assert reasons["dangling.txt"][0] == "skipped" and "broken symbolic link" in reasons["dangling.txt"][1]
    assert reasons["self.txt"] == ("skipped", "symbolic link loop: the link points back at itself")
    if os.geteuid() != 0:  # root reads any file
        assert reasons["locked.txt"] == ("skipped", "cannot read file: Permission denied")
    assert len(results) == 6


def test_zero_width_and_bidi_characters_are_removed_and_flagged() -> None:
    hidden = "\u200b".join(FRENCH)  # a zero-width space between every two characters
    title = "F\u00eate \u202eseganadnev\u202c des vendanges"
    item = only(parse_text(f"{title}\n{hidden}", origin="fr.txt", kind="txt", config=CONFIG))
    assert isinstance(item, Article)
    assert item.text == FRENCH and "\u202e" not in item.title
    assert f"zero-width-removed:{len(FRENCH) - 1}" in item.flags and "bidi-controls-removed:2" in item.flags
    assert detect_language(item.text, Config().detection).language == "fr"


def test_text_is_brought_to_nfc() -> None:
    decomposed = "Cafe\u0301 de la gare\nLe cafe\u0301 rouvre ses portes apre\u0300s les travaux."
    item = only(parse_text(decomposed, origin="nfc.txt", kind="txt", config=CONFIG))
    assert isinstance(item, Article)
    assert item.title == "Café de la gare" and "après" in item.text and "unicode-nfc:3" in item.flags


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_text(encoding: str) -> None:
    item = only(
        parse_text(f"Vendanges\n{FRENCH}".encode(encoding), origin="u.txt", kind="txt", config=CONFIG)
    )
    assert isinstance(item, Article) and item.text == FRENCH
    assert any(flag.startswith("decoded-as:utf_16") for flag in item.flags)


def test_cp1251_russian_is_decoded() -> None:
    russian = (
        "Учёные из университета провели новое исследование озера и нашли редкие виды рыб. "
        "Результаты опубликуют в научном журнале в следующем месяце."
    )
    item = only(parse_text(f"Наука\n{russian}".encode("cp1251"), origin="ru.txt", kind="txt", config=CONFIG))
    assert isinstance(item, Article) and item.text == russian


def test_gzip_bytes_stay_binary() -> None:
    item = only(parse_text(gzip.compress(FRENCH.encode() * 20), origin="g.txt", kind="txt", config=CONFIG))
    assert isinstance(item, IngestFailure) and item.reason == "binary content, not text"


def test_detect_decodes_like_run(tmp_path: Path) -> None:
    bom16 = tmp_path / "fr16.txt"
    bom16.write_bytes(f"Vendanges\n{FRENCH}".encode("utf-16"))
    nobom = tmp_path / "fr16le"
    nobom.write_bytes(f"Vendanges\n{FRENCH}".encode("utf-16-le"))
    for path in (bom16, nobom):
        result = CliRunner().invoke(app, ["detect", str(path)])
        assert result.exit_code == EXIT_OK and result.output.startswith("fr\t"), result.output


def test_detect_refuses_binary_and_endless_input(tmp_path: Path) -> None:
    packed = tmp_path / "fr.txt.gz"
    packed.write_bytes(gzip.compress(FRENCH.encode() * 20))
    result = CliRunner().invoke(app, ["detect", str(packed)])
    assert result.exit_code == EXIT_INCOMPLETE and "binary content, not text" in result.output

    result = CliRunner().invoke(app, ["detect", "/dev/zero"])
    assert result.exit_code == EXIT_INCOMPLETE and "over the read limit" in result.output
