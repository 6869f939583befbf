"""Faithfulness guards: the numbers, dates and names of an output must come from its input.

Two checks, both plain text rules with no model:

- :func:`unsupported_numbers` — every number, amount and date of an output (a translation, a summary)
  must be supported by its source. Numbers are compared by value, not by spelling, so the digit
  conventions of the two languages do not matter: ``1.000,5`` (de) = ``1,000.5`` (en) = ``1 000,5`` (fr)
  = ``1000.5``. A translation flagged here gets ``unsupported-number``.
- :func:`unsupported_names` — every capitalised name of a summary must occur in the text it summarises
  (``unsupported-name``).

**Reading numbers.** A number is a run of digits (any script's decimal digits, read as 0-9) optionally
grouped by thousands with ``,`` ``.`` ``'`` ``’`` ``٬`` a space, a no-break space or a thin space
(leading group of 1-3 digits, not starting with 0, then groups of exactly three), optionally followed by a
decimal part after ``.`` ``,`` or ``٫``. Signs, currency symbols and ``%`` are not part of the value:
``-5``, ``5 %``, ``5%``, ``€5`` and ``5 €`` are all 5 (a guard that wanted the unit would need the unit's
words in every language). A form with one separator and one group of three digits (``1.000``,
``1,000``) is ambiguous: :func:`parse_number` reads it by the language's convention
(:data:`DECIMAL_COMMA_LANGUAGES` write ``1.000`` for a thousand, the others ``1,000``), but the guards
accept either reading, because articles quote foreign formats and models copy the source's format. The
price: ``1.000`` turned into ``1`` is not caught. A scale word after a number (``5 millions``,
``3 mil millones``, ``2bn``; :data:`SCALE_WORDS`) adds the scaled value as a second reading, so
``5 millions`` supports ``5,000,000`` and the reverse. ``12.30`` with a two-digit part that can be
minutes is also read as the time 12:30 (12 and 30), so a time written ``12.30``, ``12:30`` or ``12h30``
matches the others.

A numeric date with three parts (``4.12.2026``, ``04/12/26``, ``2026-12-04``) is read as its three
numbers, not as ``4.12`` and ``2026``.

**Support.** A source supports every value of every reading of every number in it, the month number of
each date written with a month name (``4. Dezember`` supports 12), and the numbers 2-12 written as words
in its language (``tres`` supports ``3``; 0 and 1 are left out, they read as articles in many
languages). An output's number is supported when every value of one of its readings is supported.
Numbers written as words in the output are not checked.

**Dates.** Day and year are numbers and are checked as such, in numeric dates as elsewhere. A month
written as a name next to a day or a year (``4 December``, ``December 2026``, ``el 4 de diciembre``;
names and abbreviations of :data:`MONTHS`) must be supported by the source: by a month name of the
same number in the source's language, or by a source number of that value (``04.12.2026`` supports
``4 December 2026``; as lenient as it sounds, any 12 supports December). Weekday names are not checked
by the number guard (in a summary the name guard sees them).

**Names.** See :func:`unsupported_names`.

Everything is compared per text, not per sentence: a number moved to another sentence of the same
article is not caught, but a sentence split differently by the segmenter never causes a false flag.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from pipelines.segment import split_sentences

FLAG_UNSUPPORTED_NUMBER = "unsupported-number"
FLAG_UNSUPPORTED_NAME = "unsupported-name"
UNFAITHFUL_FLAGS = (FLAG_UNSUPPORTED_NUMBER, FLAG_UNSUPPORTED_NAME)

# fmt: off
DECIMAL_COMMA_LANGUAGES = frozenset({
    "af", "az", "be", "bg", "bs", "ca", "cs", "da", "de", "el", "es", "et", "eu", "fi", "fr", "gl", "hr",
    "hu", "hy", "id", "is", "it", "ka", "kk", "ky", "lb", "lt", "lv", "mk", "nb", "nl", "nn", "no", "pl",
    "pt", "ro", "ru", "sk", "sl", "sq", "sr", "sv", "tr", "uk", "uz", "vi",
})
# fmt: on
"""Languages that write a decimal comma (``3,5``) and group thousands with ``.`` or a space. The
language code alone cannot tell regional habits apart (Mexican Spanish writes ``1,000.5``); that is
one reason the guards accept both readings of an ambiguous form."""

NOUN_CAPITALISING_LANGUAGES = frozenset({"de", "lb"})
"""Languages that capitalise every noun: capitalisation does not mark a name there."""

SCALE_WORDS: dict[str, dict[str, int]] = {
    "en": {"thousand": 10**3, "million": 10**6, "millions": 10**6, "billion": 10**9, "billions": 10**9,
           "bn": 10**9, "trillion": 10**12, "trillions": 10**12},
    "fr": {"mille": 10**3, "million": 10**6, "millions": 10**6, "milliard": 10**9, "milliards": 10**9,
           "md": 10**9, "mds": 10**9, "billion": 10**12, "billions": 10**12},
    "de": {"tausend": 10**3, "million": 10**6, "millionen": 10**6, "mio": 10**6, "milliarde": 10**9,
           "milliarden": 10**9, "mrd": 10**9, "billion": 10**12, "billionen": 10**12},
    "es": {"mil millones": 10**9, "mil": 10**3, "millón": 10**6, "millon": 10**6, "millones": 10**6,
           "billón": 10**12, "billon": 10**12, "billones": 10**12},
    "it": {"mila": 10**3, "mille": 10**3, "milione": 10**6, "milioni": 10**6, "miliardo": 10**9,
           "miliardi": 10**9, "mln": 10**6, "mld": 10**9},
    "pt": {"mil milhões": 10**9, "mil": 10**3, "milhão": 10**6, "milhao": 10**6, "milhões": 10**6,
           "milhoes": 10**6, "bilhão": 10**9, "bilhões": 10**9},
    "nl": {"duizend": 10**3, "miljoen": 10**6, "miljard": 10**9, "mln": 10**6, "mld": 10**9},
}  # fmt: skip
"""Words that multiply the number before them, per language (lower case). Languages without a table
use the English one. ``billion`` is 10^9 in English and 10^12 in French and German."""

_MONTH_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("january jan", "february feb", "march mar", "april apr", "may", "june jun", "july jul",
           "august aug", "september sep sept", "october oct", "november nov", "december dec"),
    "fr": ("janvier janv", "février fevrier févr fevr fév", "mars", "avril avr", "mai", "juin",
           "juillet juil", "août aout", "septembre sept", "octobre oct", "novembre nov",
           "décembre decembre déc dec"),
    "de": ("januar jänner jan", "februar feber feb", "märz maerz mär", "april apr", "mai", "juni jun",
           "juli jul", "august aug", "september sep sept", "oktober okt", "november nov",
           "dezember dez"),
    "es": ("enero ene", "febrero feb", "marzo", "abril abr", "mayo", "junio jun", "julio jul",
           "agosto ago", "septiembre setiembre sept", "octubre oct", "noviembre nov", "diciembre dic"),
    "it": ("gennaio gen", "febbraio feb", "marzo", "aprile apr", "maggio mag", "giugno giu",
           "luglio lug", "agosto ago", "settembre set", "ottobre ott", "novembre nov", "dicembre dic"),
    "pt": ("janeiro jan", "fevereiro fev", "março marco", "abril abr", "maio", "junho jun",
           "julho jul", "agosto ago", "setembro set", "outubro out", "novembro nov", "dezembro dez"),
    "nl": ("januari jan", "februari feb", "maart mrt", "april apr", "mei", "juni jun", "juli jul",
           "augustus aug", "september sep sept", "oktober okt", "november nov", "december dec"),
}  # fmt: skip
MONTHS: dict[str, dict[str, int]] = {
    language: {name: number for number, names in enumerate(table, start=1) for name in names.split()}
    for language, table in _MONTH_NAMES.items()
}
"""Month names and abbreviations (lower case) -> month number, per language. A language without a
table uses all of them."""

_CAPITALISED_MONTHS = frozenset({"en", "de", "nl"})
"""Languages that capitalise month names: there a lower-case ``may`` or ``mar`` is not a month."""

_NUMBER_WORD_NAMES: dict[str, str] = {
    "en": "two three four five six seven eight nine ten eleven twelve",
    "fr": "deux trois quatre cinq six sept huit neuf dix onze douze",
    "de": "zwei drei vier fünf sechs sieben acht neun zehn elf zwölf",
    "es": "dos tres cuatro cinco seis siete ocho nueve diez once doce",
    "it": "due tre quattro cinque sei sette otto nove dieci undici dodici",
    "pt": "dois três quatro cinco seis sete oito nove dez onze doze",
    "nl": "twee drie vier vijf zes zeven acht negen tien elf twaalf",
}
NUMBER_WORDS: dict[str, dict[str, int]] = {
    language: {word: number for number, word in enumerate(names.split(), start=2)}
    | ({"duas": 2} if language == "pt" else {})
    for language, names in _NUMBER_WORD_NAMES.items()
}
"""The numbers 2-12 as words, per language: they support the same number in digits."""

_FUNCTION_WORD_NAMES: dict[str, str] = {
    "en": "a an the this that these those it its he she they we you i his her their our my there here "
    "in on at of for from by with to as after before when while since if but and or so yet not no "
    "also still meanwhile however some many most all both each one two three",
    "fr": "le la les l un une des du de ce cet cette ces il elle ils elles on nous vous je son sa ses "
    "leur leurs dans en sur pour par avec après avant quand si mais et ou donc aussi selon",
    "es": "el la los las lo un una unos unas este esta estos estas ese esa él ella ellos ellas su sus "
    "en de del por para con tras antes cuando si pero y o también según",
    "it": "il lo la i gli le un uno una questo questa quello quella lui lei loro suo sua in di da per "
    "con dopo prima quando se ma e o anche secondo",
    "pt": "o a os as um uma uns umas este esta esse essa ele ela eles elas seu sua em de do da por "
    "para com após antes quando se mas e ou também segundo",
    "nl": "de het een dit dat deze die hij zij ze wij we u ik zijn haar hun in op aan van voor uit "
    "met na toen als maar en of ook volgens",
}
FUNCTION_WORDS: dict[str, frozenset[str]] = {
    language: frozenset(names.split()) for language, names in _FUNCTION_WORD_NAMES.items()
}
"""Words that may open a sentence without being in the source: articles, pronouns, conjunctions,
prepositions (lower case). Languages without a list use the English one."""

_SPACE_GROUP = " \u00a0\u2009\u202f\u066c"
_NUMBER = re.compile(
    r"(?<!\d)(?:"
    r"(?P<comma>[1-9]\d{0,2}(?:,\d{3})+(?!\d))(?P<comma_dec>\.\d+)?"
    r"|(?P<dot>[1-9]\d{0,2}(?:\.\d{3})+(?!\d))(?P<dot_dec>,\d+)?"
    rf"|(?P<space>[1-9]\d{{0,2}}(?:[{_SPACE_GROUP}'’]\d{{3}})+(?!\d))(?P<space_dec>[.,٫]\d+)?"
    r"|(?P<decimal>\d+[.,٫]\d+)"
    r"|(?P<integer>\d+)"
    r")"
)
# Numeric dates with three parts (4.12.2026, 04/12/26, 2026-12-04): read as their parts, not as 4.12.
_NUMERIC_DATE = re.compile(r"(?<![\d.,/-])(\d{1,4})([./-])(\d{1,2})\2(\d{1,4})(?![\d/-]|[.,]\d)")
_TIME = re.compile(r"(\d{1,2})[.:h](\d{2})")
_ORDINAL = r"(?:st|nd|rd|th|er|re|e|º|ª|o|\.º|\.)?"
_LETTERS = re.compile(r"[^\W\d_]+")
_SENTENCE_OPENERS = frozenset(':"“”„«»‹›—–(¿¡')


@dataclass(frozen=True)
class Number:
    """A number as written in a text and the values it can be read as.

    ``readings`` holds one tuple of values per way of reading it: usually one tuple with one value;
    an ambiguous ``1.000`` has ``((1000,), (1,))``, ``5 millions`` has ``((5,), (5000000,))`` and the
    time-like ``12.30`` has ``((12.3,), (12, 30))``. ``value`` is the reading by the text's convention.
    """

    text: str
    value: Decimal
    readings: tuple[tuple[Decimal, ...], ...]


def _base(language: str) -> str:
    return language.split("-")[0].lower()


def _ascii_digits(text: str) -> str:
    return "".join(str(unicodedata.decimal(char)) if char.isdecimal() else char for char in text)


def _grouped(digits: str) -> Decimal:
    return Decimal("".join(char for char in _ascii_digits(digits) if char.isdigit()))


def _decimal(text: str) -> Decimal:
    """``3,5`` / ``3.5`` / ``3٫5`` -> 3.5 (one separator, always the decimal mark)."""
    ascii_text = _ascii_digits(text)
    whole, fraction = re.split(r"[.,٫]", ascii_text, maxsplit=1)
    return Decimal(f"{whole}.{fraction}")


def _read(match: re.Match[str], language: str) -> tuple[Decimal, list[tuple[Decimal, ...]]]:
    """The conventional value of one number match and all its readings."""
    groups = match.groupdict()
    comma_decimal = _base(language) in DECIMAL_COMMA_LANGUAGES
    for kind, decimal_part in (("comma", "comma_dec"), ("dot", "dot_dec"), ("space", "space_dec")):
        grouped = groups[kind]
        if grouped is None:
            continue
        whole = _grouped(grouped)
        fraction = groups[decimal_part]
        if fraction:
            value = whole + _decimal(f"0{fraction}")
            return value, [(value,)]
        separators = re.sub(r"\d", "", grouped)
        if kind != "space" and len(separators) == 1:
            # 1.000 or 1,000: a thousand, or one with three decimals.
            as_decimal = _decimal(grouped)
            conventional = (kind == "dot") == comma_decimal
            first, second = (whole, as_decimal) if conventional else (as_decimal, whole)
            return first, [(first,), (second,)]
        return whole, [(whole,)]
    if groups["decimal"] is not None:
        text = groups["decimal"]
        value = _decimal(text)
        readings: list[tuple[Decimal, ...]] = [(value,)]
        time = _TIME.fullmatch(_ascii_digits(text))
        if time and int(time.group(1)) <= 24 and int(time.group(2)) < 60:
            readings.append((Decimal(time.group(1)), Decimal(time.group(2))))
        return value, readings
    value = Decimal(_ascii_digits(groups["integer"]))
    return value, [(value,)]


def _table(tables: dict[str, dict[str, int]], language: str) -> dict[str, int]:
    """The language's table, or every table merged for a language without one."""
    chosen = tables.get(_base(language))
    if chosen is not None:
        return chosen
    merged: dict[str, int] = {}
    for table in tables.values():
        for word, number in table.items():
            merged.setdefault(word, number)
    return merged


