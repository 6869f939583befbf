"""The whole pipeline in one process, with tiny real models and a local store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipelines.config import Config, load_config
from pipelines.runner import BATCH_STAGES, InProcess, run
from pipelines.services import build_services
from pipelines.store import LocalStore
from tests.conftest import EXAMPLES


def _objects(store_root: Path, prefix: str) -> list[Path]:
    return sorted(p for p in (store_root / prefix).rglob("*.json")) if (store_root / prefix).exists() else []


def test_every_example_article_is_published(tiny_config: Config) -> None:
    manifest = run([EXAMPLES], build_services(tiny_config)).manifest
    problems = [(e.origin, e.status, e.reason) for e in manifest.entries if e.status != "published"]
    assert problems == []
    assert manifest.counts == {"published": len(manifest.entries)}
    # 9 .txt + 1 .md + 1 .html + 3 .jsonl records
    assert len(manifest.entries) >= 14
    root = Path(tiny_config.store.url)
    records = [json.loads(p.read_text()) for p in _objects(root, "records")]
    assert len(records) == len(manifest.entries)
    for record in records:
        assert record["status"] == "published"
        assert record["detection"]["language"] != "und"
        assert record["translation"]["target_language"] == "en"
        kinds = {s["kind"] for s in record["summaries"] if s["language"] == "en"}
        assert kinds == {"short", "long"}
        assert all(s["text"].strip() for s in record["summaries"])
        assert set(record["timings"]) >= {"detect", "translate", "summarize"}
        assert record["signature"]["config_hash"] == tiny_config.fingerprint()
        if record["detection"]["language"] != "en":
            assert record["translation"]["models"], record["article"]["origin"]
    assert len(_objects(root, "runs")) == 1
    assert len(_objects(root, "summaries")) == len(records)


def test_rerun_writes_nothing_new_and_reports_unchanged(tiny_config: Config) -> None:
    first = run([EXAMPLES], build_services(tiny_config)).manifest
    root = Path(tiny_config.store.url)
    before = {p: p.stat().st_mtime_ns for p in _objects(root, "records") + _objects(root, "summaries")}
    second = run([EXAMPLES], build_services(tiny_config)).manifest
    after = {p: p.stat().st_mtime_ns for p in _objects(root, "records") + _objects(root, "summaries")}
    assert before == after
    assert second.counts == {"unchanged": len(first.entries)}
    assert len(_objects(root, "runs")) == 2


def _bad_inputs(folder: Path) -> dict[str, bytes]:
    sentence = "The council approved the new tram line after a long debate about costs and routes. "
    files = {
        "empty.txt": b"",
        "whitespace.txt": b"   \n\t\n   \n",
        "numbers.txt": b"12345 67890\n\n3.14159 2.71828 1.41421\n",
        "one-word.txt": b"Hello\n",
        "emoji.txt": "😀🎉🚋\n\n🔥🔥🔥".encode(),
        "binary.txt": bytes(range(256)) * 8,
        "latin1.txt": "Le conseil municipal a voté\n\nLes élus ont approuvé le projet de tramway "
        "à l'unanimité, après un débat animé sur le coût et le tracé de la nouvelle ligne.".encode("latin-1"),
        "page.html": b"<html><head><title>Tram</title><script>alert(1)</script></head><body><nav>Home</nav>"
        b"<article><h1>Tram line approved</h1><p>" + sentence.encode() * 6 + b"</p></article>"
        b"<footer>Imprint</footer></body></html>",
        "huge.txt": ("Huge article\n\n" + sentence * 3700).encode(),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return files


def test_bad_inputs_each_end_in_a_record(tiny_config: Config, tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    files = _bad_inputs(inputs)
    config = load_config(None, {**tiny_config.model_dump(), "batch_size": 4})
    manifest = run([inputs], build_services(config)).manifest
    by_file = {Path(entry.origin.split(":")[0]).name: entry for entry in manifest.entries}
    assert set(by_file) == set(files)
    for entry in manifest.entries:
        assert entry.status in ("published", "skipped", "failed")
        if entry.status != "published":
            assert entry.reason, entry
    for name in ("empty.txt", "whitespace.txt", "binary.txt"):
        assert by_file[name].status == "failed", by_file[name]
    for name in ("numbers.txt", "one-word.txt", "emoji.txt"):
        assert by_file[name].status == "skipped" and "language undetermined" in (by_file[name].reason or "")
    for name in ("latin1.txt", "page.html", "huge.txt"):
        assert by_file[name].status == "published", by_file[name]
    root = Path(config.store.url)
    failures = _objects(root, "failures")
    assert len(failures) == sum(1 for e in manifest.entries if e.status in ("failed", "skipped"))
    latin1 = json.loads(next(p for p in _objects(root, "records") if "latin1" in p.read_text()).read_text())
    assert any(flag.startswith("decoded-as:") for flag in latin1["article"]["flags"])


def test_missing_models_fail_translation_but_summaries_fall_back(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-model")
    config = load_config(
        None,
        {
            "translation.models": {"fr-en": missing, "de-en": missing},
            "translation.fallback": None,
            "summary.short": {"model": missing},
            "summary.long": {"model": missing},
            "store.url": str(tmp_path / "store"),
        },
    )
    manifest = run(
        [EXAMPLES / "en-tram-line.txt", EXAMPLES / "fr-fete-vendanges.txt"], build_services(config)
    ).manifest
    by_language = {entry.language: entry for entry in manifest.entries}
    assert by_language["fr"].status == "failed"
    assert "no-such-model" in (by_language["fr"].reason or "")
    assert by_language["en"].status == "published"
    record_path = next(p for p in _objects(Path(config.store.url), "records"))
    summaries = json.loads(record_path.read_text())["summaries"]
    assert {s["method"] for s in summaries} == {"lead"}
    assert all("no-such-model" in (s["fallback_reason"] or "") for s in summaries)


def test_services_accept_an_injected_store(tiny_config: Config, tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "elsewhere")
    run([EXAMPLES / "en-tram-line.txt"], build_services(tiny_config, store=store))
    assert list(store.list("records/"))
    assert not Path(tiny_config.store.url).exists()


def test_summaries_in_extra_output_languages_go_through_the_translation_engine(
    tiny_config: Config, tiny_marian_dir: Path
) -> None:
    pairs = {
        **{pair: m.model for pair, m in tiny_config.translation.models.items()},
        "en-fr": str(tiny_marian_dir),
    }
    config = load_config(
        None,
        {
            **tiny_config.model_dump(mode="json"),
            "translation": {**tiny_config.translation.model_dump(mode="json"), "models": pairs},
            "summary": {**tiny_config.summary.model_dump(mode="json"), "output_languages": ["fr"]},
        },
    )
    manifest = run(
        [EXAMPLES / "en-tram-line.txt", EXAMPLES / "de-stadtrat-radwege.txt"], build_services(config)
    ).manifest
    assert manifest.counts == {"published": 2}
    root = Path(config.store.url)
    for path in _objects(root, "records"):
        summaries = json.loads(path.read_text())["summaries"]
        assert {(s["kind"], s["language"]) for s in summaries} == {
            ("short", "en"),
            ("long", "en"),
            ("short", "fr"),
            ("long", "fr"),
        }
        for summary in (s for s in summaries if s["language"] == "fr"):
            assert summary["method"] == "translated"
            assert summary["model"]["role"] == "translation:en-fr"
    assert len(_objects(root, "summaries/")) == 4
    assert {p.parent.name for p in _objects(root, "summaries")} == {"en", "fr"}


def test_one_run_reports_progress_and_hands_every_step_to_its_executor(tiny_config: Config) -> None:
    """What the flow's executor relies on: the whole-run steps by name, the batch stages by name."""
    steps: list[str] = []
    stage_chains: list[tuple[str, ...]] = []
    progress: list[tuple[str, int, int]] = []

    class Recording(InProcess):
        def step(self, name: str, work: Any, *args: Any) -> Any:
            steps.append(name)
            return super().step(name, work, *args)

        def map_batches(self, stage_names: Any, batches: Any, context: Any, finished: Any = None) -> Any:
            stage_chains.append(tuple(stage_names))
            return super().map_batches(stage_names, batches, context, finished)

    services = build_services(tiny_config)
    inputs = [EXAMPLES / "en-tram-line.txt", EXAMPLES / "fr-fete-vendanges.txt"]
    outcome = run(
        inputs,
        services,
        executor=Recording(services),
        on_progress=lambda stage, done, total: progress.append((stage, done, total)),
    )
    assert outcome.manifest.counts == {"published": 2}
    assert [record.status for record in outcome.records] == ["published", "published"]
    assert steps == ["ingest_articles", "check_models", "write_run_manifest"]
    assert stage_chains == [("detect",), BATCH_STAGES]
    assert progress == [
        ("read", 2, 2),
        ("detect", 2, 2),
        ("translate", 2, 2),
        ("summarize", 2, 2),
        ("publish", 2, 2),
    ]


def test_progress_names_every_stage_batch_by_batch(tiny_config: Config) -> None:
    """Each stage of each batch is reported as it finishes, with its running count, up to the total."""
    progress: list[tuple[str, int, int]] = []
    inputs = sorted(EXAMPLES.glob("*.txt"))[:5]
    config = tiny_config.model_copy(update={"batch_size": 2})
    run(inputs, build_services(config), on_progress=lambda *call: progress.append(call))
    assert progress == [
        ("read", 5, 5),
        *(("detect", done, 5) for done in (2, 4, 5)),
        *((stage, done, 5) for done in (2, 4, 5) for stage in ("translate", "summarize", "publish")),
    ]
