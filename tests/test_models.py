"""The model cache (LRU by count and bytes) and model sources (local, s3 against the test server)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import boto3
import pytest

from pipelines.errors import ModelUnavailable
from pipelines.models import ModelCache, ModelResolver, S3ModelFetcher
from pipelines.models.locations import ModelLocation, _verify, split_s3_url, weights_fingerprint


def _loader(value: str, size: int) -> tuple[str, int]:
    return value, size


def test_lru_evicts_by_count() -> None:
    cache = ModelCache(max_items=2, max_bytes=10**9)
    cache.get("a", lambda: _loader("A", 1))
    cache.get("b", lambda: _loader("B", 1))
    cache.get("a", lambda: _loader("A", 1))  # a is now the most recently used
    cache.get("c", lambda: _loader("C", 1))
    assert "a" in cache and "c" in cache and "b" not in cache
    assert cache.loads == {"a": 1, "b": 1, "c": 1}
    cache.get("b", lambda: _loader("B", 1))
    assert cache.loads["b"] == 2 and "a" not in cache


def test_lru_evicts_by_bytes_but_keeps_the_newest() -> None:
    cache = ModelCache(max_items=10, max_bytes=100)
    cache.get("a", lambda: _loader("A", 60))
    cache.get("b", lambda: _loader("B", 30))
    assert cache.total_bytes == 90
    cache.get("c", lambda: _loader("C", 50))
    assert "a" not in cache and cache.total_bytes == 80
    cache.get("huge", lambda: _loader("H", 500))  # larger than the bound: kept alone rather than refused
    assert len(cache) == 1 and "huge" in cache


def test_room_is_made_before_a_load_so_the_bounds_hold_during_it() -> None:
    cache = ModelCache(max_items=2, max_bytes=100)
    cache.get("a", lambda: _loader("A", 60))
    cache.get("b", lambda: _loader("B", 30))
    resident_while_loading: list[str] = []

    def load_c() -> tuple[str, int]:
        resident_while_loading.extend(key for key in ("a", "b") if key in cache)
        return "C", 50

    cache.get("c", load_c, expected_bytes=50)
    assert resident_while_loading == ["b"]
    assert cache.total_bytes == 80 and len(cache) == 2


def test_local_source_and_refused_pickles(tiny_marian_dir: Path, tmp_path: Path) -> None:
    resolved = ModelResolver().resolve(str(tiny_marian_dir))
    assert resolved.path == tiny_marian_dir and resolved.revision == weights_fingerprint(tiny_marian_dir)
    pickled = tmp_path / "pickled"
    pickled.mkdir()
    (pickled / "config.json").write_text("{}")
    (pickled / "pytorch_model.bin").write_bytes(b"x")
    with pytest.raises(ModelUnavailable, match="only safetensors"):
        ModelResolver().resolve(str(pickled))


def test_s3_url_parsing() -> None:
    assert split_s3_url("s3://bucket/models/fr-en/") == ("bucket", "models/fr-en/")
    assert split_s3_url("s3://bucket") == ("bucket", "")
    with pytest.raises(ModelUnavailable):
        split_s3_url("s3:///x")


def _upload(client: object, bucket: str, directory: Path, prefix: str) -> None:
    for path in sorted(directory.iterdir()):
        if path.is_file():
            client.upload_file(str(path), bucket, f"{prefix}/{path.name}")  # type: ignore[attr-defined]


def test_s3_source_downloads_once_and_verifies(
    tiny_marian_dir: Path, tmp_path: Path, s3_endpoint: str, s3_bucket: str
) -> None:
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    _upload(client, s3_bucket, tiny_marian_dir, "models/marian")
    client.put_object(Bucket=s3_bucket, Key="models/marian/pytorch_model.bin", Body=b"pickle")
    spec = f"s3://{s3_bucket}/models/marian"

    resolved = ModelResolver(s3_client=client, cache_dir=tmp_path / "cache").resolve(spec)
    assert resolved.path.is_relative_to(tmp_path / "cache" / "s3" / s3_bucket)
    for name in ("config.json", "model.safetensors", "source.spm", "vocab.json"):
        assert (resolved.path / name).read_bytes() == (tiny_marian_dir / name).read_bytes()
    assert not (resolved.path / "pytorch_model.bin").exists()
    assert resolved.revision == weights_fingerprint(tiny_marian_dir)

    # Downloaded once: a later resolver never asks the store again (here: an endpoint nothing listens on).
    dead = boto3.client("s3", endpoint_url="http://127.0.0.1:9", region_name="us-east-1")
    again = ModelResolver(s3_client=dead, cache_dir=tmp_path / "cache").resolve(spec)
    assert again.path == resolved.path

    # The downloaded model is usable end to end.
    from pipelines.config import ModelsConfig
    from pipelines.translate.base import TranslationRequest
    from pipelines.translate.config import TranslationConfig
    from pipelines.translate.engine import TranslationEngine

    engine = TranslationEngine(
        TranslationConfig(models={"fr-en": spec}, num_beams=1, max_new_tokens_ratio=0.2),
        ModelsConfig(cache_dir=tmp_path / "cache"),
        ModelResolver(s3_client=client, cache_dir=tmp_path / "cache"),
        ModelCache(),
    )
    (outcome,) = engine.translate([TranslationRequest("k", "Bonjour.", "", "fr", "en")])
    assert outcome.error is None and outcome.translation is not None
    assert outcome.translation.models[0].source == spec


def test_s3_source_errors(tmp_path: Path, s3_endpoint: str, s3_bucket: str) -> None:
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    with pytest.raises(ModelUnavailable, match="no model files"):
        ModelResolver(s3_client=client, cache_dir=tmp_path).resolve(f"s3://{s3_bucket}/nothing")
    with pytest.raises(ModelUnavailable, match="store client"):
        ModelResolver().resolve(f"s3://{s3_bucket}/nothing")
    fetcher = S3ModelFetcher(client, tmp_path)
    assert fetcher.local_dir(ModelLocation("s3://b/p/q", "s3", "v1")) == tmp_path / "s3" / "b" / "p_q@v1"


def test_download_verification(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"hello")
    md5 = hashlib.md5(b"hello").hexdigest()
    _verify("s3://b/p", "p/f", path, 5, md5)
    _verify("s3://b/p", "p/f", path, 5, "0123-2")  # multipart ETag: size only
    with pytest.raises(ModelUnavailable, match="5 bytes, S3 lists 6"):
        _verify("s3://b/p", "p/f", path, 6, md5)
    with pytest.raises(ModelUnavailable, match="does not match the ETag"):
        _verify("s3://b/p", "p/f", path, 5, "0" * 32)


def test_hub_source_offline_fails_fast_with_a_reason() -> None:
    with pytest.raises(ModelUnavailable, match="Helsinki-NLP/opus-mt-fr-en"):
        ModelResolver(timeout_s=10).resolve("Helsinki-NLP/opus-mt-fr-en")
    with pytest.raises(ModelUnavailable, match="not a local directory"):
        ModelResolver().resolve("no such thing")
