"""Shared building blocks for the validated configuration models."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict

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
