"""Classify the paragraphs of a page's text: which are the article and which are the site around it.

A copied or extracted page is a column of paragraphs: navigation, headline, standfirst, byline, captions,
the body, related links, share rows and footer lines. Each paragraph gets one class from evidence that
holds in every language:

- **jusText** (the library trafilatura installs) classifies paragraphs by length, link and stop-word
  density with one of its ~100 stop-word lists, chosen here by coverage of the page's words;
- **punctuation and length**: body sentences end with sentence punctuation in every script (. ! ? … 。！？
  ؟), navigation, headlines, bylines and link lists do not;
- **credit patterns** (``Photo: …``, ``(Foto: dpa)``, ``…＝ロイター``) mark captions;
- **word lists** in ``cues.json`` (related links, share, subscribe, advertising, legal, bylines, dates);
- **shape**: breadcrumbs (short segments between ``/ › > | »``), menu rows, web addresses, ``©``;
- **position**: what comes before the first body paragraph is navigation, headline, standfirst or byline;
  what comes after the last one is footer unless it looks like text; unmarked lines between body
  paragraphs (subheadings, short quotes) stay in the body.

:class:`Signals` switches each kind of evidence off, so the benchmark can measure what each buys.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

from pipelines.records import ParagraphClass, RemovedLine
from pipelines.structure.cues import Cues, cjk_count, is_cjk, letters, load_cues

KEPT_CLASSES: frozenset[str] = frozenset({"body", "standfirst"})

_MIN_BODY_WEIGHT = 60
"""A body paragraph has at least this weight (characters; a CJK character counts three)."""
_MAX_HEADLINE_WEIGHT = 320
_SHORT_WORDS = 14
"""Bylines, datelines and breadcrumbs are at most this many words."""
_ROW_WORDS = 24
"""Share rows and rows of footer links are at most this many words."""
_LONG_SENTENCE_WORDS = 18
"""A body-like paragraph of this many words between body paragraphs is body, whatever cue it starts with
("Follow us on the road: the minister said…", "© The ministry said…"); newsletter pitches and share
rows inside an article are shorter."""
_CUE_SHARE_OF_LONG_SENTENCE = 0.4
"""…unless cue phrases cover this share of its letters (a long pitch made of pitch phrases)."""
_MIN_STOPWORD_DENSITY = 0.1
"""Text in any language with a jusText list has at least this share of stop words; lists of names,
tags or headlines have fewer (jusText itself starts doubting below 0.30, too strict for short news
paragraphs in agglutinative languages such as Turkish)."""
_JUSTEXT_LENGTHS = {"length_low": 50, "length_high": 150}
"""jusText's paragraph lengths, lowered from 70/200 for news paragraphs of one to three sentences."""
_LANGUAGE_SAMPLE_CHARS = 20_000
"""Characters of the page that choose the stop-word list (the language does not change further on)."""
_JUSTEXT_MAX_CHARS = 2_000
"""jusText sees this much of each paragraph: far above its length limits, and its whitespace handling is
slow on megabyte paragraphs."""
_CJK_SHARE = 0.3
"""A page whose letters are this much CJK has no stop-word list: jusText's density does not apply."""

_CLOSERS = "\"'”’»)]」』）】›"
_SENTENCE_END = ".!?…。！？؟"
_PERIOD_END = ".…。"
_WORD = re.compile(r"\w+", re.UNICODE)
_DATELINE_PLACE = re.compile(r"^\S+(?:\s\S+)?\s*[-–—,|]\s*(.+)$")
_TRAILING_BRACKET = re.compile(r"(?<=[.!?。！？])\s*[(\[（【][^()\[\]（）【】]{1,30}[)\]）】]$")
_BULLET = re.compile(r"^(?:[-–•*·▪►]|\d{1,2}[.)])\s")
_BREADCRUMB_SEPARATOR = re.compile(r"\s*(?:›|»|>|→|\||/|\\|·|•|::)\s*")
_URL_LINE = re.compile(r"^\s*(?:https?://\S+|www\.\S+|[\w-]+(?:\.[\w-]+)*\.[a-z]{2,6}(?:/\S*)?)\s*$", re.I)
_TIME = r"\d{1,2}[:h.]\d{2}"
_NUMERIC_DATE = r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{4}年\d{1,2}月(?:\d{1,2}日)?|\d{1,2}月\d{1,2}日"


