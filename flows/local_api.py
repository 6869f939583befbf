"""A Prefect API for a flow run started by ``newsdigest run`` where none is configured.

Prefect would start its own temporary server (a uvicorn subprocess) on first use, but as a plain child in
the CLI's process group: a SIGTERM or Ctrl-C sent to the group stops the server first, and the flow run
then retries the dead API for minutes before failing with a connection error; after ``kill -9`` of the CLI
the server lives on. The server started here is the same application, started the same way, except that
it runs in its own session (signals sent to the CLI's process group do not reach it), it is stopped when
the run ends however it ends, and on Linux the kernel sends it SIGTERM when the CLI dies, ``kill -9``
included (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import prefect
from prefect.context import refresh_global_settings_context
from prefect.events.worker import EventsWorker
from prefect.logging.handlers import APILogWorker
from prefect.settings import get_current_settings

from pipelines import ConfigError

_PR_SET_PDEATHSIG = 1


@contextmanager
def prefect_api() -> Iterator[str | None]:
    """The configured Prefect API (yields None), else a temporary server for the block (yields its URL),
    which every Prefect client of this process uses, background threads included."""
    settings = get_current_settings()
    if settings.api.url:
        yield None
        return
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api"
    server = _start_server(port)
    try:
        _wait_until_healthy(server, url, settings.server.ephemeral.startup_timeout_seconds)
        os.environ["PREFECT_API_URL"] = url
        refresh_global_settings_context()
        yield url
    finally:
        # Logs and events still queued go out now, while the server is there to take them.
        APILogWorker.drain_all(timeout=5)
        EventsWorker.drain_all(timeout=5)
        os.environ.pop("PREFECT_API_URL", None)
        refresh_global_settings_context()
        server.terminate()
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _start_server(port: int) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        # what Prefect's own temporary server is started with (no UI; ephemeral-mode services)
        "PREFECT_UI_ENABLED": "0",
        "PREFECT__SERVER_EPHEMERAL": "1",
        "PREFECT__SERVER_FINAL": "1",
        **get_current_settings().to_environment_variables(exclude_unset=True),
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--app-dir",
        str(Path(prefect.__file__).parent.parent),
        "--factory",
        "prefect.server.api.server:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "error",
        "--lifespan",
        "on",
    ]
    parent = os.getpid()
    return subprocess.Popen(
        command,
        env=environment,
        start_new_session=True,
        preexec_fn=(lambda: _die_with(parent)) if sys.platform == "linux" else None,
    )


def _die_with(parent: int) -> None:
    """In the server's process, before it runs: ask the kernel for SIGTERM when the CLI dies."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the CLI died before the request took effect
        os._exit(1)


def _wait_until_healthy(server: subprocess.Popen[bytes], url: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    with httpx.Client() as client:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise ConfigError(
                    f"Prefect's temporary server exited with code {server.returncode} while starting: set "
                    "PREFECT_API_URL to a running server (`prefect server start`), or run without --prefect"
                )
            try:
                if client.get(f"{url}/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    raise ConfigError(
        f"Prefect's temporary server did not answer within {timeout_s:.0f} s "
        "(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS): set PREFECT_API_URL to a running server "
        "(`prefect server start`), or run without --prefect"
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
