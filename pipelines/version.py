"""What produced a record: the newsdigest version and the versions of the libraries that shape output."""

from __future__ import annotations

import importlib.metadata

_LIBRARIES = ("transformers", "torch", "ctranslate2", "sentencepiece", "langdetect")


def code_version() -> str:
    try:
        return importlib.metadata.version("newsdigest")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def library_versions() -> dict[str, str]:
    """Versions of the libraries whose behaviour shapes the output (read from metadata, not imported)."""
    versions: dict[str, str] = {}
    for name in _LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions
