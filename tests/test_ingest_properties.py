"""Hostile input (issue 7 item 1, first part): ingest and detection never raise, whatever they are given.

Every result is an article with text or a failure with a reason, and everything kept is storable UTF-8.
Bounded and derandomised so CI runs the same examples every time.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.config import DetectionConfig, IngestConfig
from pipelines.detect import detect_language
from pipelines.records import Article, Detection
from pipelines.sources.formats.common import IngestFailure
from pipelines.sources.formats.registry import KINDS, parse_text

INGEST = IngestConfig(max_article_chars=1_000, boilerplate={"*": [r"^SHARE$"], "feed": [r"ad"]})
DETECT = DetectionConfig(min_letters=3)
PROPERTY = settings(
    max_examples=60, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

_SPICE = st.sampled_from(
    ["\x00", "\u200d", "\u200f", "\u202e", "\ufeff", "\r\n", "\r", "\n\n", "\x1b[31m", "<p>", "</div>",
     "SHARE", '{"text": ', "\ud800", "。", "؟ ", "é", "😀", "\u0301", " ", "\t"]
)  # fmt: skip
_TEXT = st.lists(st.one_of(st.text(max_size=40), _SPICE), max_size=40).map("".join)


def _nested_html(depth: int, body: str) -> str:
    return "<div>" * depth + f"<p>{body}</p>" + "</div>" * depth


def _check(results: list[Article | IngestFailure]) -> None:
    assert results
    for item in results:
        if isinstance(item, IngestFailure):
            assert item.reason and item.origin
            item.text.encode("utf-8")
        else:
            assert item.text.strip()
            assert len(item.text) <= INGEST.max_article_chars
            item.model_dump_json().encode("utf-8")
            assert isinstance(detect_language(f"{item.title}\n{item.text}", DETECT), Detection)


@PROPERTY
@given(raw=st.one_of(_TEXT, st.binary(max_size=600)), kind=st.sampled_from(sorted(KINDS)))
def test_any_input_of_any_kind_ends_as_article_or_failure(raw: str | bytes, kind: str) -> None:
    _check(parse_text(raw, origin=f"input.{kind}", kind=kind, config=INGEST))


_GOOD_TEXT = st.lists(st.text(alphabet="abcdefghé", min_size=1, max_size=10), min_size=1, max_size=8).map(
    " ".join
)
_GOOD = st.fixed_dictionaries({"text": _GOOD_TEXT}, optional={"title": _GOOD_TEXT, "id": st.just("x-1")})
_BAD = st.one_of(
    st.integers(),
    st.lists(st.integers(), max_size=2),
    st.fixed_dictionaries({"title": _TEXT}),
    st.fixed_dictionaries({"text": st.one_of(st.integers(), st.none(), st.lists(st.text(max_size=3)))}),
)
# Lines that are not JSON objects, hostile on purpose; none holds a line break.
_JUNK = st.sampled_from(
    ['{"text": ', '{"text": "cut', "[1, 2", "\ud800", '"a string"', "42", "null", "SHARE"]
)


@PROPERTY
@given(
    lines=st.lists(
        st.one_of(_GOOD.map(lambda r: ("good", r)), _BAD.map(lambda r: ("bad", r)), _JUNK), max_size=8
    )
)
def test_jsonl_lines_fail_alone(lines: list[tuple[str, object] | str]) -> None:
    """Every good line is an article with its own text and line number; every other line a failure."""
    raw = [json.dumps(line[1]) if isinstance(line, tuple) else line for line in lines]
    results = parse_text("\n".join(raw), origin="feed.jsonl", kind="jsonl", config=INGEST)
    _check(results)
    good = {
        f"feed.jsonl:{number}": line[1]["text"]
        for number, line in enumerate(lines, start=1)
        if isinstance(line, tuple) and line[0] == "good" and isinstance(line[1], dict)
    }
    articles = {item.origin: item.text for item in results if isinstance(item, Article)}
    assert articles == good
    failures = [item for item in results if isinstance(item, IngestFailure)]
    assert len(failures) == (len(lines) - len(good) if lines else 1)


@PROPERTY
@given(depth=st.integers(min_value=0, max_value=3_000), body=_TEXT)
def test_deeply_nested_html(depth: int, body: str) -> None:
    _check(parse_text(_nested_html(depth, body), origin="nested.html", kind="html", config=INGEST))


@PROPERTY
@given(text=st.text(max_size=300))
def test_detection_never_raises(text: str) -> None:
    detection = detect_language(text, DETECT)
    assert detection.language == "und" or detection.reason is None
    assert 0.0 <= detection.probability <= 1.0


def test_a_one_megabyte_line() -> None:
    line = ("word " * 200_000).encode()
    for kind in ("txt", "md", "html", "jsonl"):
        raw = json.dumps({"text": line.decode()}).encode() if kind == "jsonl" else line
        results = parse_text(raw, origin=f"big.{kind}", kind=kind, config=INGEST)
        _check(results)
