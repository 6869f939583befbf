"""Shared building blocks for the validated configuration models."""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from pipelines.languages import is_language_code


def _check_language(code: str) -> str:
    if not is_language_code(code):
        raise ValueError(
            f"'{code}' is not a language code; use ISO 639-1/639-3 lower case such as 'en' or 'fr'"
        )
    return code


LanguageCode = Annotated[str, AfterValidator(_check_language)]
"""An ISO 639 code in lower case ('en', 'fr', 'zh'); the vocabulary every stage shares."""


class StrictModel(BaseModel):
    """Configuration base: unknown keys are errors, values are checked on assignment too."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)


SHOWN_VALUE_CHARS = 60
"""How much of a bad value an error message quotes; the rest is cut (a 20 MB string must not be printed)."""
_SECRET_WORDS = frozenset(
    {"secret", "password", "passwd", "pass", "passphrase", "token", "credential", "credentials", "auth"}
)
_SECRET_PAIRS = frozenset({("access", "key"), ("private", "key"), ("api", "key")})
_WORD = re.compile(r"[a-z0-9]+")


def is_secret_key(loc: Sequence[int | str]) -> bool:
    """Whether any part of a setting's location names something secret, so its value is never shown:
    ``aws_secret_access_key``, ``password``, ``session-token``, ``feeds_auth``, ``apiKey``... Words are
    compared whole, so ``max_tokens`` is not a secret."""
    for part in loc:
        words = _WORD.findall(re.sub(r"([a-z])([A-Z])", r"\1_\2", str(part)).lower())
        if _SECRET_WORDS.intersection(words) or _SECRET_PAIRS.intersection(itertools.pairwise(words)):
            return True
    return False


def shown_value(loc: Sequence[int | str], value: Any) -> str:
    """What an error message may say about the bad ``value`` at ``loc``: never the whole value.

    A value under a secret-looking key is withheld; a mapping or a list is described by its size only (it
    may hold anything, a password included); any other value is quoted with ``repr``, cut to
    :data:`SHOWN_VALUE_CHARS` characters."""
    if is_secret_key(loc):
        return "a value under a secret-looking key, not shown"
    if isinstance(value, Mapping):
        return f"a mapping of {len(value)} key(s), not shown"
    if isinstance(value, list | tuple | set):
        return f"a list of {len(value)} item(s), not shown"
    return truncated(repr(value))


def truncated(text: str, limit: int = SHOWN_VALUE_CHARS) -> str:
    """``text`` cut to ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit:,} more characters)"


def describe_invalid(
    source: str,
    exc: ValidationError,
    *,
    prefix: Sequence[str] = (),
    suggest: Callable[[Sequence[int | str]], Sequence[str]] | None = None,
) -> str:
    """The one formatter of config validation errors: each problem's dotted key, what is wrong and what
    was given (through :func:`shown_value`, so secrets and whole values never reach a terminal or a log).

    ``prefix`` is prepended to each location (``flow`` for the flow section); ``suggest`` gives the keys
    allowed beside an unknown one, for a "did you mean" hint."""
    lines = [f"{source}: {exc.error_count()} invalid setting(s)"]
    for error in exc.errors():
        loc = [*prefix, *error["loc"]]
        key = truncated(".".join(str(part) for part in loc) or "<top level>", 200)
        message = truncated(error["msg"].removeprefix("Value error, "), 400)
        if error["type"] == "extra_forbidden":
            message = "unknown key (check the spelling; `newsdigest defaults` prints every key)"
            unknown = str(error["loc"][-1]) if error["loc"] else ""
            beside = suggest(error["loc"]) if suggest is not None and len(unknown) <= 100 else []
            close = difflib.get_close_matches(unknown, beside, n=1)
            if close:
                message = f"unknown key; did you mean '{close[0]}'? (`newsdigest defaults` prints every key)"
        elif error["type"] == "literal_error":
            message = f"not allowed; {message.lower()}"
        lines.append(f"  {key}: {message} (got {shown_value(loc, error.get('input'))})")
    return "\n".join(lines)
