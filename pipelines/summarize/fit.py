"""Fit one sentence into a word budget and still end on a sentence end.

A newsletter cannot print half a sentence, so a sentence over budget is shortened in this order, stopping
as soon as it fits:

0. (extractive one-sentence summaries, :func:`shorter_sentence`) when compression cannot fit it, a later
   sentence within the budget that restates the story (flag ``shorter-sentence``);
1. compress, keeping a whole sentence (flag ``compressed``): drop a dateline ("PARIS (AFP) —"), then
   parentheses and dash asides, then a leading or trailing attribution (", officials said", "According
   to the police,", ", selon le maire", ", sagte der Sprecher"...), then filler phrases ("a total of"),
   then weekday time expressions ("on Monday", "lundi soir": the record is dated), then trailing clauses
   that hang off the sentence (", offering ...", ", after ...", ", qui ...", ", nachdem ...");
2. cut at the last clause boundary (comma, semicolon, colon, dash) inside the budget and end with an
   ellipsis (flag ``cut-at-clause``);
3. only when no boundary leaves at least half the budget: cut at the budget with an ellipsis (flag
   ``cut-mid-sentence``).

The word lists are short and cover the languages the project summarises most (en fr de es it pt nl pl ru
uk); a language without entries still gets the dateline, parenthesis and clause rules.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from pipelines.summarize.text import cut_at_words, word_count, words

FLAG_SHORTER_SENTENCE = "shorter-sentence"
FLAG_COMPRESSED = "compressed"
FLAG_CUT_AT_CLAUSE = "cut-at-clause"
FLAG_CUT_MID_SENTENCE = "cut-mid-sentence"
ELLIPSIS = "…"
_LOOKAHEAD = 3

_END = re.compile(r"[.!?。！？…]+[\"'”»」』)]*\s*$")
_AT_END = r"(?=[.!?。！？…]*[\"'”»」』)]*\s*$)"
_PARENTHESES = re.compile(r"\s*(?:\([^()]{1,120}\)|（[^（）]{1,120}）|\[[^\[\]]{1,120}\])")
_DASH_ASIDE = re.compile(r"\s+[—–]\s+[^—–]{1,120}?\s+[—–](?=\s)")
_DATELINE = re.compile(r"^\s*(?P<head>[^—–:\n]{2,60}?)(?:\s*[—–:]|\s+-)\s+")
_CLAUSE_BOUNDARY = re.compile(r"\s*(?:[,;:，；：、]|\s[—–-]\s)")

# Words that make a final comma segment an attribution, per language (lower case, matched as words).
_ATTRIBUTION = (
    r"said|says|told|according to|announced|reported|added|confirmed|stated|officials? said"
    r"|a déclaré|a indiqué|a annoncé|a précisé|selon|affirme|indique"
    r"|sagte|sagt|teilte|erklärte|laut|berichtet|hieß es"
    r"|dijo|según|informó|afirmó|declaró|señaló"
    r"|ha detto|secondo|ha dichiarato|ha spiegato|riferisce"
    r"|disse|segundo|afirmou|declarou|informou"
    r"|zei|aldus|volgens|meldt"
    r"|powiedział|poinformował|według|podał"
    r"|сообщил|сообщила|сообщили|заявил|заявила|по данным|по словам|сообщает|отметил"
    r"|повідомив|повідомила|заявив|заявила|за даними|за словами"
)
_TRAILING_ATTRIBUTION = re.compile(rf",\s*(?:[^,;]{{0,60}}?\b(?:{_ATTRIBUTION})\b[^,;]{{0,60}}?){_AT_END}")
_LEADING_ATTRIBUTION = re.compile(
    r"^\s*(?:according to|selon|laut|según|secondo|segundo|volgens|według|по данным|по словам|за даними"
    r"|за словами)\b[^,]{1,80},\s*",
    re.IGNORECASE,
)
# Phrases that add no fact: "pay a total of 186,000 pounds" says what "pay 186,000 pounds" says.
_FILLERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:a total of|in total|au total|insgesamt|en total|in totale|no total)\s+", re.I), ""),
    (re.compile(r"\bin order to\b", re.IGNORECASE), "to"),
)
# Weekday time expressions ("on Monday", "lundi soir", "am Dienstag"): the date is in the record anyway.
_WEEKDAY = re.compile(
    r"\s+(?:on\s+)?(?:last\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    r"(?:\s+(?:morning|afternoon|evening|night))?\b"
    r"|\s+(?:ce\s+)?(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)(?:\s+(?:matin|soir))?\b"
    r"|\s+am\s+(?:montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag)(?:abend|morgen)?\b"
    r"|\s+el\s+(?:lunes|martes|miércoles|jueves|viernes|sábado|domingo)\b"
    r"|\s+(?:lunedì|martedì|mercoledì|giovedì|venerdì|sabato|domenica)\b"
    r"|\s+(?:na\s+)?(?:segunda|terça|quarta|quinta|sexta)-feira\b"
    r"|\s+(?:op\s+)?(?:maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag)\b"
    r"|\s+(?:в|во)\s+(?:понедельник|вторник|среду|четверг|пятницу|субботу|воскресенье)\b"
    r"|\s+(?:у|в)\s+(?:понеділок|вівторок|середу|четвер|п'ятницю|суботу|неділю)\b",
    re.IGNORECASE,
)
# Words that open a clause which can be dropped from the end of a sentence.
_CLAUSE_OPENERS = (
    r"after|before|because|while|whereas|which|who|following|as|with|despite|although|\w+ing"
    r"|après|avant|alors que|qui|afin de|tandis que|parce que"
    r"|nachdem|weil|während|obwohl|um|wobei|die|der|das"
    r"|tras|después de|antes de|mientras|porque|que|aunque"
    r"|dopo|prima di|mentre|perché|che|anche se"
    r"|após|depois de|antes de|enquanto|porque|que|embora"
    r"|nadat|omdat|terwijl|die|dat|waarbij"
    r"|после|перед|потому что|который|которая|которые|чтобы"
    r"|після|перед|тому що|який|яка|які|щоб"
)
_TRAILING_CLAUSE = re.compile(rf",\s+(?:{_CLAUSE_OPENERS})\b[^,;]*?{_AT_END}", re.IGNORECASE)
# English only: an adverbial clause after the main one without a comma ("... district after finding ...").
_TRAILING_ADVERBIAL = re.compile(
    rf"\s+(?:after|before|because|while|following)\s+[^,;]*?{_AT_END}", re.IGNORECASE
)


@dataclass(frozen=True)
class Fitted:
    text: str
    flags: list[str] = field(default_factory=list)


def fit_sentence(sentence: str, max_words: int, language: str) -> Fitted:
    """``sentence`` within ``max_words`` words, shortened as the module docstring describes."""
    text = sentence.strip()
    if word_count(text) <= max_words:
        return Fitted(text)
    compressed = compress(text, max_words, language)
    if word_count(compressed) <= max_words:
        return Fitted(compressed, [FLAG_COMPRESSED])
    clause = cut_at_clause(text, max_words)
    if clause is not None:
        return Fitted(clause, [FLAG_CUT_AT_CLAUSE])
    return Fitted(_with_ellipsis(cut_at_words(text, max_words)), [FLAG_CUT_MID_SENTENCE])


def compress(sentence: str, max_words: int, language: str) -> str:
    """Apply the compression steps in order until ``sentence`` fits; the result keeps its final stop."""
    ending = _END.search(sentence)
    stop = ending.group(0).strip() if ending else ""
    text = sentence
    steps = (
        _drop_dateline,
        _drop_parentheses,
        _drop_attribution,
        _drop_fillers,
        _drop_weekday,
        _drop_trailing_clause,
        _drop_trailing_clause,
        _drop_trailing_adverbial if language == "en" else _unchanged,
    )
    for step in steps:
        if word_count(text) <= max_words:
            break
        shorter = step(text)
        if shorter != text and word_count(shorter) >= 3:
            text = shorter
    text = text.strip()
    if stop and not _END.search(text):
        text = text.rstrip(",;:，；： ") + stop
    return text[:1].upper() + text[1:] if text[:1].islower() and sentence[:1].isupper() else text


def shorter_sentence(chosen: str, candidates: Sequence[str], max_words: int, language: str) -> str | None:
    """A sentence among the few after ``chosen`` that fits ``max_words`` and carries the same story.

    Only asked when ``chosen`` is over budget and compression cannot fit it. "Carries the story": at least
    half of the candidate's content words (four letters or more, or CJK characters) are in ``chosen``, and
    at least three of them. None when no candidate qualifies.
    """
    if word_count(chosen) <= max_words or word_count(compress(chosen, max_words, language)) <= max_words:
        return None
    story = _content_words(chosen)
    start = candidates.index(chosen) + 1 if chosen in candidates else 0
    for candidate in candidates[start : start + _LOOKAHEAD]:
        if word_count(candidate) > max_words:
            continue
        own = _content_words(candidate)
        shared = own & story
        if len(shared) >= 3 and 2 * len(shared) >= len(own):
            return candidate
    return None


def _content_words(text: str) -> set[str]:
    return {word.lower() for word in words(text) if len(word) >= 4 or not word.isascii()}


def cut_at_clause(sentence: str, max_words: int) -> str | None:
    """The longest prefix ending at a clause boundary within ``max_words`` (and at least half of it),
    with an ellipsis; None when there is no such boundary."""
    best: str | None = None
    for match in _CLAUSE_BOUNDARY.finditer(sentence):
        prefix = sentence[: match.start()].rstrip()
        count = word_count(prefix)
        if count > max_words:
            break
        if count * 2 >= max_words:
            best = prefix
    return _with_ellipsis(best) if best else None


def _with_ellipsis(text: str) -> str:
    return text.rstrip(" ,;:，；：、—–-") + ELLIPSIS


def _drop_dateline(text: str) -> str:
    match = _DATELINE.match(text)
    if not match:
        return text
    head = match.group("head").strip()
    place = re.split(r"[,(]", head, maxsplit=1)[0].strip()
    letters = re.sub(r"[^\w]|\d", "", place)
    shouted = len(letters) >= 2 and letters.isupper()  # "LONDON", "NEW YORK, Nov 3 (Reuters)"
    agency = bool(re.search(r"\([^()]{1,30}\)\s*$", head)) and len(place.split()) <= 4  # "Paris (AFP)"
    if len(head.split()) <= 8 and (shouted or agency):
        rest = text[match.end() :]
        return rest[:1].upper() + rest[1:]
    return text


def _drop_parentheses(text: str) -> str:
    return _DASH_ASIDE.sub("", _PARENTHESES.sub("", text))


def _drop_attribution(text: str) -> str:
    shorter = _TRAILING_ATTRIBUTION.sub("", text, count=1)
    if shorter != text:
        return shorter
    match = _LEADING_ATTRIBUTION.match(text)
    if match:
        rest = text[match.end() :]
        return rest[:1].upper() + rest[1:]
    return text


def _drop_fillers(text: str) -> str:
    for pattern, replacement in _FILLERS:
        text = pattern.sub(replacement, text)
    return text


def _drop_weekday(text: str) -> str:
    return _WEEKDAY.sub("", text)


def _drop_trailing_clause(text: str) -> str:
    matches = list(_TRAILING_CLAUSE.finditer(text))
    return text[: matches[-1].start()] + text[matches[-1].end() :] if matches else text


def _drop_trailing_adverbial(text: str) -> str:
    matches = list(_TRAILING_ADVERBIAL.finditer(text))
    return text[: matches[-1].start()] + text[matches[-1].end() :] if matches else text


def _unchanged(text: str) -> str:
    return text
