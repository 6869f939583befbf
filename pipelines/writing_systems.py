"""What the letters of a text say about its language, before any statistical model is asked.

Some scripts name one language outright (Hangul: Korean; Kana: Japanese; Greek, Hebrew, Thai, Georgian,
Armenian). Others narrow it: Han without Kana is Chinese; Arabic script is Arabic unless letters that only
Persian or Urdu use appear; Cyrillic is Ukrainian when і/ї/є/ґ appear, Belarusian with ў, Serbian with ђ/ћ
and so on. A script shared by many languages (Latin, plain Cyrillic) only yields the candidates a detector
then chooses among. Statistical detectors get these cases wrong on short text (a Japanese title read as
Korean), letters do not.

Han, Kana and Hangul characters count three letters each here, because one of them carries about as
much as a short word: a twelve-character Chinese headline is as much evidence as a short English one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

DENSE_LETTER_WEIGHT = 3

LATIN = "Latin"
CYRILLIC = "Cyrillic"
ARABIC = "Arabic"
HAN = "Han"
KANA = "Kana"
HANGUL = "Hangul"
DEVANAGARI = "Devanagari"
OTHER = "other"

# Scripts that name one language.
_SINGLE_LANGUAGE = {
    HANGUL: "ko",
    "Greek": "el",
    "Hebrew": "he",
    "Thai": "th",
    "Georgian": "ka",
    "Armenian": "hy",
}

# Languages written in a script other than Latin; a Latin-script text is none of these.
SCRIPT_LANGUAGES: dict[str, frozenset[str]] = {
    CYRILLIC: frozenset({"ru", "uk", "be", "bg", "sr", "mk", "kk", "ky", "mn", "tg"}),
    ARABIC: frozenset({"ar", "fa", "ur", "ps", "ku", "sd", "ug"}),
    DEVANAGARI: frozenset({"hi", "mr", "ne", "sa"}),
    HAN: frozenset({"zh", "ja"}),
    **{script: frozenset({language}) for script, language in _SINGLE_LANGUAGE.items()},
}

# (first, last, script) code point ranges, letters only (punctuation blocks are excluded by isalpha()).
_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0041, 0x024F, LATIN),
    (0x1E00, 0x1EFF, LATIN),
    (0x0370, 0x03FF, "Greek"),
    (0x1F00, 0x1FFF, "Greek"),
    (0x0400, 0x052F, CYRILLIC),
    (0x0530, 0x058F, "Armenian"),
    (0x0590, 0x05FF, "Hebrew"),
    (0x0600, 0x06FF, ARABIC),
    (0x0750, 0x077F, ARABIC),
    (0xFB50, 0xFDFF, ARABIC),
    (0xFE70, 0xFEFF, ARABIC),
    (0x0900, 0x097F, DEVANAGARI),
    (0x0E00, 0x0E7F, "Thai"),
    (0x10A0, 0x10FF, "Georgian"),
    (0x1100, 0x11FF, HANGUL),
    (0x3130, 0x318F, HANGUL),
    (0xAC00, 0xD7AF, HANGUL),
    (0x3040, 0x30FF, KANA),
    (0x31F0, 0x31FF, KANA),
    (0xFF66, 0xFF9F, KANA),
    (0x3400, 0x4DBF, HAN),
    (0x4E00, 0x9FFF, HAN),
    (0xF900, 0xFAFF, HAN),
    (0x20000, 0x2FA1F, HAN),
)
_DENSE = frozenset({HAN, KANA, HANGUL})

# Cyrillic letters that single out one language, checked in this order.
_CYRILLIC_MARKERS: tuple[tuple[str, str], ...] = (
    ("їєґ", "uk"),
    ("ў", "be"),
    ("ђћ", "sr"),
    ("ѓќѕ", "mk"),
    ("љњџј", "sr"),
)
_BELARUSIAN_WITH_I = "ыэё"  # і with any of these is Belarusian; і without them is Ukrainian
_RUSSIAN_ONLY = "ыэё"  # without і: Russian among the European Cyrillic languages (Bulgarian has none)
_URDU_MARKERS = "ٹڈڑںےۓھ"
_PERSIAN_MARKERS = "پچژگکی"


@dataclass(frozen=True)
class ScriptEvidence:
    """The dominant script of a text and what it says: one ``language``, or ``candidates`` to choose from.

    ``language`` is set when the letters decide; ``candidates`` is then ``{language}``. For a script shared
    by several languages ``language`` is None and ``candidates`` holds that script's languages (empty for a
    script not listed here), or is None for Latin (any language not written in another script). ``share``
    is the dominant script's part of the (weighted) letters, not counting Latin ones unless it is Latin.
    """

    script: str | None
    language: str | None
    candidates: frozenset[str] | None
    share: float
    reason: str = ""

    def allows(self, language: str) -> bool:
        if self.candidates is not None:
            return language in self.candidates
        return not any(language in languages for languages in SCRIPT_LANGUAGES.values())


def script_of(char: str) -> str | None:
    """The script of one letter (``OTHER`` for a script not listed here), or None for a non-letter."""
    if not char.isalpha():
        return None
    point = ord(char)
    for first, last, script in _RANGES:
        if first <= point <= last:
            return script
    return OTHER


def weighted_letters(text: str) -> int:
    """Letters of ``text``, with Han, Kana and Hangul characters counting ``DENSE_LETTER_WEIGHT`` each."""
    total = 0
    for char in text:
        if char.isalpha():
            total += DENSE_LETTER_WEIGHT if script_of(char) in _DENSE else 1
    return total


def script_evidence(text: str) -> ScriptEvidence:
    """What the letters of ``text`` say about its language; see :class:`ScriptEvidence`."""
    counts: Counter[str] = Counter()
    for char in text:
        script = script_of(char)
        if script is not None:
            counts[script] += DENSE_LETTER_WEIGHT if script in _DENSE else 1
    total = sum(counts.values())
    if not total:
        return ScriptEvidence(None, None, None, 0.0)
    # Latin words inside text in another script are mostly names and acronyms ("iPhone", "GDP"): they do
    # not make the other script's verdict less sure.
    others = total - counts[LATIN]
    # Japanese is written in Han and Kana together; counted as one script so Kana decides.
    if counts[KANA] and counts[KANA] + counts[HAN] >= max(counts.values()):
        return _decided(KANA, "ja", (counts[KANA] + counts[HAN]) / others, "Kana letters")
    script, dominant = counts.most_common(1)[0]
    share = dominant / (total if script == LATIN else others)
    if script in _SINGLE_LANGUAGE:
        return _decided(script, _SINGLE_LANGUAGE[script], share, f"{script} letters")
    if script == HAN:
        return _decided(script, "zh", share, "Han characters without Kana")
    lowered = text.lower()
    if script == ARABIC:
        if any(char in lowered for char in _URDU_MARKERS):
            return _decided(script, "ur", share, "Arabic script with Urdu letters")
        if any(char in lowered for char in _PERSIAN_MARKERS):
            return _decided(script, "fa", share, "Arabic script with Persian letters")
        return _decided(script, "ar", share, "Arabic script without Persian or Urdu letters")
    if script == CYRILLIC:
        return _cyrillic(lowered, share)
    if script == LATIN:
        return ScriptEvidence(script, None, None, share)
    return ScriptEvidence(script, None, SCRIPT_LANGUAGES.get(script, frozenset()), share)


def _cyrillic(lowered: str, share: float) -> ScriptEvidence:
    for letters, language in _CYRILLIC_MARKERS:
        found = sorted({char for char in lowered if char in letters})
        if found:
            return _decided(CYRILLIC, language, share, f"Cyrillic with {'/'.join(found)}")
    if "і" in lowered:
        if any(char in lowered for char in _BELARUSIAN_WITH_I):
            return _decided(CYRILLIC, "be", share, "Cyrillic with і and ы/э/ё")
        return _decided(CYRILLIC, "uk", share, "Cyrillic with і")
    if any(char in lowered for char in _RUSSIAN_ONLY):
        return _decided(CYRILLIC, "ru", share, "Cyrillic with ы/э/ё and no і")
    return ScriptEvidence(CYRILLIC, None, SCRIPT_LANGUAGES[CYRILLIC], share)


def _decided(script: str, language: str, share: float, reason: str) -> ScriptEvidence:
    return ScriptEvidence(script, language, frozenset({language}), share, reason)
