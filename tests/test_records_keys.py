"""Content hashes and article ids decide what is republished: what a reader loses when they are wrong.

Expected values are computed here from the documented definition (SHA-256 of the normalised title, a
newline and the normalised text), never with the functions under test. They are also what keeps stored
keys stable across releases: a changed hash would republish every article after an upgrade.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from pipelines.config import Config, load_config
from pipelines.records import Article, Record, article_id_for, content_hash, is_valid_id, normalise_text
from pipelines.runner import run
from pipelines.services import build_services

TITLE = "Tram line approved"
TEXT = "The council approved a new tram line."


def sha256_hex(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def test_content_hash_is_the_documented_sha256_of_title_and_text() -> None:
    assert content_hash(TEXT, TITLE) == "6ea734d8457f8bd8d26991d189b7ba48"
    assert content_hash(TEXT, TITLE) == sha256_hex(f"{TITLE}\n{TEXT}", 32)
    assert content_hash(TEXT) == sha256_hex(f"\n{TEXT}", 32)


def test_a_corrected_headline_is_a_new_version() -> None:
    assert content_hash(TEXT, "Tram line aproved") != content_hash(TEXT, TITLE)
    assert content_hash(TEXT, TITLE) != content_hash(TEXT, "")
    # Title and text are kept apart: moving a word across the boundary is a change too.
    assert content_hash("line approved. " + TEXT, "Tram") != content_hash(TEXT, "Tram line approved.")


def test_layout_only_differences_hash_alike() -> None:
    spaced = "  The council\u00a0approved\n\na new   tram line.\t"
    assert content_hash(spaced, f"  {TITLE} \n") == content_hash(TEXT, TITLE)
    decomposed = "Cafe\u0301 opens"  # e + combining acute, as some editors save it
    assert content_hash(decomposed, "Caf\u00e9") == content_hash("Caf\u00e9 opens", "Cafe\u0301")
    assert normalise_text(" a\u00a0 b\n\nc ") == "a b c"


def test_article_ids_come_from_the_url_else_the_text() -> None:
    url = "https://example.org/tram"
    assert article_id_for(url, TEXT) == "d5d84ed79ab2041aacc1" == sha256_hex(f"url:{url}", 20)
    assert article_id_for(f"  {url} ", "other text") == article_id_for(url, TEXT)
    assert article_id_for(None, TEXT) == "cab32ff621806aac04c3" == sha256_hex(f"text:{TEXT}", 20)
    assert article_id_for("   ", f"  {TEXT}  ") == article_id_for(None, TEXT)
    assert article_id_for(None, TEXT) != article_id_for(None, TEXT + " More.")


@pytest.mark.parametrize(
    "value", ["a", "ok-1", "A.b_c-9", "0" * 128, "run-20261125T200000Z-abc123", "a.b", "x..", "a-..b"]
)
def test_ids_that_may_be_used_in_keys(value: str) -> None:
    assert is_valid_id(value) is (".." not in value)


@pytest.mark.parametrize(
    "value",
    ["", ".hidden", "-dash", "_under", "a/b", "a b", "a\nb", "é", "../x", "0" * 129, "a\\b", "a:b", "a."],
)
def test_ids_that_could_escape_or_break_a_key(value: str) -> None:
    assert not is_valid_id(value)


def test_records_finish_and_add_up_timings() -> None:
    article = Article(id="a1", title=TITLE, text=TEXT, origin="a.txt", content_hash=content_hash(TEXT, TITLE))
    record = Record(run_id="run-1", article=article)
    assert record.pending and record.status == "pending" and record.reason is None
    record.add_timing("detect", 0.5)
    record.add_timing("detect", 0.25)
    record.add_timing("translate", 1.00004)
    assert record.timings == {"detect": 0.75, "translate": 1.0}
    record.finish("failed", "translation: no model")
    assert not record.pending and (record.status, record.reason) == ("failed", "translation: no model")
    record.finish("published")
    assert (record.status, record.reason) == ("published", None)


def _lead_only_config(store: Path) -> Config:
    lead = {"method": "lead", "max_words": 40}
    return load_config(None, {"summary.short": lead, "summary.long": lead, "store.url": str(store)})


def test_a_rerun_republishes_an_article_whose_only_change_is_its_headline(tmp_path: Path) -> None:
    """The reader of the digest must see the corrected headline, not the old one marked unchanged."""
    body = (
        "The city council approved the new tram line on Tuesday after a long debate about its cost. "
        "Construction starts in spring and the first trams should run within three years."
    )
    article = tmp_path / "inputs" / "tram.txt"
    article.parent.mkdir()
    article.write_text(f"Council rejects tram line\n\n{body}\n")
    config = _lead_only_config(tmp_path / "store")
    first = run([article], build_services(config)).manifest
    assert first.counts == {"published": 1}

    article.write_text(f"Council approves tram line\n\n{body}\n")  # the correction: headline only
    second = run([article], build_services(config)).manifest

    assert second.counts == {"published": 1}
    [entry] = second.entries
    assert entry.article_id == first.entries[0].article_id  # same article, new version
    versions = sorted((tmp_path / "store" / "records" / entry.article_id).glob("*.json"))
    assert len(versions) == 2
    summaries = list((tmp_path / "store" / "summaries").rglob(f"{entry.article_id}.json"))
    assert [json.loads(path.read_text())["title"] for path in summaries] == ["Council approves tram line"]
    third = run([article], build_services(config)).manifest
    assert third.counts == {"unchanged": 1}
