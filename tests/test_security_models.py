"""Model loading is not a way in (issue 7, security): safetensors only, never remote code, validated model
specs, and S3 model downloads that cannot write outside their folder.
"""

from __future__ import annotations

import json
import pickle
import re
import shutil
from pathlib import Path
from typing import Any

import boto3
import pytest

from pipelines.config import ModelsConfig
from pipelines.errors import ModelUnavailable
from pipelines.models.cache import ModelCache
from pipelines.models.locations import ModelResolver, S3ModelFetcher, parse_location
from pipelines.translate.base import TranslationRequest
from pipelines.translate.config import TranslationConfig
from pipelines.translate.engine import TranslationEngine

PIPELINES = Path(__file__).resolve().parent.parent / "pipelines"


class _Payload:
    """A pickle that creates ``marker`` when unpickled: what a hostile pytorch_model.bin can do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[str, str]]:
        return (shutil.copyfile, (__file__, str(self.marker)))


def _engine(pair_model: Path, tmp_path: Path) -> TranslationEngine:
    config = TranslationConfig(models={"fr-en": str(pair_model)}, num_beams=1)
    models = ModelsConfig(threads=1, cache_dir=tmp_path / "cache")
    return TranslationEngine(config, models, ModelResolver(), ModelCache(2, 10**9))


def _translate(engine: TranslationEngine) -> str | None:
    request = TranslationRequest(
        key="a", text="Bonjour le monde.", title="", source_language="fr", target_language="en"
    )
    outcome = engine.translate([request])[0]
    return outcome.error


def test_pickled_weights_alone_are_refused_with_a_reason(tiny_marian_dir: Path, tmp_path: Path) -> None:
    pickled = tmp_path / "pickled"
    shutil.copytree(tiny_marian_dir, pickled)
    (pickled / "model.safetensors").unlink()
    marker = tmp_path / "pwned"
    (pickled / "pytorch_model.bin").write_bytes(pickle.dumps(_Payload(marker)))
    with pytest.raises(ModelUnavailable, match=r"only safetensors are loaded \(found pytorch_model\.bin"):
        ModelResolver().resolve(str(pickled))
    error = _translate(_engine(pickled, tmp_path))
    assert error and "only safetensors" in error and str(pickled) in error
    assert not marker.exists()


def test_safetensors_win_over_a_hostile_pickle_next_to_them(tiny_marian_dir: Path, tmp_path: Path) -> None:
    both = tmp_path / "both"
    shutil.copytree(tiny_marian_dir, both)
    marker = tmp_path / "pwned"
    (both / "pytorch_model.bin").write_bytes(pickle.dumps(_Payload(marker)))
    assert _translate(_engine(both, tmp_path)) is None
    assert not marker.exists()


def test_no_trust_remote_code_anywhere_in_pipelines() -> None:
    enabling = re.compile(r"trust_remote_code\s*=\s*(?!False\b)")
    found = [
        f"{path.relative_to(PIPELINES)}:{number}"
        for path in PIPELINES.rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if enabling.search(line)
    ]
    assert found == []


def _with_remote_code(source: Path, target: Path, marker: Path) -> Path:
    """A copy of a model whose configs point the Auto classes at code inside the directory."""
    shutil.copytree(source, target)
    (target / "evil_model.py").write_text(
        f"from pathlib import Path\nPath({str(marker)!r}).write_text('remote code ran')\n"
        "class Evil:\n    pass\n"
    )
    config = json.loads((target / "config.json").read_text())
    config["auto_map"] = {
        "AutoConfig": "evil_model.Evil",
        "AutoModel": "evil_model.Evil",
        "AutoModelForSeq2SeqLM": "evil_model.Evil",
        "AutoTokenizer": ["evil_model.Evil", None],
    }
    (target / "config.json").write_text(json.dumps(config))
    tokenizer_file = target / "tokenizer_config.json"
    tokenizer = json.loads(tokenizer_file.read_text()) if tokenizer_file.exists() else {}
    tokenizer["auto_map"] = {"AutoTokenizer": ["evil_model.Evil", None]}
    tokenizer_file.write_text(json.dumps(tokenizer))
    return target


def test_remote_code_in_a_model_directory_never_runs(
    tiny_marian_dir: Path, tiny_bart_dir: Path, tmp_path: Path
) -> None:
    from pipelines.models.locations import ResolvedModel
    from pipelines.summarize.seq2seq import load_seq2seq

    marker = tmp_path / "remote-code-ran"
    marian = _with_remote_code(tiny_marian_dir, tmp_path / "marian-remote", marker)
    error = _translate(_engine(marian, tmp_path))  # loads as Marian, or fails with the model named
    assert error is None or str(marian) in error
    bart = _with_remote_code(tiny_bart_dir, tmp_path / "bart-remote", marker)
    resolved = ModelResolver().resolve(str(bart))
    assert isinstance(resolved, ResolvedModel)
    try:
        load_seq2seq(resolved, "cpu", threads=1)
    except ModelUnavailable as exc:
        assert str(bart) in str(exc)
    assert not marker.exists()


@pytest.mark.parametrize(
    "spec",
    [
        "file:///etc/passwd",
        "http://evil.example/model",
        "org/name; rm -rf /",
        "org/../../etc",
        "../",
        "org/name/extra",
        "$(touch /tmp/x)/model",
        "org/na me",
        "",
    ],
)
def test_model_specs_are_validated(spec: str) -> None:
    with pytest.raises(ModelUnavailable):
        ModelResolver(timeout_s=2).resolve(spec)


def test_local_specs_must_be_model_directories(tmp_path: Path) -> None:
    assert parse_location(str(tmp_path)).kind == "local"
    with pytest.raises(ModelUnavailable, match=r"no config\.json"):
        ModelResolver().resolve(str(tmp_path))
    with pytest.raises(ModelUnavailable, match="does not exist"):
        ModelResolver().resolve(str(tmp_path / "missing"))


def test_s3_model_keys_cannot_escape_the_download_folder(
    tiny_marian_dir: Path, tmp_path: Path, s3_endpoint: str, s3_bucket: str
) -> None:
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    for path in tiny_marian_dir.iterdir():
        client.put_object(Bucket=s3_bucket, Key=f"models/fr-en/{path.name}", Body=path.read_bytes())
    client.put_object(Bucket=s3_bucket, Key="models/fr-en/../../../../escaped.json", Body=b"{}")
    client.put_object(Bucket=s3_bucket, Key="models/fr-en//abs.json", Body=b"{}")
    cache = tmp_path / "cache"
    fetcher = S3ModelFetcher(client, cache)
    resolver = ModelResolver(s3_fetch=fetcher)
    with pytest.raises(ModelUnavailable, match=r"must stay inside 'models/fr-en/'"):
        resolver.resolve(f"s3://{s3_bucket}/models/fr-en")
    written = [p for p in tmp_path.rglob("*.json") if not p.is_relative_to(cache / "s3" / s3_bucket)]
    assert written == []
    with pytest.raises(ModelUnavailable):
        resolver.resolve("s3://../models/fr-en")
