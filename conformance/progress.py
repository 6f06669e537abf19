"""Live progress on the terminal while the suite runs: current test or operation, done/total, failures so far."""

from __future__ import annotations

from typing import Any

import pytest
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from conformance.verdicts import Outcome

__all__ = ["LiveProgress"]


class LiveProgress:
    """A pytest plugin (registered by the CLI) plus a listener of per-check outcomes."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.failures = 0
        self.inconclusive = 0
        self.progress = Progress(
            TextColumn("[bold]{task.fields[current]:<48.48}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("failures [red]{task.fields[failures]}[/] inconclusive [yellow]{task.fields[inconclusive]}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self.task = self.progress.add_task("suite", total=None, current="collecting", failures=0, inconclusive=0)
        self.session: Any = None

    # -- pytest hooks -------------------------------------------------------------------------------------------
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.progress.update(self.task, total=len(session.items))
        self.session = session.config.pluginmanager.get_plugin("cnx-session")
        if self.session is not None:
            self.session.listeners.append(self)
        self.progress.start()

    def pytest_runtest_logstart(self, nodeid: str, location: tuple[str, int | None, str]) -> None:
        self.progress.update(self.task, current=location[2])

    def pytest_runtest_logfinish(self, nodeid: str, location: tuple[str, int | None, str]) -> None:
        self.progress.advance(self.task)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.progress.update(self.task, current="cleaning up and writing reports")

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self.progress.stop()

    # -- listener of the conformance session --------------------------------------------------------------------
    def outcome(self, check_id: str, outcome: Outcome) -> None:
        if outcome.status in ("failed", "error"):
            self.failures += 1
            self.console.print(f"[red]{outcome.status.upper()}[/] {check_id}  {outcome.nodeid}")
        elif outcome.status == "inconclusive":
            self.inconclusive += 1
        self.progress.update(self.task, failures=self.failures, inconclusive=self.inconclusive)

    def operation(self, label: str) -> None:
        """The property-based part reports the operation it is generating for."""
        self.progress.update(self.task, current=label)
