"""Passwords inside URLs (store endpoint, feed, feed item links) appear nowhere after real runs: not on
stdout/stderr, not in the store, not in PREFECT_HOME (its database included); published article URLs carry
no user-info, and feed credentials come from the environment variable that sources.feeds_auth names."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipelines.redact import redact_text, redact_url, strip_userinfo
from tests.conftest import REPO, free_port

PASSWORD = "PlantedPw-7f3kq9"
USER = "editor"
TRAM = (
    "The city council approved the new tram line on Monday after a long debate. Construction starts in "
    "spring and the first trams should run within three years, the mayor said."
)
HARVEST = (
    "Thousands of visitors came to the harvest festival this weekend. Farmers sold apples, pumpkins and "
    "cider, and the parade drew the largest crowd in a decade."
)
PAGE = "<html><head><title>{title}</title></head><body><article><p>{body}</p></article></body></html>"


def test_redaction_helpers() -> None:
    assert redact_url("https://u:p%40ss@feeds.example:8443/x?q=1") == "https://***@feeds.example:8443/x?q=1"
    assert redact_url("https://feeds.example/x") == "https://feeds.example/x"
    assert strip_userinfo("http://u:pw@[::1]:8080/a#b") == "http://[::1]:8080/a#b"
    assert strip_userinfo("s3://bucket/prefix") == "s3://bucket/prefix"
    text = 'Could not connect to "http://admin:hunter2@10.0.0.5:9000/b" or ftp://x@y/z'
    assert redact_text(text) == 'Could not connect to "http://***@10.0.0.5:9000/b" or ftp://***@y/z'


class AuthSite:
    """A feed and two pages that answer only with the right basic-auth header."""

    def __init__(self) -> None:
        self.routes: dict[str, bytes] = {}
        self.unauthorised = 0
        expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.headers.get("Authorization") != expected:
                    site.unauthorised += 1
                    self.send_response(401)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = site.routes.get(self.path)
                self.send_response(200 if body else 404)
                self.send_header(
                    "Content-Type", "application/rss+xml" if "feed" in self.path else "text/html"
                )
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]


@pytest.fixture
def auth_site() -> Iterator[AuthSite]:
    site = AuthSite()
    thread = threading.Thread(target=site.server.serve_forever, daemon=True)
    thread.start()
    yield site
    site.server.shutdown()
    site.server.server_close()


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=400,
        check=False,
    )


def _files_holding(root: Path, secret: str) -> list[str]:
    return [str(p) for p in root.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


def test_no_password_from_any_url_survives_real_runs(auth_site: AuthSite, tmp_path: Path) -> None:
    base = f"http://127.0.0.1:{auth_site.port}"
    with_password = f"http://{USER}:{PASSWORD}@127.0.0.1:{auth_site.port}"
    items = "".join(
        f"<item><title>{title}</title><link>{link}</link></item>"
        for link, title in ((f"{with_password}/tram", "Tram"), (f"{base}/harvest", "Harvest"))
    )
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Gazette</title>{items}</channel></rss>'
    auth_site.routes = {
        "/feed.xml": feed.encode(),
        "/tram": PAGE.format(title="Tram line approved", body=TRAM).encode(),
        "/harvest": PAGE.format(title="Harvest festival", body=HARVEST).encode(),
    }
    sources = {
        "allow_private_addresses": True,
        "per_host_interval_s": 0,
        "feeds_auth": {"127.0.0.1": "NEWSDIGEST_TEST_FEED_AUTH"},
    }
    config = tmp_path / "feeds.yaml"
    config.write_text(yaml.safe_dump({"sources": sources}))
    home = tmp_path / "prefect-home"
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "PREFECT_HOME": str(home),
        "HF_HUB_OFFLINE": "1",
        "NEWSDIGEST_TEST_FEED_AUTH": f"{USER}:{PASSWORD}",
    }
    env.pop("PREFECT_API_URL", None)
    store = tmp_path / "store"

    # As a flow run (on a temporary Prefect server in PREFECT_HOME): the entries become flow-run
    # parameters in Prefect's database, which must not hold the password either.
    feed_run = _cli(
        [f"{with_password}/feed.xml", "--config", str(config), "--store", str(store), "--prefect"],
        env,
        tmp_path,
    )

    assert feed_run.returncode == 0, feed_run.stdout + feed_run.stderr
    records = [json.loads(p.read_text()) for p in store.glob("records/*/*.json")]
    assert sorted(r["article"]["url"] for r in records) == [f"{base}/harvest", f"{base}/tram"]
    assert {r["article"]["origin"] for r in records} == {
        f"{base}/harvest",
        f"http://***@127.0.0.1:{auth_site.port}/tram",
    }
    assert auth_site.unauthorised == 0  # every request carried the credentials from the environment

    dead = tmp_path / "dead.yaml"
    dead_store = {
        "url": "s3://news/x",
        "endpoint_url": f"http://{USER}:{PASSWORD}@127.0.0.1:{free_port()}",
        "region": "us-east-1",
        "timeout_s": 0.5,
        "retries": 0,
    }
    dead.write_text(yaml.safe_dump({"store": dead_store}))
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "tram.txt").write_text(f"Tram\n{TRAM}")

    dead_run = _cli([str(inputs), "--config", str(dead)], env, tmp_path)

    assert dead_run.returncode == 1 and "127.0.0.1" in dead_run.stderr
    for output in (feed_run.stdout, feed_run.stderr, dead_run.stdout, dead_run.stderr):
        assert PASSWORD not in output
    assert (home / "prefect.db").exists() or list(home.rglob("*.db"))  # the --prefect run wrote there
    assert _files_holding(store, PASSWORD) == []
    assert _files_holding(home, PASSWORD) == []
