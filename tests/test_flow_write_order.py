"""The Prefect flow writes the run manifest after every object it lists, observed at the store itself
(object-store timestamps are too coarse to tell the order of writes within a second)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines import services as services_module
from pipelines.config import load_config
from pipelines.services import build_services
from pipelines.store import layout
from pipelines.store.local import LocalStore
from tests.conftest import write_config
from tests.test_store_layout import OrderRecordingStore

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_the_flow_writes_its_manifest_last(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.digest_flow import news_digests, resolve_config

    inputs = tmp_path / "inputs"
    inputs.mkdir()
    body = "The harbour reopened on Monday after the storm damaged two piers and the old lighthouse. "
    for number in range(3):
        (inputs / f"a{number}.txt").write_text(f"Harbour news {number}\n\n{body}Item {number} of three.")
    (inputs / "empty.txt").write_text("")
    lead = {"method": "lead"}
    settings = {
        "summary.short": lead,
        "summary.long": lead,
        "store.url": str(tmp_path / "store"),
        "batch_size": 2,
    }
    config_file = write_config(load_config(None, settings), tmp_path / "config.yaml")
    config = resolve_config(str(config_file), None, None)
    store = OrderRecordingStore(LocalStore(tmp_path / "store"))
    # The flow's tasks find their services by the config's fingerprint: these record every write.
    monkeypatch.setitem(services_module._shared, config.fingerprint(), build_services(config, store=store))

    manifest = news_digests(paths=[str(inputs)], config_file=str(config_file))

    assert manifest.counts == {"published": 3, "failed": 1}
    *objects, last = store.writes
    assert last == layout.manifest_key(manifest.started_at.date(), manifest.run_id)
    assert not any(key.startswith(layout.RUNS) for key in objects)
    assert all(entry.key in objects for entry in manifest.entries)