def _scale_pattern(language: str) -> re.Pattern[str]:
    words = sorted(SCALE_WORDS.get(_base(language), SCALE_WORDS["en"]), key=len, reverse=True)
    alternatives = "|".join(r"\s+".join(re.escape(part) for part in word.split()) for word in words)
    return re.compile(rf"[^\S\n]?(?:{alternatives})\b\.?", re.IGNORECASE)


def _scale(after: str, language: str) -> int | None:
    match = _scale_pattern(language).match(after)
    if match is None:
        return None
    word = " ".join(match.group(0).strip().rstrip(".").lower().split())
    return SCALE_WORDS.get(_base(language), SCALE_WORDS["en"]).get(word)


def _mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` with each span replaced by as many spaces (positions kept)."""
    characters = list(text)
    for start, end in spans:
        characters[start:end] = " " * (end - start)
    return "".join(characters)


def extract_numbers(text: str, language: str) -> list[Number]:
    """Every number in ``text`` (see the module docstring), read by ``language``'s conventions.

    The parts of a numeric date are numbers of their own: ``4.12.2026`` gives 4, 12 and 2026."""
    numbers: list[Number] = []
    date_spans: list[tuple[int, int]] = []
    for match in _NUMERIC_DATE.finditer(text):
        date_spans.append(match.span())
        for index, part in enumerate(match.groups(), start=1):
            if part and part[0].isdecimal():
                value = Decimal(_ascii_digits(part))
                numbers.append(Number(match.group(index), value, ((value,),)))
    masked = _mask(text, date_spans)
    for match in _NUMBER.finditer(masked):
        value, readings = _read(match, language)
        scale = _scale(masked[match.end() :], language)
        if scale is not None:
            readings = readings + [tuple(part * scale for part in reading) for reading in readings]
        numbers.append(Number(match.group(0), value, tuple(readings)))
    return numbers


def parse_number(text: str, language: str = "en") -> Decimal:
    """The value of one number as ``language`` writes it: ``parse_number("1.000,5", "de")`` is 1000.5,
    ``parse_number("1,000", "en")`` 1000 and ``parse_number("1,000", "fr")`` 1.

    Raises ValueError unless ``text`` is exactly one number (a scale word after it is allowed)."""
    stripped = text.strip()
    match = _NUMBER.match(stripped)
    if match is None or (match.end() != len(stripped) and _scale(stripped[match.end() :], language) is None):
        raise ValueError(f"not one number: {text!r}")
    scale = _scale(stripped[match.end() :], language) or 1
    return _read(match, language)[0] * scale


def _month_pattern(language: str) -> re.Pattern[str]:
    names = sorted(_table(MONTHS, language), key=len, reverse=True)
    month = "|".join(re.escape(name) for name in names)
    return re.compile(
        rf"(?<![\w.,])\d{{1,2}}{_ORDINAL}[^\S\n]+(?:(?:of|de|del)[^\S\n]+)?(?P<after>{month})(?!\w)"
        rf"|(?<!\w)(?P<before>{month})(?!\w)\.?,?[^\S\n]+(?:(?:of|de|del)[^\S\n]+)?\d{{1,4}}(?!\d)",
        re.IGNORECASE,
    )


def month_mentions(text: str, language: str) -> list[tuple[str, int]]:
    """Months written as names next to a day or a year: ``(name as written, month number)``.

    In languages that capitalise months (en, de, nl) only capitalised names count, so ``may 4`` in
    "the vote may 4 ..." is not a date."""
    months = _table(MONTHS, language)
    found: list[tuple[str, int]] = []
    for match in _month_pattern(language).finditer(text):
        name = match.group("after") or match.group("before")
        if _base(language) in _CAPITALISED_MONTHS and not name[0].isupper():
            continue
        found.append((name, months[name.lower()]))
    return found


def number_support(text: str, language: str) -> frozenset[Decimal]:
    """Every value ``text`` supports: its numbers' readings, its months, its number words 2-12."""
    values: set[Decimal] = set()
    for number in extract_numbers(text, language):
        for reading in number.readings:
            values.update(reading)
    values.update(Decimal(month) for _, month in month_mentions(text, language))
    words = _table(NUMBER_WORDS, language)
    values.update(Decimal(words[token]) for token in _lower_words(text) if token in words)
    return frozenset(values)


def _lower_words(text: str) -> Iterator[str]:
    return (token.lower() for token in _LETTERS.findall(text))


def unsupported_numbers(
    output: str, source: str, *, output_language: str, source_language: str | None = None
) -> list[str]:
    """The numbers and month names of ``output`` that ``source`` does not support, as written.

    ``source_language`` defaults to ``output_language`` (a summary and the text it summarises)."""
    support = number_support(source, source_language or output_language)
    missing = [
        number.text
        for number in extract_numbers(output, output_language)
        if not any(all(value in support for value in reading) for reading in number.readings)
    ]
    missing.extend(name for name, month in month_mentions(output, output_language) if month not in support)
    return missing


def _capitalised(token: str, language: str) -> bool:
    """Whether ``token`` is written the way a name is in ``language``."""
    if not token[0].isupper():
        return False
    if _base(language) in NOUN_CAPITALISING_LANGUAGES:
        # Every noun is capitalised: only acronyms and inner capitals (EU, NATO, McDonald) mark a name.
        return sum(char.isupper() for char in token) >= 2
    return True


def unsupported_names(summary: str, source: str, language: str) -> list[str]:
    """Capitalised words of ``summary`` that do not occur in ``source`` in any case, in order, once each.

    The rule: a word written with a capital (a letter run; ``Jean-Luc`` is two words, ``l'Inter`` has
    ``Inter``) must occur in the source, compared without case. A capitalised word that opens a sentence
    (or follows ``:``, an opening quote, a dash or a bracket) is exempt when it is a function word of
    the language (:data:`FUNCTION_WORDS`: "The", "After", "Selon", ...), and so is English "I".

    Limits: a summary that opens a sentence with a content word the source never uses ("Authorities
    said ...") is flagged although it names no one; a name the source has in lower case only is accepted;
    German and Luxembourgish capitalise every noun, so there only acronyms and words with an inner
    capital are checked; scripts without case (Chinese, Arabic, ...) have no capitalised words, so
    nothing is checked in them except Latin names inside them.
    """
    known = {token.casefold() for token in _LETTERS.findall(source)}
    function_words = FUNCTION_WORDS.get(_base(language), FUNCTION_WORDS["en"])
    missing: dict[str, None] = {}
    for paragraph in summary.splitlines():
        for sentence in split_sentences(paragraph, language):
            position = 0
            for match in _LETTERS.finditer(sentence):
                token = match.group(0)
                opener = position == 0 or any(
                    c in _SENTENCE_OPENERS for c in sentence[position : match.start()]
                )
                position = match.end()
                if not _capitalised(token, language) or token.casefold() in known:
                    continue
                if opener and token.casefold() in function_words:
                    continue
                if token == "I" and _base(language) == "en":
                    continue
                missing.setdefault(token)
    return list(missing)
