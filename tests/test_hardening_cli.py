"""On call and first use (issue 26): what a plain install needs, what a newcomer and a cron log see.

Each test is a reproduction from the issue: it failed before the fix.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import EXIT_USAGE, app
from pipelines import Config, load_config
from tests.conftest import REPO


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


# --- a plain install can serve, and knows every config key ---------------------------------------------


def test_defaults_prints_a_config_that_loads_to_the_embedded_defaults(tmp_path: Path) -> None:
    # Config errors name every key; a plain install has no configs/default.yaml, so a command prints them.
    code, stdout, _ = _invoke("defaults")
    assert code == 0
    written = tmp_path / "defaults.yaml"
    written.write_text(stdout, encoding="utf-8")
    loaded = load_config(written)
    assert loaded.fingerprint() == Config().fingerprint()
    assert loaded.flow["fail_above"] == 0.5 and "store" in stdout and "translation" in stdout


def test_an_unknown_key_points_at_a_command_a_plain_install_has(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("batch_sise: 3\n", encoding="utf-8")
    code, _, stderr = _invoke("run", str(REPO / "examples" / "articles"), "-c", str(bad))
    assert code == EXIT_USAGE
    assert "newsdigest defaults" in " ".join(stderr.split())


def test_serve_with_a_bad_store_url_exits_2_before_registering(tmp_path: Path) -> None:
    code, _, stderr = _invoke("serve", "--store", "ftp://host/x")
    assert code == EXIT_USAGE
    assert "ftp:// is not a store" in " ".join(stderr.split())


def test_the_readme_run_deployment_snippet_keeps_out_of_the_demo_store() -> None:
    # The snippet ran the tiny models' gibberish into ./newsdigest-store, which `make demo` then found
    # "unchanged".
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "run_deployment(" in b]
    assert blocks
    for block in blocks:
        calls = [
            node
            for node in ast.walk(ast.parse(block))
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "run_deployment"
        ]
        for call in calls:
            (parameters,) = [k.value for k in call.keywords if k.arg == "parameters"]
            values = ast.literal_eval(parameters)
            assert values.get("store_url") not in (None, "./newsdigest-store", "newsdigest-store"), block


@pytest.mark.parametrize("command", ["serve", "defaults"])
def test_the_new_commands_have_help(command: str) -> None:
    code, stdout, _ = _invoke(command, "--help")
    assert code == 0 and command in stdout


# --- a malformed store URL is a usage error, never a local folder ----------------------------------------


@pytest.mark.parametrize("url", ["s3:/bucket/x", "s3:bucket", "file:/tmp/x", "https:example.org"])
def test_a_scheme_like_store_url_that_is_no_url_exits_2_and_writes_nothing(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, stderr = _invoke("run", str(REPO / "examples" / "articles" / "en-tram-line.txt"), "--store", url)
    assert code == EXIT_USAGE, stderr
    assert "is not followed by '//'" in " ".join(stderr.split())
    assert list(tmp_path.iterdir()) == []  # no folder named `s3:` (or anything else)


def test_a_folder_name_with_a_colon_is_still_a_folder() -> None:
    from pipelines.store.config import check_store_url

    assert check_store_url("./s3:archive") == "./s3:archive"
    assert check_store_url("/data/stores/a:b") == "/data/stores/a:b"
