"""Clean stops for the command line: SIGINT and SIGTERM end a run with one line and exit code 128 + signal.

The handlers are installed by ``newsdigest run`` around the run only (never at import). A stop leaves the
store consistent without any clean-up: every write is atomic and the manifest is written last, so a
stopped run has published whole articles and no manifest, and the next run finishes the rest.
"""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Stopped(BaseException):
    """SIGINT or SIGTERM asked the run to stop.

    A BaseException, like KeyboardInterrupt: the pipeline turns an ``Exception`` raised while one article is
    processed into that article's failed record and goes on, which must not happen to a stop.
    """

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.signal_name = signal.Signals(signum).name
        super().__init__(self.signal_name)

    @property
    def exit_code(self) -> int:
        """The shell's convention for a process ended by a signal: 130 for SIGINT, 143 for SIGTERM."""
        return 128 + self.signum


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, the first SIGINT or SIGTERM raises :class:`Stopped` in the main thread; a second
    one (an impatient Ctrl-C) ends the process at once with the same exit code. The previous handlers
    are restored on leaving."""
    stopping = False

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        if stopping:
            os._exit(128 + signum)
        stopping = True
        raise Stopped(signum)

    previous = {signum: signal.signal(signum, stop) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


class StopCrashReports(logging.Filter):
    """Drops Prefect's ERROR reports of task and flow runs crashed *by a stop* ("Crash detected! ...
    aborted by a termination signal", "... cancelled by the task runner"), so a stopped flow run also
    ends with the one line the CLI prints. The runs' Crashed states are still recorded by the API."""

    CAUSES = ("termination signal", "cancelled by the task runner", f"{Stopped.__name__}: SIG")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not ("Crash" in message and any(cause in message for cause in self.CAUSES))


@contextmanager
def quiet_stop_crashes() -> Iterator[None]:
    """:class:`StopCrashReports` on Prefect's flow-run and task-run loggers within the block."""
    quiet = StopCrashReports()
    loggers = [logging.getLogger(name) for name in ("prefect.flow_runs", "prefect.task_runs")]
    for logger in loggers:
        logger.addFilter(quiet)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(quiet)
