"""Ingest: every format, the bad inputs of issue 2 item 11, boilerplate, stable ids and the size limit."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from pipelines.config import IngestConfig
from pipelines.records import Article, article_id_for, content_hash
from pipelines.sources.files import discover, read_file, read_inputs
from pipelines.sources.formats.common import IngestFailure, truncate_at_sentence
from pipelines.sources.formats.registry import KINDS, PARSERS, SUPPORTED_SUFFIXES, parse_text

INPUTS = Path(__file__).parent / "data" / "inputs"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "articles"
CONFIG = IngestConfig()


def only(results: list[Article | IngestFailure]) -> Article | IngestFailure:
    assert len(results) == 1, results
    return results[0]


def article(results: list[Article | IngestFailure]) -> Article:
    item = only(results)
    assert isinstance(item, Article), item
    return item


def failure(results: list[Article | IngestFailure]) -> IngestFailure:
    item = only(results)
    assert isinstance(item, IngestFailure), item
    return item


# ------------------------------------------------------------------------------------------ discovery


def test_discover_walks_folders_in_a_stable_order_and_keeps_explicit_paths(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.txt").write_text("z")
    (tmp_path / "a.md").write_text("a")
    (tmp_path / "c.JSONL").write_text("{}")
    (tmp_path / "skip.pdf").write_bytes(b"%PDF")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.txt").write_text("x")
    missing = tmp_path / "missing.txt"
    explicit_pdf = tmp_path / "skip.pdf"

    found = discover([tmp_path, missing, explicit_pdf, tmp_path / "a.md"])

    assert found == [tmp_path / "a.md", tmp_path / "b" / "z.txt", tmp_path / "c.JSONL", explicit_pdf, missing]
    assert discover([tmp_path]) == discover([str(tmp_path)])


def test_missing_and_unsupported_paths_become_failures(tmp_path: Path) -> None:
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(b"%PDF-1.7")
    results = read_inputs([tmp_path / "nope.txt", pdf, tmp_path / "nope-dir" / "x.html"], CONFIG)
    assert all(isinstance(item, IngestFailure) for item in results)
    reasons = [item.reason for item in results if isinstance(item, IngestFailure)]
    assert reasons[0] == "file does not exist"
    assert reasons[1].startswith("unsupported file type '.pdf'")
    assert reasons[2] == "file does not exist"


# ------------------------------------------------------------------------------------------ formats


def test_txt_first_line_is_the_title_and_paragraphs_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_text("\n\n  A headline  \n\nFirst paragraph.\nSame paragraph.\n\n\n\nSecond paragraph.  \n\n")
    item = article(read_file(path, CONFIG))
    assert item.title == "A headline"
    assert item.text == "First paragraph.\nSame paragraph.\n\nSecond paragraph."
    assert item.origin == str(path)
    assert item.flags == []
    assert item.url is None and item.source is None and item.published_at is None
    assert item.content_hash == content_hash(item.text, item.title)


def test_markdown_loses_its_markup() -> None:
    item = article(read_file(EXAMPLES / "en-harvest-festival.md", CONFIG))
    assert item.title == "Harvest festival returns to Elmbrook after two-year break"
    assert "#" not in item.text and "**" not in item.text
    assert "Produce, pies and a giant pumpkin" in item.text


def test_markdown_links_and_emphasis() -> None:
    raw = "# Title here\n\nRead [the report](https://x.org/r) with **bold** and *slanted* `code`. 5 * 3 * 2."
    item = article(parse_text(raw, origin="inline.md", kind="md", config=CONFIG))
    assert item.title == "Title here"
    assert item.text == "Read the report with bold and slanted code. 5 * 3 * 2."


def test_html_main_text_without_scripts_navigation_or_footer() -> None:
    item = article(read_file(INPUTS / "page.html", CONFIG))
    assert item.title == "Council approves new river footbridge"
    assert item.text.startswith("Millbrook council approved plans on Wednesday")
    assert "85 metres long" in item.text and "riverside path" in item.text
    for marker in ("TRACKING-SCRIPT-MARKER", "NAVIGATION-MARKER", "FOOTER-MARKER", "font-family"):
        assert marker not in item.text
    assert "\n\n" in item.text  # paragraphs stay apart


def test_html_example_article() -> None:
    item = article(read_file(EXAMPLES / "de-hochwasserschutz.html", CONFIG))
    assert item.title.startswith("Neuer Deich")
    assert not item.text.startswith(item.title)  # the <h1> is the title, not repeated in the text
    assert "<" not in item.text and "dataLayer" not in item.text


def test_html_without_an_article_fails_with_the_page_kept() -> None:
    item = failure(read_file(INPUTS / "no-article.html", CONFIG))
    assert item.reason == "no article text found in HTML"
    assert "<title>Nothing here</title>" in item.text


def test_json_list_of_records() -> None:
    path = INPUTS / "records.json"
    results = read_file(path, CONFIG)
    assert [item.origin for item in results] == [f"{path}#{n}" for n in (1, 2, 3, 4)]
    first, second, third, fourth = results
    assert isinstance(first, Article) and isinstance(second, Article) and isinstance(fourth, Article)
    assert first.id == "rec-1" and first.url == "https://example.org/a" and first.source == "wire"
    assert first.published_at == datetime(2026, 11, 20, 9, tzinfo=timezone(timedelta(hours=1)))
    assert first.flags == []
    assert second.id == article_id_for(None, second.text)
    assert second.published_at == datetime(2026, 11, 21, tzinfo=UTC)
    assert "published_at-assumed-utc" in second.flags
    assert isinstance(third, IngestFailure)
    assert third.reason == "record 3: 'text' is missing"
    assert json.loads(third.text) == {"title": "Third record has no text"}
    assert fourth.id == article_id_for(None, fourth.text)
    # A title that is not a string is dropped; the headline then comes from the first sentence, flagged.
    assert fourth.published_at is None and "title-from-text" in fourth.flags
    assert fourth.title == fourth.text.split(".")[0]
    assert set(fourth.flags) == {
        "invalid-id-replaced",
        "invalid-published_at",
        "invalid-title",
        "title-from-text",
    }


def test_json_single_object() -> None:
    raw = json.dumps({"text": "Just one record in this file.", "title": "One", "url": " https://x.org/1 "})
    item = article(parse_text(raw, origin="one.json", kind="json", config=CONFIG))
    assert item.origin == "one.json" and item.url == "https://x.org/1"
    assert item.id == article_id_for("https://x.org/1", "anything")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ('{"text": "unterminated', "not valid JSON: Unterminated string"),
        ("[]", "empty: the JSON list holds no records"),
        ('"just a string"', "JSON must be an object or a list of objects, got a string"),
        ("[1, 2]", "record 1: expected a JSON object, got a number"),
    ],
)
def test_json_that_is_not_records(raw: str, reason: str) -> None:
    results = parse_text(raw, origin="bad.json", kind="json", config=CONFIG)
    assert isinstance(results[0], IngestFailure)
    assert results[0].reason.startswith(reason)
    assert results[0].text


def test_broken_json_file_keeps_its_text() -> None:
    item = failure(read_file(INPUTS / "broken.json", CONFIG))
    assert item.reason.startswith("not valid JSON:")
    assert item.text.startswith('{"text": "unterminated')


def test_jsonl_bad_lines_fail_alone() -> None:
    path = INPUTS / "malformed.jsonl"
    results = read_file(path, CONFIG)
    by_origin = {item.origin: item for item in results}
    assert list(by_origin) == [f"{path}:{n}" for n in (1, 2, 4, 5, 6, 7)]  # line 3 is blank
    good, later = by_origin[f"{path}:1"], by_origin[f"{path}:7"]
    assert isinstance(good, Article) and good.id == "ok-1"
    assert isinstance(later, Article) and later.id == "ok-2"
    assert later.published_at is None and later.flags == ["invalid-published_at", "title-from-text"]
    reasons = {origin: item.reason for origin, item in by_origin.items() if isinstance(item, IngestFailure)}
    assert reasons[f"{path}:2"].startswith("line 2: not valid JSON:")
    assert reasons[f"{path}:4"] == "line 4: 'text' is missing"
    assert reasons[f"{path}:5"] == "line 5: 'text' must be a string, got a number"
    assert reasons[f"{path}:6"] == "line 6: expected a JSON object, got a list"
    broken = by_origin[f"{path}:2"]
    assert (
        isinstance(broken, IngestFailure) and broken.text == '{"id": "broken", "text": "this line is cut off'
    )


def test_jsonl_example_records() -> None:
    results = read_file(EXAMPLES / "harbour-gazette.jsonl", CONFIG)
    assert all(isinstance(item, Article) for item in results)
    assert [item.origin.rsplit(":", 1)[1] for item in results] == ["1", "2", "3"]
    first = results[0]
    assert isinstance(first, Article)
    assert first.source == "harbour-gazette" and first.published_at is not None
    assert first.published_at.tzinfo is not None


def test_unknown_kind_is_a_failure() -> None:
    assert failure(parse_text("x", origin="x", kind="pdf", config=CONFIG)).reason.startswith(
        "unsupported input kind 'pdf'"
    )


def test_every_supported_suffix_has_a_parser_and_every_parser_a_suffix() -> None:
    """The registry is the one list of formats: a suffix without a parser would fail each file of it."""
    assert set(SUPPORTED_SUFFIXES.values()) == set(PARSERS) == KINDS
    assert all(suffix.startswith(".") and suffix == suffix.lower() for suffix in SUPPORTED_SUFFIXES)


# ------------------------------------------------------------------------------------------ bad inputs


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty.txt", "empty file"),
        ("whitespace-only.txt", "empty: no text after cleaning"),
        ("binary.txt", "binary content, not text"),
    ],
)
def test_inputs_that_cannot_be_articles(name: str, reason: str) -> None:
    item = failure(read_file(INPUTS / name, CONFIG))
    assert item.reason == reason
    assert item.origin == str(INPUTS / name)
    assert "\x00" not in item.text  # what is kept is storable text


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("numbers-only.txt", "1234567 89 0.5 42"),
        ("one-word.txt", "Bonjour"),
        ("emoji-only.txt", "😀😀😀"),
    ],
)
def test_tiny_inputs_are_articles_for_the_detector_to_judge(name: str, text: str) -> None:
    item = article(read_file(INPUTS / name, CONFIG))
    assert item.text == text


def test_latin1_bytes_are_decoded_by_the_detector_and_flagged() -> None:
    item = article(read_file(INPUTS / "latin1.txt", CONFIG))
    assert any(flag.startswith("decoded-as:") for flag in item.flags)
    assert item.title == "Une fête réussie à Évreux"
    assert "marché de Noël" in item.text


def test_control_characters_and_line_endings_are_cleaned() -> None:
    raw = b"Title\r\n\r\nText with a bell\x07 and a NUL\x00 and\ttab.\rOld Mac line."
    item = article(parse_text(raw, origin="ctl.txt", kind="txt", config=CONFIG))
    assert item.text == "Text with a bell and a NUL and\ttab.\nOld Mac line."
    assert "control-characters-removed:2" in item.flags


def test_utf8_bom_and_utf16_are_read() -> None:
    bom = article(parse_text(b"\xef\xbb\xbfTitle\n\nBody text.", origin="bom.txt", kind="txt", config=CONFIG))
    assert bom.title == "Title" and bom.flags == []
    raw = "Titel\n\nText über Ämter.".encode("utf-16")
    utf16 = article(parse_text(raw, origin="u.txt", kind="txt", config=CONFIG))
    assert utf16.text == "Text über Ämter."


def test_lone_surrogates_in_json_are_replaced() -> None:
    raw = '{"text": "Broken \\ud800 surrogate in an otherwise normal sentence.", "title": "T\\udfff"}'
    item = article(parse_text(raw, origin="s.json", kind="json", config=CONFIG))
    assert "\ufffd" in item.text and item.title == "T\ufffd"
    assert "invalid-unicode-replaced" in item.flags
    item.model_dump_json().encode("utf-8")  # storable


def test_random_bytes_are_binary() -> None:
    import random

    noise = random.Random(7).randbytes(4096).replace(b"\x00", b"\x01")
    assert failure(parse_text(noise, origin="noise.txt", kind="txt", config=CONFIG)).reason == (
        "binary content, not text"
    )


def test_a_20000_word_article_is_read_whole_under_the_default_limit(tmp_path: Path) -> None:
    """The longest long-form pieces run to ~20k words (~120k characters): the default limit keeps them."""
    sentence = "The committee discussed the budget for the new harbour wall at great length today. "
    path = tmp_path / "long.txt"
    path.write_text("A very long article\n\n" + sentence * (20_000 // 14 + 1))
    item = article(read_file(path, CONFIG))
    assert len(item.text.split()) >= 20_000
    assert not any(flag.startswith("truncated") for flag in item.flags)


# ------------------------------------------------------------------------------------------ size limit


def _long_text(chars: int) -> str:
    sentence = "Ceci est une phrase assez ordinaire. "
    return (sentence * (chars // len(sentence) + 1))[:chars]


def test_oversize_truncate_cuts_at_a_sentence_end(tmp_path: Path) -> None:
    config = IngestConfig(max_article_chars=1_000, oversize="truncate")
    path = tmp_path / "big.txt"
    body = _long_text(5_000)
    path.write_text("Title\n\n" + body)
    item = article(read_file(path, config))
    assert len(item.text) <= 1_000
    assert item.text.endswith("ordinaire.")
    assert f"truncated:{len(body.rstrip())}" in item.flags


def test_oversize_refuse_names_the_setting() -> None:
    config = IngestConfig(max_article_chars=1_000, oversize="refuse")
    text = _long_text(3_000).strip()
    item = failure(parse_text(json.dumps({"text": text}), origin="big.json", kind="json", config=config))
    assert item.reason == f"article has {len(text)} characters, over ingest.max_article_chars=1000"
    assert item.text == text  # kept whole in the failure


def test_huge_file_is_refused_before_reading(tmp_path: Path) -> None:
    config = IngestConfig(max_article_chars=1_000)
    path = tmp_path / "huge.txt"
    path.write_bytes(b"word " * 4_000)
    assert "over the read limit of 16000 bytes" in failure(read_file(path, config)).reason


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("One. Two! Three? Four.", 17, "One. Two! Three?"),
        ("Version 3.8 is out. More text follows here", 25, "Version 3.8 is out."),
        ("他来了。她走了！然后呢？还有很多", 11, "他来了。她走了！"),
        ("no sentence end in this very long line", 20, "no sentence end in"),
        ("x" * 50, 20, "x" * 20),
        ("هذا نص؟ وهذا نص آخر طويل جدا", 12, "هذا نص؟"),
    ],
)
def test_truncate_at_sentence(text: str, limit: int, expected: str) -> None:
    assert truncate_at_sentence(text, limit) == expected


# ------------------------------------------------------------------------------------------ boilerplate


def test_boilerplate_per_source_and_global() -> None:
    config = IngestConfig(
        boilerplate={
            "harbour-gazette": [r"^SHARE THIS ARTICLE$", r"^Read this story at https?://\S+$"],
            "*": [r"^Advertisement$"],
        }
    )
    results = read_file(EXAMPLES / "harbour-gazette.jsonl", config)
    texts = [item.text for item in results if isinstance(item, Article)]
    assert len(texts) == 3
    assert not any("SHARE THIS ARTICLE" in text or "Read this story at" in text for text in texts)
    assert all("\n\n\n" not in text for text in texts)
    assert any(flag.startswith("boilerplate-removed:") for item in results for flag in item.flags)

    other = json.dumps({"source": "other-paper", "text": "Body.\nSHARE THIS ARTICLE\nAdvertisement\nMore."})
    item = article(parse_text(other, origin="o.json", kind="json", config=config))
    assert item.text == "Body.\nSHARE THIS ARTICLE\nMore."  # only the '*' rule applies to other sources
    assert item.flags == ["boilerplate-removed:1", "title-from-text"]

    plain = article(parse_text("T\n\nAdvertisement\nText.", origin="p.txt", kind="txt", config=config))
    assert plain.text == "Text." and plain.flags == ["boilerplate-removed:1"]


def test_an_article_that_is_all_boilerplate_is_a_failure() -> None:
    config = IngestConfig(boilerplate={"*": [r"^SHARE THIS ARTICLE$"]})
    raw = json.dumps({"title": "Kept title", "text": "SHARE THIS ARTICLE\n\nSHARE THIS ARTICLE"})
    item = failure(parse_text(raw, origin="b.json", kind="json", config=config))
    assert item.reason == "empty: no text after cleaning"
    assert "boilerplate-removed:2" in item.flags


# ------------------------------------------------------------------------------------------ stable ids


def test_same_url_gives_the_same_id() -> None:
    one = json.dumps({"url": "https://example.org/story", "text": "First version of the story."})
    two = json.dumps({"url": "https://example.org/story", "text": "Edited version, different words."})
    first = article(parse_text(one, origin="1.json", kind="json", config=CONFIG))
    second = article(parse_text(two, origin="2.json", kind="json", config=CONFIG))
    assert first.id == second.id
    assert first.content_hash != second.content_hash  # the content still tells the versions apart


def test_without_url_whitespace_differences_give_the_same_id(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Headline\n\nThe same  words\nin the same order.\n")
    (tmp_path / "b.txt").write_text("Headline\r\n\r\n\r\n  The same words in the   same order.   \r\n")
    (tmp_path / "c.txt").write_text("Headline\n\nDifferent words in the same order.\n")
    a, b, c = read_inputs([tmp_path], CONFIG)
    assert isinstance(a, Article) and isinstance(b, Article) and isinstance(c, Article)
    assert a.id == b.id and a.content_hash == b.content_hash
    assert a.id != c.id
    assert a.id == article_id_for(None, "The same words in the same order.")


def test_ids_are_stable_across_reads() -> None:
    first = [item.id for item in read_inputs([EXAMPLES], CONFIG) if isinstance(item, Article)]
    second = [item.id for item in read_inputs([EXAMPLES], CONFIG) if isinstance(item, Article)]
    assert first == second and len(set(first)) == len(first)


# ------------------------------------------------------------------------------------------ whole folder


def test_every_example_and_bad_input_ends_as_an_article_or_a_reasoned_failure() -> None:
    results = read_inputs([EXAMPLES, INPUTS], CONFIG)
    assert len(results) >= 20
    for item in results:
        if isinstance(item, IngestFailure):
            assert item.reason and item.origin
        else:
            assert item.text.strip()
            item.model_dump_json().encode("utf-8")
    examples = [item for item in results if item.origin.startswith(str(EXAMPLES))]
    assert all(isinstance(item, Article) for item in examples)


def test_a_file_reached_twice_is_read_once(tmp_path: Path) -> None:
    (tmp_path / "story.txt").write_text("Title\n\nBody.")
    (tmp_path / "alias.txt").symlink_to(tmp_path / "story.txt")
    (tmp_path / "loop").symlink_to(tmp_path)
    assert discover([tmp_path, tmp_path / "story.txt"]) == [tmp_path / "alias.txt"]
