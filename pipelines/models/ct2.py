"""CTranslate2 for every engine: the import, device and compute-type choice, and conversion.

``ctranslate2`` is imported lazily. A model is converted once with CTranslate2's own
``TransformersConverter``; the result is kept next to the source model (or under the models cache
directory when the source directory is read-only) and re-used while its source weights are unchanged.
A file lock beside the output serialises conversion across threads and processes, so concurrent workers
that need the same model convert it once: the first converts, the others wait and load its result.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from pipelines.errors import MissingDependency, ModelUnavailable
from pipelines.models.load_errors import load_errors
from pipelines.models.locations import weights_fingerprint

MARKER = "newsdigest-conversion.json"
CONVERSION_LOCK_TIMEOUT_S = 3600.0
"""How long a worker waits for another worker's conversion of the same model before giving up."""

_QUARTER = ("int8", "int8_float32", "int8_float16", "int8_bfloat16")
_HALF = ("float16", "bfloat16")


def import_ctranslate2() -> Any:
    """The ctranslate2 module, or :class:`MissingDependency` saying how to install it."""
    try:
        import ctranslate2
    except ImportError:
        raise MissingDependency("ctranslate2", "ctranslate2", "the ctranslate2 backend") from None
    return ctranslate2


def ct2_device(device: str) -> str:
    """``auto`` is CUDA when CTranslate2 sees a GPU, else CPU."""
    if device != "auto":
        return device
    return "cuda" if import_ctranslate2().get_cuda_device_count() > 0 else "cpu"


def ct2_compute_type(compute_type: str, device: str) -> str:
    """``auto`` is int8 on CPU and float16 on CUDA; anything else is passed to CTranslate2 as is."""
    if compute_type != "auto":
        return compute_type
    return "float16" if device == "cuda" else "int8"


def loaded_bytes(converted: Path, compute_type: str) -> int:
    """Memory a loaded conversion holds: the stored float32 weights, a quarter for int8, half for float16."""
    stored = (converted / "model.bin").stat().st_size
    if compute_type in _QUARTER:
        return stored // 4
    if compute_type in _HALF:
        return stored // 2
    return stored


def _is_current(output_dir: Path, fingerprint: str) -> bool:
    marker = output_dir / MARKER
    if not (output_dir / "model.bin").is_file() or not marker.is_file():
        return False
    try:
        return bool(json.loads(marker.read_text(encoding="utf-8")).get("source_fingerprint") == fingerprint)
    except (OSError, ValueError):
        return False


def _writable(directory: Path) -> bool:
    return directory.is_dir() and os.access(directory, os.W_OK | os.X_OK)


def convert_model(
    resolved_dir: Path,
    quantization: str | None = None,
    *,
    cache_dir: Path | None = None,
    force: bool = False,
) -> Path:
    """Convert the model in ``resolved_dir`` for CTranslate2 and return the converted directory.

    The result is ``<parent>/<name>.ct2-<quantization>`` next to the source model, or
    ``<cache_dir>/ct2/<name>-<weights hash>.ct2-<quantization>`` when the source's parent cannot be written
    (a read-only mount). An existing conversion of the same weights (checked by hash) is returned as is
    unless ``force``. ``quantization`` is stored in the converted weights (``None`` keeps float32, from
    which every compute type can be chosen at load time). Conversion happens under a file lock and writes
    into a temporary directory that is renamed into place, so concurrent workers convert once and never
    see half a model.
    """
    from filelock import FileLock, Timeout

    ctranslate2 = import_ctranslate2()
    source_dir = Path(resolved_dir).expanduser().resolve()
    if not (source_dir / "config.json").is_file():
        raise ModelUnavailable(str(resolved_dir), f"{source_dir} has no config.json to convert")
    fingerprint = weights_fingerprint(source_dir)
    suffix = f"ct2-{quantization or 'float32'}"
    name = f"{source_dir.name}.{suffix}"
    candidates = []
    if _writable(source_dir.parent):
        candidates.append(source_dir.parent / name)
    if cache_dir is not None:
        candidates.append(Path(cache_dir).expanduser() / "ct2" / f"{source_dir.name}-{fingerprint}.{suffix}")
    if not candidates:
        raise ModelUnavailable(
            str(resolved_dir),
            f"cannot store a CTranslate2 conversion: {source_dir.parent} is read-only and no cache_dir "
            "was given",
        )
    if not force:
        for candidate in candidates:
            if _is_current(candidate, fingerprint):
                return candidate
    output_dir = candidates[0]
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(output_dir.parent / f".{name}.lock"), timeout=CONVERSION_LOCK_TIMEOUT_S)
    conversion_errors: tuple[type[Exception], ...] = (*load_errors(), NotImplementedError, AttributeError)
    try:
        with lock:
            # Another worker may have finished the same conversion while this one waited for the lock.
            if not force and _is_current(output_dir, fingerprint):
                return output_dir
            _convert_into(ctranslate2, source_dir, output_dir, quantization, fingerprint)
    except Timeout as exc:
        raise ModelUnavailable(
            str(resolved_dir),
            f"waited {CONVERSION_LOCK_TIMEOUT_S:.0f} s for another worker's conversion ({lock.lock_file})",
        ) from exc
    # The converter loads the model with transformers first: anything that load can raise (corrupt
    # safetensors, a config it cannot read) means this model does not convert.
    except conversion_errors as exc:
        raise ModelUnavailable(
            str(resolved_dir), f"CTranslate2 conversion failed: {type(exc).__name__}: {exc}"
        ) from exc
    return output_dir


def _convert_into(
    ctranslate2: Any, source_dir: Path, output_dir: Path, quantization: str | None, fingerprint: str
) -> None:
    staging = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}-", dir=output_dir.parent))
    try:
        converter = ctranslate2.converters.TransformersConverter(str(source_dir))
        converter.convert(str(staging / "model"), quantization=quantization, force=True)
        marker = {"source": str(source_dir), "source_fingerprint": fingerprint, "quantization": quantization}
        (staging / "model" / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
        if output_dir.exists():
            shutil.rmtree(output_dir)
        os.replace(staging / "model", output_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
