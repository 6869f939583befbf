"""CLI commands beside run: `newsdigest digest` (untrusted text escaped) and `models convert`; the
CLI's environment defaults."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import EXIT_INCOMPLETE, EXIT_OK, EXIT_USAGE, app, apply_environment_defaults
from pipelines.config import Config
from pipelines.runner import run
from pipelines.services import build_services

HOSTILE_TITLE = "<script>alert(1)</script>"


def _publish(config: Config, tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    records = [
        {
            "title": HOSTILE_TITLE,
            "url": "https://example.org/a",
            "published_at": "2026-11-24T08:00:00Z",
            "text": "The council approved the new tram line on Monday after a long debate about costs. "
            "Construction starts in spring and the first trams should run within three years. "
            "Residents along the route will be consulted about the stops.",
        },
        {
            "title": "Harbour reopens",
            "url": "https://example.org/b",
            "published_at": "2026-11-24T09:00:00Z",
            "text": "The harbour reopened to ferries on Monday after two weeks of repairs to the main pier. "
            "Operators expect normal timetables by the weekend. The repairs cost less than planned.",
        },
    ]
    feed.write_text("\n".join(json.dumps(record) for record in records))
    manifest = run([feed], build_services(config)).manifest
    assert manifest.counts == {"published": 2}


def test_digest_renders_markdown_and_html_with_titles_escaped(tiny_config: Config, tmp_path: Path) -> None:
    _publish(tiny_config, tmp_path)
    store = tiny_config.store.url
    runner = CliRunner()

    markdown = runner.invoke(app, ["digest", "--store", store, "--date", "2026-11-24", "--format", "md"])
    assert markdown.exit_code == EXIT_OK, markdown.output
    assert "Harbour reopens" in markdown.output
    assert HOSTILE_TITLE not in markdown.output and "alert(1)" not in markdown.output

    html = runner.invoke(app, ["digest", "--store", store, "--date", "2026-11-24", "--format", "html"])
    assert html.exit_code == EXIT_OK, html.output
    assert "<script>" not in html.output and "&lt;script" not in html.output

    as_json = runner.invoke(app, ["digest", "--store", store, "--date", "2026-11-24", "--format", "json"])
    assert as_json.exit_code == EXIT_OK
    assert HOSTILE_TITLE in as_json.output or "\\u003cscript" in as_json.output


def test_digest_of_an_empty_day_and_a_bad_date(tiny_config: Config, tmp_path: Path) -> None:
    _publish(tiny_config, tmp_path)
    store = tiny_config.store.url
    empty = CliRunner().invoke(app, ["digest", "--store", store, "--date", "2026-01-01"])
    assert empty.exit_code == EXIT_INCOMPLETE and "no summaries for 2026-01-01" in empty.output
    assert "Nothing was published" not in empty.output
    bad = CliRunner().invoke(app, ["digest", "--store", store, "--date", "24/11/2026"])
    assert bad.exit_code == EXIT_USAGE and "YYYY-MM-DD" in bad.output


def test_models_convert_command(tiny_marian_dir: Path, tmp_path: Path) -> None:
    import shutil

    source = tmp_path / "opus-mt-xx-en"
    shutil.copytree(tiny_marian_dir, source)
    result = CliRunner().invoke(app, ["models", "convert", str(source), "--quantization", "int8"])
    assert result.exit_code == EXIT_OK, result.output
    converted = Path(result.stdout.strip().splitlines()[-1])
    assert converted.parent == tmp_path and (converted / "model.bin").is_file()
    missing = CliRunner().invoke(app, ["models", "convert", str(tmp_path / "absent")])
    assert missing.exit_code == 1 and "does not exist" in " ".join(missing.output.split())


def test_environment_defaults_keep_user_settings_and_create_prefect_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "missing" / "parent" / "prefect"
    monkeypatch.setenv("PREFECT_HOME", str(home))
    monkeypatch.setenv("TOKENIZERS_PARALLELISM", "true")
    monkeypatch.delenv("PREFECT_LOGGING_LEVEL", raising=False)
    monkeypatch.delenv("DO_NOT_TRACK", raising=False)
    apply_environment_defaults(skip={"PREFECT_LOGGING_LEVEL"})
    assert home.is_dir()
    assert os.environ["TOKENIZERS_PARALLELISM"] == "true", "a variable the user set wins"
    assert os.environ["DO_NOT_TRACK"] == "1"
    assert "PREFECT_LOGGING_LEVEL" not in os.environ
