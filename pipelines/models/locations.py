"""Model locations: a Hugging Face id, a local directory, or an ``s3://`` prefix holding a model directory.

Every location is resolved to a local directory before anything is loaded, once per run and with a time
limit: the hub client otherwise retries for minutes on a machine without internet. Loaders then read
only from that directory, only safetensors weights, and never with ``trust_remote_code``.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pipelines.errors import ConfigError, ModelUnavailable
from pipelines.models.config import DEFAULT_CACHE_DIR
from pipelines.store.s3url import parse_s3_url

if TYPE_CHECKING:
    from pipelines.store.retry import RetryPolicy

LocationKind = Literal["hub", "local", "s3"]
_HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")
_HUB_FILES = ["*.json", "*.safetensors", "*.spm", "*.model", "*.txt", "vocab*", "merges*"]


@dataclass(frozen=True)
class ModelLocation:
    spec: str
    kind: LocationKind
    revision: str | None = None


@dataclass(frozen=True)
class ResolvedModel:
    """A model directory ready to load, and what identifies its weights."""

    location: ModelLocation
    path: Path
    fingerprint: str = ""
    commit: str | None = None

    @property
    def weights_bytes(self) -> int:
        """Size of the safetensors files: what loading the model will roughly add to memory."""
        return sum(weights.stat().st_size for weights in self.path.glob("*.safetensors"))

    @property
    def revision(self) -> str:
        """The hub commit when known (a configured revision may be a branch), else the weights hash."""
        return self.commit or self.location.revision or self.fingerprint


def parse_location(spec: str, revision: str | None = None) -> ModelLocation:
    """Classify a configured model string; raises ModelUnavailable for one that fits no kind."""
    if spec.startswith("s3://"):
        return ModelLocation(spec, "s3", revision)
    path = Path(spec).expanduser()
    if spec.startswith(("/", ".", "~")) or path.exists():
        return ModelLocation(str(path), "local", revision)
    if _HUB_ID.fullmatch(spec):
        return ModelLocation(spec, "hub", revision)
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
        hint = (
            f" (found {', '.join(pickled)}: re-save with save_pretrained(safe_serialization=True))"
            if pickled
            else ""
        )
        raise ModelUnavailable(
            spec, f"{directory} has no .safetensors weights; only safetensors are loaded{hint}"
        )


class ModelResolver:
    """Resolves sources to local directories, each at most once per resolver, within a time limit."""

    def __init__(
        self,
        timeout_s: float = 15.0,
        s3_fetch: Callable[[ModelLocation], Path] | None = None,
        *,
        s3_client: Any | None = None,
        s3_retry: RetryPolicy | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        """``s3_fetch`` downloads an ``s3://`` source; or give a boto3 ``s3_client`` (with its retry budget
        ``s3_retry`` and the models ``cache_dir``) and :class:`S3ModelFetcher` is used. Without either, s3
        sources are unavailable."""
        self.timeout_s = timeout_s
        if s3_fetch is None and s3_client is not None:
            s3_fetch = S3ModelFetcher(s3_client, cache_dir or DEFAULT_CACHE_DIR, s3_retry)
        self._s3_fetch = s3_fetch
        self._resolved: dict[tuple[str, str | None], ResolvedModel | ModelUnavailable] = {}
        self._lock = threading.Lock()
        self._hub_down: str | None = None

    def resolve(self, spec: str, revision: str | None = None) -> ResolvedModel:
        """The local directory for ``spec``; the outcome (success or failure) is remembered."""
        key = (spec, revision)
        with self._lock:
            known = self._resolved.get(key)
        if known is None:
            try:
                known = self._resolve_uncached(parse_location(spec, revision))
            except ModelUnavailable as exc:
                known = exc
            with self._lock:
                self._resolved[key] = known
        if isinstance(known, ModelUnavailable):
            raise known
        return known

    def _resolve_uncached(self, source: ModelLocation) -> ResolvedModel:
        if source.kind == "local":
            path = Path(source.spec)
        elif source.kind == "hub":
            if self._hub_down is not None:
                reason = f"not tried, the hub failed for an earlier model: {self._hub_down}"
                raise ModelUnavailable(source.spec, reason)
            try:
                download = partial(_download_from_hub, source)
                path = _with_timeout(download, self.timeout_s, source.spec, unreachable=HubUnreachable)
            except HubUnreachable as exc:
                self._hub_down = exc.reason
                raise
        else:
            if self._s3_fetch is None:
                raise ModelUnavailable(source.spec, "s3:// model sources need a store client; none was given")
            path = _with_timeout(lambda: self._s3_fetch(source), self.timeout_s * 20, source.spec)  # type: ignore[misc]
        check_model_dir(path, source.spec)
        # A hub snapshot lives in .../snapshots/<commit hash>.
        commit = path.name if source.kind == "hub" and path.parent.name == "snapshots" else None
        return ResolvedModel(source, path, weights_fingerprint(path), commit)


def _download_from_hub(source: ModelLocation) -> Path:
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
    except LocalEntryNotFoundError as exc:
        hint = "download it where the hub is reachable, or point the config at a local directory or s3:// URL"
        if offline:
            raise ModelUnavailable(
                source.spec, f"not in the local Hugging Face cache and HF_HUB_OFFLINE is set; {hint}"
            ) from None
        cause = _root_cause(exc)
        reason = f"the hub cannot be reached ({cause}), nor is it cached; {hint}"
        raise HubUnreachable(source.spec, reason) from None
    except (HfHubHTTPError, OSError, ValueError) as exc:
        raise ModelUnavailable(source.spec, f"hub download failed: {type(exc).__name__}: {exc}") from None


class HubUnreachable(ModelUnavailable):
    """The hub could not be asked at all: every other hub model of the run would fail the same way."""


def _root_cause(exc: BaseException) -> str:
    """The first line of the innermost error (the DNS or connection failure behind a hub error)."""
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _with_timeout(
    work: Callable[[], Path],
    timeout_s: float,
    spec: str,
    *,
    unreachable: type[ModelUnavailable] = ModelUnavailable,
) -> Path:
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
        raise unreachable(
            spec,
            f"no answer within {timeout_s:g}s (models.resolve_timeout_s); is the hub or store reachable?",
        )
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result


_S3_MARKER = ".newsdigest-download.json"


def _safe_relative(relative: str) -> bool:
    """Whether a key below the model prefix names a file inside the download folder (no '..', no '/x')."""
    parts = relative.split("/")
    return bool(relative) and not relative.startswith("/") and all(p not in ("", ".", "..") for p in parts)


def split_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` -> ``("bucket", "some/prefix/")``, or :class:`ModelUnavailable`."""
    try:
        return parse_s3_url(url, what="s3 model source")
    except ConfigError as exc:
        raise ModelUnavailable(url, f"{exc}; an s3 model source looks like s3://bucket/prefix") from None


