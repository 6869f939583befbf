"""Model sources: a Hugging Face id, a local directory, or an ``s3://`` prefix holding a model directory.

Every source is resolved to a local directory before anything is loaded, once per run and with a time
limit: the hub client otherwise retries for minutes on a machine without internet. Loaders then read
only from that directory, only safetensors weights, and never with ``trust_remote_code``.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pipelines.errors import ModelUnavailable

SourceKind = Literal["hub", "local", "s3"]
_HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")
_HUB_FILES = ["*.json", "*.safetensors", "*.spm", "*.model", "*.txt", "vocab*", "merges*"]


@dataclass(frozen=True)
class ModelSource:
    spec: str
    kind: SourceKind
    revision: str | None = None


@dataclass(frozen=True)
class ResolvedModel:
    """A model directory ready to load, and what identifies its weights."""

    source: ModelSource
    path: Path
    fingerprint: str = ""

    @property
    def revision(self) -> str:
        return self.source.revision or self.fingerprint


def parse_source(spec: str, revision: str | None = None) -> ModelSource:
    """Classify a configured model string; raises ModelUnavailable for one that fits no kind."""
    if spec.startswith("s3://"):
        return ModelSource(spec, "s3", revision)
    path = Path(spec).expanduser()
    if spec.startswith(("/", ".", "~")) or path.exists():
        return ModelSource(str(path), "local", revision)
    if _HUB_ID.fullmatch(spec):
        return ModelSource(spec, "hub", revision)
    raise ModelUnavailable(spec, "not a local directory, an s3:// prefix or a hub id such as 'org/name'")


def weights_fingerprint(directory: Path) -> str:
    """SHA-256 (16 hex chars) of the safetensors files: the revision of a model that has no hub commit."""
    digest = hashlib.sha256()
    for weights in sorted(directory.glob("*.safetensors")):
        with weights.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16]


def check_model_dir(directory: Path, spec: str) -> None:
    """A loadable directory has a config.json and safetensors weights (pickled weights are refused)."""
    if not directory.is_dir():
        raise ModelUnavailable(spec, f"directory {directory} does not exist")
    if not (directory / "config.json").is_file():
        raise ModelUnavailable(spec, f"{directory} has no config.json; is it a saved model directory?")
    if not any(directory.glob("*.safetensors")):
        pickled = [p.name for p in directory.glob("*.bin")]
        hint = f" (found {', '.join(pickled)}: re-save with save_pretrained(safe_serialization=True))" if pickled else ""
        raise ModelUnavailable(spec, f"{directory} has no .safetensors weights; only safetensors are loaded{hint}")


class ModelResolver:
    """Resolves sources to local directories, each at most once per resolver, within a time limit."""

    def __init__(
        self,
        timeout_s: float = 15.0,
        s3_fetch: Callable[[ModelSource], Path] | None = None,
    ) -> None:
        self.timeout_s = timeout_s
        self._s3_fetch = s3_fetch
        self._resolved: dict[tuple[str, str | None], ResolvedModel | ModelUnavailable] = {}
        self._lock = threading.Lock()

    def resolve(self, spec: str, revision: str | None = None) -> ResolvedModel:
        """The local directory for ``spec``; the outcome (success or failure) is remembered."""
        key = (spec, revision)
        with self._lock:
            known = self._resolved.get(key)
        if known is None:
            try:
                known = self._resolve_uncached(parse_source(spec, revision))
            except ModelUnavailable as exc:
                known = exc
            with self._lock:
                self._resolved[key] = known
        if isinstance(known, ModelUnavailable):
            raise known
        return known

    def _resolve_uncached(self, source: ModelSource) -> ResolvedModel:
        if source.kind == "local":
            path = Path(source.spec)
        elif source.kind == "hub":
            path = _with_timeout(lambda: _download_from_hub(source), self.timeout_s, source.spec)
        else:
            if self._s3_fetch is None:
                raise ModelUnavailable(source.spec, "s3:// model sources need a store client; none was given")
            path = _with_timeout(lambda: self._s3_fetch(source), self.timeout_s * 20, source.spec)  # type: ignore[misc]
        check_model_dir(path, source.spec)
        return ResolvedModel(source, path, weights_fingerprint(path))


def _download_from_hub(source: ModelSource) -> Path:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    offline = os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes")
    try:
        return Path(
            snapshot_download(
                source.spec,
                revision=source.revision,
                allow_patterns=_HUB_FILES,
                local_files_only=offline,
            )
        )
    except LocalEntryNotFoundError:
        raise ModelUnavailable(
            source.spec,
            "not in the local Hugging Face cache and the hub cannot be reached (offline); "
            "download it where the hub is reachable or point the config at a local directory or s3:// prefix",
        ) from None
    except (HfHubHTTPError, OSError, ValueError) as exc:
        raise ModelUnavailable(source.spec, f"hub download failed: {type(exc).__name__}: {exc}") from None


def _with_timeout(work: Callable[[], Path], timeout_s: float, spec: str) -> Path:
    """Run ``work`` in a daemon thread so an unreachable host cannot hang the run (or its exit)."""
    outcome: list[Path | BaseException] = []

    def target() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread, re-raised there
            outcome.append(exc)

    thread = threading.Thread(target=target, name=f"resolve:{spec}", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if not outcome:
        raise ModelUnavailable(
            spec, f"no answer within {timeout_s:g}s (models.resolve_timeout_s); is the hub or store reachable?"
        )
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result