@dataclass(frozen=True)
class Signals:
    """Which evidence the classifier uses (all by default; the benchmark turns each off in turn)."""

    justext: bool = True
    keywords: bool = True
    credits: bool = True
    shape: bool = True
    punctuation: bool = True
    position: bool = True


@dataclass(frozen=True)
class Block:
    """One paragraph of the page and its class."""

    text: str
    cls: ParagraphClass

    @property
    def kept(self) -> bool:
        return self.cls in KEPT_CLASSES


@dataclass(frozen=True)
class PageStructure:
    """A page split into classified paragraphs, with its title."""

    title: str
    blocks: tuple[Block, ...]
    stoplist: str | None = None
    fallback: bool = False
    """True when no body paragraph was recognised and every paragraph was kept as it was."""

    @property
    def text(self) -> str:
        """The body and standfirst, paragraphs separated by a blank line."""
        return "\n\n".join(block.text for block in self.blocks if block.kept)

    @property
    def removed(self) -> list[RemovedLine]:
        """Every paragraph left out of the text, with its class; not the headline that is the title."""
        return [
            RemovedLine(cls=block.cls, text=block.text)
            for block in self.blocks
            if not block.kept and not (block.cls == "headline" and block.text == self.title)
        ]


@dataclass
class _Unit:
    text: str
    weight: int
    words: int
    cjk: bool
    sentence_end: bool
    period_end: bool
    justext_class: str | None = None
    justext_context_free: str | None = None
    stopwords: int | None = None


def split_paragraphs(text: str) -> list[str]:
    """The page's paragraphs: non-empty lines, with hard-wrapped blocks joined back into one paragraph."""
    paragraphs: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if _hard_wrapped(lines):
            paragraphs.append(" ".join(lines))
        else:
            paragraphs.extend(lines)
    return paragraphs


def _hard_wrapped(lines: list[str]) -> bool:
    """A block whose lines (all but the last) have one width and mostly run on without punctuation."""
    if len(lines) < 2 or any(_BULLET.match(line) for line in lines):
        return False
    widest = max(len(line) for line in lines)
    body = lines[:-1]
    if widest < 40 or widest > 120 or any(len(line) < 0.6 * widest for line in body):
        return False
    open_ended = sum(1 for line in body if not _ends_sentence(line))
    return open_ended >= 0.6 * len(body)


def _strip_closers(text: str) -> str:
    """The text without closing quotes and brackets, nor a short bracket after a full stop (``(AFP)``)."""
    return _TRAILING_BRACKET.sub("", text.rstrip()).rstrip(_CLOSERS).rstrip()


def _ends_sentence(text: str) -> bool:
    stripped = _strip_closers(text)
    return bool(stripped) and stripped[-1] in _SENTENCE_END


def _weight(text: str) -> int:
    return len(text) + 2 * cjk_count(text)


def _word_count(text: str) -> int:
    if is_cjk(text):
        return max(1, len(re.sub(r"\s", "", text)) // 2)
    return len(text.split())


def analyse_page(text: str, *, title: str = "", signals: Signals | None = None) -> PageStructure:
    """Classify every paragraph of ``text`` and pick the title.

    A ``title`` given by the source (a feed item, an HTML page's metadata) stays the title; a paragraph
    that repeats it is classified as the headline. Without one, the headline paragraph is the title.
    When no body paragraph is recognised, nothing is removed (``fallback``).
    """
    signals = signals or Signals()
    cues = load_cues()
    units = [_unit(paragraph) for paragraph in split_paragraphs(text)]
    if not units:
        return PageStructure(title=title, blocks=())
    stoplist = choose_stoplist([unit.text for unit in units]) if signals.justext or signals.shape else None
    if stoplist is not None:
        _add_justext(units, stoplist, with_classes=signals.justext)
    marked = [_marked_class(unit, cues, signals) for unit in units]
    body_like = [marked[i] is None and _looks_like_body(unit, signals) for i, unit in enumerate(units)]
    headline = _find_headline(units, marked, title)
    classes = _assign(units, marked, body_like, headline, signals)
    if "body" not in classes:
        blocks = tuple(Block(unit.text, "body") for unit in units)
        return PageStructure(title=title, blocks=blocks, stoplist=stoplist, fallback=True)
    found_title = title or (units[headline].text if headline is not None else "")
    blocks = tuple(Block(unit.text, cls) for unit, cls in zip(units, classes, strict=True))
    return PageStructure(title=found_title, blocks=blocks, stoplist=stoplist)


def _unit(text: str) -> _Unit:
    return _Unit(
        text=text,
        weight=_weight(text),
        words=_word_count(text),
        cjk=is_cjk(text),
        sentence_end=_ends_sentence(text),
        period_end=bool(_strip_closers(text)) and _strip_closers(text)[-1] in _PERIOD_END,
    )


# ------------------------------------------------------------------------------------------ jusText


@lru_cache(maxsize=1)
def _stoplists() -> dict[str, frozenset[str]]:
    import justext

    return {name: frozenset(justext.get_stoplist(name)) for name in sorted(justext.get_stoplists())}


@lru_cache(maxsize=1)
def _stoplist_index() -> dict[str, tuple[str, ...]]:
    """Stop word -> the names of the lists that hold it."""
    index: dict[str, list[str]] = {}
    for name, stopwords in _stoplists().items():
        for word in stopwords:
            index.setdefault(word.casefold(), []).append(name)
    return {word: tuple(names) for word, names in index.items()}


def choose_stoplist(paragraphs: list[str]) -> str | None:
    """The jusText stop-word list that covers most of the page's words; none for a CJK page."""
    joined = " ".join(paragraphs)[:_LANGUAGE_SAMPLE_CHARS]
    total = letters(joined)
    if not total or cjk_count(joined) / total > _CJK_SHARE:
        return None
    index = _stoplist_index()
    hits: dict[str, int] = {}
    for word in _WORD.findall(joined.casefold()):
        for name in index.get(word, ()):
            hits[name] = hits.get(name, 0) + 1
    if not hits:
        return None
    return min(hits, key=lambda name: (-hits[name], name))


def _add_justext(units: list[_Unit], stoplist: str, *, with_classes: bool) -> None:
    """jusText's classes for every paragraph (fed to it as ``<p>`` elements) and stop-word counts."""
    stopwords = _stoplists()[stoplist]
    for unit in units:
        unit.stopwords = sum(1 for word in _WORD.findall(unit.text.casefold()) if word in stopwords)
    if not with_classes:
        return
    import justext

    page = "".join(f"<p>{html.escape(unit.text[:_JUSTEXT_MAX_CHARS])}</p>" for unit in units)
    try:
        paragraphs = justext.justext(f"<html><body>{page}</body></html>", stopwords, **_JUSTEXT_LENGTHS)
    except (justext.core.JustextError, ValueError):
        return  # jusText's classes are one signal among several: the page is classified without them
    if len(paragraphs) != len(units):
        return
    for unit, paragraph in zip(units, paragraphs, strict=True):
        unit.justext_class = paragraph.class_type
        unit.justext_context_free = paragraph.cf_class


# ------------------------------------------------------------------------------------------ cues


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    cues = load_cues()
    credit = f"(?:{cues.credit_words.pattern})"
    agency = f"(?:{cues.credit_agencies.pattern})"
    month = f"(?:{cues.months.pattern})"
    flags = re.IGNORECASE
    return {
        "credit_start": re.compile(
            rf"^\W{{0,3}}{credit}\s*(?:by\b|de\b|von\b|di\b|por\b)?\s*(?:[:：/|©]|\.\s)", flags
        ),
        "credit_parenthetical": re.compile(
            rf"[(\[（【]\s*{credit}[^()\[\]（）【】]{{0,80}}[)\]）】]\s*$", flags
        ),
        "agency_parenthetical": re.compile(
            rf"[(\[（【]\s*{agency}\s*[/:：|][^()\[\]（）【】]{{1,80}}[)\]）】]\s*$", flags
        ),
        "credit_trailing": re.compile(rf"(?:^|[.!?。！？]\s*){credit}\s*[:：]\s*[^.。]{{1,80}}$", flags),
        "credit_agency_end": re.compile(rf"(?:[=＝/|—–]\s*{agency}|^\W*{agency})\W*$", flags),
        "credit_agency_start": re.compile(rf"^\W{{0,3}}{agency}\s*[/|:：]", flags),
        "credit_cjk": re.compile(r"[（(][^（）()]{1,40}(?:摄|撮影)[）)]\s*$"),
        "date": re.compile(
            rf"{_NUMERIC_DATE}|{_TIME}|\d{{1,2}}\.?\s+{month}\.?(?:\s+\d{{4}})?|{month}\.?\s+\d{{1,2}}(?:,?\s+\d{{4}})?"
            rf"|{month}\s+\d{{4}}",
            flags,
        ),
    }


def _marked_class(unit: _Unit, cues: Cues, signals: Signals) -> ParagraphClass | None:
    """The class a paragraph's own wording or shape gives it, or None (then position decides)."""
    text = unit.text
    if signals.keywords:
        if unit.words <= _ROW_WORDS and (
            cues.share.coverage(text) >= 0.7 or cues.advertising.coverage(text) >= 0.7
        ):
            return "share"
        if unit.words <= _ROW_WORDS and cues.footer_links.coverage(text) >= 0.6:
            return "footer"
        if _related_heading(unit, cues):
            return "related"
        if unit.weight <= 600 and cues.footer.search(text):
            return "footer"
        if unit.weight <= 300 and cues.subscribe.search(text):
            return "share"
    if signals.credits and unit.weight <= 600 and _is_credit(text):
        return "caption"
    if signals.keywords and _is_byline(unit, cues):
        return "byline"
    if signals.shape:
        if "©" in text and unit.weight <= 300:
            return "footer"
        if _URL_LINE.match(text):
            return "footer"
        if _is_breadcrumb(unit) or _is_menu_row(unit):
            return "navigation"
    return None


def _related_heading(unit: _Unit, cues: Cues) -> bool:
    match = cues.related.starts(unit.text)
    if match is None:
        return False
    rest = unit.text.casefold()[match.end() :].lstrip()
    return unit.words <= 6 or rest[:1] in (":", "：", "-", "–", "—", "|", "»", "›", ">")


def _is_credit(text: str) -> bool:
    """A caption's credit: ``Photo: …``, ``AFP / …`` before; ``(Photo by …)``, ``Foto: …``, ``＝共同`` after.

    A wire agency alone in brackets (``(AFP)``) is not one: it also closes body paragraphs.
    """
    patterns = _patterns()
    return any(
        patterns[name].search(text)
        for name in (
            "credit_start",
            "credit_agency_start",
            "credit_parenthetical",
            "agency_parenthetical",
            "credit_trailing",
            "credit_agency_end",
            "credit_cjk",
        )
    )


def _is_byline(unit: _Unit, cues: Cues) -> bool:
    if unit.words > _SHORT_WORDS or unit.period_end:
        return False
    for text in (unit.text, _after_dateline_place(unit.text)):
        start = cues.byline_starts.starts(text)
        if start is not None and _name_like(text[start.end() :]):
            return True
    has_digit = any(char.isdigit() for char in unit.text)
    if has_digit and cues.dated.search(unit.text):
        return True
    date = _patterns()["date"]
    dates = sum(len(match.group(0)) for match in date.finditer(unit.text))
    if dates >= 0.4 * len(unit.text.strip()):
        return True
    return dates > 0 and _name_like(date.sub(" ", unit.text), strict=True)


def _after_dateline_place(text: str) -> str:
    """``Paris – By Jane Doe`` -> ``By Jane Doe``: what follows a place of one or two words and a dash."""
    match = _DATELINE_PLACE.match(text)
    return match.group(1) if match else ""


def _name_like(rest: str, *, strict: bool = False) -> bool:
    """What follows "By"/"Par"/"Von"…: a few words, mostly capitalised where the script has case.

    ``strict`` (a name beside a date, with no byline word): at most five words, all capitalised.
    """
    rest = rest.strip(" :：-–—,|")
    words = [word for word in re.split(r"[\s,|·•/]+", rest) if word]
    if not words or len(words) > (5 if strict else 9):
        return False
    cased = [word for word in words if word[:1].isalpha() and word[:1].lower() != word[:1].upper()]
    if not cased:
        return not strict and _weight(rest) <= 40
    capitalised = sum(1 for word in cased if word[:1].isupper())
    return capitalised == len(cased) if strict else capitalised >= 0.5 * len(cased)


def _is_breadcrumb(unit: _Unit) -> bool:
    if unit.sentence_end or unit.words > _SHORT_WORDS:
        return False
    segments = [segment for segment in _BREADCRUMB_SEPARATOR.split(unit.text) if segment.strip()]
    if len(segments) < 2:
        return False
    if unit.cjk:
        return all(len(segment) <= 8 for segment in segments)
    return all(_word_count(segment) <= 4 for segment in segments)


def _is_menu_row(unit: _Unit) -> bool:
    """Several capitalised words and not one stop word: a row of section links."""
    if unit.stopwords is None or unit.stopwords or unit.words < 3 or unit.sentence_end:
        return False
    words = unit.text.split()
    return all(word[:1].isupper() or not word[:1].isalpha() for word in words)


# ------------------------------------------------------------------------------------------ position


def _looks_like_body(unit: _Unit, signals: Signals) -> bool:
    if unit.weight < _MIN_BODY_WEIGHT:
        return False
    if signals.punctuation and not unit.sentence_end:
        return False
    if signals.justext and unit.stopwords is not None and unit.words >= 8:
        return unit.stopwords / unit.words >= _MIN_STOPWORD_DENSITY
    return True


def _long_sentence(unit: _Unit, signals: Signals) -> bool:
    """A full sentence long enough that a share or footer cue in it does not outweigh its being text."""
    if unit.words < _LONG_SENTENCE_WORDS or not _looks_like_body(unit, signals):
        return False
    cues = load_cues()
    covered = max(
        phrases.coverage(unit.text) for phrases in (cues.share, cues.subscribe, cues.footer, cues.advertising)
    )
    return covered < _CUE_SHARE_OF_LONG_SENTENCE


def _normalised(text: str) -> str:
    return "".join(_WORD.findall(text.casefold()))


def _find_headline(units: list[_Unit], marked: list[ParagraphClass | None], title: str) -> int | None:
    """The headline paragraph: the one repeating a given title, else the first unmarked line of 3+ words
    that does not end like a sentence, before the first paragraph that does."""
    if title:
        wanted = _normalised(title)
        for index, unit in enumerate(units[:12]):
            found = _normalised(unit.text)
            if found and wanted and (found == wanted or _prefix_match(found, wanted)):
                return index
    for index, unit in enumerate(units):
        if marked[index] is not None:
            continue
        if unit.period_end:
            return None
        if unit.words >= 3 and unit.weight <= _MAX_HEADLINE_WEIGHT:
            return index
    return None


def _prefix_match(one: str, other: str) -> bool:
    short, long = sorted((one, other), key=len)
    return long.startswith(short) and len(short) >= 0.6 * len(long)


def _assign(
    units: list[_Unit],
    marked: list[ParagraphClass | None],
    body_like: list[bool],
    headline: int | None,
    signals: Signals,
) -> list[ParagraphClass]:
    start = headline + 1 if headline is not None else 0
    candidates = [i for i in range(start, len(units)) if body_like[i]]
    first = candidates[0] if candidates else len(units)
    last = candidates[-1] if candidates else -1
    classes: list[ParagraphClass] = []
    in_related_list = False
    announced_list = False
    for index, unit in enumerate(units):
        cls: ParagraphClass
        mark = marked[index]
        if index == headline:
            cls = "headline"
        elif (announced_list and mark is None and _BULLET.match(unit.text)) or (
            mark in ("share", "footer") and first < index < last and _long_sentence(unit, signals)
        ):
            cls = "body"
        elif mark is not None:
            cls = mark
            in_related_list = mark == "related"
        elif in_related_list and not (body_like[index] and unit.period_end):
            cls = "related"
        elif body_like[index]:
            cls = "body"
            in_related_list = False
        elif not signals.position:
            cls = "navigation"
        elif index < first:
            cls = _before_body(unit, index, headline)
        elif index > last:
            cls = "body" if unit.justext_class == "good" and signals.justext else "footer"
        else:
            cls = "body"
        classes.append(cls)
        announced_list = cls == "body" and (unit.text.rstrip().endswith((":", "：")) or announced_list)
    return classes


def _before_body(unit: _Unit, index: int, headline: int | None) -> ParagraphClass:
    if headline is None or index < headline:
        return "navigation"
    if unit.sentence_end or unit.weight >= _MIN_BODY_WEIGHT:
        return "standfirst"
    if any(char.isdigit() for char in unit.text):
        return "byline"
    return "navigation"
