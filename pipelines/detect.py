"""Language identification with langdetect, seeded so the same text always gets the same answer.

langdetect draws random numbers during detection and keeps its profiles and seed in one process-wide
factory, so every detection sets the seed and runs under a lock. Text that is too short, or detected
with too little confidence, is ``und`` with a reason that names the setting to change.
"""

from __future__ import annotations

import threading

from pydantic import Field

from pipelines.config_base import StrictModel
from pipelines.records import Detection

UNDETERMINED = "und"

_LOCK = threading.Lock()


def _default_aliases() -> dict[str, str]:
    return {"zh-cn": "zh", "zh-tw": "zh", "zh-hk": "zh", "iw": "he", "in": "id", "jw": "jv", "nb": "no"}


class DetectionConfig(StrictModel):
    """Language identification (langdetect, seeded so results repeat)."""

    seed: int = 0
    min_confidence: float = Field(default=0.70, ge=0.0, le=1.0)
    min_letters: int = Field(default=20, ge=1, description="fewer letters than this is 'und'")
    sample_chars: int = Field(default=5_000, ge=100, description="characters of the text inspected")
    aliases: dict[str, str] = Field(default_factory=_default_aliases)


def detect_language(text: str, config: DetectionConfig) -> Detection:
    """Detect the language of ``text``; never raises for any string.

    Only the first ``config.sample_chars`` characters are inspected. The detector's own code is kept in
    ``Detection.raw``; ``Detection.language`` is normalised to the config's vocabulary.
    """
    sample = text[: config.sample_chars]
    letters = sum(1 for char in sample if char.isalpha())
    if letters < config.min_letters:
        where = f" in the first {config.sample_chars} characters" if len(text) > len(sample) else ""
        return Detection(
            language=UNDETERMINED,
            probability=0.0,
            reason=f"only {letters} letters{where} (detection.min_letters = {config.min_letters})",
        )

    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    try:
        with _LOCK:
            DetectorFactory.seed = config.seed
            candidates = detect_langs(sample)
    except LangDetectException as exc:
        return Detection(language=UNDETERMINED, probability=0.0, reason=f"langdetect: {exc}")
    if not candidates:
        return Detection(language=UNDETERMINED, probability=0.0, reason="langdetect returned no language")

    best = max(candidates, key=lambda candidate: candidate.prob)
    raw = str(best.lang)
    probability = min(max(float(best.prob), 0.0), 1.0)
    language = normalise_code(raw, config.aliases)
    if probability < config.min_confidence:
        return Detection(
            language=UNDETERMINED,
            probability=probability,
            raw=raw,
            reason=(
                f"detected '{language}' with probability {probability:.2f}, "
                f"below detection.min_confidence = {config.min_confidence}"
            ),
        )
    return Detection(language=language, probability=probability, raw=raw)


def normalise_code(code: str, aliases: dict[str, str]) -> str:
    """Map a detector code to the config's vocabulary: an alias first, else the primary subtag.

    ``zh-cn`` -> ``zh`` through the default aliases; ``pt-BR`` -> ``pt``; ``iw`` -> ``he``.
    """
    lowered = code.strip().lower().replace("_", "-")
    table = {key.lower(): value for key, value in aliases.items()}
    if lowered in table:
        return table[lowered]
    primary = lowered.split("-", 1)[0]
    return table.get(primary, primary)
