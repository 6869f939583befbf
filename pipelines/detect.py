"""Language identification: langdetect for ordinary text; letters and a short-text detector for short text.

langdetect draws random numbers during detection and keeps its profiles and seed in one process-wide
factory, so every detection sets the seed and runs under a lock. Text that is too short, or detected
with too little confidence, is ``und`` with a reason that names the setting to change.

On short text (fewer than ``detection.short_text_letters`` letters: titles, one-line feed items) langdetect
alone errs: it reads Japanese and Chinese titles as Korean and Dutch ones as Afrikaans. There the letters
decide first (:mod:`pipelines.writing_systems`: Kana is Japanese, Hangul Korean, і/ї/є Ukrainian...), then
fastText's compact model (:mod:`pipelines.short_text_detector`) chooses among ``detection.languages``
that the script allows; when langdetect agrees, the higher of their two probabilities is the confidence.
langdetect is always asked, and every opinion is recorded when they disagree.
"""

from __future__ import annotations

import threading

from pydantic import Field

from pipelines.config_base import LanguageCode, StrictModel
from pipelines.records import Detection, DetectorOpinion
from pipelines.short_text_detector import METHOD as FASTTEXT_METHOD
from pipelines.short_text_detector import fasttext_scores
from pipelines.writing_systems import ScriptEvidence, script_evidence, weighted_letters

UNDETERMINED = "und"
LANGDETECT = "langdetect"
SCRIPT = "script"

_LOCK = threading.Lock()
_SCORE_SEEN = 0.9999


def _default_aliases() -> dict[str, str]:
    return {"zh-cn": "zh", "zh-tw": "zh", "zh-hk": "zh", "iw": "he", "in": "id", "jw": "jv", "nb": "no"}


# Measured with benchmarks/detect.py --sweep (docs/benchmarks.md): below this, langdetect alone errs.
SHORT_TEXT_LETTERS = 200


def _default_short_text_languages() -> list[str]:
    return [
        *("en", "fr", "de", "es", "it", "pt", "nl", "pl", "ru", "uk", "tr", "ar", "zh", "ja", "ko", "el"),
        *("he", "sv", "da", "no", "fi", "cs", "sk", "ro", "hu", "bg", "hr", "fa", "hi", "id", "vi"),
    ]


class DetectionConfig(StrictModel):
    """Language identification: langdetect (seeded so results repeat) for ordinary text; script evidence
    and a detector made for short text (fastText's compact model) for titles and one-line items."""

    seed: int = 0
    min_confidence: float = Field(default=0.70, ge=0.0, le=1.0)
    min_letters: int = Field(default=20, ge=1, description="fewer letters than this is 'und'")
    sample_chars: int = Field(default=5_000, ge=100, description="characters of the text inspected")
    aliases: dict[str, str] = Field(default_factory=_default_aliases)
    short_text_letters: int = Field(
        default=SHORT_TEXT_LETTERS,
        ge=0,
        description="fewer letters than this: the short-text path (0: never); see docs/benchmarks.md",
    )
    languages: list[LanguageCode] = Field(
        default_factory=_default_short_text_languages,
        min_length=1,
        description="languages the short-text detector may answer (letters that decide can name others)",
    )


def detect_language(text: str, config: DetectionConfig) -> Detection:
    """Detect the language of ``text``; never raises for any string.

    Only the first ``config.sample_chars`` characters are inspected. The detector's own code is kept in
    ``Detection.raw``; ``Detection.language`` is normalised to the config's vocabulary. Letters are
    counted as in :func:`~pipelines.writing_systems.weighted_letters` (a Han, Kana or Hangul character
    counts three).
    """
    sample = text[: config.sample_chars]
    letters = weighted_letters(sample)
    if letters < config.min_letters:
        where = f" in the first {config.sample_chars} characters" if len(text) > len(sample) else ""
        return Detection(
            language=UNDETERMINED,
            probability=0.0,
            reason=f"only {letters} letters{where} (detection.min_letters = {config.min_letters})",
        )
    if letters >= config.short_text_letters:
        return _langdetect(sample, config)
    return _detect_short(sample, config)


def _detect_short(sample: str, config: DetectionConfig) -> Detection:
    """Script evidence first, then the short-text detector, then langdetect; disagreements recorded."""
    evidence = script_evidence(sample)
    by_langdetect = _langdetect(sample, config)
    opinions = [
        DetectorOpinion(
            method=LANGDETECT,
            language=normalise_code(by_langdetect.raw, config.aliases) if by_langdetect.raw else UNDETERMINED,
            probability=by_langdetect.probability,
        )
    ]
    by_fasttext = _fasttext(sample, evidence, config)
    if by_fasttext is not None:
        opinions.insert(0, by_fasttext[0])
    if evidence.language is not None:
        share = round(evidence.share, 4)
        chosen = DetectorOpinion(method=SCRIPT, language=evidence.language, probability=share)
        opinions.insert(0, chosen)
        raw = None
    elif by_fasttext is not None:
        chosen, raw = by_fasttext
        if by_langdetect.language == chosen.language:
            # Two detectors built differently agree: the surer of the two speaks for both.
            probability = max(chosen.probability, by_langdetect.probability)
            chosen = chosen.model_copy(update={"probability": probability})
    else:
        return by_langdetect
    disagreeing = any(opinion.language != chosen.language for opinion in opinions)
    recorded = opinions if disagreeing else []
    if chosen.probability < config.min_confidence:
        return Detection(
            language=UNDETERMINED,
            probability=chosen.probability,
            raw=raw,
            method=chosen.method,
            opinions=recorded,
            reason=(
                f"detected '{chosen.language}' with probability {chosen.probability:.2f} by {chosen.method}, "
                f"below detection.min_confidence = {config.min_confidence}"
            ),
        )
    return Detection(
        language=chosen.language,
        probability=chosen.probability,
        raw=raw,
        method=chosen.method,
        opinions=recorded,
    )


def _fasttext(
    sample: str, evidence: ScriptEvidence, config: DetectionConfig
) -> tuple[DetectorOpinion, str] | None:
    """The short-text detector's best language among those configured and allowed by the script.

    Its probability is renormalised over those languages. None when the detector is not installed or
    none of its languages is allowed.
    """
    scores = fasttext_scores(sample)
    if scores is None:
        return None
    allowed = {language for language in config.languages if evidence.allows(language)}
    table = {key.lower(): value for key, value in config.aliases.items()}
    kept: dict[str, tuple[str, float]] = {}
    seen = 0.0
    for raw, score in scores:
        if seen > _SCORE_SEEN and kept:  # the rest of the 176 labels cannot change the choice
            break
        seen += score
        language = table.get(raw, raw)
        if language in allowed:
            previous = kept.get(language)
            kept[language] = (previous[0] if previous else raw, (previous[1] if previous else 0.0) + score)
    total = sum(score for _, score in kept.values())
    if not kept or total <= 0.0:
        return None
    language, (raw, score) = max(kept.items(), key=lambda item: item[1][1])
    probability = min(max(score / total, 0.0), 1.0)
    return DetectorOpinion(method=FASTTEXT_METHOD, language=language, probability=round(probability, 4)), raw


def _langdetect(sample: str, config: DetectionConfig) -> Detection:
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