class S3ModelFetcher:
    """Downloads a model directory from an ``s3://`` prefix once into ``cache_dir``, verified.

    Only the files a loader may use are fetched (the same patterns as from the hub: configs, safetensors,
    tokenizer files), so pickled weights are never even downloaded. Each file is checked against the size
    S3 lists and, for single-part uploads (whose ETag is the MD5 of the content), against its MD5. The
    directory is assembled in a temporary folder and renamed into place with a manifest, so a later run
    (or another worker) re-uses it without contacting S3; delete it, or set a ``revision``, to refresh.
    """

    def __init__(self, client: Any, cache_dir: Path, retry: RetryPolicy | None = None) -> None:
        """Each request of ``client`` is retried within ``retry`` (default: the default store budget)."""
        from pipelines.store.retry import RetryPolicy

        self.client = client
        self.cache_dir = Path(cache_dir).expanduser()
        self.retry = retry or RetryPolicy()

    def local_dir(self, source: ModelLocation) -> Path:
        bucket, prefix = split_s3_url(source.spec)
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", prefix.strip("/")) or "_root"
        if source.revision:
            name = f"{name}@{re.sub(r'[^A-Za-z0-9._-]+', '_', source.revision)}"
        return self.cache_dir / "s3" / bucket / name

    def __call__(self, source: ModelLocation) -> Path:
        target = self.local_dir(source)
        if (target / _S3_MARKER).is_file():
            return target
        bucket, prefix = split_s3_url(source.spec)
        objects = self._list(source.spec, bucket, prefix)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
        try:
            manifest = {}
            for key, size, etag in objects:
                relative = key[len(prefix) :]
                destination = staging / relative
                destination.parent.mkdir(parents=True, exist_ok=True)
                self._download(source.spec, bucket, key, destination)
                _verify(source.spec, key, destination, size, etag)
                manifest[relative] = {"size": size, "etag": etag}
            (staging / _S3_MARKER).write_text(
                json.dumps({"source": source.spec, "files": manifest}, indent=2) + "\n", encoding="utf-8"
            )
            try:
                os.replace(staging, target)
            except OSError:
                # Another worker finished first (the target exists and is not empty): use theirs.
                if not (target / _S3_MARKER).is_file():
                    raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return target

    def _list(self, spec: str, bucket: str, prefix: str) -> list[tuple[str, int, str]]:
        from botocore.exceptions import BotoCoreError, ClientError

        from pipelines.store.retry import RetriesExhausted, call_with_retries

        found: list[tuple[str, int, str]] = []
        token: str | None = None
        while True:
            arguments = {
                "Bucket": bucket,
                "Prefix": prefix,
                **({"ContinuationToken": token} if token else {}),
            }
            try:
                page = call_with_retries(partial(self.client.list_objects_v2, **arguments), self.retry)
            except RetriesExhausted as exhausted:
                raise ModelUnavailable(
                    spec,
                    f"listing s3://{bucket}/{prefix} failed after {exhausted.attempts} attempts: "
                    f"{exhausted.error}",
                ) from None
            except (BotoCoreError, ClientError) as exc:
                raise ModelUnavailable(spec, f"listing s3://{bucket}/{prefix} failed: {exc}") from None
            for item in page.get("Contents", []):
                key = str(item["Key"])
                name = key.rsplit("/", 1)[-1]
                if key.endswith("/") or not any(fnmatch.fnmatch(name, p) for p in _HUB_FILES):
                    continue
                if not _safe_relative(key[len(prefix) :]):
                    raise ModelUnavailable(
                        spec,
                        f"refusing s3://{bucket}/{key}: a model file's key must stay inside {prefix!r}",
                    )
                found.append((key, int(item["Size"]), str(item.get("ETag", "")).strip('"')))
            token = page.get("NextContinuationToken") if page.get("IsTruncated") else None
            if not token:
                break
        if not found:
            raise ModelUnavailable(spec, f"no model files under s3://{bucket}/{prefix}")
        return found

    def _download(self, spec: str, bucket: str, key: str, destination: Path) -> None:
        from boto3.s3.transfer import TransferConfig
        from botocore.exceptions import BotoCoreError, ClientError

        from pipelines.store.retry import RetriesExhausted, call_with_retries

        # s3transfer retries a broken body on its own (num_download_attempts); here the one layer is ours.
        single = TransferConfig(num_download_attempts=1)
        try:
            call_with_retries(
                lambda: self.client.download_file(bucket, key, str(destination), Config=single), self.retry
            )
        except RetriesExhausted as exhausted:
            raise ModelUnavailable(
                spec,
                f"downloading s3://{bucket}/{key} failed after {exhausted.attempts} attempts: "
                f"{exhausted.error}",
            ) from None
        except (BotoCoreError, ClientError, OSError) as exc:
            raise ModelUnavailable(spec, f"downloading s3://{bucket}/{key} failed: {exc}") from None


def _verify(spec: str, key: str, path: Path, size: int, etag: str) -> None:
    actual = path.stat().st_size
    if actual != size:
        raise ModelUnavailable(spec, f"{key}: downloaded {actual} bytes, S3 lists {size}")
    # A multipart upload's ETag is not the content's MD5 ("<hash>-<parts>"); size is all we can check.
    if etag and "-" not in etag and re.fullmatch(r"[0-9a-f]{32}", etag):
        digest = hashlib.md5(usedforsecurity=False)
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() != etag:
            raise ModelUnavailable(spec, f"{key}: MD5 {digest.hexdigest()} does not match the ETag {etag}")
