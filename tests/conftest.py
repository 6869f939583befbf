"""Shared fixtures: an offline, telemetry-free environment; tiny real models; an S3 server over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pipelines.config import Config

# Set before anything imports transformers or prefect: the hub is unreachable, telemetry must never leave.
_TEST_HOME = Path(tempfile.mkdtemp(prefix="newsdigest-tests-"))
os.environ.update(
    {
        "HF_HUB_OFFLINE": "1",
        "HF_HOME": str(_TEST_HOME / "hf"),
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_HOME": str(_TEST_HOME / "prefect"),
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "TOKENIZERS_PARALLELISM": "false",
        "AWS_ACCESS_KEY_ID": "testing-access-key",
        "AWS_SECRET_ACCESS_KEY": "testing-secret-key",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
)
os.environ.pop("AWS_PROFILE", None)

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "articles"


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tiny-models")


@pytest.fixture(scope="session")
def tiny_marian_dir(models_dir: Path) -> Path:
    from tests.support import build_tiny_marian

    return build_tiny_marian(models_dir / "marian")


@pytest.fixture(scope="session")
def tiny_bart_dir(models_dir: Path) -> Path:
    from tests.support import build_tiny_bart

    return build_tiny_bart(models_dir / "bart")


@pytest.fixture(scope="session")
def tiny_t5_dir(models_dir: Path) -> Path:
    from tests.support import build_tiny_t5

    return build_tiny_t5(models_dir / "t5")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class S3Server:
    """A moto S3 server in its own process on 127.0.0.1, which tests may stop and restart."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.endpoint = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"moto S3 server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """The S3 endpoint: the one CI started (NEWSDIGEST_TEST_S3_ENDPOINT) or a server started here."""
    given = os.environ.get("NEWSDIGEST_TEST_S3_ENDPOINT")
    if given:
        yield given
        return
    server = S3Server(free_port())
    server.start()
    try:
        yield server.endpoint
    finally:
        server.stop()


@pytest.fixture
def s3_server() -> Iterator[S3Server]:
    """A private S3 server for tests that stop it mid-run."""
    server = S3Server(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint: str) -> str:
    """A fresh, empty bucket on the shared server; returns its name."""
    import uuid

    import boto3

    name = f"test-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket=name)
    return name


@pytest.fixture(scope="session")
def tiny_overrides(tiny_marian_dir: Path, tiny_bart_dir: Path) -> dict[str, object]:
    """Config overrides that point every model at the tiny local ones (one Marian serves every pair)."""
    marian = str(tiny_marian_dir)
    pairs = {f"{language}-en": marian for language in ("fr", "de", "es", "it", "pt", "ru", "uk", "zh", "ar")}
    summary = {"model": str(tiny_bart_dir), "num_beams": 1, "min_length": 2}
    return {
        "translation.models": pairs,
        "translation.fallback": marian,
        "translation.num_beams": 1,
        "summary.short": {**summary, "max_length": 16, "max_words": 35, "sentences": 1},
        "summary.long": {**summary, "max_length": 32, "max_words": 140, "sentences": 3},
        "batch_size": 8,
        "models.threads": 1,
    }


@pytest.fixture
def tiny_config(tiny_overrides: dict[str, object], tmp_path: Path) -> Config:
    from pipelines.config import load_config

    return load_config(
        None,
        {**tiny_overrides, "store.url": str(tmp_path / "store"), "models.cache_dir": str(tmp_path / "cache")},
    )


def write_config(config: Config, path: Path) -> Path:
    import yaml

    path.write_text(yaml.safe_dump(config.model_dump(mode="json"), allow_unicode=True))
    return path


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One Prefect test backend for the whole session (it costs seconds to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
