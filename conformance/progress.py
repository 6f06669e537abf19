"""Progress while the suite runs: a live bar on a terminal, plain timestamped lines in a CI log (no TTY).

Both count results the way the report does (one per check and test or operation), print the first failure of each
check as it happens (the end-of-run summary groups all of them), and never cut a line to the console's width.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import pytest
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from conformance.report.results import clean_message
from conformance.verdicts import Outcome

__all__ = ["LiveProgress", "PlainProgress", "progress_for", "uncaptured"]

#: Seconds between two plain progress lines (CNX_PROGRESS_INTERVAL), so a CI log never goes quiet for long.
INTERVAL = float(os.environ.get("CNX_PROGRESS_INTERVAL", "5") or 5)
_EVENT = 240  # characters of a failure message in a progress line


class _Counting:
    """What both displays share: the pytest hooks and the listener of the conformance session."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.session: Any = None
        self.total: int | None = None
        self.done = 0
        self.current = "collecting"
        self.failed_results = 0
        self.inconclusive = 0
        self.failed_checks: set[str] = set()
        self.started = time.monotonic()
        self.owned: Any = None  # the duplicated descriptor's stream, closed when pytest ends

    def _close(self) -> None:
        if self.owned is not None:
            self.owned.close()
            self.owned = None

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.total = len(session.items)
        self.session = session.config.pluginmanager.get_plugin("cnx-session")
        if self.session is not None:
            self.session.listeners.append(self)
        self.phase(f"running {self.total} tests")

    def pytest_runtest_logstart(self, nodeid: str, location: tuple[str, int | None, str]) -> None:
        self.current = location[2]
        self.changed()

    def pytest_runtest_logfinish(self, nodeid: str, location: tuple[str, int | None, str]) -> None:
        self.done += 1
        self.changed()

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.phase("cleaning up what the run created and writing reports")

    def outcome(self, check_id: str, outcome: Outcome) -> None:
        if outcome.status in ("failed", "error"):
            self.failed_results += 1
            if check_id not in self.failed_checks:
                self.failed_checks.add(check_id)
                where = getattr(outcome, "operation", None) or outcome.nodeid
                first = clean_message(outcome.message or "").splitlines()
                # The first line, shortened: the end-of-run summary has the whole message and a curl line.
                self.event(f"{outcome.status.upper()} {check_id} on {where}: {first[0][:_EVENT] if first else ''}")
        elif outcome.status == "inconclusive":
            self.inconclusive += 1
        self.changed()

    def operation(self, label: str) -> None:
        """The property-based part reports the operation it is generating for."""
        self.current = label
        self.changed()

    def counts(self) -> str:
        return (
            f"failed results {self.failed_results} ({len(self.failed_checks)} checks), "
            f"inconclusive {self.inconclusive}"
        )

    # display hooks
    def phase(self, text: str) -> None: ...
    def event(self, text: str) -> None: ...
    def changed(self) -> None: ...


class PlainProgress(_Counting):
    """CI logs: ``HH:MM:SSZ`` lines per phase, per first failure of a check, and every INTERVAL seconds."""

    def __init__(self, console: Console, interval: float = INTERVAL) -> None:
        super().__init__(console)
        self.interval = interval
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._ticker = threading.Thread(target=self._tick, name="cnx-progress", daemon=True)
        self._ticker.start()
        self.phase("collecting the suite")

    def _line(self, text: str) -> None:
        stamp = time.strftime("%H:%M:%SZ", time.gmtime())
        with self._lock:
            self.console.print(f"{stamp} {text}", markup=False, highlight=False, soft_wrap=True)

    def phase(self, text: str) -> None:
        self._line(f"phase: {text}")

    def event(self, text: str) -> None:
        self._line(text)

    def _tick(self) -> None:
        while not self._stop.wait(self.interval):
            total = f"/{self.total}" if self.total is not None else ""
            elapsed = time.monotonic() - self.started
            self._line(f"progress: {self.done}{total} tests, {elapsed:.0f} s, {self.counts()}; now {self.current}")

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self._stop.set()
        self._ticker.join(timeout=2)
        # The final tally: a failure judged after the last tick (the end-of-run sweeps) is counted here.
        total = f"/{self.total}" if self.total is not None else ""
        self._line(
            f"phase: done in {time.monotonic() - self.started:.0f} s: {self.done}{total} tests, {self.counts()}"
        )
        self._close()


class LiveProgress(_Counting):
    """A terminal: one live bar (rich), the current test or operation in full."""

    def __init__(self, console: Console) -> None:
        super().__init__(console)
        self.progress = Progress(
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[counts]} [bold]{task.fields[current]}"),
            console=console,
            transient=False,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self.task = self.progress.add_task("suite", total=None, current="collecting", counts="")
        self.progress.start()

    def phase(self, text: str) -> None:
        self.current = text
        self.changed()

    def event(self, text: str) -> None:
        self.progress.console.print(text, markup=False, highlight=False, soft_wrap=True)

    def changed(self) -> None:
        self.progress.update(
            self.task, total=self.total, completed=self.done, current=self.current, counts=self.counts()
        )

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self.progress.stop()
        self._close()


def uncaptured(console: Console) -> Console:
    """A console writing to a duplicate of the console's file descriptor, taken before pytest starts.

    pytest captures output per test at the descriptor level: while a test runs, fd 1 and ``sys.stdout`` point at
    that test's capture, so a line the ticker wrote then was lost and a CI log went quiet for minutes. A console
    without a descriptor (a test's StringIO) is returned as it is.
    """
    try:
        fd = console.file.fileno()
    except (AttributeError, OSError, ValueError):
        return console
    stream = os.fdopen(os.dup(fd), "w", buffering=1, encoding="utf-8", errors="backslashreplace", closefd=True)
    return Console(
        file=stream,
        width=None if console.is_terminal else console.width,
        force_terminal=console.is_terminal,
        no_color=console.no_color,
        highlight=False,
        soft_wrap=True,
    )


def progress_for(console: Console) -> _Counting:
    """The live bar on a terminal, plain lines otherwise (CI logs, pipes, files)."""
    own = uncaptured(console)
    progress: _Counting = LiveProgress(own) if console.is_terminal else PlainProgress(own)
    progress.owned = own.file if own is not console else None
    return progress
