"""The store is checked for reachability and write permission before any work, and local objects are
created with the process umask."""

from __future__ import annotations

import ctypes
import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from pipelines import build_services, run
from pipelines.config import load_config
from pipelines.errors import StoreError, StoreUnavailable
from pipelines.store import LocalStore
from pipelines.store.config import StoreConfig
from pipelines.store.s3 import S3Store
from tests.conftest import EXAMPLES, REPO, free_port
from tests.support.fault_proxy import FaultProxy


def s3_store(endpoint: str, bucket: str) -> S3Store:
    config = StoreConfig(url=f"s3://{bucket}/news", endpoint_url=endpoint, region="us-east-1", timeout_s=2)
    return S3Store.from_config(config)


def all_keys(endpoint: str, bucket: str) -> list[str]:
    listing = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").list_objects_v2(
        Bucket=bucket
    )
    return [item["Key"] for item in listing.get("Contents", [])]


def test_a_writable_local_store_passes_and_keeps_no_probe(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "new" / "store")
    store.check_writable()
    assert (tmp_path / "new" / "store").is_dir() and list((tmp_path / "new" / "store").iterdir()) == []


def test_a_local_store_path_that_is_a_file_fails_at_once(tmp_path: Path) -> None:
    (tmp_path / "store").write_text("not a folder")
    with pytest.raises(StoreError, match="is a file, not a folder"):
        LocalStore(tmp_path / "store").check_writable()
    with pytest.raises(StoreError, match=r"cannot write to the store folder .*: Not a directory"):
        LocalStore(tmp_path / "store" / "below").check_writable()


_RUN_INTO_STORE = """
import sys, time
from pipelines import StoreError, build_services, load_config, run
store, cache, inputs = sys.argv[1:]
config = load_config(None, {"store.url": store, "models.cache_dir": cache})
started = time.monotonic()
try:
    run([inputs], build_services(config))
except StoreError as exc:
    print(f"{time.monotonic() - started:.3f}")
    print(exc)
    sys.exit(1)
"""

_PR_CAPBSET_READ, _PR_CAPBSET_DROP, _CAP_DAC_OVERRIDE = 23, 24, 1


def _without_permission_override() -> None:
    """Between fork and exec: take CAP_DAC_OVERRIDE out of the child's bounding set.

    Root holds that capability and so writes into folders whose mode says read-only; without it, the
    child (still root, still able to read its root-owned interpreter and files) meets the folder's
    permission bits as any other user does. Dropping it needs CAP_SETPCAP, which root has.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    holds = libc.prctl(_PR_CAPBSET_READ, _CAP_DAC_OVERRIDE, 0, 0, 0) == 1
    if holds and libc.prctl(_PR_CAPBSET_DROP, _CAP_DAC_OVERRIDE, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "cannot drop CAP_DAC_OVERRIDE for the read-only store test")


def test_a_read_only_local_store_fails_at_once(tmp_path: Path) -> None:
    """A run into a folder this user may not write stops before reading or loading, with the cause.

    The run is a child process; as root, one without the capability that overrides permission bits,
    so the folder is read-only to it as it is to any other user (and the test runs as root in CI).
    """
    folder = tmp_path / "store"
    folder.mkdir()
    folder.chmod(0o555)
    result = subprocess.run(
        [sys.executable, "-c", _RUN_INTO_STORE, str(folder), str(tmp_path / "cache"), str(EXAMPLES)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        preexec_fn=_without_permission_override if os.geteuid() == 0 else None,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    seconds, message = result.stdout.split("\n", 1)
    assert f"cannot write to the store folder {folder}: Permission denied" in message
    assert "check that it is a writable folder for this user" in message
    assert float(seconds) < 5
    assert list(folder.iterdir()) == [] and not (tmp_path / "cache").exists()


@pytest.fixture
def umask_027() -> Iterator[None]:
    previous = os.umask(0o027)
    yield
    os.umask(previous)


def test_local_objects_get_the_default_mode(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        store = LocalStore(tmp_path)
        store.put("records/a/1.json", b"{}")
        store.put("records/a/2.json", b"{}", if_absent=True)
    finally:
        os.umask(previous)
    for name in ("1.json", "2.json"):
        assert stat.S_IMODE((tmp_path / "records" / "a" / name).stat().st_mode) == 0o644


@pytest.mark.usefixtures("umask_027")
def test_local_objects_follow_the_process_umask(tmp_path: Path) -> None:
    LocalStore(tmp_path).put("a.json", b"{}")
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o640


def test_a_writable_s3_store_passes_and_keeps_no_probe(s3_endpoint: str, s3_bucket: str) -> None:
    s3_store(s3_endpoint, s3_bucket).check_writable()
    assert all_keys(s3_endpoint, s3_bucket) == []


def test_an_unreachable_s3_store_fails_in_seconds(s3_bucket: str) -> None:
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match=r"cannot reach the S3 endpoint .* after 3 attempts"):
        s3_store(f"http://127.0.0.1:{free_port()}", s3_bucket).check_writable()
    assert time.monotonic() - started < 10


def test_a_missing_bucket_and_a_read_only_bucket_fail_at_once(s3_endpoint: str, s3_bucket: str) -> None:
    with pytest.raises(StoreError, match="bucket 'no-such-bucket-14' does not exist"):
        s3_store(s3_endpoint, "no-such-bucket-14").check_writable()
    proxy = FaultProxy(s3_endpoint).start()
    try:
        proxy.deny_writes = True
        with pytest.raises(StoreError, match=r"access denied \(AccessDenied\) to write"):
            s3_store(proxy.endpoint, s3_bucket).check_writable()
        assert proxy.requests == 1
    finally:
        proxy.stop()


def test_a_run_into_an_unwritable_store_stops_before_reading_or_loading(tmp_path: Path) -> None:
    (tmp_path / "store").write_text("not a folder")
    config = load_config(
        None, {"store.url": str(tmp_path / "store"), "models.cache_dir": str(tmp_path / "c")}
    )
    started = time.monotonic()
    with pytest.raises(StoreError, match="is a file, not a folder"):
        run([EXAMPLES], build_services(config))
    assert time.monotonic() - started < 5
    assert not (tmp_path / "c").exists()
